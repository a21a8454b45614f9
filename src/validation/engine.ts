// The validation engine: keeps the state of every registered prefix and customer prefix in line
// with the live routes, and turns what changed into events. It re-runs only what a change can
// affect: a route change re-validates the prefixes watched at that exact prefix, a session change
// the prefixes that session should carry, a registry change everything.
//
// Routes come through a RouteLookup over the partner sessions' Adj-RIBs-In (pre-policy: a route
// the import policy rejected for a missing community must still produce that message); results
// go to a sink (the registry's state and message columns, the event store, live streams).
//
// After a start the registry's states and last looks are the baseline: with a gate set (settling),
// a prefix the registry holds a judgement for is not judged until the gate says its sessions had
// their chance, then once against that baseline (an unchanged result writes and raises nothing).
// A prefix never judged also waits while a session that should carry it is still sending its
// initial table without it (TableWait): judged when its last route arrives, or when that
// session's table is complete, once, instead of once per session on the way.

import { Lifecycle } from '../net/lifecycle.js';
import { covers, type Prefix, parsePrefix } from '../net/prefix.js';
import { type PrefixKey, parsePrefixKey } from '../net/prefix-key.js';
import { PrefixTrie } from '../net/trie.js';
import type { PrefixState } from '../registry/types.js';
import { diffLooks, lostVerified, type PrefixEvent, type PrefixLook, type SeenRoute, seenRoute } from './events.js';
import { customerPrefixState, customerSessionsLacking, type RouteLookup, registeredPrefixState, type SessionView, type StateResult } from './prefix-state.js';
import type { RouteCheckConfig } from './route-checks.js';
import { decodeLook, sameLook } from './stored-look.js';

export type WatchedKind = 'registered-prefix' | 'customer-prefix';

export interface WatchedPrefix {
  kind: WatchedKind;
  /** the registry's id of the prefix resource */
  id: string;
  prefix: string;
  /** the sessions that should carry it: for a registered prefix its peering's, for a customer prefix the provider's in the primary location */
  primary: SessionView[];
  /** customer prefixes with a backup location: the provider's sessions there ([] when it has none) */
  backup: SessionView[] | null;
  /** who sees its events: the partner that registered it (or the customer's provider), the customer */
  partner?: string;
  customer?: string;
  /** the state and message the registry holds now (the engine writes only what differs) */
  stored?: { state: PrefixState; message: string | null };
  /** what the registry keeps from the last look (stored-look.ts) and the ongoing rejections (hijack-memory.ts), as stored */
  remembered?: { look: string | null; alerts: string | null };
  /** registered prefixes: the origin AS it was verified with, if remembered */
  originAs?: number;
  /** a state the registry decides whatever the routes (a customer prefix whose key no longer matches) */
  fixed?: { state: PrefixState; message: string };
  /** the prefix as routes carry it (set by the engine: no text to parse per lookup) */
  prefixKey?: PrefixKey;
  /** subjectOf() of it, kept by the engine (the key of its look and result) */
  subject?: string;
}

/** What the engine validates against: the registry's view. */
export interface EngineView {
  checks: RouteCheckConfig;
  prefixes: WatchedPrefix[];
}

export interface EngineSink {
  state(p: WatchedPrefix, result: StateResult): void;
  event(p: WatchedPrefix, event: PrefixEvent): void;
  /** a registered prefix was verified with this origin AS for the first time: remember it */
  origin?(p: WatchedPrefix, originAs: number): void;
  /** the look the registry keeps for a prefix changed (stored-look.ts): store it */
  look?(p: WatchedPrefix, look: PrefixLook): void;
}

/** Whether a prefix may be judged now (settling: its sessions have had their chance). */
export type JudgeGate = (p: WatchedPrefix) => boolean;

/**
 * Whether a prefix's first judgement should wait for a session: it is still sending its initial
 * table (edge/table-loads.ts) and has not delivered this prefix yet.
 */
export type TableWait = (session: SessionView, prefix: PrefixKey) => boolean;

export class ValidationEngine {
  private view: EngineView = { checks: { community: { kind: 'standard', value: 0, text: '' }, maxPathLength: 3 }, prefixes: [] };
  /** watched prefixes by their prefix key (as routes carry it: no text to format per route) */
  private byPrefix = new Map<PrefixKey, WatchedPrefix[]>();
  /**
   * A bit per hash of an IPv4 key watched (a Bloom filter with one hash): most routes of a full
   * table concern no watched prefix, and Map.has on keys above 2^31 (heap numbers) cost 0.8 s
   * of a million-route load.
   */
  private watchedBits = new Uint32Array(WATCH_BITS / 32);
  private bySession = new Map<string, WatchedPrefix[]>();
  /** watched prefixes by prefix, for the ones covering a route (a hijacked more-specific) */
  private trie = new PrefixTrie<WatchedPrefix[]>();
  private looks = new Map<string, PrefixLook>();
  private results = new Map<string, StateResult>();
  /** prefixes judged since the engine started: the gate holds back only the others */
  private judged = new Set<string>();
  /** prefixes the gate held back */
  private deferred = new Set<string>();
  private gate: JudgeGate | undefined;
  private waitFor: TableWait | undefined;
  /** origin memory: registered prefix key -> the origin AS it was verified with */
  private origins = new Map<PrefixKey, number>();

  /** (an engine judges from its construction on; stop() ends that: nothing is judged or reported after it) */
  private readonly life = new Lifecycle('validation engine');

  constructor(
    private readonly routes: RouteLookup,
    private readonly sink: EngineSink,
    private readonly clock: () => string = () => new Date().toISOString(),
  ) {}

  /** The engine's lifecycle (net/lifecycle.ts); it has nothing to wait for, so it is ready at once. */
  start(): Promise<void> {
    return this.life.start(
      () => {},
      () => this.letGo(),
    );
  }

  get ready(): Promise<void> {
    return this.life.ready;
  }

  /**
   * Lets go of every prefix: what happens after (sessions closing on shutdown) changes no state
   * and raises no event, and what the registry holds stays as it is.
   */
  stop(): Promise<void> {
    return this.life.stop(() => this.letGo());
  }

  private letGo(): void {
    this.view = { checks: this.view.checks, prefixes: [] };
    this.byPrefix.clear();
    this.watchedBits.fill(0);
    this.bySession.clear();
    this.trie.clear();
    this.deferred.clear();
  }

  /**
   * A new view of the registry: indexes it and, unless told not to, re-validates everything.
   * (The daemon sets the view first, so import policies see the new origin memory, and
   * validates once the policies have re-judged the routes.)
   */
  setView(view: EngineView, opts: { validate?: boolean } = {}): void {
    if (this.life.ending) return;
    this.view = view;
    this.byPrefix.clear();
    this.watchedBits.fill(0);
    this.bySession.clear();
    this.origins.clear();
    this.trie.clear();
    const ids = new Set<string>();
    for (const p of view.prefixes) {
      // (set here, for every view: a prefix object copied with a spread carries its source's)
      const k = subjectOf(p);
      p.subject = k;
      ids.add(k);
      const key = parsePrefixKey(p.prefix);
      if (key !== undefined) {
        p.prefixKey = key;
        push(this.byPrefix, key, p);
        if (typeof key === 'number') this.watchedBits[watchBit(key) >>> 5]! |= 1 << (watchBit(key) & 31);
        if (p.kind === 'registered-prefix' && p.originAs !== undefined) this.origins.set(key, p.originAs);
        const parsed = parsePrefix(p.prefix)!;
        const list = this.trie.get(parsed);
        if (list) list.push(p);
        else this.trie.set(parsed, [p]);
      }
      // The registry's last look is the baseline the first look after a start is compared with.
      if (!this.looks.has(k)) {
        const stored = decodeLook(p.remembered?.look);
        if (stored) this.looks.set(k, stored);
      }
      for (const s of [...p.primary, ...(p.backup ?? [])]) push(this.bySession, s.peerAddress, p);
      // What the registry holds is what a new result is compared with (a restart, a re-validation request).
      if (p.stored) this.results.set(k, { state: p.stored.state, message: p.stored.message, carriedBy: this.results.get(k)?.carriedBy ?? [] });
    }
    // Forget prefixes that left the registry.
    for (const k of [...this.looks.keys()]) if (!ids.has(k)) this.looks.delete(k);
    for (const k of [...this.results.keys()]) if (!ids.has(k)) this.results.delete(k);
    for (const k of [...this.deferred]) if (!ids.has(k)) this.deferred.delete(k);
    for (const k of [...this.judged]) if (!ids.has(k)) this.judged.delete(k);
    if (opts.validate !== false) this.revalidateAll();
  }

  /**
   * While a gate is set, a prefix with a judgement in the registry (not Pending) that was not
   * judged since the start waits until the gate lets it through; undefined lifts it (validateDeferred
   * then judges what waited).
   */
  setGate(gate: JudgeGate | undefined): void {
    this.gate = gate;
  }

  /**
   * Sessions sending their initial table: a prefix never judged waits while one of them has not
   * delivered it yet (sessionReady() once the table is complete judges what waited).
   */
  setTableWait(waitFor: TableWait | undefined): void {
    this.waitFor = waitFor;
  }

  /** Judges the prefixes the gate held back (settling is over). Returns how many. */
  validateDeferred(): number {
    if (!this.deferred.size) return 0;
    let n = 0;
    for (const p of this.view.prefixes)
      if (this.deferred.has(p.subject ?? subjectOf(p))) {
        this.validate(p);
        n++;
      }
    return n;
  }

  /** How many prefixes wait for their sessions (settling). */
  get waiting(): number {
    return this.deferred.size;
  }

  /** The look the engine holds for a prefix (what the registry keeps of it). */
  look(p: WatchedPrefix): PrefixLook | undefined {
    return this.looks.get(p.subject ?? subjectOf(p));
  }

  /** The origin AS a registered prefix was verified with (origin memory), if any. */
  expectedOrigin(registered: PrefixKey): number | undefined {
    return this.origins.get(registered);
  }

  revalidateAll(): void {
    for (const p of this.view.prefixes) this.validate(p);
  }

  /** Routes for these prefixes changed (announced, withdrawn, re-judged) on some session. */
  routesChanged(prefixes: Iterable<PrefixKey>): void {
    if (!this.byPrefix.size) return;
    // Nearly every route of a full table concerns no watched prefix: nothing is allocated for those.
    let seen: Set<WatchedPrefix> | undefined;
    for (const key of prefixes) {
      const watched = this.byPrefix.get(key);
      if (watched) for (const p of watched) (seen ??= new Set()).add(p);
    }
    if (seen) for (const p of seen) this.validate(p);
  }

  /** Re-validates the watched prefixes `affected` selects (e.g. those under changed VRPs). */
  revalidateWhere(affected: (p: WatchedPrefix) => boolean): number {
    let n = 0;
    for (const p of this.view.prefixes)
      if (affected(p)) {
        this.validate(p);
        n++;
      }
    return n;
  }

  /** A session went down (its routes went as a whole), or its routes changed without a report. */
  sessionChanged(peerAddress: string): void {
    for (const p of this.bySession.get(peerAddress) ?? []) this.validate(p);
  }

  /**
   * A session came up or sent End-of-RIB: its routes did not change by that (they come and go
   * with routesChanged), but the prefixes the gate held back for it may be judged now. Judging
   * all of its prefixes again here was 400,000 validations at the start of a full load.
   */
  sessionReady(peerAddress: string): void {
    if (!this.deferred.size) return;
    for (const p of this.bySession.get(peerAddress) ?? []) if (this.deferred.has(p.subject ?? subjectOf(p))) this.validate(p);
  }

  /** Whether any prefix is watched at exactly this prefix (asked for every route of a full table). */
  watches(prefix: PrefixKey): boolean {
    if (typeof prefix === 'number') {
      const b = watchBit(prefix);
      if (!(this.watchedBits[b >>> 5]! & (1 << (b & 31)))) return false;
    }
    return this.byPrefix.has(prefix);
  }

  /** The prefixes watched at exactly this prefix. */
  watchedAt(prefix: PrefixKey): readonly WatchedPrefix[] {
    return this.byPrefix.get(prefix) ?? [];
  }

  /**
   * The prefixes watched at or covering `prefix` (a customer prefix and the registered prefix
   * above a hijacked more-specific), only those inside `within` when given.
   */
  watchedCovering(prefix: Prefix, within?: Prefix): WatchedPrefix[] {
    const out: WatchedPrefix[] = [];
    for (const e of this.trie.covering(prefix)) if (!within || covers(within, e.prefix)) out.push(...e.value);
    return out;
  }

  /** The last result for a prefix resource. */
  result(kind: WatchedKind, id: string): StateResult | undefined {
    return this.results.get(`${kind}:${id}`);
  }

  private validate(p: WatchedPrefix): void {
    if (this.life.ending) return;
    const k = p.subject ?? subjectOf(p);
    if (this.gate && !this.judged.has(k) && !p.fixed && p.stored && p.stored.state !== 'Pending' && !this.gate(p)) {
      this.deferred.add(k);
      return;
    }
    if (this.waitFor && !this.judged.has(k) && this.waitsForTables(p)) {
      this.deferred.add(k);
      return;
    }
    const checks = this.view.checks;
    // Each session is looked up once per validation: the state and the events read the same routes.
    // (Sessions are a handful per prefix: arrays, no map or closure per session.)
    const primary = p.primary;
    const backup = p.backup ?? NO_SESSIONS;
    const primaryRoutes = p.fixed ? [] : primary.map((s) => this.routes(s, p.prefix, p.prefixKey));
    const backupRoutes = p.fixed || !backup.length ? [] : backup.map((s) => this.routes(s, p.prefix, p.prefixKey));
    this.deferred.delete(k);
    this.judged.add(k);
    const once: RouteLookup = (s) => {
      const i = primary.indexOf(s);
      return i >= 0 ? primaryRoutes[i] : backupRoutes[backup.indexOf(s)];
    };
    const result: StateResult = p.fixed
      ? { ...p.fixed, carriedBy: [] }
      : p.kind === 'registered-prefix'
        ? registeredPrefixState(p.prefix, primary, once, checks)
        : customerPrefixState(p.prefix, primary, p.backup, once, checks);
    const held = this.looks.get(k);
    // Nothing changed (a re-validation, a reload): the held look and result stay as they are, so
    // nothing new lives on to be promoted and collected (five revalidateAll() calls grew the heap
    // by 250 MB). Same routes means the same attribute sets, and so the same shared SeenRoute.
    if (
      held &&
      !p.fixed &&
      held.state === result.state &&
      !held.lost &&
      sameRoutes(held.primary, primary, primaryRoutes) &&
      sameRoutes(held.backup, backup, backupRoutes)
    ) {
      const old = this.results.get(k);
      if (old && old.state === result.state && old.message === result.message && old.carriedBy.length === result.carriedBy.length) {
        if (p.kind === 'registered-prefix' && p.originAs === undefined && (result.state === 'Verified' || result.state === 'Warning'))
          this.learnOrigin(p, held);
        return;
      }
    }
    const routes = p.fixed
      ? { primary: NO_ROUTES, backup: NO_ROUTES }
      : { primary: received(primary, primaryRoutes), backup: backup.length ? received(backup, backupRoutes) : NO_ROUTES };
    // A judgement in the registry without a look (stored before looks were kept): its routes are
    // taken as they are now, without announcing them all again.
    const before = held ?? (p.stored && p.stored.state !== 'Pending' ? { state: p.stored.state, ...routes, lost: false } : undefined);
    const look: PrefixLook = { state: result.state, ...routes, lost: lostVerified(before, result.state) };
    // (the time is asked for only when there is an event: a validation that changes nothing formats no date)
    const events = diffLooks(p.prefix, before, look, this.clock);
    this.looks.set(k, look);
    const old = this.results.get(k);
    // A copy is kept, not what the state functions made: their objects then all die young, and V8
    // does not learn to allocate them in the old generation (where a revalidateAll() that changes
    // nothing left 60 MB of garbage for the next full collection).
    const kept: StateResult = { state: result.state, message: result.message, carriedBy: [...result.carriedBy] };
    this.results.set(k, kept);
    if (!old || old.state !== kept.state || old.message !== kept.message) this.sink.state(p, kept);
    if (!held || !sameLook(held, look)) this.sink.look?.(p, look);
    for (const e of events) this.sink.event(p, e);
    if (p.kind === 'registered-prefix' && p.originAs === undefined && (result.state === 'Verified' || result.state === 'Warning')) this.learnOrigin(p, look);
  }

  /** Whether a prefix's first judgement waits for a session's table (one whose routes can change it). */
  private waitsForTables(p: WatchedPrefix): boolean {
    if (p.fixed || p.prefixKey === undefined) return false;
    if (p.kind === 'customer-prefix' && customerSessionsLacking(p.primary, p.backup)) return false;
    return this.awaits(p.primary, p.prefixKey) || this.awaits(p.backup, p.prefixKey);
  }

  /** Whether one of these sessions is to be waited for (TableWait) before the prefix's first judgement. */
  private awaits(sessions: SessionView[] | null, key: PrefixKey): boolean {
    if (sessions) for (const s of sessions) if (this.waitFor!(s, key)) return true;
    return false;
  }

  /** The first verified routes of a registered prefix set its origin memory, when they agree on one. */
  private learnOrigin(p: WatchedPrefix, look: PrefixLook): void {
    const origins = new Set([...look.primary.values()].map((r) => r.originAs));
    const [origin] = origins;
    if (origins.size !== 1 || origin === undefined || origin === null) return;
    p.originAs = origin;
    const key = p.prefixKey ?? parsePrefixKey(p.prefix);
    if (key !== undefined) this.origins.set(key, origin);
    this.sink.origin?.(p, origin);
  }
}

/** Bits of the IPv4 watch filter (128 KB): about 5 % false positives at 50,000 watched prefixes. */
const WATCH_BITS = 1 << 20;
const watchBit = (key: number): number => key % 1048573;

const NO_SESSIONS: SessionView[] = [];
/** (shared, never written to: a look's maps are replaced, not changed) */
const NO_ROUTES: ReadonlyMap<string, SeenRoute> = new Map();

/** What a look keeps of a route, per attribute set (CarriedRoute.set: the RIB keeps one object per set). */
const seen = new WeakMap<object, SeenRoute>();

/** Whether a look's routes are the ones found now (`found[i]` is session i's), by identity. */
function sameRoutes(held: ReadonlyMap<string, SeenRoute>, sessions: SessionView[], found: ReadonlyArray<ReturnType<RouteLookup>>): boolean {
  let n = 0;
  for (let i = 0; i < sessions.length; i++) {
    const r = found[i];
    if (!r) continue;
    n++;
    const v = seen.get(r.set ?? r.attrs);
    if (v === undefined || held.get(sessions[i]!.peerAddress) !== v) return false;
  }
  return n === held.size;
}

/** The routes these sessions carry for a prefix (`found[i]` is session i's), by peer address. */
function received(sessions: SessionView[], found: ReadonlyArray<ReturnType<RouteLookup>>): Map<string, SeenRoute> {
  const out = new Map<string, SeenRoute>();
  for (let i = 0; i < sessions.length; i++) {
    const r = found[i];
    if (!r) continue;
    let v = seen.get(r.set ?? r.attrs);
    if (!v) seen.set(r.set ?? r.attrs, (v = seenRoute(r.attrs)));
    out.set(sessions[i]!.peerAddress, v);
  }
  return out;
}

/** A watched prefix's key: "kind:id" (the subject of its events and of what the registry keeps). */
export const subjectOf = (p: Pick<WatchedPrefix, 'kind' | 'id'>) => `${p.kind}:${p.id}`;

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
