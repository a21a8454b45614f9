// Which sessions are still sending their initial table: from being configured (or from Established,
// when one comes back) until End-of-RIB for each family they negotiated (RFC 4724 section 2), or,
// for routers that send End-of-RIB only with graceful restart negotiated (GoBGP), until they have
// sent no UPDATE for a quiet time. A configured session that does not come up within the connect
// time counts as down (it will bring nothing soon). A prefix
// never judged waits while such a session has not delivered it yet (engine.ts): judged at once it
// would pass through Failed and Warning while the sessions load, with events for every step, and
// be validated once per session instead of once.
import type { Family } from '../net/address.js';

export interface TableLoadsOptions {
  /** how long a loading session may send nothing before its table counts as complete (ms) */
  quietMs: number;
  /** how long a configured session may take to come up before it counts as down (ms) */
  connectMs: number;
  /**
   * A session counts as loaded without a message saying so: quiet, or it did not come up. (An
   * End-of-RIB is a speaker event the caller hears itself: it ends that family's load here.)
   */
  onLoaded(peer: string, why: LoadEnd): void;
}

export type LoadEnd = 'quiet' | 'not up';

interface Load {
  families: Set<Family>;
  /** configured, not Established yet */
  connecting: boolean;
  /** UPDATEs received since Established */
  updates: number;
  /** `updates` at the last check, and when it last changed (performance.now()) */
  seen: number;
  since: number;
}

/** Default quiet time: long enough for a busy sender's pauses, short enough not to keep prefixes Pending. */
export const DEFAULT_TABLE_QUIET_MS = 1000;
/** Default connect time: sessions to routers that are up come up within a second or two. */
export const DEFAULT_TABLE_CONNECT_MS = 5000;

export class TableLoads {
  private loads = new Map<string, Load>();
  /** the sessions of the last expect() */
  private known = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: TableLoadsOptions) {}

  /**
   * The sessions configured now, with the families they may carry: new ones load from now on
   * (until they come up and send their table, or the connect time passes); removed ones are forgotten.
   */
  expect(sessions: Iterable<[peer: string, families: Family[]]>): void {
    const now = new Set<string>();
    for (const [peer, families] of sessions) {
      now.add(peer);
      if (!this.known.has(peer)) this.start(peer, families, true);
    }
    for (const peer of this.known) if (!now.has(peer)) this.loads.delete(peer);
    this.known = now;
    this.idle();
  }

  /** A session came up with these families: it loads them until End-of-RIB or quiet. */
  established(peer: string, families: Family[]): void {
    this.start(peer, families, false);
  }

  /** An UPDATE came from a session (asked for every UPDATE: a counter, nothing more). */
  update(peer: string): void {
    if (!this.loads.size) return;
    const l = this.loads.get(peer);
    if (l) l.updates++;
  }

  /** The session's table for a family is complete (the caller judges what waited for it). */
  endOfRib(peer: string, family: Family): void {
    const l = this.loads.get(peer);
    if (!l || l.connecting || !l.families.delete(family) || l.families.size) return;
    this.loads.delete(peer);
    this.idle();
  }

  /** The session went down: it loads nothing now (what it had is gone with it). */
  down(peer: string): void {
    this.loads.delete(peer);
    this.idle();
  }

  isLoading(peer: string, family: Family): boolean {
    return this.loads.get(peer)?.families.has(family) ?? false;
  }

  /** How many sessions are loading now. */
  get size(): number {
    return this.loads.size;
  }

  stop(): void {
    this.loads.clear();
    this.known.clear();
    this.idle();
  }

  private start(peer: string, families: Family[], connecting: boolean): void {
    if (!families.length) {
      this.loads.delete(peer);
      this.idle();
      return;
    }
    this.loads.set(peer, { families: new Set(families), connecting, updates: 0, seen: 0, since: performance.now() });
    this.timer ??= setInterval(() => this.check(), Math.max(10, Math.min(this.o.quietMs, this.o.connectMs) / 4));
    this.timer.unref?.();
  }

  private loaded(peer: string, why: LoadEnd): void {
    this.loads.delete(peer);
    this.idle();
    this.o.onLoaded(peer, why);
  }

  private check(): void {
    const now = performance.now();
    for (const [peer, l] of [...this.loads]) {
      if (l.connecting) {
        if (now - l.since >= this.o.connectMs) this.loaded(peer, 'not up');
      } else if (l.updates !== l.seen) {
        l.seen = l.updates;
        l.since = now;
      } else if (now - l.since >= this.o.quietMs) this.loaded(peer, 'quiet');
    }
  }

  private idle(): void {
    if (this.loads.size || !this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
