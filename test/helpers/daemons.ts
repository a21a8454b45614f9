// Test harness: real BGP daemons (BIRD 2, GoBGP, FRR bgpd, ExaBGP) as peers of our speaker.
//
// Every daemon runs as a child process in its own temp dir, on its own loopback address
// (127.0.0.0/8 or ::1) and port, and listens only there (BIRD `strict bind`, GoBGP
// `local-address-list`, FRR `-l`, ExaBGP `local-address`), so several can run at once.
// Daemons are killed by stop(), by stopAll(), when the test process exits (exit handler) and,
// as a last resort, by the kernel when the test process dies (setpriv --pdeathsig KILL).
// Every wait is bounded. See ../../../shared/reference/bgp-daemons.md for the quirks handled here.
//
// Conventions:
// - RouteSpec.asPath is the path *behind* the originating daemon: towards an eBGP peer every daemon
//   prepends its own ASN (BIRD, GoBGP and FRR do it themselves; for ExaBGP the harness does it), so
//   the peer sees `daemonAsn ...asPath {asSet}`.
// - Next hops: GoBGP and FRR reject 127.x next hops, so every daemon sends a fake next hop instead of
//   its own address: RouteSpec.nextHop, or fakeNextHop(daemon address, family) (192.0.2.<last octet>,
//   2001:db8::<last octet>). Routes re-exported from other peers get the same fake next hop.
// - ReceivedRoute lists what the daemon learned from its peers (not its own routes), one entry per
//   path; communities are normalised to "a:b" / "a:b:c" and sorted.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export type DaemonKind = 'bird' | 'gobgp' | 'frr' | 'exabgp';
export type Family = 'ipv4' | 'ipv6';
export type Origin = 'igp' | 'egp' | 'incomplete';

export interface PeerSpec {
  /** The peer's address (where the daemon connects to / accepts from). */
  address: string;
  /** The peer's listening port (the daemon dials this port). */
  port: number;
  asn: number;
  /** The daemon never connects to this peer, it only accepts. */
  passive?: boolean;
  /** Hold time offered to this peer (overrides DaemonSpec.holdTime). */
  holdTime?: number;
  /** Address families of the session (default both, IPv6 over the same session). */
  families?: Family[];
}

export interface RouteSpec {
  prefix: string;
  /** Next hop sent to eBGP peers; default fakeNextHop(daemon address, family of prefix). */
  nextHop?: string;
  /** AS_SEQUENCE behind the daemon's own ASN. */
  asPath?: number[];
  /** AS_SET appended after asPath (GoBGP and ExaBGP only; BIRD and FRR cannot originate one). */
  asSet?: number[];
  med?: number;
  /** "65001:100" */
  communities?: string[];
  /** "65001:1:2" */
  largeCommunities?: string[];
  /** Default igp. */
  origin?: Origin;
}

export interface DaemonSpec {
  kind: DaemonKind;
  /** Loopback address the daemon binds to (127.0.0.0/8 or ::1). */
  address: string;
  /** Port the daemon listens on (ExaBGP listens only when some peer is passive). */
  port: number;
  asn: number;
  routerId: string;
  peers: PeerSpec[];
  /** Routes the daemon originates from the start. */
  routes?: RouteSpec[];
  /** Hold time offered to every peer (daemon default when unset). */
  holdTime?: number;
  /**
   * Maximum number of prefixes accepted per peer and family; exceeding it tears the session down
   * (Cease, "maximum number of prefixes reached") and it stays down. Not supported by ExaBGP.
   */
  maxPrefix?: number;
  /** GoBGP gRPC API port on 127.0.0.1 (default: a free port). */
  apiPort?: number;
  /** Raw text appended to the generated config file (escape hatch for special tests). */
  extraConfig?: string;
}

export interface ReceivedRoute {
  prefix: string;
  /** Address of the peer the path was learned from. */
  peer: string;
  nextHop: string;
  /** "65001 65002 {1,2}" */
  asPath: string;
  med?: number;
  localPref?: number;
  communities: string[];
  largeCommunities: string[];
  origin?: Origin;
}

export interface Daemon {
  spec: DaemonSpec;
  pid: number;
  dir: string;
  established(peer: string): Promise<boolean>;
  waitEstablished(peer: string, timeoutMs?: number): Promise<void>;
  /** What the daemon received from its peers (not its own routes). */
  routes(): Promise<ReceivedRoute[]>;
  waitRoutes(predicate: (r: ReceivedRoute[]) => boolean, timeoutMs?: number): Promise<ReceivedRoute[]>;
  /** Originate routes at run time (replaces a route with the same prefix). */
  announce?(routes: RouteSpec[]): Promise<void>;
  /** Stop originating these prefixes. */
  withdraw?(prefixes: string[]): Promise<void>;
  /** stdout/stderr so far (the tail, at most ~1 MB), for failure messages. */
  logs(): string;
  /** SIGSTOP; queries throw until thaw(). */
  freeze(): void;
  /** SIGCONT */
  thaw(): void;
  /** SIGTERM, then SIGKILL after a bounded wait. Idempotent. */
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Binaries

const BIN = {
  bird: '/usr/sbin/bird',
  birdc: '/usr/sbin/birdc',
  gobgpd: '/usr/bin/gobgpd',
  gobgp: '/usr/bin/gobgp',
  bgpd: '/usr/lib/frr/bgpd',
  vtysh: '/usr/bin/vtysh',
  exabgp: '/usr/sbin/exabgp',
  // ExaBGP only imports with Debian's python (a pyenv python3 may come first in PATH).
  python3: '/usr/bin/python3',
  setpriv: '/usr/bin/setpriv',
} as const;

const REQUIRED: Record<DaemonKind, { name: string; pkg: string; bins: string[] }> = {
  bird: { name: 'BIRD 2', pkg: 'bird2', bins: [BIN.bird, BIN.birdc] },
  gobgp: { name: 'GoBGP', pkg: 'gobgpd', bins: [BIN.gobgpd, BIN.gobgp] },
  frr: { name: 'FRR bgpd', pkg: 'frr', bins: [BIN.bgpd, BIN.vtysh] },
  exabgp: { name: 'ExaBGP', pkg: 'exabgp', bins: [BIN.exabgp, BIN.python3] },
};

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Throws when the daemon is not installed; tests must fail (never skip) with this message. */
export function requireBinary(kind: DaemonKind): void {
  const r = REQUIRED[kind];
  const missing = r.bins.filter((b) => !executable(b));
  if (missing.length > 0) {
    throw new Error(
      `${r.name} is not installed: run \`bash scripts/install-test-deps.sh\` (Debian package ${r.pkg})` +
        ` [missing: ${missing.join(', ')}]`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Small utilities

const DEFAULT_WAIT_MS = 20_000;
const CLI_TIMEOUT_MS = 10_000;
const START_TIMEOUT_MS = 15_000;
const STOP_TERM_MS = 8_000;
const STOP_KILL_MS = 3_000;
const LOG_CAP = 1 << 20;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function familyOf(prefix: string): Family {
  return prefix.includes(':') ? 'ipv6' : 'ipv4';
}

/** Only loopback addresses may be used as traffic targets (127.0.0.0/8, ::1). */
function assertLoopback(addr: string, what: string): void {
  const ok = (net.isIPv4(addr) && addr.startsWith('127.')) || addr === '::1';
  if (!ok) throw new Error(`${what} ${addr} is not a loopback address (127.0.0.0/8 or ::1)`);
}

/** The fake next hop a daemon on `address` sends for routes of `family`. */
export function fakeNextHop(address: string, family: Family): string {
  const last = net.isIPv4(address) ? Number(address.split('.')[3]) : 1;
  return family === 'ipv4' ? `192.0.2.${last}` : `2001:db8::${last.toString(16)}`;
}

/** A TCP port that is free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

interface RunResult { stdout: string; stderr: string }

/** Runs a CLI with a bounded time; rejects with its output on failure. */
function run(file: string, args: string[], timeoutMs = CLI_TIMEOUT_MS): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 256 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
        const why = e.killed ? `timed out after ${timeoutMs} ms` : `failed (${e.code ?? e.message})`;
        reject(new Error(`${path.basename(file)} ${args.join(' ')}: ${why}\n${stdout}${stderr}`.trimEnd()));
      } else {
        resolve({ stdout, stderr });
      }
    });
  });
}

function normPath(p: string): string {
  return p
    .replace(/\{([^}]*)\}/g, (_m, inner: string) => `{${inner.trim().split(/[\s,]+/).filter(Boolean).join(',')}}`)
    .replace(/\s+/g, ' ')
    .trim();
}

function cmpNums(a: string, b: string): number {
  const x = a.split(':').map(Number);
  const y = b.split(':').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Sorts communities / large communities numerically (the order ReceivedRoute uses). */
export const sortCommunities = (c: string[]): string[] => [...c].sort(cmpNums);
const sortComms = sortCommunities;

function normOrigin(o: unknown): Origin | undefined {
  if (o === undefined || o === null) return undefined;
  const s = String(o).toLowerCase();
  if (s === '0' || s === 'igp' || s === 'i') return 'igp';
  if (s === '1' || s === 'egp' || s === 'e') return 'egp';
  if (s === '2' || s === 'incomplete' || s === '?') return 'incomplete';
  return undefined;
}

function describeRoutes(r: ReceivedRoute[]): string {
  return r.length === 0 ? '(none)' : r.map((x) => JSON.stringify(x)).join('\n');
}

function tail(s: string, n = 6000): string {
  return s.length > n ? '…' + s.slice(-n) : s;
}

// ---------------------------------------------------------------------------------------------
// Process management

interface Proc {
  child: ChildProcess;
  pid: number;
  name: string;
  logs(): string;
  exited: boolean;
  exitInfo: string;
  exitPromise: Promise<void>;
  frozen: boolean;
}

const live = new Set<Proc>();
const liveDaemons = new Set<Daemon>();
const liveDirs = new Set<string>();

const keepDirs = () => Boolean(process.env.OPENPEERING_KEEP_DAEMON_DIRS);

function removeDir(dir: string): void {
  liveDirs.delete(dir);
  if (!keepDirs()) fs.rmSync(dir, { recursive: true, force: true });
}
let hooksInstalled = false;

function killAllSync(): void {
  for (const p of live) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  live.clear();
  for (const dir of [...liveDirs]) {
    try {
      removeDir(dir);
    } catch {
      /* best effort */
    }
  }
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      killAllSync();
      process.kill(process.pid, sig); // the handler was `once`: default action now
    });
  }
}

function spawnProc(started: Proc[], name: string, file: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): Proc {
  installExitHooks();
  // setpriv execs the daemon (same PID) after asking the kernel to SIGKILL it if we die.
  const [cmd, argv] = executable(BIN.setpriv)
    ? [BIN.setpriv, ['--pdeathsig', 'KILL', '--', file, ...args]]
    : [file, args];
  const child = spawn(cmd, argv, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let buf = '';
  const append = (d: Buffer) => {
    buf += d.toString('utf8');
    if (buf.length > LOG_CAP) buf = buf.slice(-LOG_CAP);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  // A forgotten stop() must not keep the test process alive; the exit hook still kills the daemon.
  child.unref();
  (child.stdout as unknown as net.Socket).unref?.();
  (child.stderr as unknown as net.Socket).unref?.();
  if (child.pid === undefined) throw new Error(`${name}: could not spawn ${file}`);
  const proc: Proc = {
    child,
    pid: child.pid,
    name,
    logs: () => buf,
    exited: false,
    exitInfo: '',
    frozen: false,
    exitPromise: Promise.resolve(),
  };
  proc.exitPromise = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      proc.exited = true;
      proc.exitInfo = signal ? `signal ${signal}` : `code ${code}`;
      live.delete(proc);
      resolve();
    });
    child.on('error', (err) => {
      proc.exited = true;
      proc.exitInfo = `spawn error ${err.message}`;
      live.delete(proc);
      resolve();
    });
  });
  live.add(proc);
  started.push(proc);
  return proc;
}

/** Resolves true when the process exited within `ms`, false otherwise (the timer is cleared). */
function waitExit(p: Proc, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void p.exitPromise.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function stopProc(p: Proc): Promise<void> {
  if (p.exited) return;
  try {
    if (p.frozen) process.kill(p.pid, 'SIGCONT');
    p.frozen = false;
    process.kill(p.pid, 'SIGTERM');
  } catch {
    /* gone */
  }
  if (!(await waitExit(p, STOP_TERM_MS))) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    await waitExit(p, STOP_KILL_MS);
  }
  live.delete(p);
}

/** Stops every daemon started by this process (use in after() hooks). */
export async function stopAll(): Promise<void> {
  await Promise.all([...liveDaemons].map((d) => d.stop()));
}

// ---------------------------------------------------------------------------------------------
// Generic daemon wrapper

interface Adapter {
  established(peer: string): Promise<boolean>;
  routes(): Promise<ReceivedRoute[]>;
  announce?(routes: RouteSpec[]): Promise<void>;
  withdraw?(prefixes: string[]): Promise<void>;
}

function makeDaemon(spec: DaemonSpec, dir: string, proc: Proc, a: Adapter): Daemon {
  const label = `${spec.kind} ${spec.address}:${spec.port} AS${spec.asn} (pid ${proc.pid})`;
  const checkAlive = () => {
    if (proc.exited) throw new Error(`${label} exited (${proc.exitInfo})\n--- logs ---\n${tail(proc.logs())}`);
    if (proc.frozen) throw new Error(`${label} is frozen (SIGSTOP): thaw() it before querying`);
  };
  let stopped: Promise<void> | undefined;
  const d: Daemon = {
    spec,
    pid: proc.pid,
    dir,
    async established(peer) {
      checkAlive();
      return a.established(peer);
    },
    async waitEstablished(peer, timeoutMs = DEFAULT_WAIT_MS) {
      const deadline = Date.now() + timeoutMs;
      let lastErr = '';
      for (;;) {
        checkAlive();
        try {
          if (await a.established(peer)) return;
        } catch (e) {
          lastErr = (e as Error).message;
        }
        if (Date.now() > deadline) {
          throw new Error(
            `${label}: session with ${peer} not Established after ${timeoutMs} ms` +
              (lastErr ? `\nlast error: ${lastErr}` : '') + `\n--- logs ---\n${tail(proc.logs())}`,
          );
        }
        await sleep(200);
      }
    },
    async routes() {
      checkAlive();
      return a.routes();
    },
    async waitRoutes(predicate, timeoutMs = DEFAULT_WAIT_MS) {
      const deadline = Date.now() + timeoutMs;
      let last: ReceivedRoute[] = [];
      let lastErr = '';
      for (;;) {
        checkAlive();
        try {
          last = await a.routes();
          lastErr = '';
          if (predicate(last)) return last;
        } catch (e) {
          lastErr = (e as Error).message;
        }
        if (Date.now() > deadline) {
          throw new Error(
            `${label}: routes did not match within ${timeoutMs} ms; last seen:\n${describeRoutes(last)}` +
              (lastErr ? `\nlast error: ${lastErr}` : '') + `\n--- logs ---\n${tail(proc.logs())}`,
          );
        }
        await sleep(200);
      }
    },
    logs: () => proc.logs(),
    freeze() {
      if (proc.exited) return;
      process.kill(proc.pid, 'SIGSTOP');
      proc.frozen = true;
    },
    thaw() {
      if (proc.exited) return;
      process.kill(proc.pid, 'SIGCONT');
      proc.frozen = false;
    },
    stop() {
      stopped ??= (async () => {
        await stopProc(proc);
        liveDaemons.delete(d);
        removeDir(dir);
      })();
      return stopped;
    },
  };
  if (a.announce) {
    const announce = a.announce.bind(a);
    d.announce = async (r) => {
      checkAlive();
      await announce(r);
    };
  }
  if (a.withdraw) {
    const withdraw = a.withdraw.bind(a);
    d.withdraw = async (p) => {
      checkAlive();
      await withdraw(p);
    };
  }
  liveDaemons.add(d);
  return d;
}

/** Polls `check` until true; throws (with the daemon's logs) on timeout or when the daemon dies. */
async function waitReady(proc: Proc, what: string, check: () => Promise<boolean>, timeoutMs = START_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastErr = '';
  for (;;) {
    if (proc.exited) throw new Error(`${proc.name} exited during start (${proc.exitInfo})\n--- logs ---\n${tail(proc.logs())}`);
    try {
      if (await check()) return;
    } catch (e) {
      lastErr = (e as Error).message;
    }
    if (Date.now() > deadline) {
      throw new Error(`${proc.name}: ${what} not ready after ${timeoutMs} ms` +
        (lastErr ? `\nlast error: ${lastErr}` : '') + `\n--- logs ---\n${tail(proc.logs())}`);
    }
    await sleep(100);
  }
}

// ---------------------------------------------------------------------------------------------
// Entry point

export async function startDaemon(spec: DaemonSpec): Promise<Daemon> {
  requireBinary(spec.kind);
  assertLoopback(spec.address, `${spec.kind} address`);
  for (const p of spec.peers) assertLoopback(p.address, `${spec.kind} peer`);
  for (const r of spec.routes ?? []) validateRoute(spec, r);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `openpeering-${spec.kind}-`));
  liveDirs.add(dir);
  const started: Proc[] = [];
  try {
    switch (spec.kind) {
      case 'bird': return await startBird(spec, dir, started);
      case 'gobgp': return await startGobgp(spec, dir, started);
      case 'frr': return await startFrr(spec, dir, started);
      case 'exabgp': return await startExabgp(spec, dir, started);
    }
  } catch (e) {
    // A daemon that started but never became usable must not outlive the failed start.
    await Promise.all(started.map(stopProc));
    removeDir(dir);
    throw e;
  }
}

function validateRoute(spec: DaemonSpec, r: RouteSpec): void {
  if (!/^[0-9a-fA-F:.]+\/\d+$/.test(r.prefix)) throw new Error(`bad prefix ${r.prefix}`);
  if (r.asSet?.length && (spec.kind === 'bird' || spec.kind === 'frr')) {
    throw new Error(`${spec.kind} cannot originate an AS_SET (route ${r.prefix}); use gobgp or exabgp`);
  }
  for (const c of r.communities ?? []) if (!/^\d+:\d+$/.test(c)) throw new Error(`bad community ${c}`);
  for (const c of r.largeCommunities ?? []) if (!/^\d+:\d+:\d+$/.test(c)) throw new Error(`bad large community ${c}`);
}

const familiesOf = (p: PeerSpec): Family[] => p.families ?? ['ipv4', 'ipv6'];
const holdOf = (spec: DaemonSpec, p: PeerSpec) => p.holdTime ?? spec.holdTime;
const nextHopOf = (spec: DaemonSpec, r: RouteSpec) => r.nextHop ?? fakeNextHop(spec.address, familyOf(r.prefix));
const originOf = (r: RouteSpec): Origin => r.origin ?? 'igp';

// ---------------------------------------------------------------------------------------------
// BIRD 2

function birdProtoName(addr: string): string {
  return 'p_' + addr.replace(/[^0-9a-zA-Z]/g, '_');
}

function birdStaticRoute(spec: DaemonSpec, r: RouteSpec): string {
  const stmts: string[] = [];
  for (const asn of [...(r.asPath ?? [])].reverse()) stmts.push(`bgp_path.prepend(${asn});`);
  stmts.push(`bgp_origin = ORIGIN_${originOf(r).toUpperCase()};`);
  stmts.push(`bgp_next_hop = ${nextHopOf(spec, r)};`);
  if (r.med !== undefined) stmts.push(`bgp_med = ${r.med};`);
  for (const c of r.communities ?? []) stmts.push(`bgp_community.add((${c.split(':').join(',')}));`);
  for (const c of r.largeCommunities ?? []) stmts.push(`bgp_large_community.add((${c.split(':').join(',')}));`);
  return `  route ${r.prefix} blackhole { ${stmts.join(' ')} };`;
}

function birdConfig(spec: DaemonSpec, routes: RouteSpec[]): string {
  const v4 = routes.filter((r) => familyOf(r.prefix) === 'ipv4');
  const v6 = routes.filter((r) => familyOf(r.prefix) === 'ipv6');
  const out: string[] = [
    `router id ${spec.routerId};`,
    'log stderr all;',
    'protocol device {}',
    // Per-route attributes are set in the static protocol; MED and NEXT_HOP only survive eBGP
    // export when the export filter (re)sets them, hence the filter below.
    'protocol static s4 {',
    '  ipv4 { import all; };',
    ...v4.map((r) => birdStaticRoute(spec, r)),
    '}',
    'protocol static s6 {',
    '  ipv6 { import all; };',
    ...v6.map((r) => birdStaticRoute(spec, r)),
    '}',
    'filter op_export {',
    '  if source = RTS_STATIC then {',
    '    if defined(bgp_med) then bgp_med = bgp_med;',
    '    if defined(bgp_next_hop) then bgp_next_hop = bgp_next_hop;',
    '  }',
    '  accept;',
    '}',
  ];
  const limit = spec.maxPrefix !== undefined ? ` import limit ${spec.maxPrefix} action disable;` : '';
  for (const p of spec.peers) {
    const fams = familiesOf(p);
    const hold = holdOf(spec, p);
    out.push(
      `protocol bgp ${birdProtoName(p.address)} {`,
      `  local ${spec.address} port ${spec.port} as ${spec.asn};`,
      `  neighbor ${p.address} port ${p.port} as ${p.asn};`,
      '  strict bind;',
      '  multihop;',
      '  connect delay time 1; connect retry time 2; error wait time 1,2;',
      ...(p.passive ? ['  passive on;'] : []),
      ...(hold !== undefined ? [`  hold time ${hold};`] : []),
      ...(fams.includes('ipv4')
        ? [`  ipv4 { import all;${limit} export filter op_export; next hop address ${fakeNextHop(spec.address, 'ipv4')}; };`]
        : []),
      ...(fams.includes('ipv6')
        ? [`  ipv6 { import all;${limit} export filter op_export; next hop address ${fakeNextHop(spec.address, 'ipv6')}; };`]
        : []),
      '}',
    );
  }
  if (spec.extraConfig) out.push(spec.extraConfig);
  return out.join('\n') + '\n';
}

/** Parses `birdc show route all` into received routes (BGP routes only). */
export function parseBirdRoutes(text: string, protoPeers: Map<string, string>): ReceivedRoute[] {
  const result: ReceivedRoute[] = [];
  let prefix = '';
  let cur: (ReceivedRoute & { bgp: boolean }) | undefined;
  const flush = () => {
    if (cur && cur.bgp) {
      const { bgp: _bgp, ...r } = cur;
      result.push(r);
    }
    cur = undefined;
  };
  for (const line of text.split('\n')) {
    if (line.startsWith('BIRD ') || line.startsWith('Table ') || line.trim() === '') continue;
    const head = /^(\S+)?\s+(\w+)\s+\[(\S+)\s[^\]]*?(?:from (\S+))?\]/.exec(line);
    if (head && !line.startsWith('\t')) {
      flush();
      if (head[1]) prefix = head[1];
      const proto = head[3]!;
      const peer = protoPeers.get(proto);
      cur = {
        prefix, peer: peer ?? head[4] ?? proto, nextHop: '', asPath: '', communities: [], largeCommunities: [],
        bgp: peer !== undefined,
      };
      continue;
    }
    if (!cur) continue;
    const attr = /^\s+([\w.]+):\s*(.*)$/.exec(line);
    if (!attr) continue;
    const [, key, val] = attr as unknown as [string, string, string];
    switch (key) {
      case 'BGP.origin': cur.origin = normOrigin(val); break;
      case 'BGP.as_path': cur.asPath = normPath(val); break;
      case 'BGP.next_hop': cur.nextHop = val.trim().split(/\s+/)[0] ?? ''; break;
      case 'BGP.med': cur.med = Number(val); break;
      case 'BGP.local_pref': cur.localPref = Number(val); break;
      case 'BGP.community':
        cur.communities = sortComms([...val.matchAll(/\((\d+),\s*(\d+)\)/g)].map((m) => `${m[1]}:${m[2]}`));
        break;
      case 'BGP.large_community':
        cur.largeCommunities = sortComms([...val.matchAll(/\((\d+),\s*(\d+),\s*(\d+)\)/g)].map((m) => `${m[1]}:${m[2]}:${m[3]}`));
        break;
    }
  }
  flush();
  return result;
}

async function startBird(spec: DaemonSpec, dir: string, started: Proc[]): Promise<Daemon> {
  const conf = path.join(dir, 'bird.conf');
  const ctl = path.join(dir, 'bird.ctl');
  const current = new Map<string, RouteSpec>((spec.routes ?? []).map((r) => [r.prefix, r]));
  fs.writeFileSync(conf, birdConfig(spec, [...current.values()]));
  await run(BIN.bird, ['-p', '-c', conf]); // parse-only pre-flight: clear error on a bad config
  const proc = spawnProc(started, `bird ${spec.address}`, BIN.bird, ['-f', '-c', conf, '-s', ctl], dir);
  const birdc = async (...args: string[]) => (await run(BIN.birdc, ['-s', ctl, ...args])).stdout;
  await waitReady(proc, 'control socket', async () => fs.existsSync(ctl) && /ready/.test(await birdc('show', 'status')));
  const protoPeers = new Map(spec.peers.map((p) => [birdProtoName(p.address), p.address]));
  const reconfigure = async () => {
    fs.writeFileSync(conf, birdConfig(spec, [...current.values()]));
    const out = await birdc('configure');
    if (!/Reconfigured|Reconfiguration in progress/.test(out)) throw new Error(`birdc configure failed:\n${out}`);
  };
  return makeDaemon(spec, dir, proc, {
    async established(peer) {
      const out = await birdc('show', 'protocols', birdProtoName(peer));
      return / Established/.test(out);
    },
    async routes() {
      return parseBirdRoutes(await birdc('show', 'route', 'all'), protoPeers);
    },
    async announce(routes) {
      for (const r of routes) {
        validateRoute(spec, r);
        current.set(r.prefix, r);
      }
      await reconfigure();
    },
    async withdraw(prefixes) {
      for (const p of prefixes) current.delete(p);
      await reconfigure();
    },
  });
}

// ---------------------------------------------------------------------------------------------
// GoBGP

function gobgpConfig(spec: DaemonSpec): string {
  const q = (s: string) => JSON.stringify(s);
  const out: string[] = [
    '[global.config]',
    `  as = ${spec.asn}`,
    `  router-id = ${q(spec.routerId)}`,
    `  port = ${spec.port}`,
    `  local-address-list = [${q(spec.address)}]`,
    // Routes learned from peers would be re-exported with our 127.x address as next hop, which
    // GoBGP/FRR peers reject: rewrite them to the fake next hop. Own routes keep the explicit next
    // hop given to `gobgp global rib add`.
    '[global.apply-policy.config]',
    '  export-policy-list = ["op-fake-nh"]',
    '  default-export-policy = "accept-route"',
    '[[policy-definitions]]',
    '  name = "op-fake-nh"',
  ];
  for (const fam of ['ipv4', 'ipv6'] as const) {
    out.push(
      '  [[policy-definitions.statements]]',
      `    name = "nh-${fam}"`,
      '    [policy-definitions.statements.conditions.bgp-conditions]',
      '      route-type = "external"',
      `      afi-safi-in-list = ["${fam}-unicast"]`,
      '    [policy-definitions.statements.actions]',
      '      route-disposition = "accept-route"',
      '    [policy-definitions.statements.actions.bgp-actions]',
      `      set-next-hop = ${q(fakeNextHop(spec.address, fam))}`,
    );
  }
  for (const p of spec.peers) {
    const hold = holdOf(spec, p);
    out.push(
      '[[neighbors]]',
      '  [neighbors.config]',
      `    neighbor-address = ${q(p.address)}`,
      `    peer-as = ${p.asn}`,
      '  [neighbors.timers.config]',
      '    connect-retry = 2',
      '    idle-hold-time-after-reset = 1',
      ...(hold !== undefined ? [`    hold-time = ${hold}`, `    keepalive-interval = ${Math.max(1, Math.floor(hold / 3))}`] : []),
      '  [neighbors.transport.config]',
      `    local-address = ${q(spec.address)}`,
      `    remote-port = ${p.port}`,
      ...(p.passive ? ['    passive-mode = true'] : []),
    );
    for (const fam of familiesOf(p)) {
      out.push(
        '  [[neighbors.afi-safis]]',
        '    [neighbors.afi-safis.config]',
        `      afi-safi-name = "${fam}-unicast"`,
        ...(spec.maxPrefix !== undefined
          ? ['    [neighbors.afi-safis.prefix-limit.config]', `      max-prefixes = ${spec.maxPrefix}`]
          : []),
      );
    }
  }
  if (spec.extraConfig) out.push(spec.extraConfig);
  return out.join('\n') + '\n';
}

interface GobgpAttr {
  type: number;
  value?: unknown;
  as_paths?: Array<{ segment_type: number; asns: number[] }>;
  nexthop?: string;
  metric?: number;
  communities?: number[];
}
interface GobgpPath { attrs?: GobgpAttr[]; 'neighbor-ip'?: string; 'source-id'?: string }

function gobgpAsPath(segs: Array<{ segment_type: number; asns: number[] }>): string {
  return segs
    .map((s) => {
      switch (s.segment_type) {
        case 1: return `{${s.asns.join(',')}}`;
        case 3: return `(${s.asns.join(' ')})`;
        case 4: return `[${s.asns.join(',')}]`;
        default: return s.asns.join(' ');
      }
    })
    .join(' ')
    .trim();
}

/** Parses `gobgp global rib -j` output; keeps paths learned from a neighbor. */
export function parseGobgpRib(json: string): ReceivedRoute[] {
  const text = json.trim();
  if (!text) return [];
  const rib = JSON.parse(text) as Record<string, GobgpPath[]>;
  const out: ReceivedRoute[] = [];
  for (const [prefix, paths] of Object.entries(rib)) {
    for (const p of paths) {
      const peer = p['neighbor-ip'];
      if (!peer || peer === '<nil>' || peer === '0.0.0.0' || peer === '::') continue;
      const r: ReceivedRoute = { prefix, peer, nextHop: '', asPath: '', communities: [], largeCommunities: [] };
      for (const a of p.attrs ?? []) {
        switch (a.type) {
          case 1: r.origin = normOrigin(a.value); break;
          case 2: r.asPath = gobgpAsPath(a.as_paths ?? []); break;
          case 3: r.nextHop = a.nexthop ?? ''; break;
          case 4: r.med = a.metric ?? 0; break;
          case 5: r.localPref = Number(a.value); break;
          case 8: r.communities = sortComms((a.communities ?? []).map((c) => `${Math.floor(c / 65536)}:${c % 65536}`)); break;
          case 14: if (a.nexthop) r.nextHop = a.nexthop; break;
          case 32:
            r.largeCommunities = sortComms(
              ((a.value as Array<{ ASN: number; LocalData1: number; LocalData2: number }>) ?? []).map(
                (l) => `${l.ASN}:${l.LocalData1}:${l.LocalData2}`,
              ),
            );
            break;
        }
      }
      out.push(r);
    }
  }
  return out;
}

async function startGobgp(spec: DaemonSpec, dir: string, started: Proc[]): Promise<Daemon> {
  const conf = path.join(dir, 'gobgp.toml');
  fs.writeFileSync(conf, gobgpConfig(spec));
  const apiPort = spec.apiPort ?? (await freePort());
  const proc = spawnProc(started, `gobgpd ${spec.address}`, BIN.gobgpd, [
    '-f', conf, '-t', 'toml', '-p', '--pprof-disable', '--api-hosts', `127.0.0.1:${apiPort}`,
  ], dir);
  const gobgp = async (...args: string[]) => (await run(BIN.gobgp, ['-u', '127.0.0.1', '-p', String(apiPort), ...args])).stdout;
  await waitReady(proc, 'gRPC API', async () => {
    await gobgp('global');
    return true;
  });
  const add = async (r: RouteSpec) => {
    validateRoute(spec, r);
    const args = ['global', 'rib', 'add', r.prefix, 'origin', originOf(r), 'nexthop', nextHopOf(spec, r)];
    const segs = [...(r.asPath?.length ? [r.asPath.join(',')] : []), ...(r.asSet?.length ? [`{${r.asSet.join(',')}}`] : [])];
    if (segs.length) args.push('aspath', segs.join(','));
    if (r.med !== undefined) args.push('med', String(r.med));
    if (r.communities?.length) args.push('community', r.communities.join(','));
    if (r.largeCommunities?.length) args.push('large-community', r.largeCommunities.join(','));
    await gobgp(...args, '-a', familyOf(r.prefix));
  };
  for (const r of spec.routes ?? []) await add(r);
  return makeDaemon(spec, dir, proc, {
    async established(peer) {
      const n = JSON.parse(await gobgp('neighbor', peer, '-j')) as { state?: { session_state?: number } };
      return n.state?.session_state === 6;
    },
    async routes() {
      const [v4, v6] = await Promise.all([gobgp('global', 'rib', '-j', '-a', 'ipv4'), gobgp('global', 'rib', '-j', '-a', 'ipv6')]);
      return [...parseGobgpRib(v4), ...parseGobgpRib(v6)];
    },
    async announce(routes) {
      for (const r of routes) await add(r);
    },
    async withdraw(prefixes) {
      for (const p of prefixes) await gobgp('global', 'rib', 'del', p, '-a', familyOf(p));
    },
  });
}

// ---------------------------------------------------------------------------------------------
// FRR bgpd (standalone: no zebra, no watchfrr, no /etc/frr)

interface FrrRoute { idx: number; route: RouteSpec }

/** Config lines (global level) for one originated route: prefix-list, origination and out route-maps. */
function frrRouteLines(spec: DaemonSpec, fr: FrrRoute): string[] {
  const { idx, route: r } = fr;
  const v6 = familyOf(r.prefix) === 'ipv6';
  const sets = [`set origin ${originOf(r)}`];
  if (r.asPath?.length) sets.push(`set as-path prepend ${r.asPath.join(' ')}`);
  if (r.med !== undefined) sets.push(`set metric ${r.med}`);
  if (r.communities?.length) sets.push(`set community ${r.communities.join(' ')} additive`);
  if (r.largeCommunities?.length) sets.push(`set large-community ${r.largeCommunities.join(' ')} additive`);
  return [
    `${v6 ? 'ipv6' : 'ip'} prefix-list OP-R${idx} seq 5 permit ${r.prefix}`,
    `route-map OP-ORIG-${idx} permit 10`,
    ...sets.map((s) => ` ${s}`),
    'exit',
    `route-map ${v6 ? 'OP-OUT6' : 'OP-OUT4'} permit ${idx}`,
    ` match ${v6 ? 'ipv6' : 'ip'} address prefix-list OP-R${idx}`,
    ` set ${v6 ? 'ipv6 next-hop global' : 'ip next-hop'} ${nextHopOf(spec, r)}`,
    'exit',
  ];
}

function frrConfig(spec: DaemonSpec, routes: FrrRoute[]): string {
  const out: string[] = [
    'frr defaults traditional',
    `hostname op-${spec.address.replace(/[^0-9a-zA-Z]/g, '-')}`,
    'log stdout informational',
    ...routes.flatMap((fr) => frrRouteLines(spec, fr)),
    // Everything else (routes learned from other peers) goes out with the fake next hop too.
    'route-map OP-OUT4 permit 65000',
    ` set ip next-hop ${fakeNextHop(spec.address, 'ipv4')}`,
    'exit',
    'route-map OP-OUT6 permit 65000',
    ` set ipv6 next-hop global ${fakeNextHop(spec.address, 'ipv6')}`,
    'exit',
    `router bgp ${spec.asn}`,
    ` bgp router-id ${spec.routerId}`,
    ' no bgp ebgp-requires-policy',
    ' no bgp network import-check',
    ' bgp route-map delay-timer 0',
  ];
  for (const p of spec.peers) {
    const hold = holdOf(spec, p);
    out.push(
      ` neighbor ${p.address} remote-as ${p.asn}`,
      ` neighbor ${p.address} port ${p.port}`,
      ` neighbor ${p.address} update-source ${spec.address}`,
      ` neighbor ${p.address} disable-connected-check`,
      ` neighbor ${p.address} timers connect 2`,
      ` neighbor ${p.address} advertisement-interval 0`,
      ...(p.passive ? [` neighbor ${p.address} passive`] : []),
      ...(hold !== undefined ? [` neighbor ${p.address} timers ${Math.max(1, Math.floor(hold / 3))} ${hold}`] : []),
    );
  }
  for (const fam of ['ipv4', 'ipv6'] as const) {
    out.push(` address-family ${fam} unicast`);
    for (const fr of routes) {
      if (familyOf(fr.route.prefix) === fam) out.push(`  network ${fr.route.prefix} route-map OP-ORIG-${fr.idx}`);
    }
    for (const p of spec.peers) {
      if (familiesOf(p).includes(fam)) {
        out.push(`  neighbor ${p.address} activate`, `  neighbor ${p.address} route-map ${fam === 'ipv4' ? 'OP-OUT4' : 'OP-OUT6'} out`);
        if (spec.maxPrefix !== undefined) out.push(`  neighbor ${p.address} maximum-prefix ${spec.maxPrefix}`);
      } else {
        out.push(`  no neighbor ${p.address} activate`);
      }
    }
    out.push(' exit-address-family');
  }
  out.push('exit');
  if (spec.extraConfig) out.push(spec.extraConfig);
  return out.join('\n') + '\n';
}

interface FrrPath {
  aspath?: { string?: string };
  origin?: string;
  metric?: number;
  locPrf?: number;
  localPref?: number;
  community?: { list?: string[] };
  largeCommunity?: { list?: string[] };
  nexthops?: Array<{ ip?: string; scope?: string }>;
  peer?: { peerId?: string };
  local?: boolean;
  sourced?: boolean;
}

/** Parses `show bgp <afi> unicast json detail` (FRR 8.4); keeps paths learned from a neighbor. */
export function parseFrrRoutes(json: string): ReceivedRoute[] {
  const text = json.trim();
  if (!text) return [];
  const doc = JSON.parse(text) as { routes?: Record<string, Array<FrrPath & { prefix?: string }>> };
  const out: ReceivedRoute[] = [];
  for (const [prefix, entries] of Object.entries(doc.routes ?? {})) {
    for (const p of entries) {
      if (!p.peer || p.local || p.sourced) continue; // prefix header element, or our own route
      const peer = p.peer.peerId ?? '';
      if (!peer || peer === '0.0.0.0' || peer === '(unspec)') continue;
      const nh = p.nexthops?.find((n) => n.scope !== 'link-local') ?? p.nexthops?.[0];
      const asPath = p.aspath?.string === 'Local' ? '' : normPath(p.aspath?.string ?? '');
      const r: ReceivedRoute = {
        prefix, peer, nextHop: nh?.ip ?? '', asPath,
        communities: sortComms(p.community?.list ?? []),
        largeCommunities: sortComms(p.largeCommunity?.list ?? []),
      };
      const origin = normOrigin(p.origin);
      if (origin) r.origin = origin;
      if (p.metric !== undefined) r.med = p.metric;
      const lp = p.locPrf ?? p.localPref;
      if (lp !== undefined) r.localPref = lp;
      out.push(r);
    }
  }
  return out;
}

async function startFrr(spec: DaemonSpec, dir: string, started: Proc[]): Promise<Daemon> {
  const conf = path.join(dir, 'frr.conf');
  const vty = path.join(dir, 'vty'); // a directory: bgpd creates vty/bgpd.vty
  fs.mkdirSync(vty);
  let nextIdx = 1;
  const current = new Map<string, FrrRoute>();
  for (const r of spec.routes ?? []) current.set(r.prefix, { idx: nextIdx++, route: r });
  fs.writeFileSync(conf, frrConfig(spec, [...current.values()]));
  const proc = spawnProc(started, `bgpd ${spec.address}`, BIN.bgpd, [
    '-f', conf, '-Z', '-S', '-n', '-l', spec.address, '-p', String(spec.port), '-P', '0',
    '--vty_socket', vty, '-i', path.join(dir, 'bgpd.pid'), '-z', path.join(dir, 'zserv.api'),
    '--log', 'stdout', '--log-level', 'informational',
  ], dir);
  const vtysh = async (...cmds: string[]) => {
    const { stdout } = await run(BIN.vtysh, ['--vty_socket', vty, ...cmds.flatMap((c) => ['-c', c])]);
    const bad = stdout.split('\n').find((l) => l.startsWith('%'));
    if (bad) throw new Error(`vtysh: ${bad}\ncommands: ${cmds.join(' | ')}\n${stdout}`);
    return stdout;
  };
  await waitReady(proc, 'vty socket', async () => {
    if (!fs.existsSync(path.join(vty, 'bgpd.vty'))) return false;
    JSON.parse(await vtysh('show bgp summary json'));
    return true;
  });
  const afCmds = (fam: Family, lines: string[]) => ['router bgp ' + spec.asn, `address-family ${fam} unicast`, ...lines, 'exit-address-family', 'exit'];
  const dropOutEntry = (fr: FrrRoute) =>
    `no route-map ${familyOf(fr.route.prefix) === 'ipv6' ? 'OP-OUT6' : 'OP-OUT4'} permit ${fr.idx}`;
  return makeDaemon(spec, dir, proc, {
    async established(peer) {
      const j = JSON.parse(await vtysh(`show bgp neighbors ${peer} json`)) as Record<string, { bgpState?: string }>;
      return j[peer]?.bgpState === 'Established';
    },
    async routes() {
      const [v4, v6] = await Promise.all([vtysh('show bgp ipv4 unicast json detail'), vtysh('show bgp ipv6 unicast json detail')]);
      return [...parseFrrRoutes(v4), ...parseFrrRoutes(v6)];
    },
    async announce(routes) {
      for (const r of routes) {
        validateRoute(spec, r);
        if (nextIdx >= 65000) throw new Error('frr: too many announcements for the route-map sequence space');
        const old = current.get(r.prefix);
        const fr: FrrRoute = { idx: nextIdx++, route: r };
        // Route-maps first, so the network statement is exported with its final attributes.
        await vtysh('configure terminal', ...frrRouteLines(spec, fr),
          ...afCmds(familyOf(r.prefix), [`network ${r.prefix} route-map OP-ORIG-${fr.idx}`]),
          ...(old ? [dropOutEntry(old)] : []), 'end');
        current.set(r.prefix, fr);
      }
    },
    async withdraw(prefixes) {
      for (const p of prefixes) {
        const fr = current.get(p);
        if (!fr) continue;
        await vtysh('configure terminal', ...afCmds(familyOf(p), [`no network ${p}`]), dropOutEntry(fr), 'end');
        current.delete(p);
      }
    },
  });
}

// ---------------------------------------------------------------------------------------------
// ExaBGP 4.2

// API helper: ExaBGP's JSON messages on stdin are appended to a file; commands appended to another
// file are forwarded to ExaBGP on stdout. stdout stays open (ExaBGP treats EOF as the helper dying,
// and gives up after 5 deaths); the helper exits when ExaBGP goes away (stdin EOF or reparenting).
const EXA_HELPER = `import os, sys, threading, time
rx_path, cmd_path = sys.argv[1], sys.argv[2]
parent = os.getppid()
def reader():
    with open(rx_path, 'ab', buffering=0) as out:
        for line in sys.stdin.buffer:
            out.write(line)
    os._exit(0)
threading.Thread(target=reader, daemon=True).start()
pos = 0
while True:
    if os.getppid() != parent:
        os._exit(0)
    try:
        with open(cmd_path, 'rb') as f:
            f.seek(pos)
            data = f.read()
    except FileNotFoundError:
        data = b''
    end = data.rfind(b'\\n')
    if end >= 0:
        chunk = data[:end + 1]
        pos += len(chunk)
        sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.flush()
    time.sleep(0.05)
`;

function exaRoute(spec: DaemonSpec, p: PeerSpec, r: RouteSpec): string {
  const seq = [...(p.asn !== spec.asn ? [spec.asn] : []), ...(r.asPath ?? [])];
  const set = r.asSet?.length ? ` ( ${r.asSet.join(' ')} )` : '';
  let s = `route ${r.prefix} next-hop ${nextHopOf(spec, r)} origin ${originOf(r)} as-path [ ${seq.join(' ')}${set} ]`;
  if (r.med !== undefined) s += ` med ${r.med}`;
  if (r.communities?.length) s += ` community [ ${r.communities.join(' ')} ]`;
  if (r.largeCommunities?.length) s += ` large-community [ ${r.largeCommunities.join(' ')} ]`;
  return s;
}

function exabgpConfig(spec: DaemonSpec, dir: string): string {
  const out: string[] = [
    'process op-api {',
    `  run ${BIN.python3} ${path.join(dir, 'api.py')} ${path.join(dir, 'rx.jsonl')} ${path.join(dir, 'cmd.txt')};`,
    '  encoder json;',
    '}',
  ];
  for (const p of spec.peers) {
    const hold = holdOf(spec, p);
    const fams = familiesOf(p);
    const routes = (spec.routes ?? []).filter((r) => fams.includes(familyOf(r.prefix)));
    out.push(
      `neighbor ${p.address} {`,
      `  router-id ${spec.routerId};`,
      `  local-address ${spec.address};`,
      `  local-as ${spec.asn};`,
      `  peer-as ${p.asn};`,
      ...(p.passive ? ['  passive true;', `  listen ${spec.port};`] : [`  connect ${p.port};`]),
      ...(hold !== undefined ? [`  hold-time ${hold};`] : []),
      `  family { ${fams.map((f) => `${f} unicast;`).join(' ')} }`,
      // Route refresh is off by default in ExaBGP; the other daemons offer it.
      '  capability { route-refresh; }',
      '  api { processes [ op-api ]; neighbor-changes; receive { parsed; update; } }',
      ...(routes.length ? ['  static {', ...routes.map((r) => `    ${exaRoute(spec, p, r)};`), '  }'] : []),
      '}',
    );
  }
  if (spec.extraConfig) out.push(spec.extraConfig);
  return out.join('\n') + '\n';
}

interface ExaMsg {
  type?: string;
  neighbor?: {
    address?: { peer?: string };
    state?: string;
    message?: {
      update?: {
        attribute?: Record<string, unknown>;
        announce?: Record<string, Record<string, Array<{ nlri?: string }>>>;
        withdraw?: Record<string, Array<{ nlri?: string }>>;
      };
    };
  };
}

/** Incremental reader of the ExaBGP API helper's log: session states, received routes, acks. */
class ExaState {
  private offset = 0;
  private partial = '';
  readonly state = new Map<string, string>();
  readonly rib = new Map<string, ReceivedRoute>();
  acks = 0;
  errors: string[] = [];
  constructor(private readonly file: string) {}

  poll(): void {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch {
      return;
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size <= this.offset) return;
      const buf = Buffer.alloc(size - this.offset);
      fs.readSync(fd, buf, 0, buf.length, this.offset);
      this.offset = size;
      const text = this.partial + buf.toString('utf8');
      const lines = text.split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) this.line(line.trim());
    } finally {
      fs.closeSync(fd);
    }
  }

  private line(line: string): void {
    if (!line) return;
    if (line === 'done') { this.acks++; return; }
    if (line === 'error') { this.acks++; this.errors.push(line); return; }
    if (!line.startsWith('{')) return;
    let m: ExaMsg;
    try {
      m = JSON.parse(line) as ExaMsg;
    } catch {
      return;
    }
    const peer = m.neighbor?.address?.peer ?? '';
    if (m.type === 'state' && m.neighbor?.state) {
      this.state.set(peer, m.neighbor.state);
      if (m.neighbor.state === 'down') {
        for (const [k, r] of this.rib) if (r.peer === peer) this.rib.delete(k);
      }
      return;
    }
    const upd = m.neighbor?.message?.update;
    if (m.type !== 'update' || !upd) return;
    for (const list of Object.values(upd.withdraw ?? {})) {
      for (const n of list) if (n.nlri) this.rib.delete(`${peer}|${n.nlri}`);
    }
    const at = upd.attribute ?? {};
    const seq = (at['as-path'] as number[] | undefined) ?? [];
    const set = (at['as-set'] as number[] | undefined) ?? [];
    const asPath = [...seq.map(String), ...(set.length ? [`{${set.join(',')}}`] : [])].join(' ');
    for (const byNh of Object.values(upd.announce ?? {})) {
      for (const [nh, list] of Object.entries(byNh)) {
        for (const n of list) {
          if (!n.nlri) continue;
          const r: ReceivedRoute = {
            prefix: n.nlri, peer, nextHop: nh, asPath,
            communities: sortComms(((at['community'] as number[][] | undefined) ?? []).map((c) => c.join(':'))),
            largeCommunities: sortComms(((at['large-community'] as number[][] | undefined) ?? []).map((c) => c.join(':'))),
          };
          const origin = normOrigin(at['origin']);
          if (origin) r.origin = origin;
          if (typeof at['med'] === 'number') r.med = at['med'];
          if (typeof at['local-preference'] === 'number') r.localPref = at['local-preference'];
          this.rib.set(`${peer}|${n.nlri}`, r);
        }
      }
    }
  }
}

async function startExabgp(spec: DaemonSpec, dir: string, started: Proc[]): Promise<Daemon> {
  if (spec.maxPrefix !== undefined) throw new Error('exabgp: maxPrefix is not supported');
  fs.writeFileSync(path.join(dir, 'api.py'), EXA_HELPER);
  fs.writeFileSync(path.join(dir, 'cmd.txt'), '');
  const conf = path.join(dir, 'exabgp.conf');
  fs.writeFileSync(conf, exabgpConfig(spec, dir));
  const rx = new ExaState(path.join(dir, 'rx.jsonl'));
  const proc = spawnProc(started, `exabgp ${spec.address}`, BIN.exabgp, [conf], dir, {
    'exabgp.daemon.user': 'root',
    'exabgp.daemon.daemonize': 'false',
    'exabgp.api.cli': 'false',
    'exabgp.api.ack': 'true',
    'exabgp.log.destination': 'stdout',
  });
  await waitReady(proc, 'configuration', async () => /loaded new configuration successfully/.test(proc.logs()));
  const command = async (lines: string[]) => {
    rx.poll();
    const want = rx.acks + lines.length;
    const errors = rx.errors.length;
    fs.appendFileSync(path.join(dir, 'cmd.txt'), lines.map((l) => l + '\n').join(''));
    const deadline = Date.now() + CLI_TIMEOUT_MS;
    for (;;) {
      rx.poll();
      if (rx.errors.length > errors) throw new Error(`exabgp rejected a command:\n${lines.join('\n')}\n--- logs ---\n${tail(proc.logs())}`);
      if (rx.acks >= want) return;
      if (proc.exited) throw new Error(`exabgp exited (${proc.exitInfo})\n${tail(proc.logs())}`);
      if (Date.now() > deadline) throw new Error(`exabgp: no ack for commands within ${CLI_TIMEOUT_MS} ms:\n${lines.join('\n')}`);
      await sleep(50);
    }
  };
  return makeDaemon(spec, dir, proc, {
    async established(peer) {
      rx.poll();
      return rx.state.get(peer) === 'up';
    },
    async routes() {
      rx.poll();
      return [...rx.rib.values()];
    },
    async announce(routes) {
      const lines: string[] = [];
      for (const r of routes) {
        validateRoute(spec, r);
        for (const p of spec.peers) {
          if (familiesOf(p).includes(familyOf(r.prefix))) lines.push(`neighbor ${p.address} announce ${exaRoute(spec, p, r)}`);
        }
      }
      if (lines.length) await command(lines);
    },
    async withdraw(prefixes) {
      const lines: string[] = [];
      for (const pfx of prefixes) {
        for (const p of spec.peers) {
          if (familiesOf(p).includes(familyOf(pfx))) lines.push(`neighbor ${p.address} withdraw route ${pfx}`);
        }
      }
      if (lines.length) await command(lines);
    },
  });
}
