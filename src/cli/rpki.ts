// `openpeering rpki check PREFIX ORIGIN-AS (--vrps FILE | --rtr HOST:PORT) [--slurm FILE] [--json]`:
// the route origin validation state of one route (RFC 6811) with every covering VRP explained.
import type { Command } from 'commander';
import { CliError } from './client.js';

interface CheckOptions {
  vrps?: string;
  rtr?: string;
  slurm?: string;
  json?: boolean;
  timeout: string;
  rtrVersion: string;
}

export function registerRpki(program: Command): void {
  const rpki = program.command('rpki').description('RPKI route origin validation: VRPs from files or an RTR cache, SLURM exceptions');

  rpki
    .command('check')
    .description('print the validation state (valid, invalid, not-found) of a route and the VRPs that cover it')
    .argument('<prefix>', 'the route, e.g. 192.0.2.0/24 or 2001:db8::/48')
    .argument('<origin-as>', 'its origin AS: 64500, AS64500, or NONE when the AS_PATH ends in an AS_SET')
    .option('--vrps <file>', 'VRPs from a file: rpki-client or Routinator output, JSON or CSV (format detected)')
    .option('--rtr <host:port>', 'VRPs from an RTR cache (RFC 8210), e.g. 127.0.0.1:8282 or [::1]:8282')
    .option('--slurm <file>', 'local exceptions (RFC 8416 SLURM): prefix filters and assertions')
    .option('--json', 'print JSON instead of text')
    .option('--timeout <seconds>', 'how long to wait for the RTR cache', '60')
    .option('--rtr-version <n>', 'highest RTR version to offer (1, or 0 for RFC 6810 caches)', '1')
    .addHelpText(
      'after',
      `
The state follows RFC 6811: a VRP covers the route when its prefix equals or contains the route;
it matches when its AS is the route's origin AS and the route is no longer than its maxLength.
  valid      some covering VRP matches
  invalid    VRPs cover the route, none matches (wrong origin, too specific, AS0 VRP, or origin NONE)
  not-found  no VRP covers the route
Exit code 0 for any of the three; 1 when the cache cannot be reached, 2 for bad arguments or files.

Examples:
  openpeering rpki check 1.1.1.0/24 AS13335 --vrps vrps.json
  openpeering rpki check 1.1.1.0/24 13335 --vrps vrps.csv --slurm local.slurm.json
  openpeering rpki check 2001:db8::/48 AS64500 --rtr 127.0.0.1:8282 --json
  openpeering rpki check 203.0.113.0/24 NONE --vrps vrps.json        # a route whose path ends in an AS_SET

Files: rpki-client JSON {"roas":[{"asn":13335,"prefix":"1.0.0.0/24","maxLength":24,"ta":"apnic"}]},
  Routinator JSON (the same with "asn":"AS13335"), and CSV with the header
  ASN,IP Prefix,Max Length,Trust Anchor (AS13335,1.0.0.0/24,24,apnic).`,
    )
    .action(async (prefixText: string, originText: string, opts: CheckOptions) => {
      const { parsePrefixStrict } = await import('../net/prefix.js');
      const { parseAsn } = await import('../rpki/vrp.js');
      const { explainRoute, formatOrigin } = await import('../rpki/rov.js');
      const { formatVrp } = await import('../rpki/vrp.js');
      const { formatPrefix } = await import('../net/prefix.js');

      const pr = parsePrefixStrict(prefixText);
      if (!pr.ok)
        throw new CliError(
          `bad prefix ${JSON.stringify(prefixText)}: ${pr.reason === 'host-bits' ? 'host bits set beyond the length' : pr.reason === 'length' ? 'length out of range' : 'expected e.g. 192.0.2.0/24'}`,
          2,
        );
      let origin: number | null;
      if (/^none$/i.test(originText)) origin = null;
      else {
        const a = parseAsn(originText);
        if (typeof a === 'string') throw new CliError(`origin AS: ${a}, or NONE`, 2);
        origin = a;
      }
      if (!opts.vrps === !opts.rtr) throw new CliError('give exactly one VRP source: --vrps FILE or --rtr HOST:PORT', 2);

      const slurm = opts.slurm ? await loadSlurm(opts.slurm) : undefined;
      const { table, source } = opts.vrps ? await fromFile(opts.vrps, slurm) : await fromRtr(opts.rtr!, opts, slurm);
      const r = explainRoute(table, pr.prefix, origin);

      if (opts.json) {
        process.stdout.write(
          JSON.stringify(
            {
              prefix: formatPrefix(r.prefix),
              origin: r.origin === null ? 'NONE' : r.origin,
              state: r.state,
              vrps: r.vrps.map((c) => ({
                prefix: formatPrefix(c.vrp.prefix),
                maxLength: c.vrp.maxLength,
                asn: c.vrp.asn,
                ...(c.vrp.ta ? { ta: c.vrp.ta } : {}),
                matches: c.matches,
                reason: c.reason,
              })),
              source: { ...source, vrps: table.size, ...(slurm ? { slurm: opts.slurm, notes: slurm.notes } : {}) },
            },
            null,
            2,
          ) + '\n',
        );
        return;
      }
      const out: string[] = [`${formatPrefix(r.prefix)} from ${formatOrigin(r.origin)}: ${r.state}`];
      if (r.vrps.length === 0) out.push(`no VRP covers ${formatPrefix(r.prefix)}`);
      else {
        out.push(`covering VRPs (${r.vrps.length}):`);
        for (const c of r.vrps) out.push(`  ${c.matches ? 'match   ' : 'no match'}  ${formatVrp(c.vrp)}: ${c.reason}`);
      }
      out.push(`(${table.size} VRPs from ${source.text}${slurm ? `, SLURM ${opts.slurm}: ${slurm.summary}` : ''})`);
      for (const n of slurm?.notes ?? []) out.push(`note: ${n}`);
      process.stdout.write(out.join('\n') + '\n');
    });
}

async function loadSlurm(file: string) {
  const { loadSlurmFile, SlurmError } = await import('../rpki/slurm.js');
  try {
    return loadSlurmFile(file);
  } catch (e) {
    if (e instanceof SlurmError) throw new CliError(e.message, 2);
    throw e;
  }
}

async function fromFile(file: string, slurm: import('../rpki/slurm.js').Slurm | undefined) {
  const { loadVrpFile, VrpFileError } = await import('../rpki/load/vrp-file.js');
  const { VrpTable } = await import('../rpki/table.js');
  let f: ReturnType<typeof loadVrpFile>;
  try {
    f = loadVrpFile(file);
  } catch (e) {
    if (e instanceof VrpFileError) throw new CliError(e.message, 2);
    throw e;
  }
  const table = VrpTable.from(slurm ? slurm.apply(f.vrps) : f.vrps);
  return { table, source: { file, format: f.format, text: `${file} (${f.format})` } };
}

async function fromRtr(target: string, opts: CheckOptions, slurm: import('../rpki/slurm.js').Slurm | undefined) {
  const { RtrClient } = await import('../rpki/rtr/client.js');
  const hp = (await import('../rpki/source.js')).parseHostPort(target);
  if (!hp) throw new CliError(`--rtr ${JSON.stringify(target)}: expected HOST:PORT, e.g. 127.0.0.1:8282 or [::1]:8282`, 2);
  const { host, port } = hp;
  const seconds = Number(opts.timeout);
  if (!(seconds > 0)) throw new CliError('--timeout must be a positive number of seconds', 2);
  if (opts.rtrVersion !== '0' && opts.rtrVersion !== '1') throw new CliError('--rtr-version must be 0 or 1', 2);
  const client = new RtrClient({
    host,
    port,
    version: Number(opts.rtrVersion) as 0 | 1,
    minBackoffMs: 500,
    maxBackoffMs: 2000,
    responseTimeoutMs: seconds * 1000,
    ...(slurm ? { slurm } : {}),
  });
  client.start();
  try {
    const s = await client.waitSynced(seconds * 1000);
    return {
      table: client.table,
      source: {
        rtr: `${host}:${port}`,
        version: s.version,
        sessionId: s.sessionId,
        serial: s.serial,
        text: `RTR ${host}:${port} (version ${s.version}, session ${s.sessionId}, serial ${s.serial})`,
      },
    };
  } catch (e) {
    throw new CliError((e as Error).message, 1);
  } finally {
    client.stop();
  }
}
