// StayRTR (the RTR cache of the stayrtr Debian package) serving a VRP JSON file: the lab's RPKI
// cache, and the one the RPKI tests and bench:rpki sync from.
//
// It only ever listens on a loopback address of 127.0.70.0/24 (RTR and metrics), reads a local
// file (-cache <path>, never its default https cache URL) and does not check the file's age
// (-checktime=false). The process runs under ./process.ts: it is killed by stop(), when our process
// exits or gets SIGINT/SIGTERM/SIGHUP, and by the kernel if our process dies (setpriv --pdeathsig
// KILL); its temp dir is removed by stop() and at exit. Every wait is bounded.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { executable, freePort, killProc, type Proc, sleep, spawnProc, stopProc, tail, tempDir } from './process.js';

export const STAYRTR = '/usr/bin/stayrtr';
export const RTRDUMP = '/usr/bin/rtrdump';
const LOG_CAP = 1 << 20;
const STOP_TERM_MS = 3_000;
const KILL_WAIT_MS = 3_000;
const READY_TIMEOUT_MS = 10_000;
const POLL_MS = 50;

export interface RoaJson {
  asn: number | string;
  prefix: string;
  maxLength: number;
  ta?: string;
}

export interface StayRtrOptions {
  /** Loopback address in 127.0.70.0/24. */
  address: string;
  /** RTR port (default: a free one). */
  port?: number;
  roas: RoaJson[];
  /** Seconds between reloads of the file (stayrtr -refresh), default 1. */
  refresh?: number;
  /** RTR protocol version the cache speaks at most (stayrtr -protocol, default 2). */
  protocol?: number;
  /** Timers advertised in End of Data. */
  rtrRefresh?: number;
  rtrRetry?: number;
  rtrExpire?: number;
  /** How long to wait for the cache to load its file and listen (ms, default 10000). */
  readyTimeoutMs?: number;
}

export interface StayRtr {
  address: string;
  port: number;
  file: string;
  pid: number;
  /** stdout and stderr of every process so far (restarts included), the last ~1 MB. */
  logs(): string;
  /** Replaces the served VRPs (atomic rename; stayrtr sees it at its next reload). */
  setRoas(roas: RoaJson[]): void;
  /** SIGTERM, SIGKILL after a bounded wait, files removed. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL (a crash); the file stays for start(). */
  kill(): Promise<void>;
  /** A new process on the same address, port and file (after kill()). */
  start(): Promise<void>;
  /** kill() then start(). */
  restart(): Promise<void>;
}

/** Throws (tests fail, never skip) when stayrtr is missing. */
export function requireStayrtr(): void {
  if (!executable(STAYRTR)) {
    throw new Error(`StayRTR is not installed: run \`bash scripts/install-test-deps.sh\` (Debian package stayrtr) [missing: ${STAYRTR}]`);
  }
}

function assertOurLoopback(addr: string): void {
  if (!/^127\.0\.70\.\d{1,3}$/.test(addr)) throw new Error(`stayrtr: ${addr} is outside 127.0.70.0/24`);
}

/** Writes the VRP JSON file stayrtr reads (atomic: a temp file renamed over it). */
export function writeRoas(file: string, roas: RoaJson[]): void {
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ metadata: { buildtime: new Date().toISOString() }, roas }));
  fs.renameSync(tmp, file);
}

function canConnect(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: address, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(1000, () => done(false));
  });
}

export async function startStayrtr(o: StayRtrOptions): Promise<StayRtr> {
  requireStayrtr();
  assertOurLoopback(o.address);
  const dir = tempDir('op-stayrtr-');
  const file = path.join(dir.path, 'vrps.json');
  writeRoas(file, o.roas);
  const port = o.port ?? (await freePort(o.address));
  let proc: Proc | undefined;
  /** Logs of the earlier processes (before a restart). */
  let earlier = '';
  const procLogs = (p: Proc) => p.logs() + (p.exited ? `\n[stayrtr exited: ${p.exitInfo}]\n` : '');
  const logs = () => earlier + (proc ? procLogs(proc) : '');

  const launch = async () => {
    if (proc) earlier = logs().slice(-LOG_CAP);
    // The metrics port is picked per launch: a restart must not wait for the old one to free.
    const metrics = await freePort(o.address);
    const args = [
      '-cache',
      file,
      '-checktime=false',
      '-bind',
      `${o.address}:${port}`,
      '-metrics.addr',
      `${o.address}:${metrics}`,
      '-refresh',
      String(o.refresh ?? 1),
      '-notifications=true',
      '-loglevel',
      'debug',
      ...(o.protocol !== undefined ? ['-protocol', String(o.protocol)] : []),
      ...(o.rtrRefresh !== undefined ? ['-rtr.refresh', String(o.rtrRefresh)] : []),
      ...(o.rtrRetry !== undefined ? ['-rtr.retry', String(o.rtrRetry)] : []),
      ...(o.rtrExpire !== undefined ? ['-rtr.expire', String(o.rtrExpire)] : []),
    ];
    const p = spawnProc('stayrtr', STAYRTR, args, { cwd: dir.path, unref: true });
    proc = p;
    const readyMs = o.readyTimeoutMs ?? READY_TIMEOUT_MS;
    const deadline = Date.now() + readyMs;
    while (Date.now() < deadline) {
      if (p.exited) throw new Error(`stayrtr exited at start (${p.exitInfo}):\n${tail(p.logs(), 60)}`);
      // The file loaded ("Updated added", new serial) and listening, before anybody asks.
      if (/Updated added|new serial|Updating sha256/i.test(p.logs()) && (await canConnect(o.address, port))) return;
      await sleep(POLL_MS);
    }
    await stopProc(p, STOP_TERM_MS);
    throw new Error(`stayrtr not ready on ${o.address}:${port} within ${readyMs} ms:\n${tail(p.logs(), 60)}`);
  };

  try {
    await launch();
  } catch (e) {
    dir.remove();
    throw e;
  }
  return {
    address: o.address,
    port,
    file,
    get pid() {
      return proc?.pid ?? -1;
    },
    logs,
    setRoas: (roas) => writeRoas(file, roas),
    stop: async () => {
      if (proc) await stopProc(proc, STOP_TERM_MS);
      dir.remove();
    },
    kill: async () => {
      if (proc) await killProc(proc, KILL_WAIT_MS);
    },
    start: async () => {
      if (!proc || proc.exited) await launch();
    },
    restart: async () => {
      if (proc) await killProc(proc, KILL_WAIT_MS);
      await launch();
    },
  };
}
