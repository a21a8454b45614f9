// Real BGP daemons (BIRD 2, GoBGP, FRR bgpd, ExaBGP) as peers of our speaker: what is common to all
// four kinds. Each kind has its own module (bird.ts, gobgp.ts, frr.ts, exabgp.ts); index.ts starts
// them.
//
// Every daemon runs as a child process in its own temp dir, on its own loopback address
// (127.0.0.0/8 or ::1) and port, and listens only there (BIRD `strict bind`, GoBGP
// `local-address-list`, FRR `-l`, ExaBGP `local-address`), so several can run at once.
// Daemons are killed by stop(), by stopAll(), when our process exits (exit handler) and,
// as a last resort, by the kernel when our process dies (setpriv --pdeathsig KILL; ../process.ts).
// Every wait is bounded. The daemons' quirks on loopback are handled (and explained) where they bite, in each daemon's file.
//
// Conventions:
// - AnnouncedRoute.asPath is the path *behind* the originating daemon: towards an eBGP peer every daemon
//   prepends its own ASN (BIRD, GoBGP and FRR do it themselves; for ExaBGP exabgp.ts does it), so
//   the peer sees `daemonAsn ...asPath {asSet}`.
// - Next hops: GoBGP and FRR reject 127.x next hops, so every daemon sends a fake next hop instead of
//   its own address: AnnouncedRoute.nextHop, or fakeNextHop(daemon address, family) (192.0.2.<last octet>,
//   2001:db8::<last octet>). Routes re-exported from other peers get the same fake next hop.
// - LearnedRoute lists what the daemon learned from its peers (not its own routes), one entry per
//   path; communities are normalised to "a:b" / "a:b:c" and sorted.
import net from 'node:net';
import type { FamilyName } from '../../net/address.js';
import { executable, freezeProc, type Proc, sleep, stopProc, tail, thawProc } from '../process.js';

export type DaemonKind = 'bird' | 'gobgp' | 'frr' | 'exabgp';
/** The ORIGIN attribute (RFC 4271 §5.1.1) by name, as the daemons' configurations spell it. */
export type OriginName = 'igp' | 'egp' | 'incomplete';

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
  /**
   * Seconds between KEEPALIVEs to this peer (BIRD and GoBGP; default a third of the hold time).
   * BIRD 2.0 may hold the UPDATEs of a session that just came up until its event loop next wakes
   * (up to 3 s when no timer is due): a 1 s keepalive bounds that to about a second.
   */
  keepalive?: number;
  /** Address families of the session (default both, IPv6 over the same session). */
  families?: FamilyName[];
}

/** A route a daemon originates and announces to its peers (from the start, or with announce()). */
export interface AnnouncedRoute {
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
  origin?: OriginName;
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
  routes?: AnnouncedRoute[];
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

/** A path a daemon learned from one of its peers (its Adj-RIB-In, RFC 4271 §3.2), as it reports it. */
export interface LearnedRoute {
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
  origin?: OriginName;
}

export interface Daemon {
  spec: DaemonSpec;
  pid: number;
  dir: string;
  established(peer: string): Promise<boolean>;
  waitEstablished(peer: string, timeoutMs?: number): Promise<void>;
  /** What the daemon received from its peers (not its own routes). */
  routes(): Promise<LearnedRoute[]>;
  waitRoutes(predicate: (r: LearnedRoute[]) => boolean, timeoutMs?: number): Promise<LearnedRoute[]>;
  /** Originate routes at run time (replaces a route with the same prefix). */
  announce?(routes: AnnouncedRoute[]): Promise<void>;
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

export const BIN = {
  bird: '/usr/sbin/bird',
  birdc: '/usr/sbin/birdc',
  gobgpd: '/usr/bin/gobgpd',
  gobgp: '/usr/bin/gobgp',
  bgpd: '/usr/lib/frr/bgpd',
  vtysh: '/usr/bin/vtysh',
  exabgp: '/usr/sbin/exabgp',
  // ExaBGP only imports with Debian's python (a pyenv python3 may come first in PATH).
  python3: '/usr/bin/python3',
} as const;

const REQUIRED: Record<DaemonKind, { name: string; pkg: string; bins: string[] }> = {
  bird: { name: 'BIRD 2', pkg: 'bird2', bins: [BIN.bird, BIN.birdc] },
  gobgp: { name: 'GoBGP', pkg: 'gobgpd', bins: [BIN.gobgpd, BIN.gobgp] },
  frr: { name: 'FRR bgpd', pkg: 'frr', bins: [BIN.bgpd, BIN.vtysh] },
  exabgp: { name: 'ExaBGP', pkg: 'exabgp', bins: [BIN.exabgp, BIN.python3] },
};

/** Throws when the daemon is not installed; tests must fail (never skip) with this message. */
export function requireBinary(kind: DaemonKind): void {
  const r = REQUIRED[kind];
  const missing = r.bins.filter((b) => !executable(b));
  if (missing.length > 0) {
    throw new Error(`${r.name} is not installed: run \`bash scripts/install-test-deps.sh\` (Debian package ${r.pkg})` + ` [missing: ${missing.join(', ')}]`);
  }
}

// ---------------------------------------------------------------------------------------------
// Routes: defaults, validation, normalisation of what the daemons report

const DEFAULT_WAIT_MS = 20_000;
/** How long a daemon's CLI (birdc, gobgp, vtysh) or API command may take. */
export const CLI_TIMEOUT_MS = 10_000;
const START_TIMEOUT_MS = 15_000;

/** The end of a daemon's log for an error message. */
export const logTail = (logs: string) => tail(logs, Infinity, 6000);

export function familyOf(prefix: string): FamilyName {
  return prefix.includes(':') ? 'ipv6' : 'ipv4';
}

/** Only loopback addresses may be used as traffic targets (127.0.0.0/8, ::1). */
export function assertLoopback(addr: string, what: string): void {
  const ok = (net.isIPv4(addr) && addr.startsWith('127.')) || addr === '::1';
  if (!ok) throw new Error(`${what} ${addr} is not a loopback address (127.0.0.0/8 or ::1)`);
}

/** The fake next hop a daemon on `address` sends for routes of `family`. */
export function fakeNextHop(address: string, family: FamilyName): string {
  const last = net.isIPv4(address) ? Number(address.split('.')[3]) : 1;
  return family === 'ipv4' ? `192.0.2.${last}` : `2001:db8::${last.toString(16)}`;
}

export const familiesOf = (p: PeerSpec): FamilyName[] => p.families ?? ['ipv4', 'ipv6'];
export const holdOf = (spec: DaemonSpec, p: PeerSpec) => p.holdTime ?? spec.holdTime;
export const nextHopOf = (spec: DaemonSpec, r: AnnouncedRoute) => r.nextHop ?? fakeNextHop(spec.address, familyOf(r.prefix));
export const originOf = (r: AnnouncedRoute): OriginName => r.origin ?? 'igp';

export function validateRoute(spec: DaemonSpec, r: AnnouncedRoute): void {
  if (!/^[0-9a-fA-F:.]+\/\d+$/.test(r.prefix)) throw new Error(`bad prefix ${r.prefix}`);
  if (r.asSet?.length && (spec.kind === 'bird' || spec.kind === 'frr')) {
    throw new Error(`${spec.kind} cannot originate an AS_SET (route ${r.prefix}); use gobgp or exabgp`);
  }
  for (const c of r.communities ?? []) if (!/^\d+:\d+$/.test(c)) throw new Error(`bad community ${c}`);
  for (const c of r.largeCommunities ?? []) if (!/^\d+:\d+:\d+$/.test(c)) throw new Error(`bad large community ${c}`);
}

/** "65001  65002 { 1 2 }" -> "65001 65002 {1,2}" */
export function normPath(p: string): string {
  return p
    .replace(
      /\{([^}]*)\}/g,
      (_m, inner: string) =>
        `{${inner
          .trim()
          .split(/[\s,]+/)
          .filter(Boolean)
          .join(',')}}`,
    )
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

/** Sorts communities / large communities numerically (the order LearnedRoute uses). */
export const sortCommunities = (c: string[]): string[] => [...c].sort(cmpNums);

export function normOrigin(o: unknown): OriginName | undefined {
  if (o === undefined || o === null) return undefined;
  const s = String(o).toLowerCase();
  if (s === '0' || s === 'igp' || s === 'i') return 'igp';
  if (s === '1' || s === 'egp' || s === 'e') return 'egp';
  if (s === '2' || s === 'incomplete' || s === '?') return 'incomplete';
  return undefined;
}

function describeRoutes(r: LearnedRoute[]): string {
  return r.length === 0 ? '(none)' : r.map((x) => JSON.stringify(x)).join('\n');
}

// ---------------------------------------------------------------------------------------------
// The generic daemon: one process plus a kind's adapter

/** What a kind's start function gets from startDaemon(). */
export interface StartContext {
  /** The daemon's own temp dir (configs, sockets, pid files). */
  dir: string;
  /** Spawns a child in `dir`; it is stopped again if the start fails. */
  spawn(name: string, file: string, args: string[], env?: NodeJS.ProcessEnv): Proc;
}

/** What a kind implements; makeDaemon() adds the checks, the bounded waits and the lifecycle. */
export interface Adapter {
  established(peer: string): Promise<boolean>;
  routes(): Promise<LearnedRoute[]>;
  announce?(routes: AnnouncedRoute[]): Promise<void>;
  withdraw?(prefixes: string[]): Promise<void>;
}

/** What a kind's start function returns: its process, ready to be queried, and its adapter. */
export interface Started {
  proc: Proc;
  adapter: Adapter;
}

const liveDaemons = new Set<Daemon>();

/** Stops every daemon started by this process (use in after() hooks). */
export async function stopAll(): Promise<void> {
  await Promise.all([...liveDaemons].map((d) => d.stop()));
}

/** `onStop` runs after the process has stopped (startDaemon() removes the dir there). */
export function makeDaemon(spec: DaemonSpec, dir: string, proc: Proc, a: Adapter, onStop: () => void): Daemon {
  const label = `${spec.kind} ${spec.address}:${spec.port} AS${spec.asn} (pid ${proc.pid})`;
  const checkAlive = () => {
    if (proc.exited) throw new Error(`${label} exited (${proc.exitInfo})\n--- logs ---\n${logTail(proc.logs())}`);
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
              (lastErr ? `\nlast error: ${lastErr}` : '') +
              `\n--- logs ---\n${logTail(proc.logs())}`,
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
      let last: LearnedRoute[] = [];
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
              (lastErr ? `\nlast error: ${lastErr}` : '') +
              `\n--- logs ---\n${logTail(proc.logs())}`,
          );
        }
        await sleep(200);
      }
    },
    logs: () => proc.logs(),
    freeze: () => freezeProc(proc),
    thaw: () => thawProc(proc),
    stop() {
      stopped ??= (async () => {
        await stopProc(proc);
        liveDaemons.delete(d);
        onStop();
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
export async function waitReady(proc: Proc, what: string, check: () => Promise<boolean>, timeoutMs = START_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastErr = '';
  for (;;) {
    if (proc.exited) throw new Error(`${proc.name} exited during start (${proc.exitInfo})\n--- logs ---\n${logTail(proc.logs())}`);
    try {
      if (await check()) return;
    } catch (e) {
      lastErr = (e as Error).message;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${proc.name}: ${what} not ready after ${timeoutMs} ms` + (lastErr ? `\nlast error: ${lastErr}` : '') + `\n--- logs ---\n${logTail(proc.logs())}`,
      );
    }
    await sleep(100);
  }
}
