// The service's live side, wired together: one BGP speaker per edge router of the registry
// (speaker-pool.ts) running the sessions the registry calls for (session-plan.ts), with the
// import policies its peerings call for (policy-scope.ts), the validation engine kept in line with
// what the sessions receive, results to the registry (state-writer.ts) and to listeners, and what
// the API reads (live-view.ts). Registry changes are applied one at a time (reload-loop.ts), each
// in one synchronous step: route events see the old view or the whole new one, never half of it.
// After a start the stored states stand until the sessions have had their chance (settling).
import { EventEmitter } from 'node:events';
import type { Family } from '../net/address.js';
import { Lifecycle } from '../net/lifecycle.js';
import type { Registry } from '../registry/registry.js';
import { parseRegisteredPrefixId, peeringId } from '../registry/resource-ids.js';
import { ValidationFacts } from '../registry/validation-facts.js';
import { ValidationRecorder } from '../registry/validation-recorder.js';
import { subjectOf, ValidationEngine, type WatchedPrefix } from '../validation/engine.js';
import type { PrefixEvent } from '../validation/events.js';
import { RejectionMemory } from '../validation/hijack-memory.js';
import type { StateResult } from '../validation/prefix-state.js';
import { RejectionEvents } from '../validation/rejections.js';
import { Settling } from '../validation/settling.js';
import { buildView, type ValidationView } from '../validation/view.js';
import { LiveView } from './live-view.js';
import { DEFAULT_RELOAD_DEBOUNCE_MS, DEFAULT_SETTLE_SECONDS, type EdgeDaemonOptions } from './options.js';
import { PolicyScope, type RegistryChange } from './policy-scope.js';
import { ReloadLoop } from './reload-loop.js';
import { RouteChanges } from './route-changes.js';
import { diffSessions, type PlannedSession, planSessions, sessionsByPeer } from './session-plan.js';
import { type Speaker, SpeakerPool } from './speaker-pool.js';
import { StateWriter } from './state-writer.js';
import { DEFAULT_TABLE_CONNECT_MS, DEFAULT_TABLE_QUIET_MS, TableLoads } from './table-loads.js';

export type { EdgeDaemonOptions } from './options.js';
export { DEFAULT_SETTLE_SECONDS } from './options.js';

export interface EdgeDaemonEvents {
  event: [prefix: WatchedPrefix, event: PrefixEvent];
  state: [prefix: WatchedPrefix, result: StateResult];
  /** a new edge speaker, before any of its sessions starts (the lab times routes on it) */
  speaker: [router: string, speaker: Speaker];
}

export class EdgeDaemon extends EventEmitter<EdgeDaemonEvents> {
  readonly engine: ValidationEngine;
  /** what the API reads (LiveRoutes) */
  readonly live: LiveView;
  /** resolves once settling is over (tests, the lab) */
  readonly settled: Promise<void>;
  private markSettled: () => void = () => {};
  private readonly life = new Lifecycle('edge daemon');
  private readonly facts: ValidationFacts;
  private readonly log: (line: string) => void;
  private readonly pool: SpeakerPool;
  private readonly scope: PolicyScope;
  private readonly writer: StateWriter;
  private readonly recorder: ValidationRecorder;
  /** prefixes whose routes changed, validated together a moment later */
  private readonly changes: RouteChanges;
  private readonly loop: ReloadLoop;
  /** ongoing rejections that raised events, and the events for new ones */
  private readonly memory = new RejectionMemory();
  private readonly rejections: RejectionEvents;
  /** the planned session of every partner address, as of the last reload */
  private byPeer = new Map<string, PlannedSession>();
  /** the subjects ("kind:id") of the last reload, to forget what left the registry */
  private subjects = new Set<string>();
  /** sessions still sending their initial table */
  private readonly loads: TableLoads;
  /** after start(): stored states stand until the sessions had their chance */
  private settling: Settling | undefined;
  private startedAt = 0;
  private unsubscribeRpki: (() => void) | undefined;

  constructor(
    registry: Registry,
    private readonly opts: EdgeDaemonOptions = {},
  ) {
    super();
    this.facts = new ValidationFacts(registry.store);
    this.log = opts.log ?? (() => {});
    this.settled = new Promise((resolve) => {
      this.markSettled = resolve;
    });
    this.recorder = new ValidationRecorder(registry.store, this.facts, registry.events, { log: this.log });
    this.writer = new StateWriter(this.recorder, (subject) => this.memory.encode(subject), this.log);
    this.scope = new PolicyScope(opts.rpki, (registered) => this.engine.expectedOrigin(registered));
    this.pool = new SpeakerPool(
      {
        port: opts.port ?? 179,
        log: this.log,
        ...(opts.peerPort !== undefined ? { peerPort: opts.peerPort } : {}),
        ...(opts.connectRetry !== undefined ? { connectRetry: opts.connectRetry } : {}),
      },
      {
        created: (router, speaker) => {
          this.emit('speaker', router, speaker);
          this.watch(router, speaker);
        },
        removed: (peer) => this.rejections.sessionLost(peer),
        importPolicy: (s) => this.scope.importPolicy(s.peering),
      },
    );
    this.live = new LiveView({ pool: this.pool, scope: this.scope, sessionOf: (peer) => this.byPeer.get(peer) });
    this.engine = new ValidationEngine(this.live.lookup, {
      state: (p, r) => this.onState(p, r),
      event: (p, e) => this.onEvent(p, e),
      look: (p, look) => this.writer.look(p, look),
      origin: (p, asn) => {
        // (logged by the writer, one line per batch: a first load verifies tens of thousands)
        this.writer.origin(p.id, asn);
        this.scope.originLearned(peeringId(parseRegisteredPrefixId(p.id)), p.prefix, asn);
      },
    });
    this.loads = new TableLoads({
      quietMs: opts.tableQuietMs ?? DEFAULT_TABLE_QUIET_MS,
      connectMs: opts.tableConnectMs ?? DEFAULT_TABLE_CONNECT_MS,
      // Prefixes that waited for this session's table are judged now.
      onLoaded: (peer) => this.engine.sessionReady(peer),
    });
    // (a session still loading is asked whether it has the prefix already: a cheap look into its Adj-RIB-In)
    this.engine.setTableWait(
      (s, key) => this.loads.size > 0 && this.loads.isLoading(s.peerAddress, typeof key === 'number' ? 4 : 6) && !this.live.carries(s, key),
    );
    this.changes = new RouteChanges(
      (key) => this.engine.watches(key),
      (keys) => this.engine.routesChanged(keys),
    );
    this.rejections = new RejectionEvents({
      engine: this.engine,
      memory: this.memory,
      ownerOf: (peer) => {
        const p = this.byPeer.get(peer)?.peering;
        return p && { partner: p.partner, peering: p.id, asn: p.asn };
      },
      current: (peer, key) => this.live.current(peer, key),
      raise: (p, e) => this.onEvent(p, e),
      remembered: (subjects) => {
        for (const s of subjects) this.writer.alerts(s);
      },
    });
    this.loop = new ReloadLoop(() => this.apply(), {
      debounceMs: opts.reloadDebounceMs ?? DEFAULT_RELOAD_DEBOUNCE_MS,
      failed: (e) => this.log(`reload failed: ${e.message}`),
    });
    if (opts.rpki) this.unsubscribeRpki = opts.rpki.onChange((c) => this.vrpsChanged(c));
  }

  /** Speakers by edge router name. */
  get speakers(): ReadonlyMap<string, Speaker> {
    return this.pool.speakers;
  }

  /** Resolves once start() is done (net/lifecycle.ts). */
  /** What is still to be stored (states, events; see StateWriter.pending): benchmarks wait for 0. */
  get writesPending(): number {
    return this.writer.pending;
  }

  get ready(): Promise<void> {
    return this.life.ready;
  }

  /**
   * Reads the registry, starts a speaker per edge router with sessions, and validates: prefixes
   * the registry holds a judgement for wait for their sessions' End-of-RIB (or the grace time).
   */
  start(): Promise<void> {
    return this.life.start(
      async () => {
        this.startedAt = performance.now();
        this.settling = new Settling({
          graceMs: (this.opts.settleSeconds ?? DEFAULT_SETTLE_SECONDS) * 1000,
          rpkiPending: !!this.opts.rpki && this.opts.rpki.size === 0,
          onSettled: (why) => this.onSettled(why),
        });
        await this.engine.start();
        this.engine.setGate((p) => this.sessionsHadTheirChance(p));
        await this.loop.now();
      },
      () => this.shutdown(),
    );
  }

  /** Stops the sessions; what they lose now is the service stopping, not routes lost: states stay as they are. */
  stop(): Promise<void> {
    // Routes that changed before the stop are judged now (they waited only to be gathered), then
    // at once, not after a turn, nothing more is judged or written.
    this.changes.flush();
    void this.engine.stop();
    this.writer.close();
    return this.life.stop(() => this.shutdown());
  }

  /** Registry changes (API writes): a reload soon, debounced; one at a time. Ignored unless started. */
  requestReload(): void {
    if (this.life.running) this.loop.request();
  }

  /**
   * Brings the speakers in line with the registry now (after the reload under way, if any): new
   * routers and sessions start, removed ones stop, changed ones restart, every session gets its
   * peering's current import policy, and what the change can affect is judged again.
   */
  reload(): Promise<void> {
    if (this.life.state === 'new') return Promise.reject(new Error('edge daemon: reload before start'));
    return this.loop.now();
  }

  private async shutdown(): Promise<void> {
    this.changes.clear();
    void this.engine.stop();
    this.writer.close();
    this.settling?.stop();
    this.loads.stop();
    this.unsubscribeRpki?.();
    this.unsubscribeRpki = undefined;
    await this.loop.close();
    await this.pool.stop();
    await this.writer.idle();
    await this.recorder.close();
  }

  /** One reload: the registry is read (the one await before), then applied in one step. */
  private async apply(): Promise<void> {
    const snapshot = await this.facts.load();
    if (this.life.ending) return;
    if (snapshot.operatorAsn === undefined) {
      this.log('no operator ASN in the registry yet (PUT /v1/operator): no BGP sessions');
      return;
    }
    const view = buildView(snapshot, this.opts.community ? { community: this.opts.community } : {});
    // From here to connect() nothing awaits. The engine learns the new view (and origin memory)
    // first; it validates once the sessions' policies have judged the routes again.
    const change = this.scope.setView(snapshot, view);
    this.engine.setView(view.engine, { validate: false });
    this.rememberSubjects(view);
    const plan = planSessions(snapshot.peerings);
    this.byPeer = sessionsByPeer(plan);
    const diff = diffSessions(this.pool.running(), plan);
    const pending = this.pool.configure(diff, snapshot.operatorAsn);
    for (const r of diff.routers) for (const s of r.keep) this.rejudge(s, change);
    const expected = [...this.byPeer.values()].map((s) => [s.peer, s.session.families] as [string, Family[]]);
    this.loads.expect(expected);
    this.settling?.expect(expected);
    // (what gathered is judged with everything else, against the new view)
    this.changes.clear();
    this.engine.revalidateAll();
    await this.pool.connect(pending);
  }

  /** An unchanged session keeps its routes; only those the registry change can affect are judged again. */
  private rejudge(s: PlannedSession, change: RegistryChange): void {
    const speaker = this.pool.speakers.get(s.router)!;
    speaker.replaceImportPolicy(s.peer, this.scope.importPolicy(s.peering));
    const only = this.scope.rejudge(change, s.peering.id);
    if (!only) return;
    this.rejections.settle(s.peer, only, speaker.reimport(s.peer, only).notable);
  }

  /** What the registry remembers of ongoing rejections is read once per prefix; prefixes that left are forgotten. */
  private rememberSubjects(view: ValidationView): void {
    const now = new Set<string>();
    const over = !this.settling || this.settling.done;
    for (const p of view.engine.prefixes) {
      const k = subjectOf(p);
      now.add(k);
      // (after settling nothing stored can still be confirmed: it would never be forgotten)
      this.memory.load(k, over ? null : p.remembered?.alerts);
    }
    for (const k of this.subjects) if (!now.has(k)) this.memory.forgetSubject(k);
    this.subjects = now;
  }

  /**
   * New or withdrawn VRPs: the routes under them are judged again on every session, rejections
   * that are events (RPKI invalid) raised, and the prefixes watched under them validated again.
   */
  private vrpsChanged(change: Parameters<PolicyScope['vrpScope']>[0]): void {
    if (!this.scope.view || this.life.ending) return;
    const t0 = performance.now();
    const affected = this.scope.vrpScope(change);
    let flippedCount = 0;
    for (const speaker of this.pool.speakers.values()) {
      for (const peer of speaker.peerIds()) {
        const { flipped, notable } = speaker.reimport(peer, affected.route);
        flippedCount += flipped.length;
        this.rejections.settle(peer, affected.route, notable);
      }
    }
    const n = this.engine.revalidateWhere((p) => affected.prefix(p.prefix));
    if (this.settling && !this.settling.done) {
      // The first VRPs are in: prefixes waiting only for them may be judged now.
      this.settling.rpkiLoaded();
      this.engine.validateDeferred();
    }
    this.log(
      `RPKI: ${change.cause}: ${change.added.size} VRPs added, ${change.removed.size} removed; ${flippedCount} routes judged differently, ${n} prefixes validated again in ${(performance.now() - t0).toFixed(1)} ms`,
    );
  }

  /** Settling: every session that should carry the prefix is ready for its family. */
  private sessionsHadTheirChance(p: WatchedPrefix): boolean {
    const s = this.settling;
    if (!s || s.done) return true;
    const family: Family = p.prefix.includes(':') ? 6 : 4;
    for (const v of p.primary) if (!s.isReady(v.peerAddress, family)) return false;
    for (const v of p.backup ?? []) if (!s.isReady(v.peerAddress, family)) return false;
    return true;
  }

  private onSettled(why: string): void {
    if (this.life.ending) return;
    this.engine.setGate(undefined);
    const judged = this.engine.validateDeferred();
    const forgotten = this.memory.dropUnconfirmed();
    for (const s of forgotten) this.writer.alerts(s);
    this.log(
      `validation settled after ${((performance.now() - this.startedAt) / 1000).toFixed(1)} s (${why}): ${judged} prefixes judged then, ` +
        `${forgotten.length} prefixes forgot rejections that did not come back`,
    );
    this.markSettled();
  }

  /** A speaker's events into validation: routes re-validate their prefixes, sessions theirs. */
  private watch(router: string, speaker: Speaker): void {
    speaker.on('routes', (peer, announced, withdrawn, _attrs, notable) => {
      this.loads.update(peer);
      this.changes.add(announced);
      this.changes.add(withdrawn);
      this.rejections.settleRoutes(peer, announced, withdrawn, notable);
    });
    speaker.on('established', (peer, n) => {
      this.log(`${router}: session with ${peer} established`);
      const configured = this.byPeer.get(peer)?.session.families ?? [];
      const negotiated: Family[] = [...(n.ipv4 ? [4 as const] : []), ...(n.ipv6 ? [6 as const] : [])];
      this.loads.established(peer, negotiated);
      this.settling?.established(peer, configured, negotiated);
      this.engine.sessionReady(peer);
    });
    speaker.on('endOfRib', (peer, family) => {
      this.loads.endOfRib(peer, family);
      if (this.settling && !this.settling.done) this.settling.endOfRib(peer, family);
      // Prefixes that waited for this family's table, or for settling, may be judged now (once,
      // for both: an End-of-RIB for IPv4 releases IPv4 prefixes while IPv6 still loads).
      this.engine.sessionReady(peer);
    });
    speaker.on('down', (peer, info) => {
      this.log(`${router}: session with ${peer} down: ${info.reason}`);
      // Our own shutdown is no loss of routes: what is remembered stays for the next start.
      if (!this.life.ending) this.rejections.sessionLost(peer);
      this.loads.down(peer);
      this.engine.sessionChanged(peer);
    });
    speaker.on('problem', (peer, text) => this.log(`${router}: ${peer}: ${text}`));
  }

  /** LiveRoutes, for the API (the same as `live`). */
  received: LiveView['received'] = (...args) => this.live.received(...args);
  sessions: LiveView['sessions'] = (...args) => this.live.sessions(...args);

  private onState(p: WatchedPrefix, r: StateResult): void {
    if (this.life.ending) return;
    this.emit('state', p, r);
    this.writer.state(p, r);
  }

  private onEvent(p: WatchedPrefix, e: PrefixEvent): void {
    if (this.life.ending) return;
    this.emit('event', p, e);
    this.writer.event(p, e);
  }
}
