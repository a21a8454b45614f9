// Rejections that are events (a hijack, an RPKI invalid route): the speaker reports the routes it
// judged so, with their stored verdict, for each batch of routes; they go to every prefix they
// touch, raised only when new for that prefix (hijack-memory.ts), and the memory forgets the ones
// whose route is gone or judged otherwise.
//
// A rejection touches the prefixes watched at or covering the announced prefix, inside the
// registered prefix it falls under: a hijacked more-specific reaches the customer prefix around
// it and the registered prefix (without a registration, only what is watched at the prefix).
import type { NotableRejection } from '../bgp/rib/rejection.js';
import type { PathAttributes } from '../bgp/wire/attributes/types.js';
import { formatPrefixKey, keyToPrefix, type PrefixKey, parsePrefixKey } from '../net/prefix-key.js';
import { subjectOf, type ValidationEngine, type WatchedPrefix } from './engine.js';
import { type PrefixEvent, rejectionEvent, type SessionOwner } from './events.js';
import type { RejectionMemory } from './hijack-memory.js';
import { routeOrigin } from './import-policy.js';
import { Rejected } from './verdict.js';

export interface RejectionDeps {
  engine: ValidationEngine;
  memory: RejectionMemory;
  /** whose session a peer address is */
  ownerOf(peer: string): SessionOwner | undefined;
  /** the route a session holds now for a prefix and its stored rejection (undefined: it holds none) */
  current(peer: string, key: PrefixKey): { rejected: Rejected | undefined; attrs: PathAttributes } | undefined;
  raise(p: WatchedPrefix, e: PrefixEvent): void;
  /** what is remembered for these subjects ("kind:id") changed */
  remembered(subjects: string[]): void;
  clock?: () => string;
}

export class RejectionEvents {
  /** remembered prefixes' keys: parsed once, not per UPDATE (a few thousand at most, like the memory) */
  private readonly keys = new Map<string, PrefixKey | undefined>();
  /** per session, its remembered prefixes by key as of a version of the memory (settleRoutes) */
  private readonly byPeer = new Map<string, { version: number; keys: Map<PrefixKey, string> }>();

  constructor(private readonly d: RejectionDeps) {}

  private subjectOf(prefix: string): PrefixKey | undefined {
    if (this.keys.has(prefix)) return this.keys.get(prefix);
    if (this.keys.size >= 100_000) this.keys.clear();
    const key = parsePrefixKey(prefix);
    this.keys.set(prefix, key);
    return key;
  }

  /**
   * Routes of a session were judged (`judged`: the prefixes announced, withdrawn or judged again;
   * `notable`: those the speaker judged with a rejection that is an event, verdict at hand):
   * raises what is new on each prefix it touches, and forgets what is gone or no longer an event.
   */
  settle(peer: string, judged: (key: PrefixKey) => boolean, notable: readonly NotableRejection[]): void {
    if (!notable.length && !this.d.memory.has(peer)) return;
    this.settleWith(peer, notable, (visit) => {
      for (const prefix of this.d.memory.prefixesOf(peer)) {
        const key = this.subjectOf(prefix);
        if (key !== undefined && judged(key)) visit(prefix, key);
      }
    });
  }

  /**
   * settle() for one UPDATE's routes: its few prefixes are looked up among the session's
   * remembered ones, rather than the remembered ones tested against it (this runs per UPDATE).
   */
  settleRoutes(peer: string, announced: readonly PrefixKey[], withdrawn: readonly PrefixKey[], notable: readonly NotableRejection[]): void {
    if (!notable.length && !this.d.memory.has(peer)) return;
    const remembered = this.rememberedKeys(peer);
    if (!notable.length && !touches(remembered, announced) && !touches(remembered, withdrawn)) return;
    this.settleWith(peer, notable, (visit) => {
      for (const key of announced) {
        const prefix = remembered.get(key);
        if (prefix !== undefined) visit(prefix, key);
      }
      for (const key of withdrawn) {
        const prefix = remembered.get(key);
        if (prefix !== undefined) visit(prefix, key);
      }
    });
  }

  /** The session's remembered prefixes by key, made again only when the memory changed. */
  private rememberedKeys(peer: string): ReadonlyMap<PrefixKey, string> {
    const held = this.byPeer.get(peer);
    if (held && held.version === this.d.memory.version) return held.keys;
    const keys = new Map<PrefixKey, string>();
    for (const prefix of this.d.memory.prefixesOf(peer)) {
      const key = this.subjectOf(prefix);
      if (key !== undefined) keys.set(key, prefix);
    }
    this.byPeer.set(peer, { version: this.d.memory.version, keys });
    return keys;
  }

  private settleWith(peer: string, notable: readonly NotableRejection[], judgedRemembered: (visit: (prefix: string, key: PrefixKey) => void) => void): void {
    let changed: Set<string> | undefined;
    let reported: Set<string> | undefined;
    if (notable.length) {
      changed = new Set();
      reported = new Set();
      const time = (this.d.clock ?? (() => new Date().toISOString()))();
      const from = this.d.ownerOf(peer);
      for (const { key, rejection, route } of notable) {
        // (another judge's notable rejections are none of ours)
        if (!(rejection instanceof Rejected) || !rejection.eventful) continue;
        const kind = rejection.eventful;
        const prefix = formatPrefixKey(key);
        reported.add(prefix);
        const attrs = route.attrs;
        const originAs = routeOrigin(attrs) ?? null;
        const verdict = rejection.verdict(prefix);
        for (const w of this.touched(key, rejection)) {
          const subject = subjectOf(w);
          if (!this.d.memory.note(subject, { peer, prefix, originAs, kind })) continue;
          changed.add(subject);
          const e = rejectionEvent({ prefix, peer, from, verdict, attrs }, w.partner, time);
          if (e) this.d.raise(w, e);
        }
      }
    }
    // Remembered routes judged again without a report: withdrawn, or judged otherwise now (a
    // route sent again unchanged is not judged again, so its stored verdict is looked at).
    let gone: string[] | undefined;
    judgedRemembered((prefix, key) => {
      if (reported?.has(prefix)) return;
      const now = this.d.current(peer, key);
      const was = this.d.memory.of(peer, prefix);
      if (now && was && now.rejected?.eventful === was.kind && (routeOrigin(now.attrs) ?? null) === was.originAs) return;
      (gone ??= []).push(prefix);
    });
    for (const prefix of gone ?? []) for (const s of this.d.memory.forgetRoute(peer, prefix)) (changed ??= new Set()).add(s);
    if (changed?.size) this.d.remembered([...changed]);
  }

  /** The session went down for real (or was removed): its routes are gone. */
  sessionLost(peer: string): void {
    const changed = this.d.memory.forgetPeer(peer);
    if (changed.length) this.d.remembered(changed);
  }

  private touched(key: PrefixKey, rejection: Rejected): readonly WatchedPrefix[] {
    const registered = rejection.facts.registered;
    return registered ? this.d.engine.watchedCovering(keyToPrefix(key), registered) : this.d.engine.watchedAt(key);
  }
}

const touches = (remembered: ReadonlyMap<PrefixKey, string>, keys: readonly PrefixKey[]): boolean => {
  for (const k of keys) if (remembered.has(k)) return true;
  return false;
};
