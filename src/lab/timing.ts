// How long the lab's prefixes take to turn Verified: per session, when it came up and when each
// watched prefix last arrived on it, as the operator's edge speakers see it. Listeners go in
// front of the daemon's own, so a route is timestamped before validation reacts to it.
import { performance } from 'node:perf_hooks';
import type { Speaker } from '../bgp/speaker.js';
import { formatPrefixKey, type PrefixKey, parsePrefixKey } from '../net/prefix-key.js';
import type { WatchedPrefix } from '../validation/engine.js';

export interface Delay {
  /** ms from the last announcement of the prefix reaching the edge (the last required session) */
  afterRoute: number | undefined;
  /** ms from the last required session coming up (when its partner router announces) */
  afterUp: number | undefined;
}

export class Timing {
  private readonly established = new Map<string, number>();
  private readonly arrivals = new Map<string, number>();
  private readonly watched = new Set<PrefixKey>();
  private readonly hooked = new WeakSet<Speaker>();

  constructor(prefixes: Iterable<string>) {
    for (const p of prefixes) {
      const k = parsePrefixKey(p);
      if (k !== undefined) this.watched.add(k);
    }
  }

  /** Listens to the edge speakers (call again after a reload: new speakers get hooked). */
  hook(speakers: Iterable<Speaker>): void {
    for (const s of speakers) {
      if (this.hooked.has(s)) continue;
      this.hooked.add(s);
      s.prependListener('established', (peer) => {
        this.established.set(peer, performance.now());
      });
      s.prependListener('routes', (peer, announced) => {
        const t = performance.now();
        for (const k of announced) if (this.watched.has(k)) this.arrivals.set(`${peer} ${formatPrefixKey(k)}`, t);
      });
    }
  }

  /** When the session with `peer` last came up (performance.now() ms), if it did. */
  upAt(peer: string): number | undefined {
    return this.established.get(peer);
  }

  /** The delay to now from the announcement of `w` on the last of its sessions. */
  delay(w: WatchedPrefix): Delay {
    const now = performance.now();
    let route: number | undefined;
    let up: number | undefined;
    for (const s of [...w.primary, ...(w.backup ?? [])]) {
      const a = this.arrivals.get(`${s.peerAddress} ${w.prefix}`);
      if (a !== undefined && (route === undefined || a > route)) route = a;
      const e = this.established.get(s.peerAddress);
      if (e !== undefined && (up === undefined || e > up)) up = e;
    }
    return { afterRoute: route === undefined ? undefined : now - route, afterUp: up === undefined ? undefined : now - up };
  }
}

/** "0.21 ms", "12 ms", "1.25 s" */
export function seconds(ms: number | undefined): string {
  if (ms === undefined) return '?';
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms.toFixed(0)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}
