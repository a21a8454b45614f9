// The service's live side: one BGP speaker per edge router of the registry, listening on that
// router's session addresses, one session per Active partner connection, each with the import
// policy its peering calls for, and the validation engine kept in line with what the sessions
// receive. Prefix states go back into the registry; events go to listeners (the event log).
// After a start the stored states stand until the sessions have had their chance (settling).
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Speaker } from './bgp/speaker.js';
import { keyToText, textToKey } from './bgp/wire/nlri.js';
import { parseIPv4 } from './net/address.js';
import type { Registry } from './registry/registry.js';
import { ValidationFacts, type FactPeering, type FactSession } from './registry/validation-facts.js';
import { keyOf, ValidationEngine, type WatchedPrefix } from './validation/engine.js';
import type { PrefixEvent, SessionOwner } from './validation/events.js';
import { classify, importPolicy, routeOrigin } from './validation/import-policy.js';
import { keyToPrefix, prefixToKey, type PrefixKey } from './bgp/wire/nlri.js';
import type { PathAttributes } from './bgp/wire/attributes/types.js';
import type { Audience, BgpSessionStatus, LiveRoutes, ReceivedRoute } from './api/route.js';
import { prefixOfRouteKey } from './bgp/rib/adj-rib-in.js';
import { formatAsPath } from './bgp/wire/attributes/as-path.js';
import { formatCommunity, formatLargeCommunities } from './bgp/wire/attributes/communities.js';
import { carriedRoute, type RouteLookup, type StateResult } from './validation/prefix-state.js';
import type { ServiceCommunity } from './validation/route-checks.js';
import { buildView, type ValidationView } from './validation/view.js';
import type { VrpTable } from './rpki/table.js';
import { affectedBy, rpkiInvalid, rpkiState } from './validation/rpki.js';
import { type Prefix } from './net/prefix.js';
import { diffInputs, policyInputs, type PolicyInputs } from './validation/policy-inputs.js';
import type { PolicyContext, Verdict } from './validation/import-policy.js';
import { RejectionMemory } from './validation/hijack-memory.js';
import { RejectionEvents } from './validation/rejections.js';
import { ResultWriter } from './validation/result-writer.js';
import { Settling, type Family } from './validation/settling.js';

export interface EdgeDaemonOptions {
  /** TCP port the edge routers' sessions listen on (default 179) */
  port?: number;
  /** TCP port of the partner routers, when not the same (tests and the lab) */
  peerPort?: number;
  community?: ServiceCommunity;
  /** seconds between connection attempts to a partner */
  connectRetry?: number;
  /** VRPs for route origin validation (kept current by an RTR client or a file); none: no RPKI check */
  rpki?: VrpTable;
  /**
   * After a start, how long at most stored prefix states stand while sessions come up and send
   * End-of-RIB (default 60 s): then every prefix is judged, whatever did not come back
   */
  settleSeconds?: number;
  log?: (line: string) => void;
}

export const DEFAULT_SETTLE_SECONDS = 60;

/** What a session is configured from: a change restarts it. */
const signature = ({ s, p }: { s: FactSession; p: FactPeering }): string =>
  JSON.stringify([p.key, p.asn, s.families, s.operatorAddress, s.maxPrefixes, s.maxPrefixesV6, s.routerId,
    // a new MD5 key restarts the session; only a digest of it is kept here
    s.md5Key === undefined ? null : createHash('sha256').update(s.md5Key).digest('hex')]);

export interface EdgeDaemonEvents {
  event: [prefix: WatchedPrefix, event: PrefixEvent];
  state: [prefix: WatchedPrefix, result: StateResult];
}

export class EdgeDaemon extends EventEmitter<EdgeDaemonEvents> implements LiveRoutes {
  /** speakers by edge router name */
  readonly speakers = new Map<string, Speaker>();
  readonly engine: ValidationEngine;
  private readonly facts: ValidationFacts;
  private readonly log: (line: string) => void;
  /** per router: peer address -> what its session was configured from (to see changes) */
  private signatures = new Map<string, Map<string, string>>();
  /** address:port -> the router whose speaker listens there */
  private listening = new Map<string, string>();
  /** the peerings of the last reload, for the received-routes view */
  private peerings = new Map<string, FactPeering>();
  /** the peering of each session, by partner address */
  private peeringOf = new Map<string, FactPeering>();
  private view: ValidationView | undefined;
  /** the validation results' way to the registry */
  private readonly writer: ResultWriter;
  private unsubscribeRpki: (() => void) | undefined;
  /** ongoing rejections that raised events, and the events for new ones */
  private readonly memory = new RejectionMemory();
  private readonly rejections: RejectionEvents;
  /** the subjects ("kind:id") of the last reload, to forget what left the registry */
  private subjects = new Set<string>();
  /** after start(): stored states stand until the sessions had their chance */
  private settling: Settling | undefined;
  private startedAt = 0;
  /** resolves once settling is over (tests, the lab) */
  readonly settled: Promise<void>;
  private markSettled: () => void = () => {};
  /** the RPKI check of the import policies and of validation, when an RPKI source is configured */
  private readonly rpkiCheck: ((prefix: Prefix, origin: number | undefined) => boolean) | undefined;
  /** set by stop(): sessions closing on shutdown are not prefix changes to record */
  private stopping = false;
  /** what the import policies were built from at the last reload, to re-judge only what changed */
  private inputs: PolicyInputs | undefined;

  constructor(registry: Registry, private readonly opts: EdgeDaemonOptions = {}) {
    super();
    this.facts = new ValidationFacts(registry.store);
    this.log = opts.log ?? (() => {});
    this.settled = new Promise((resolve) => { this.markSettled = resolve; });
    this.writer = new ResultWriter(this.facts, registry.events, (subject) => this.memory.encode(subject), this.log);
    this.engine = new ValidationEngine(this.lookup, {
      state: (p, r) => this.onState(p, r),
      event: (p, e) => this.onEvent(p, e),
      look: (p, look) => { if (!this.stopping) this.writer.look(p, look); },
      origin: (p, asn) => {
        this.log(`${p.id}: verified with origin AS${asn}; another origin is now a hijack (POST .../validate to verify a new one)`);
        this.writer.origin(p.id, asn);
        // The policies' inputs now hold it: forgetting it later (POST .../validate) is then a change.
        const peering = p.id.slice(0, p.id.lastIndexOf('/'));
        this.inputs?.prefixes.set(p.prefix, `${peering}|${asn}`);
      },
    });
    this.rejections = new RejectionEvents({
      engine: this.engine, memory: this.memory,
      ownerOf: (peer) => this.ownerOf(peer),
      current: (peer, key) => this.currentVerdict(peer, key),
      raise: (p, e) => this.onEvent(p, e),
      remembered: (subjects) => { if (!this.stopping) for (const s of subjects) this.writer.alerts(s); },
    });
    this.rpkiCheck = opts.rpki ? rpkiInvalid(opts.rpki) : undefined;
    if (opts.rpki) this.unsubscribeRpki = opts.rpki.onChange((c) => this.vrpsChanged(c));
  }

  /** What the import policies consult besides the registry: RPKI and the origin memory. */
  private policyContext(view: ValidationView): PolicyContext {
    return {
      checks: view.checks,
      ...(this.rpkiCheck ? { rpkiInvalid: this.rpkiCheck } : {}),
      expectedOrigin: (registered) => this.engine.expectedOrigin(prefixToKey(registered)),
    };
  }

  /**
   * Reads the registry, starts a speaker per edge router with sessions, and validates: prefixes
   * the registry holds a judgement for wait for their sessions' End-of-RIB (or the grace time).
   */
  async start(): Promise<void> {
    this.startedAt = performance.now();
    this.settling = new Settling({
      graceMs: (this.opts.settleSeconds ?? DEFAULT_SETTLE_SECONDS) * 1000,
      rpkiPending: !!this.opts.rpki && this.opts.rpki.size === 0,
      onSettled: (why) => this.onSettled(why),
    });
    this.engine.setGate((p) => this.sessionsHadTheirChance(p));
    await this.reload();
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
    if (this.stopping) return;
    this.engine.setGate(undefined);
    const judged = this.engine.validateDeferred();
    const forgotten = this.memory.dropUnconfirmed();
    for (const s of forgotten) this.writer.alerts(s);
    this.log(`validation settled after ${((performance.now() - this.startedAt) / 1000).toFixed(1)} s (${why}): ${judged} prefixes judged then, `
      + `${forgotten.length} prefixes forgot rejections that did not come back`);
    this.markSettled();
  }

  /**
   * Brings the speakers in line with the registry: new routers and sessions start, removed ones
   * stop, changed ones restart, every session gets its peering's current import policy, and
   * everything is validated again. Sessions that did not change stay up.
   */
  async reload(): Promise<void> {
    const snapshot = await this.facts.load();
    if (snapshot.operatorAsn === undefined) {
      this.log('no operator ASN in the registry yet (PUT /v1/operator): no BGP sessions');
      return;
    }
    const view = buildView(snapshot, this.opts.community ? { community: this.opts.community } : {});
    this.view = view;
    const inputs = policyInputs(snapshot, view);
    const change = diffInputs(this.inputs, inputs);
    this.inputs = inputs;
    // The engine learns the new view (and origin memory) first; it validates once the sessions'
    // policies have judged the routes again, below.
    this.engine.setView(view.engine, { validate: false });
    this.rememberSubjects(view);
    const ctx = this.policyContext(view);
    this.peerings = view.peerings;
    this.peeringOf = new Map(snapshot.peerings.flatMap((p) => p.sessions.map((s) => [s.peerAddress, p] as const)));
    const operatorAsn = snapshot.operatorAsn;
    const desired = new Map<string, Map<string, { s: FactSession; p: FactPeering }>>();
    for (const p of snapshot.peerings) {
      for (const s of p.sessions) {
        let m = desired.get(s.router);
        if (!m) desired.set(s.router, (m = new Map()));
        m.set(s.peerAddress, { s, p });
      }
    }
    // Routers without sessions any more stop.
    for (const [router, speaker] of this.speakers) {
      if (desired.has(router)) continue;
      await this.stopSpeaker(router, speaker);
      this.log(`${router}: no sessions left, speaker stopped`);
    }
    const port = this.opts.port ?? 179;
    for (const [router, sessions] of desired) {
      const first = sessions.values().next().value!;
      const routerId = Number(parseIPv4(first.s.routerId) ?? 0n);
      let speaker = this.speakers.get(router);
      const signatures = this.signatures.get(router) ?? new Map<string, string>();
      this.signatures.set(router, signatures);
      if (speaker && speaker.config.routerId !== routerId) {
        await this.stopSpeaker(router, speaker);
        speaker = undefined;
        signatures.clear();
        this.signatures.set(router, signatures);
      }
      const fresh = !speaker;
      if (!speaker) {
        speaker = new Speaker({ asn: operatorAsn, routerId });
        this.watch(router, speaker);
        this.speakers.set(router, speaker);
      }
      // Sessions removed or changed stop first.
      for (const [peer, sig] of signatures) {
        const want = sessions.get(peer);
        if (!want || signature(want) !== sig) {
          speaker.removePeer(peer);
          signatures.delete(peer);
          this.rejections.sessionRemoved(peer);
          this.engine.sessionChanged(peer);
        }
      }
      for (const [peer, { s, p }] of sessions) {
        const policies = {
          import: importPolicy({ id: p.key, type: p.type, asn: p.asn }, view.registrations, ctx, this.rejections.reporter(peer)),
          // Nothing is announced to partners yet: steering (a later issue) decides what is.
          export: () => 'no routes are sent to partners',
        };
        if (signatures.has(peer)) {
          // An unchanged session keeps its routes; only those the registry change can affect are judged again.
          speaker.replaceImportPolicy(peer, policies.import);
          const only = change.all || change.asnPeerings.has(p.key) ? () => true : change.prefixes.empty ? undefined : change.prefixes.key;
          if (only) {
            speaker.reimport(peer, only);
            this.rejections.settle(peer, only);
          }
          continue;
        }
        if (!this.listening.has(`${s.operatorAddress}:${port}`)) {
          try {
            await speaker.listenOn({ host: s.operatorAddress, port });
            this.listening.set(`${s.operatorAddress}:${port}`, router);
          } catch (e) {
            this.log(`${router}: cannot listen on ${s.operatorAddress}:${port} (${(e as Error).message}); the session to ${peer} will only be opened from here`);
          }
        }
        const session = speaker.addPeer({
          address: s.peerAddress, port: this.opts.peerPort ?? port, asn: p.asn, localAsn: operatorAsn, localAddress: s.operatorAddress, routerId,
          holdTime: 90, passive: false, families: s.families.map((f) => (f === 4 ? 'ipv4' as const : 'ipv6' as const)), routeServerClient: false,
          connectRetryTime: this.opts.connectRetry ?? 5, addPathReceive: false, description: `${p.key} ${s.connection}`,
          // The connection's TCP MD5 key (RFC 2385): without the addon the session is refused, never run unsigned.
          ...(s.md5Key ? { md5Key: s.md5Key } : {}),
          ...(s.maxPrefixes > 0 ? { maxPrefix: { limit: s.maxPrefixes, ...(s.maxPrefixesV6 !== undefined ? { limitV6: s.maxPrefixesV6 } : {}), action: 'teardown' as const, restartSeconds: 60 } } : {}),
        }, policies);
        signatures.set(peer, signature({ s, p }));
        if (!fresh) session.start();
        this.log(`${router}: session to ${peer} (${p.key} ${s.connection}, AS${p.asn}) configured`);
      }
      if (fresh) await speaker.start();
    }
    this.settling?.expect([...desired.values()].flatMap((m) => [...m.values()].map(({ s }) => [s.peerAddress, s.families] as [string, Family[]])));
    this.engine.revalidateAll();
  }

  /** What the registry remembers of ongoing rejections is read once per prefix; prefixes that left are forgotten. */
  private rememberSubjects(view: ValidationView): void {
    const now = new Set<string>();
    const over = !this.settling || this.settling.done;
    for (const p of view.engine.prefixes) {
      const k = keyOf(p);
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
  private vrpsChanged(change: import('./rpki/table.js').VrpChange): void {
    if (!this.view) return;
    const t0 = performance.now();
    const affected = affectedBy(change);
    let flippedCount = 0;
    for (const speaker of this.speakers.values()) {
      for (const peer of speaker.peerIds()) {
        flippedCount += speaker.reimport(peer, affected.key).length;
        this.rejections.settle(peer, affected.key);
      }
    }
    const n = this.engine.revalidateWhere((p) => affected.text(p.prefix));
    if (this.settling && !this.settling.done) {
      // The first VRPs are in: prefixes waiting only for them may be judged now.
      this.settling.rpkiLoaded();
      this.engine.validateDeferred();
    }
    this.log(`RPKI: ${change.cause}: ${change.added.size} VRPs added, ${change.removed.size} removed; ${flippedCount} routes judged differently, ${n} prefixes validated again in ${(performance.now() - t0).toFixed(1)} ms`);
  }

  private async stopSpeaker(router: string, speaker: Speaker): Promise<void> {
    await speaker.stop();
    this.speakers.delete(router);
    this.signatures.delete(router);
    for (const [addr, r] of this.listening) if (r === router) this.listening.delete(addr);
  }

  private watch(router: string, speaker: Speaker): void {
    speaker.on('routes', (peer, announced, withdrawn) => {
      this.engine.routesChanged(announced);
      this.engine.routesChanged(withdrawn);
      // (the set is built only when something is remembered for this session: a full table is a million UPDATEs)
      let judged: Set<PrefixKey> | undefined;
      this.rejections.settle(peer, (k) => (judged ??= new Set([...announced, ...withdrawn])).has(k));
    });
    speaker.on('established', (peer, n) => {
      this.log(`${router}: session with ${peer} established`);
      const configured = this.peeringOf.get(peer)?.sessions.find((s) => s.peerAddress === peer)?.families ?? [];
      this.settling?.established(peer, configured, [...(n.ipv4 ? [4 as const] : []), ...(n.ipv6 ? [6 as const] : [])]);
      this.engine.sessionChanged(peer);
    });
    speaker.on('endOfRib', (peer, family) => {
      if (!this.settling || this.settling.done) return;
      this.settling.endOfRib(peer, family);
      // Prefixes that waited for this session may be judged now.
      this.engine.sessionChanged(peer);
    });
    speaker.on('down', (peer, info) => {
      this.log(`${router}: session with ${peer} down: ${info.reason}`);
      // Our own shutdown is no loss of routes: what is remembered stays for the next start.
      if (!this.stopping) this.rejections.sessionLost(peer);
      this.engine.sessionChanged(peer);
    });
    speaker.on('problem', (peer, text) => this.log(`${router}: ${peer}: ${text}`));
  }

  async stop(): Promise<void> {
    // Sessions closing now are the service stopping, not routes lost: states stay as they are.
    this.stopping = true;
    this.settling?.stop();
    this.unsubscribeRpki?.();
    this.unsubscribeRpki = undefined;
    await Promise.all([...this.speakers.values()].map((s) => s.stop()));
    this.speakers.clear();
    this.signatures.clear();
    this.listening.clear();
    await this.writer.idle();
  }

  /** Whose session a peer address is. */
  private ownerOf(peer: string): SessionOwner | undefined {
    const p = this.peeringOf.get(peer);
    return p && { partner: p.partner, peering: p.key, asn: p.asn };
  }

  /** The verdict on the route a session holds now for a prefix, if it holds one. */
  private currentVerdict(peer: string, key: PrefixKey): { verdict: Verdict; attrs: PathAttributes } | undefined {
    const router = this.peeringOf.get(peer)?.sessions.find((s) => s.peerAddress === peer)?.router;
    const set = router ? this.speakers.get(router)?.rib.peers.get(peer)?.rib.get(key) : undefined;
    const verdict = set && this.verdictOf(peer, key, set.attrs);
    return verdict && { verdict, attrs: set.attrs };
  }

  /** Routes the sessions of a peering received (pre-policy), by prefix then connection: LiveRoutes. */
  received(peering: string, filter: { connection?: string; prefix?: string }, audience: Audience = 'operator'): ReceivedRoute[] {
    const out: ReceivedRoute[] = [];
    const key = filter.prefix !== undefined ? textToKey(filter.prefix) : undefined;
    const ctx = this.view && this.policyContext(this.view);
    for (const s of this.peerings.get(peering)?.sessions ?? []) {
      if (filter.connection !== undefined && s.connection !== filter.connection) continue;
      const rib = this.speakers.get(s.router)?.rib.peers.get(s.peerAddress)?.rib;
      if (!rib) continue;
      const entries = key !== undefined ? rib.routesFor(key) : rib.entries();
      for (const [rk, set] of entries) {
        const prefix = prefixOfRouteKey(rk);
        const a = set.attrs;
        const origin = routeOrigin(a);
        const v = this.verdictOf(s.peerAddress, prefix, a, ctx);
        // The RIB keeps the reason the session's partner may read; the operator's names the other partner.
        let reason = rib.rejected(rk);
        if (audience === 'operator' && v && !v.accept && v.operatorReason && reason === v.reason) reason = v.operatorReason;
        out.push({
          prefix: keyToText(prefix), connection: s.connection, peerAddress: s.peerAddress, nextHop: a.nextHop ?? null,
          asPath: formatAsPath(a.asPath), originAs: origin ?? null, communities: (a.communities ?? []).map(formatCommunity),
          largeCommunities: formatLargeCommunities(a.largeCommunities),
          originAsValidationState: !v || v.accept || v.kind === 'route-problem' ? 'Valid' : v.kind === 'hijack' ? 'Invalid' : 'NotFound',
          rpkiValidationState: rpkiState(this.opts.rpki, keyToPrefix(prefix), origin),
          accepted: reason === undefined, reason: reason ?? null,
        });
      }
    }
    return out.sort((x, y) => (x.prefix < y.prefix ? -1 : x.prefix > y.prefix ? 1 : x.connection < y.connection ? -1 : x.connection > y.connection ? 1 : 0));
  }

  /** The BGP sessions of one connection: LiveRoutes. */
  sessions(peering: string, connection: string): BgpSessionStatus[] {
    const out: BgpSessionStatus[] = [];
    for (const s of this.peerings.get(peering)?.sessions ?? []) {
      if (s.connection !== connection) continue;
      const speaker = this.speakers.get(s.router);
      const p = speaker?.peer(s.peerAddress);
      const rib = speaker?.rib.peers.get(s.peerAddress)?.rib;
      if (!p || !rib) continue;
      const since = p.session.establishedAt;
      out.push({
        family: s.family, peerAddress: s.peerAddress, state: p.session.state,
        establishedSince: since ? new Date(since).toISOString() : null, uptimeSeconds: since ? Math.floor((Date.now() - since) / 1000) : 0,
        prefixesReceived: rib.size, prefixesAccepted: rib.acceptedV4 + rib.acceptedV6, lastError: lastErrorOf(p.session),
      });
    }
    return out;
  }

  /** What a session received for a prefix, accepted or not (validation explains rejections too). */
  private readonly lookup: RouteLookup = (session, prefix, known) => {
    const rib = this.speakers.get(session.router)?.rib.peers.get(session.peerAddress)?.rib;
    const key = known ?? textToKey(prefix);
    const set = rib && key !== undefined ? rib.get(key) : undefined;
    if (!set) return undefined;
    const attrs = set.attrs;
    const rpki = this.rpkiCheck?.(keyToPrefix(key!), routeOrigin(attrs)) ?? false;
    const reason = rib!.rejected(key!);
    // Only a rejected route (rare) needs its verdict's kind.
    return carriedRoute(attrs, reason, reason === undefined ? undefined : this.verdictOf(session.peerAddress, key!, attrs), rpki);
  };

  /** The import policy's verdict on a route of a session, with its kind (undefined: unknown session). */
  private verdictOf(peer: string, key: PrefixKey, attrs: PathAttributes, ctx?: PolicyContext): Verdict | undefined {
    const p = this.peeringOf.get(peer);
    if (!p || !this.view) return undefined;
    return classify({ id: p.key, type: p.type, asn: p.asn }, this.view.registrations, ctx ?? this.policyContext(this.view), keyToPrefix(key), attrs);
  }

  private onState(p: WatchedPrefix, r: StateResult): void {
    if (this.stopping) return;
    this.emit('state', p, r);
    this.writer.state(p, r);
  }

  private onEvent(p: WatchedPrefix, e: PrefixEvent): void {
    if (this.stopping) return;
    this.emit('event', p, e);
    this.writer.event(p, e);
  }
}

/** Why a session last went down and when; while it is Established that was the previous session. */
function lastErrorOf(session: { describeDown(): string | undefined; lastDownAt: number | undefined }): BgpSessionStatus['lastError'] {
  const message = session.describeDown();
  return message === undefined ? null : { message, at: new Date(session.lastDownAt ?? Date.now()).toISOString() };
}
