// Rejections that are events (a hijack, an RPKI invalid route): the sessions' import policies
// report them as they judge routes; once a batch of routes is judged they go to every prefix they
// touch, raised only when new for that prefix (hijack-memory.ts), and the memory forgets the ones
// whose route is gone or judged otherwise.
//
// A rejection touches the prefixes watched at or covering the announced prefix, inside the
// registered prefix it falls under: a hijacked more-specific reaches the customer prefix around
// it and the registered prefix (without a registration, only what is watched at the prefix).
import type { PathAttributes } from '../bgp/wire/attributes/types.js';
import { keyToPrefix, keyToText, type PrefixKey, textToKey } from '../bgp/wire/nlri.js';
import { keyOf, type ValidationEngine, type WatchedPrefix } from './engine.js';
import { eventfulKind, type PrefixEvent, rejectionEvent, type SessionOwner } from './events.js';
import type { RejectionMemory } from './hijack-memory.js';
import { type EventfulRejection, routeOrigin, type Verdict } from './import-policy.js';

export interface RejectionDeps {
  engine: ValidationEngine;
  memory: RejectionMemory;
  /** whose session a peer address is */
  ownerOf(peer: string): SessionOwner | undefined;
  /** the verdict on the route a session holds now for a prefix (undefined: it holds none) */
  current(peer: string, key: PrefixKey): { verdict: Verdict; attrs: PathAttributes } | undefined;
  raise(p: WatchedPrefix, e: PrefixEvent): void;
  /** what is remembered for these subjects ("kind:id") changed */
  remembered(subjects: string[]): void;
  clock?: () => string;
}

interface Report {
  key: PrefixKey;
  verdict: Verdict;
  attrs: PathAttributes;
}

export class RejectionEvents {
  /** per session: rejections its import policy reported since the last settle() */
  private reported = new Map<string, Report[]>();

  constructor(private readonly d: RejectionDeps) {}

  /** Where a session's import policy reports the rejections that are events. */
  reporter(peer: string): EventfulRejection {
    let list = this.reported.get(peer);
    if (!list) this.reported.set(peer, (list = []));
    const out = list;
    return (key, verdict, attrs) => {
      out.push({ key, verdict, attrs });
    };
  }

  /**
   * Routes of a session were judged (`judged`: the prefixes announced, withdrawn or judged again):
   * raises what is new on each prefix it touches, and forgets what is gone or no longer an event.
   */
  settle(peer: string, judged: (key: PrefixKey) => boolean): void {
    const list = this.reported.get(peer);
    if (!list?.length && !this.d.memory.has(peer)) return;
    const changed = new Set<string>();
    const reported = new Set<string>();
    if (list?.length) {
      const time = (this.d.clock ?? (() => new Date().toISOString()))();
      const from = this.d.ownerOf(peer);
      for (const { key, verdict, attrs } of list) {
        const kind = eventfulKind(verdict);
        if (!kind) continue;
        const prefix = keyToText(key);
        reported.add(prefix);
        const originAs = routeOrigin(attrs) ?? null;
        for (const w of this.touched(key, verdict)) {
          const subject = keyOf(w);
          if (!this.d.memory.note(subject, { peer, prefix, originAs, kind })) continue;
          changed.add(subject);
          const e = rejectionEvent({ prefix, peer, from, verdict, attrs }, w.partner, time);
          if (e) this.d.raise(w, e);
        }
      }
      list.length = 0;
    }
    // Remembered routes judged again without a report: withdrawn, or judged otherwise now (a
    // route sent again unchanged is not judged again, so its verdict is looked at).
    for (const prefix of this.d.memory.prefixesOf(peer)) {
      if (reported.has(prefix)) continue;
      const key = textToKey(prefix);
      if (key === undefined || !judged(key)) continue;
      const now = this.d.current(peer, key);
      const was = this.d.memory.of(peer, prefix);
      if (now && was && eventfulKind(now.verdict) === was.kind && (routeOrigin(now.attrs) ?? null) === was.originAs) continue;
      for (const s of this.d.memory.forgetRoute(peer, prefix)) changed.add(s);
    }
    if (changed.size) this.d.remembered([...changed]);
  }

  /** The session went down for real (or was removed): its routes are gone. */
  sessionLost(peer: string): void {
    this.reported.get(peer)?.splice(0);
    const changed = this.d.memory.forgetPeer(peer);
    if (changed.length) this.d.remembered(changed);
  }

  /** The session is configured no more. */
  sessionRemoved(peer: string): void {
    this.sessionLost(peer);
    this.reported.delete(peer);
  }

  private touched(key: PrefixKey, verdict: Verdict): readonly WatchedPrefix[] {
    if (verdict.accept) return [];
    return verdict.registered ? this.d.engine.watchedCovering(keyToPrefix(key), verdict.registered) : this.d.engine.watchedAt(key);
  }
}
