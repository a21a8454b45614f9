// `openpeering apply -f FILE.yaml`: makes the registry hold what the file describes, through
// the HTTP API, in dependency order. Names are identities; a second run changes nothing.
// Approvals and connection lifecycles are walked one legal step at a time.
import fs from 'node:fs';
import type { Command } from 'commander';
import YAML from 'yaml';
import { CONNECTION_STATES, type ConnectionState, pathTo } from '../registry/lifecycle.js';
import { ApiError, CliError, Client, seg as P } from './client.js';

type Obj = Record<string, any>;
type Change = 'created' | 'updated' | 'unchanged';

/** `steps` counts lifecycle moves (ASN approvals, connection states), which are not edits of a resource. */
export interface ApplyReport {
  created: number;
  updated: number;
  unchanged: number;
  steps: number;
  lines: string[];
}

const TOP_KEYS = ['operator', 'pops', 'partners', 'customers'];

function list(v: unknown, where: string): Obj[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new CliError(`${where} must be a list`, 2);
  v.forEach((x, i) => {
    if (!x || typeof x !== 'object' || Array.isArray(x)) throw new CliError(`${where}[${i}] must be a mapping`, 2);
  });
  return v as Obj[];
}

function need(o: Obj, key: string, where: string): any {
  if (o[key] === undefined || o[key] === null || o[key] === '') throw new CliError(`${where}: ${key} is required`, 2);
  return o[key];
}

const omit = (o: Obj, keys: string[]) => Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));

export async function apply(client: Client, doc: unknown, say: (line: string) => void = () => {}): Promise<ApplyReport> {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new CliError('the file must be a mapping with operator, pops, partners and customers', 2);
  const unknown = Object.keys(doc).filter((k) => !TOP_KEYS.includes(k));
  if (unknown.length) throw new CliError(`unknown top-level key(s) ${unknown.join(', ')}; known: ${TOP_KEYS.join(', ')}`, 2);
  const w = doc as Obj;
  const report: ApplyReport = { created: 0, updated: 0, unchanged: 0, steps: 0, lines: [] };
  const step = (what: string) => {
    report.steps++;
    const line = `moved     ${what}`;
    report.lines.push(line);
    say(line);
  };
  const note = (change: Change, what: string) => {
    report[change]++;
    const line = `${change.padEnd(9)} ${what}`;
    report.lines.push(line);
    if (change !== 'unchanged') say(line);
  };
  const put = async (what: string, path: string, body: Obj): Promise<Obj> => {
    try {
      const res = await client.request('PUT', path, body);
      note((res as any).change ?? 'updated', what);
      return res.data;
    } catch (e) {
      if (e instanceof ApiError) throw new CliError(`${what}: ${e.message}`);
      throw e;
    }
  };
  const post = async (what: string, path: string, body: Obj): Promise<Obj> => {
    try {
      return (await client.request('POST', path, body)).data;
    } catch (e) {
      if (e instanceof ApiError) throw new CliError(`${what}: ${e.message}`);
      throw e;
    }
  };

  if (w.operator) await put('operator', '/v1/operator', w.operator);

  for (const [i, pop] of list(w.pops, 'pops').entries()) {
    const code = need(pop, 'code', `pops[${i}]`);
    await put(`pop ${code}`, `/v1/pops/${P(code)}`, omit(pop, ['code', 'routers']));
    for (const [j, r] of list(pop.routers, `pops[${code}].routers`).entries()) {
      const name = need(r, 'name', `pops[${code}].routers[${j}]`);
      await put(`router ${code}/${name}`, `/v1/pops/${P(code)}/routers/${P(name)}`, omit(r, ['name']));
    }
  }

  const partners = list(w.partners, 'partners');
  for (const [i, partner] of partners.entries()) {
    const pn = need(partner, 'name', `partners[${i}]`);
    await put(`partner ${pn}`, `/v1/partners/${P(pn)}`, omit(partner, ['name', 'asns', 'peerings']));
    for (const [j, a] of list(partner.asns, `partners[${pn}].asns`).entries()) {
      const asn = need(a, 'asn', `partners[${pn}].asns[${j}]`);
      const cur = await put(`peer ASN ${pn}/${asn}`, `/v1/partners/${P(pn)}/asns/${P(asn)}`, omit(a, ['asn', 'state', 'message']));
      const want = a.state ?? 'pending';
      if (want !== cur.state && want !== 'pending') {
        await post(`peer ASN ${pn}/${asn}`, `/v1/partners/${P(pn)}/asns/${P(asn)}/approval`, { state: want, ...(a.message ? { message: a.message } : {}) });
        step(`peer ASN ${pn}/${asn} ${cur.state} -> ${want}`);
      }
    }
  }

  for (const partner of partners) {
    const pn = partner.name;
    for (const [j, pe] of list(partner.peerings, `partners[${pn}].peerings`).entries()) {
      const name = need(pe, 'name', `partners[${pn}].peerings[${j}]`);
      const conns = list(pe.connections, `peering ${pn}/${name}.connections`);
      const body = { ...omit(pe, ['name', 'registeredPrefixes', 'registeredAsns']), connections: conns.map((c) => omit(c, ['state'])) };
      const cur = await put(`peering ${pn}/${name}`, `/v1/partners/${P(pn)}/peerings/${P(name)}`, body);
      for (const c of conns) {
        if (!c.state) continue;
        const want = c.state as ConnectionState;
        if (!CONNECTION_STATES.includes(want))
          throw new CliError(`connection ${pn}/${name}/${c.name}: unknown state ${want} (known: ${CONNECTION_STATES.join(', ')})`, 2);
        const have = cur.connections.find((x: Obj) => x.name === c.name)?.state as ConnectionState;
        const steps = pathTo(have, want);
        if (!steps) throw new CliError(`connection ${pn}/${name}/${c.name} is ${have}; apply cannot take it to ${want} by legal steps`);
        for (const s of steps) {
          await post(`connection ${pn}/${name}/${c.name}`, `/v1/partners/${P(pn)}/peerings/${P(name)}/connections/${P(c.name)}/state`, { state: s });
        }
        if (steps.length) step(`connection ${pn}/${name}/${c.name} ${have} -> ${want} (${steps.length} step${steps.length > 1 ? 's' : ''})`);
      }
      for (const [k, rp] of list(pe.registeredPrefixes, `peering ${pn}/${name}.registeredPrefixes`).entries()) {
        const rn = need(rp, 'name', `peering ${pn}/${name}.registeredPrefixes[${k}]`);
        await put(`registered prefix ${pn}/${name}/${rn}`, `/v1/partners/${P(pn)}/peerings/${P(name)}/registered-prefixes/${P(rn)}`, omit(rp, ['name']));
      }
      for (const [k, ra] of list(pe.registeredAsns, `peering ${pn}/${name}.registeredAsns`).entries()) {
        const rn = need(ra, 'name', `peering ${pn}/${name}.registeredAsns[${k}]`);
        await put(`registered ASN ${pn}/${name}/${rn}`, `/v1/partners/${P(pn)}/peerings/${P(name)}/registered-asns/${P(rn)}`, omit(ra, ['name']));
      }
    }
  }

  for (const [i, cu] of list(w.customers, 'customers').entries()) {
    const cn = need(cu, 'name', `customers[${i}]`);
    await put(`customer ${cn}`, `/v1/customers/${P(cn)}`, omit(cu, ['name', 'peeringServices']));
    for (const [j, ps] of list(cu.peeringServices, `customers[${cn}].peeringServices`).entries()) {
      const sn = need(ps, 'name', `customers[${cn}].peeringServices[${j}]`);
      await put(`peering service ${cn}/${sn}`, `/v1/customers/${P(cn)}/peering-services/${P(sn)}`, omit(ps, ['name', 'prefixes']));
      for (const [k, px] of list(ps.prefixes, `peering service ${cn}/${sn}.prefixes`).entries()) {
        const xn = need(px, 'name', `peering service ${cn}/${sn}.prefixes[${k}]`);
        const got = await put(`prefix ${cn}/${sn}/${xn}`, `/v1/customers/${P(cn)}/peering-services/${P(sn)}/prefixes/${P(xn)}`, omit(px, ['name']));
        if (got.state === 'Invalid' || got.state === 'Failed') say(`warning   prefix ${cn}/${sn}/${xn} is ${got.state}: ${got.errorMessage}`);
      }
    }
  }
  return report;
}

export function registerApply(program: Command): void {
  program
    .command('apply')
    .description(
      'create or update everything a YAML file describes (operator, pops, routers, partners, ASNs, peerings, ' +
        'registrations, customers, peering services, prefixes); running it twice changes nothing',
    )
    .requiredOption('-f, --file <file.yaml>', 'the world to apply, e.g. examples/world.yaml')
    .option('-v, --verbose', 'also list what was already up to date')
    .addHelpText('after', "\nThe file's shape is documented in examples/world.yaml. Uses OPENPEERING_URL and OPENPEERING_API_KEY (an operator key).")
    .action(async (opts: { file: string; verbose?: boolean }) => {
      let doc: unknown;
      try {
        doc = YAML.parse(fs.readFileSync(opts.file, 'utf8'));
      } catch (e) {
        throw new CliError(`cannot read ${opts.file}: ${(e as Error).message}`, 2);
      }
      const report = await apply(new Client(), doc, (line) => process.stdout.write(line + '\n'));
      if (opts.verbose) for (const l of report.lines.filter((x) => x.startsWith('unchanged'))) process.stdout.write(l + '\n');
      process.stdout.write(
        `applied ${opts.file}: ${report.created} created, ${report.updated} updated, ${report.unchanged} unchanged, ${report.steps} lifecycle moves\n`,
      );
    });
}
