// list / get / create / delete for every registry resource, over the HTTP API, plus the few
// actions that are not plain writes (approve an ASN, move a connection, create a key).
import fs from 'node:fs';
import type { TSchema } from '@sinclair/typebox';
import { type Command, Option } from 'commander';
import YAML from 'yaml';
import { CliError, Client, seg as P } from './client.js';
import { type Flags, PARENT_HELP, type Parent, RESOURCES, type ResourceDef } from './resource-table.js';
import { type Column, formatTable } from './table.js';

/** Fills parent names, defaulting partner/customer to the calling key's own tenant. */
async function parents(client: Client, def: ResourceDef, flags: Flags): Promise<Record<Parent, string>> {
  const out = {} as Record<Parent, string>;
  let me: any;
  for (const p of def.parents) {
    let v = flags[p];
    if (!v && (p === 'partner' || p === 'customer')) {
      me ??= await client.get('/v1/whoami');
      v = me[p] ?? undefined;
    }
    if (!v) throw new CliError(`${def.command}: --${p} is required (${PARENT_HELP[p]})`, 2);
    out[p] = v;
  }
  return out;
}

/** Builds a request body from -f FILE (YAML or JSON), --data JSON and field=value pairs (dotted paths). */
/** The JSON type(s) the input schema gives the field at `path`, if it says. */
function fieldType(schema: TSchema | undefined, path: string[]): unknown {
  let at: any = schema;
  for (const k of path) at = at?.properties?.[k];
  return at?.type;
}

/**
 * A request body from -f FILE, --data JSON and field=value pairs. A value is JSON when it parses as
 * JSON, except where the input schema says the field is text: the API refuses a number where text
 * belongs, so `md5Key=12345678` or `name=2024` stay strings (`null` still clears a nullable field).
 */
export function buildBody(flags: Flags, pairs: string[], schema?: TSchema): Record<string, unknown> {
  let body: Record<string, unknown> = {};
  if (flags.file) body = YAML.parse(fs.readFileSync(flags.file, 'utf8')) ?? {};
  if (flags.data) body = { ...body, ...JSON.parse(flags.data) };
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new CliError(`"${pair}" is not field=value`, 2);
    const path = pair.slice(0, eq).split('.');
    const raw = pair.slice(eq + 1);
    let value: unknown = raw;
    const type = fieldType(schema, path);
    const types = Array.isArray(type) ? type : [type];
    if (types.includes('string') && !types.some((t) => t === 'number' || t === 'integer' || t === 'boolean')) {
      value = raw === 'null' && types.includes('null') ? null : raw;
    } else {
      try {
        value = JSON.parse(raw); // numbers, booleans, null, arrays and objects
      } catch {
        // a plain string
      }
    }
    let at: any = body;
    for (const k of path.slice(0, -1)) at = at[k] ??= {};
    at[path[path.length - 1]!] = value;
  }
  return body;
}

function print(flags: Flags, data: unknown, columns?: Column<any>[]): void {
  if (flags.json || !columns) {
    process.stdout.write(JSON.stringify(data, null, 2) + '\n');
    return;
  }
  const items = Array.isArray(data) ? data : [data];
  process.stdout.write(formatTable(items, columns));
}

function addParents(cmd: Command, def: ResourceDef): Command {
  for (const p of def.parents) cmd.option(`--${p} <name>`, PARENT_HELP[p]);
  return cmd;
}

export function registerResources(program: Command): void {
  for (const def of RESOURCES) {
    const plural = def.whats ?? `${def.what}s`;
    const group = program.command(def.command).description(`${plural}: list, get, create, delete`);
    if (def.command === 'prefixes') {
      group.addHelpText('after', '\nA partner key lists the customer prefixes that use its keys with: openpeering prefixes list --partner NAME');
    }

    const list = addParents(group.command('list').description(`list ${plural}`), def)
      .option('--limit <n>', 'items per page; without it every page is fetched')
      .option('--cursor <cursor>', 'continue from a previous page')
      .option('--json', 'print JSON instead of a table');
    if (def.command === 'prefixes')
      list.addOption(new Option('--partner <name>', "as a partner: prefixes that use this partner's keys").conflicts(['customer', 'service']));
    list.action(async (flags: Flags) => {
      const client = new Client();
      if (def.command === 'prefixes' && flags.partner) {
        return print(flags, await client.all(`/v1/partners/${P(flags.partner)}/customer-prefixes`), [
          ['CUSTOMER', (x: any) => x.customer],
          ['SERVICE', (x: any) => x.peeringService],
          ...def.columns,
          ['VIA', (x: any) => `${x.peering}/${x.registration}`],
        ]);
      }
      const path = def.collection(await parents(client, def, flags));
      if (def.command === 'connections') {
        const peering = await client.get(path.replace(/\/connections$/, ''));
        return print(flags, peering.connections, def.columns);
      }
      if (flags.limit || flags.cursor) {
        const q = new URLSearchParams();
        if (flags.limit) q.set('limit', flags.limit);
        if (flags.cursor) q.set('cursor', flags.cursor);
        const page = await client.get(`${path}?${q}`);
        print(flags, flags.json ? page : page.items, def.columns);
        if (!flags.json && page.nextCursor) process.stdout.write(`more: --cursor ${page.nextCursor}\n`);
        return;
      }
      print(flags, await client.all(path), def.columns);
    });

    addParents(group.command('get').argument(`<${def.id}>`).description(`show one ${def.what} as JSON`), def).action(async (id: string, flags: Flags) => {
      const client = new Client();
      print({ ...flags, json: true }, await client.get(`${def.collection(await parents(client, def, flags))}/${P(id)}`));
    });

    const create = group
      .command('create')
      .description(`create or update a ${def.what} from field=value pairs, -f FILE or --data JSON`)
      .option('-f, --file <file>', 'YAML or JSON body')
      .option('--data <json>', 'JSON body')
      .option('--json', 'print the result as JSON');
    if (def.create === 'post') create.argument('[field=value...]');
    else create.argument(`<${def.id}>`).argument('[field=value...]');
    create.addHelpText(
      'after',
      `\nFields:\n${describeFields(def.input)}${def.example ? `\nExample:\n  ${def.example}\n` : ''}` +
        '\nValues are JSON when they parse as JSON (numbers, true, ["a","b"]), strings otherwise (always for text fields); dotted names nest (location.country=NL).',
    );
    addParents(create, def).action(async (...args: unknown[]) => {
      const client = new Client();
      if (def.create === 'post') {
        const [pairs, flags] = args as [string[], Flags];
        const { data } = await client.request('POST', def.collection({} as any), buildBody(flags, pairs, def.input));
        if (def.command === 'api-keys' && !flags.json) {
          process.stdout.write(formatTable([data.key], def.columns));
          process.stdout.write(`\nsecret (shown once — store it now):\n  ${data.secret}\n`);
          return;
        }
        return print(flags, data);
      }
      const [id, pairs, flags] = args as [string, string[], Flags];
      const res = await client.request('PUT', `${def.collection(await parents(client, def, flags))}/${P(id)}`, buildBody(flags, pairs, def.input));
      if (flags.json) return print(flags, res.data);
      process.stdout.write(`${def.what} ${id} ${res.status === 201 ? 'created' : 'saved'}\n`);
      print(flags, res.data, def.columns);
    });

    addParents(group.command('delete').argument(`<${def.id}>`).description(`delete a ${def.what}`), def).action(async (id: string, flags: Flags) => {
      const client = new Client();
      await client.request('DELETE', `${def.collection(await parents(client, def, flags))}/${P(id)}`);
      process.stdout.write(`${def.what} ${id} deleted\n`);
    });
  }
  registerActions(program);
}

function registerActions(program: Command): void {
  const asns = program.commands.find((c) => c.name() === 'asns')!;
  asns
    .command('approve')
    .argument('<asn>')
    .description('approve a peer ASN (operator)')
    .option('--partner <name>', 'partner name')
    .action(async (asn: string, flags: Flags) => {
      const partner = required(flags.partner, 'partner');
      const r = await new Client().request('POST', `/v1/partners/${P(partner)}/asns/${P(asn)}/approval`, { state: 'approved' });
      process.stdout.write(`ASN ${asn} ${r.data.state}\n`);
    });
  asns
    .command('fail')
    .argument('<asn>')
    .description('fail a peer ASN with a reason (operator)')
    .option('--partner <name>', 'partner name')
    .requiredOption('--message <text>', 'why it failed, for the partner')
    .action(async (asn: string, flags: Flags & { message: string }) => {
      const partner = required(flags.partner, 'partner');
      const r = await new Client().request('POST', `/v1/partners/${P(partner)}/asns/${P(asn)}/approval`, { state: 'failed', message: flags.message });
      process.stdout.write(`ASN ${asn} ${r.data.state}: ${r.data.errorMessage}\n`);
    });

  const conns = program.commands.find((c) => c.name() === 'connections')!;
  conns
    .command('state')
    .argument('<connection>')
    .argument('<state>', 'the next lifecycle state, e.g. Approved or Active')
    .description('move a connection along its lifecycle (operator)')
    .option('--partner <name>', 'partner name')
    .option('--peering <name>', 'peering name')
    .option('--message <text>', 'why (needed for ProvisioningFailed)')
    .action(async (name: string, state: string, flags: Flags & { message?: string }) => {
      const path = `/v1/partners/${P(required(flags.partner, 'partner'))}/peerings/${P(required(flags.peering, 'peering'))}/connections/${P(name)}/state`;
      const r = await new Client().request('POST', path, { state, ...(flags.message ? { message: flags.message } : {}) });
      process.stdout.write(`connection ${name} is ${r.data.state}\n`);
    });

  const keys = program.commands.find((c) => c.name() === 'api-keys')!;
  keys
    .command('rotate')
    .argument('<id>')
    .description('give a key a new secret, same id, role and scope (operator); prints the secret once')
    .option('--grace <seconds>', 'how long the old secret keeps working (default 0: it stops now)')
    .option('--json', 'print the result as JSON')
    .action(async (id: string, flags: Flags & { grace?: string }) => {
      if (flags.grace !== undefined && !/^(0|[1-9][0-9]*)$/.test(flags.grace)) throw new CliError(`--grace ${flags.grace}: expected whole seconds`, 2);
      const r = await new Client().request('POST', `/v1/api-keys/${P(id)}/rotate`, flags.grace !== undefined ? { graceSeconds: Number(flags.grace) } : {});
      if (flags.json) {
        process.stdout.write(JSON.stringify(r.data, null, 2) + '\n');
        return;
      }
      const until = flags.grace && flags.grace !== '0' ? `keeps working for ${flags.grace} s` : 'no longer works';
      process.stdout.write(`API key ${id} rotated; the old secret ${until}\nsecret (shown once — store it now):\n  ${r.data.secret}\n`);
    });

  const peerings = program.commands.find((c) => c.name() === 'peerings')!;
  peerings
    .command('change-type')
    .argument('<peering>')
    .argument('<type>')
    .description('request a type change for a peering')
    .option('--partner <name>', 'partner name')
    .action(async (name: string, type: string, flags: Flags) => {
      const r = await new Client().request('POST', `/v1/partners/${P(required(flags.partner, 'partner'))}/peerings/${P(name)}/change-type`, { type });
      process.stdout.write(`peering ${name}: type change to ${r.data.requestedType} requested\n`);
    });

  const catalog = program.command('catalog').description('what customers can choose from: countries, locations, providers, availability');
  catalog
    .command('countries')
    .option('--json')
    .action(async (f: Flags) => print(f, (await new Client().get('/v1/catalog/countries')).items, [['COUNTRY', (x) => x.code]]));
  catalog
    .command('locations')
    .option('--country <cc>')
    .option('--json')
    .action(async (f: Flags & { country?: string }) =>
      print(f, (await new Client().get(`/v1/catalog/locations${f.country ? `?country=${P(f.country)}` : ''}`)).items, [
        ['COUNTRY', (x) => x.country],
        ['REGION', (x) => x.region],
        ['LAT', (x) => x.lat],
        ['LON', (x) => x.lon],
      ]),
    );
  catalog
    .command('providers')
    .option('--json')
    .action(async (f: Flags) =>
      print(f, (await new Client().get('/v1/catalog/providers')).items, [
        ['NAME', (x) => x.name],
        ['KIND', (x) => x.kind],
        ['DISPLAY NAME', (x) => x.displayName],
        ['POPS', (x) => x.pops.map((p: any) => p.code)],
      ]),
    );
  catalog
    .command('availability')
    .argument('<provider>')
    .requiredOption('--country <cc>')
    .option('--region <region>')
    .option('--lat <deg>')
    .option('--lon <deg>')
    .option('--json')
    .description('is the provider within 1000 miles of the location?')
    .action(async (provider: string, f: Flags & { country: string; region?: string; lat?: string; lon?: string }) => {
      const location: Record<string, unknown> = { country: f.country, ...(f.region ? { region: f.region } : {}) };
      if (f.lat !== undefined) location.lat = Number(f.lat);
      if (f.lon !== undefined) location.lon = Number(f.lon);
      const { data } = await new Client().request('POST', '/v1/catalog/availability', { provider, location });
      print(f, data, [
        ['PROVIDER', (x) => x.provider],
        ['AVAILABILITY', (x) => x.availability],
        ['NEAREST POP', (x) => x.nearestPop],
        ['MILES', (x) => x.distanceMiles],
      ]);
    });

  program
    .command('whoami')
    .description('the role and scope of OPENPEERING_API_KEY')
    .option('--json')
    .action(async (f: Flags) =>
      print(f, await new Client().get('/v1/whoami'), [
        ['ROLE', (x) => x.role],
        ['KEY', (x) => `${x.keyId} (${x.keyName})`],
        ['SCOPE', (x) => x.partner ?? x.customer ?? 'all'],
      ]),
    );
}

/** One line per body field: name, whether required, allowed values or description. */
export function describeFields(schema: TSchema, indent = '  '): string {
  const props = (schema.properties ?? {}) as Record<string, TSchema>;
  const req = new Set<string>((schema.required as string[] | undefined) ?? []);
  const width = Math.max(...Object.keys(props).map((k) => k.length));
  return Object.entries(props)
    .map(([name, p]) => {
      const type = Array.isArray(p.type) ? p.type.filter((t: string) => t !== 'null').join('|') : (p.type ?? 'value');
      const what = p.enum
        ? `one of ${(p.enum as string[]).join(', ')}`
        : p.type === 'array'
          ? `list (JSON)`
          : p.type === 'object'
            ? 'object (dotted names or JSON)'
            : type;
      const note = p.description ? ` — ${p.description}` : '';
      return `${indent}${name.padEnd(width)}  ${req.has(name) ? 'required' : 'optional'}  ${what}${note}\n`;
    })
    .join('');
}

function required(v: string | undefined, flag: string): string {
  if (!v) throw new CliError(`--${flag} is required`, 2);
  return v;
}
