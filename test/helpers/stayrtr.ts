// Test harness: StayRTR (the RTR cache of the stayrtr Debian package) serving a VRP JSON file.
//
// It only ever listens on a loopback address of 127.0.70.0/24 (RTR and metrics), reads a local
// file (never its default https cache URL) and does not check the file's age. The process is
// killed by stop(), when the test process exits, and by the kernel if the test process dies
// (setpriv --pdeathsig KILL). Every wait is bounded.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const STAYRTR = '/usr/bin/stayrtr';
export const RTRDUMP = '/usr/bin/rtrdump';
const SETPRIV = '/usr/bin/setpriv';

export interface RoaJson { asn: number | string; prefix: string; maxLength: number; ta?: string }

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

function executable(f: string): boolean {
  try {
    fs.accessSync(f, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Throws (tests fail, never skip) when stayrtr is missing. */
export function requireStayrtr(): void {
  if (!executable(STAYRTR)) {
    throw new Error(`StayRTR is not installed: run \`bash scripts/install-test-deps.sh\` (Debian package stayrtr) [missing: ${STAYRTR}]`);
  }
}

function assertOurLoopback(addr: string): void {
  if (!/^127\.0\.70\.\d{1,3}$/.test(addr)) throw new Error(`stayrtr harness: ${addr} is outside 127.0.70.0/24`);
}

/** A TCP port free on `address` right now. */
export function freePortOn(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, address, () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const live = new Set<ChildProcess>();
let hooked = false;
function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const c of live) {
      try { c.kill('SIGKILL'); } catch { /* gone */ }
    }
  });
}

export function writeRoas(file: string, roas: RoaJson[]): void {
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ metadata: { buildtime: new Date().toISOString() }, roas }));
  fs.renameSync(tmp, file);
}

function canConnect(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: address, port });
    const done = (ok: boolean) => { s.destroy(); resolve(ok); };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(1000, () => done(false));
  });
}

export async function startStayrtr(o: StayRtrOptions): Promise<StayRtr> {
  requireStayrtr();
  assertOurLoopback(o.address);
  hook();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'op-stayrtr-'));
  const file = path.join(dir, 'vrps.json');
  writeRoas(file, o.roas);
  const port = o.port ?? (await freePortOn(o.address));
  let child: ChildProcess | undefined;
  let buf = '';
  let exited = true;

  const launch = async () => {
    // The metrics port is picked per launch: a restart must not wait for the old one to free.
    const metrics = await freePortOn(o.address);
    const args = [
      '-cache', file, '-checktime=false',
      '-bind', `${o.address}:${port}`, '-metrics.addr', `${o.address}:${metrics}`,
      '-refresh', String(o.refresh ?? 1), '-notifications=true', '-loglevel', 'debug',
      ...(o.protocol !== undefined ? ['-protocol', String(o.protocol)] : []),
      ...(o.rtrRefresh !== undefined ? ['-rtr.refresh', String(o.rtrRefresh)] : []),
      ...(o.rtrRetry !== undefined ? ['-rtr.retry', String(o.rtrRetry)] : []),
      ...(o.rtrExpire !== undefined ? ['-rtr.expire', String(o.rtrExpire)] : []),
    ];
    const [cmd, argv] = executable(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'KILL', '--', STAYRTR, ...args]] : [STAYRTR, args];
    const c = spawn(cmd, argv, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    exited = false;
    live.add(c);
    const append = (d: Buffer) => { buf += d.toString('utf8'); if (buf.length > 1 << 20) buf = buf.slice(-(1 << 20)); };
    c.stdout!.on('data', append);
    c.stderr!.on('data', append);
    c.on('exit', (code, sig) => { exited = true; live.delete(c); buf += `\n[stayrtr exited: ${sig ?? code}]\n`; });
    c.unref();
    (c.stdout as unknown as net.Socket).unref?.();
    (c.stderr as unknown as net.Socket).unref?.();
    const readyMs = o.readyTimeoutMs ?? 10_000;
    const deadline = Date.now() + readyMs;
    while (Date.now() < deadline) {
      if (exited) throw new Error(`stayrtr exited at start:\n${buf}`);
      // Listening and the file loaded ("New update" / "serial") before anybody asks.
      if (/Updated added|new serial|Updating sha256/i.test(buf) && (await canConnect(o.address, port))) return;
      await sleep(50);
    }
    throw new Error(`stayrtr not ready on ${o.address}:${port} within ${readyMs} ms:\n${buf}`);
  };

  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    const c = child;
    if (!c || exited) return;
    c.kill(signal);
    for (let i = 0; i < 60 && !exited; i++) await sleep(50);
    if (!exited) {
      c.kill('SIGKILL');
      for (let i = 0; i < 60 && !exited; i++) await sleep(50);
    }
  };

  await launch();
  return {
    address: o.address, port, file,
    get pid() { return child?.pid ?? -1; },
    logs: () => buf,
    setRoas: (roas) => writeRoas(file, roas),
    stop: async () => {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
    kill: () => stop('SIGKILL'),
    start: async () => {
      if (exited) await launch();
    },
    restart: async () => {
      await stop('SIGKILL');
      await launch();
    },
  };
}
