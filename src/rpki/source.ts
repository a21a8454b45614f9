// Where the service's VRPs come from: an RTR cache (kept current by the RTR client) or a VRP file
// (rpki-client / Routinator output, read again whenever it changes), with optional SLURM. Either
// way the result is one VrpTable whose change events drive re-validation.
import fs from 'node:fs';
import { loadVrpFile } from './load/vrp-file.js';
import { RtrClient } from './rtr/client.js';
import { loadSlurmFile, type Slurm } from './slurm.js';
import { VrpTable } from './table.js';

export interface RpkiSourceOptions {
  /** "host:port" of an RTR cache (RFC 8210) */
  rtr?: string;
  /** a VRP file, watched for changes */
  vrps?: string;
  slurm?: string;
  /** how often a VRP file is checked for changes (ms; default 2000) */
  pollMs?: number;
  log?: (line: string) => void;
}

export interface RpkiSource {
  table: VrpTable;
  /** e.g. "RTR 127.0.0.1:8282" or "file vrps.json" */
  describe: string;
  stop(): void;
}

/** "127.0.0.1:8282", "[::1]:8282", "rtr.example.net:323" */
export function parseHostPort(s: string): { host: string; port: number } | undefined {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(s) ?? /^([^:]+):(\d+)$/.exec(s);
  const port = m ? Number(m[2]) : NaN;
  return m && port >= 1 && port <= 65535 ? { host: m[1]!, port } : undefined;
}

/** Starts the source; errors in the options or the first file load throw with a message naming them. */
export function openRpkiSource(o: RpkiSourceOptions): RpkiSource {
  const log = o.log ?? (() => {});
  if (!o.rtr === !o.vrps) throw new Error('give one RPKI source: --rpki-rtr HOST:PORT or --rpki-vrps FILE');
  const slurm: Slurm | undefined = o.slurm ? loadSlurmFile(o.slurm) : undefined;
  if (o.rtr) {
    const hp = parseHostPort(o.rtr);
    if (!hp) throw new Error(`--rpki-rtr ${JSON.stringify(o.rtr)}: expected HOST:PORT, e.g. 127.0.0.1:8282 or [::1]:8282`);
    const client = new RtrClient({ host: hp.host, port: hp.port, ...(slurm ? { slurm } : {}) });
    client.on('synced', (s) => log(`RPKI: RTR ${o.rtr} synced (session ${s.sessionId}, serial ${s.serial}): ${client.table.size} VRPs`));
    client.on('disconnect', (reason) => log(`RPKI: RTR ${o.rtr} disconnected: ${reason}`));
    client.on('expired', () => log(`RPKI: RTR ${o.rtr}: data expired; every route is NotFound until the cache answers`));
    client.start();
    return { table: client.table, describe: `RTR ${o.rtr}`, stop: () => client.stop() };
  }
  const file = o.vrps!;
  const table = new VrpTable();
  const load = () => {
    const f = loadVrpFile(file);
    const c = table.replace(slurm ? slurm.apply(f.vrps) : f.vrps, `file ${file}`);
    log(`RPKI: ${file} (${f.format}): ${table.size} VRPs (${c.added.size} added, ${c.removed.size} removed)`);
  };
  load();
  // Polling, not fs.watch: rpki-client and Routinator replace the file by rename, which inotify
  // watches on the old inode miss.
  let last = fs.statSync(file).mtimeMs;
  const timer = setInterval(() => {
    let m: number;
    try {
      m = fs.statSync(file).mtimeMs;
    } catch {
      return;
    }
    if (m === last) return;
    last = m;
    try {
      load();
    } catch (e) {
      log(`RPKI: ${file}: not reloaded, keeping ${table.size} VRPs: ${(e as Error).message}`);
    }
  }, o.pollMs ?? 2000);
  timer.unref();
  return { table, describe: `file ${file}`, stop: () => clearInterval(timer) };
}
