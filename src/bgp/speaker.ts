// One BGP speaker: a listener, one Session per peer, the RIBs, and the export side that keeps
// every established peer's view in line with the Loc-RIB. Emits session and route events for
// the layers above; policy hooks let them decide what is imported and exported.
import { EventEmitter } from 'node:events';
import type net from 'node:net';
import { canonicalAddress } from '../net/address.js';
import type { PrefixKey } from '../net/prefix-key.js';
import { ExportQueue } from './export-queue.js';
import type { ExportPolicy, Peer, PeerOptions } from './peer.js';
import type { AdjRibIn } from './rib/adj-rib-in.js';
import { type AttrSet, AttrStore, type Route } from './rib/attr-store.js';
import { fixedRejection, type NotableRejection } from './rib/rejection.js';
import { Changed, type ImportPolicy, Rib } from './rib/rib.js';
import { RouteTable } from './rib/route-table.js';
import { admit, followPeers, listenForPeers, securePeer } from './session/listener.js';
import type { Negotiated } from './session/negotiated.js';
import { type DownInfo, Session, type SessionState } from './session/session.js';
import type { PathAttributes } from './wire/attributes/types.js';
import { CeaseSubcode, ErrorCode } from './wire/constants.js';
import { bgpError } from './wire/errors.js';
import type { Update } from './wire/update.js';
import { attributesFromKey } from './wire/update.js';

export type { ExportPolicy, PeerOptions } from './peer.js';
export { fixedRejection, type NotableRejection, type Rejection } from './rib/rejection.js';

/** RFC 8212: what an external peer's routes are without a configured import policy. */
const NO_IMPORT_POLICY = fixedRejection('no import policy (RFC 8212)');
const NO_KEYS: readonly PrefixKey[] = Object.freeze([]);

export interface SpeakerConfig {
  asn: number;
  routerId: number;
  /** where sessions are accepted: one address or several (an edge router's session addresses) */
  listen?: { host: string; port: number } | Array<{ host: string; port: number }>;
}

/** What a caller may read of one peer's Adj-RIB-In: its routes before policy, with reject reasons. */
export type AdjRibInView = Readonly<
  Pick<AdjRibIn, 'size' | 'acceptedV4' | 'acceptedV6' | 'accepted' | 'get' | 'rejection' | 'rejected' | 'routesFor' | 'entries'>
>;

/** One configured peer's session as status readers see it. */
export interface SessionInfo {
  id: string;
  asn: number;
  description: string | undefined;
  state: SessionState;
  /** what the OPENs agreed on while Established */
  negotiated: Negotiated | undefined;
  establishedAt: number | undefined;
  /** why the session last went down and when (while Established: the previous session) */
  lastError: { message: string; at: number } | undefined;
  counters: { received: number; accepted: number; acceptedV4: number; acceptedV6: number };
}

export interface SpeakerEvents {
  session: [peer: string, state: SessionState, previous: SessionState];
  established: [peer: string, negotiated: Negotiated];
  down: [peer: string, info: DownInfo];
  /** what a peer's UPDATE did to its Adj-RIB-In (pre-policy view), and the notable rejections it brought (valid during the call) */
  routes: [peer: string, announced: readonly PrefixKey[], withdrawn: readonly PrefixKey[], route: Route | undefined, notable: readonly NotableRejection[]];
  /** the peer sent End-of-RIB for a family (RFC 4724): its initial routes of that family are all in */
  endOfRib: [peer: string, family: 4 | 6];
  /** Loc-RIB best paths that changed */
  best: [changed: PrefixKey[]];
  problem: [peer: string, text: string];
  maxPrefix: [peer: string, family: 4 | 6, count: number, limit: number, action: 'teardown' | 'warn'];
}

export class Speaker extends EventEmitter<SpeakerEvents> {
  readonly rib = new Rib();
  private peers = new Map<string, Peer>();
  private servers: net.Server[] = [];
  private readonly export = new ExportQueue(this.rib, this.peers, (peer, text) => this.emit('problem', peer, text));
  /** routes not sent because they cannot be sent to that peer, per peer id (status and tests) */
  readonly unsent = this.export.unsent;
  /** full-table passes run, per peer id: ROUTE-REFRESH requests coalesce (status and tests) */
  readonly tablePasses = this.export.passes;
  /** reused by onUpdate for the changes of one UPDATE */
  private readonly scratch = new Changed();

  constructor(readonly config: SpeakerConfig) {
    super();
  }

  /** The listeners (if configured) and every peer's session. */
  async start(): Promise<void> {
    const listen = this.config.listen;
    for (const l of listen === undefined ? [] : Array.isArray(listen) ? listen : [listen]) await this.listenOn(l);
    for (const p of this.peers.values()) p.session.start();
  }

  /** The port of the first listener (useful with port 0). */
  get listenPort(): number | undefined {
    const a = this.servers[0]?.address();
    return a && typeof a === 'object' ? a.port : undefined;
  }

  async stop(): Promise<void> {
    for (const p of this.peers.values()) p.session.stop('speaker shutting down');
    await Promise.all(this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    this.servers = [];
  }

  private onIncoming(sock: net.Socket, server?: net.Server): void {
    const from = canonicalAddress(sock.remoteAddress?.replace(/^::ffff:/, '') ?? '');
    const peer = [...this.peers.values()].find((p) => canonicalAddress(p.config.address) === from);
    if (!peer) {
      // RFC 4271 §8.2.1: connections from unconfigured addresses are refused.
      sock.destroy();
      return;
    }
    // A peer with TCP MD5 or GTSM: closed unanswered unless its SYN met them.
    const refused = admit(server, sock, peer.config);
    if (refused) {
      sock.destroy();
      this.emit('problem', peer.id, refused);
      return;
    }
    peer.session.accept(sock);
  }

  addPeer(config: PeerOptions, policies: { import?: ImportPolicy; export?: ExportPolicy } = {}): Session {
    const id = config.address;
    if (this.peers.has(id)) throw new Error(`peer ${id} is configured twice`);
    const ebgp = config.asn !== config.localAsn;
    const session = new Session(config);
    // RFC 8212: without a policy, nothing is imported from or exported to an external peer.
    const importPolicy = policies.import ?? (ebgp ? () => NO_IMPORT_POLICY : () => undefined);
    const exportPolicy =
      policies.export ?? ((_k: PrefixKey, _r: Route, source: string) => (source === '' || !ebgp ? undefined : 'no export policy (RFC 8212)'));
    const peer: Peer = {
      id,
      config,
      session,
      importPolicy,
      exportPolicy,
      out: new RouteTable(this.rib.index, this.rib.setHandles),
      ...ExportQueue.fresh(),
      maxPrefixWarned: false,
    };
    this.peers.set(id, peer);
    const adjRibIn = this.rib.addPeer({ id, address: config.address, ebgp, bgpId: 0, routeServerClient: config.routeServerClient });
    session.knownAttributes = adjRibIn.sets;
    // Stored attribute bytes decode again with the session's current negotiation; loops are
    // paths through our own AS, which only an external peer can send us.
    const ctx = () => ({ fourOctetAs: session.negotiated?.fourOctetAs ?? true, ebgp, addPathV4: false, addPathV6: false });
    adjRibIn.sets.decoder = (buf, start, end) => attributesFromKey(buf, start, end, ctx(), false);
    adjRibIn.mpSets.decoder = (buf, start, end) => attributesFromKey(buf, start, end, ctx(), true);
    adjRibIn.sets.ownAsn = adjRibIn.mpSets.ownAsn = ebgp ? config.localAsn : 0;
    session.on('state', (s, prev) => this.emit('session', id, s, prev));
    session.on('established', (n) => this.onEstablished(peer, n));
    session.on('down', (info) => this.onDown(peer, info));
    session.on('update', (u) => this.onUpdate(peer, u));
    session.on('refresh', (r) => this.export.request(peer, r.afi === 1 ? 4 : 6, 'refresh'));
    session.on('problem', (t) => this.emit('problem', id, t));
    return session;
  }

  peer(id: string): { config: PeerOptions; session: Session } | undefined {
    return this.peers.get(id);
  }

  peerIds(): string[] {
    return [...this.peers.keys()];
  }

  /** A peer's Adj-RIB-In, read-only (undefined: no such peer). */
  adjRibIn(id: string): AdjRibInView | undefined {
    return this.rib.peers.get(id)?.rib;
  }

  /** Every configured peer's session: state, negotiation and counters. */
  sessions(): SessionInfo[] {
    return [...this.peers.values()].map((p) => {
      const rib = this.rib.peers.get(p.id)!.rib;
      const message = p.session.describeDown();
      return {
        id: p.id,
        asn: p.config.asn,
        description: p.config.description,
        state: p.session.state,
        negotiated: p.session.negotiated,
        establishedAt: p.session.establishedAt,
        lastError: message === undefined ? undefined : { message, at: p.session.lastDownAt ?? Date.now() },
        counters: { received: rib.size, accepted: rib.acceptedV4 + rib.acceptedV6, acceptedV4: rib.acceptedV4, acceptedV6: rib.acceptedV6 },
      };
    });
  }

  /** Stops a peer's session and forgets it and its routes (configuration changed). */
  removePeer(id: string): void {
    const p = this.peers.get(id);
    if (!p) return;
    p.session.removeAllListeners();
    p.session.stop('peer removed from the configuration');
    this.export.reset(p);
    this.peers.delete(id);
    const changed = new Changed();
    this.rib.removePeer(id, changed);
    this.changed(changed);
  }

  /** Accepts sessions on one more address (a running speaker; see SpeakerConfig.listen). */
  async listenOn(l: { host: string; port: number }): Promise<void> {
    const problem = (id: string, text: string | undefined) => {
      if (text) this.emit('problem', id, text);
    };
    const server: net.Server = await listenForPeers(
      l,
      (sock) => this.onIncoming(sock, server),
      [...this.peers.values()].map((p) => p.config),
      problem,
    );
    // Peers configured later get their MD5 key and GTSM on every listener as their session starts.
    followPeers(this, (id) => {
      const config = this.peers.get(id)?.config;
      for (const s of this.servers) problem(id, securePeer(s, config?.address ?? id, config));
    });
    this.servers.push(server);
  }

  setPolicies(id: string, policies: { import?: ImportPolicy; export?: ExportPolicy }): void {
    const p = this.peers.get(id);
    if (!p) return;
    if (policies.export) p.exportPolicy = policies.export;
    if (policies.import) {
      p.importPolicy = policies.import;
      const changed = new Changed();
      this.rib.reimport(id, p.importPolicy, changed);
      this.changed(changed);
    }
    if (policies.export && p.session.isEstablished) {
      this.export.request(p, 4, 'policy');
      this.export.request(p, 6, 'policy');
    }
  }

  /**
   * Replaces a peer's import policy without judging its routes again: for a caller that knows
   * which routes the change can affect and calls reimport() for those.
   */
  replaceImportPolicy(id: string, policy: ImportPolicy): void {
    const p = this.peers.get(id);
    if (p) p.importPolicy = policy;
  }

  /**
   * Judges again the routes of a peer that `only` selects, with its current import policy (the
   * policy's inputs changed, e.g. RPKI data); returns the prefixes whose verdict flipped between
   * accepted and rejected, and the routes judged with a notable rejection.
   */
  reimport(id: string, only: (key: PrefixKey) => boolean): { flipped: PrefixKey[]; notable: NotableRejection[] } {
    const p = this.peers.get(id);
    if (!p) return { flipped: [], notable: [] };
    const changed = new Changed();
    const flipped: PrefixKey[] = [];
    this.rib.reimport(id, p.importPolicy, changed, only, flipped);
    this.changed(changed);
    return { flipped, notable: changed.notable };
  }

  // Own routes

  announce(routes: Array<{ key: PrefixKey; attrs: PathAttributes }>): void {
    const changed = new Changed();
    for (const r of routes) this.rib.setLocal(r.key, r.attrs, changed);
    this.changed(changed);
  }

  withdraw(keys: PrefixKey[]): void {
    const changed = new Changed();
    for (const k of keys) this.rib.removeLocal(k, changed);
    this.changed(changed);
  }

  // Receiving

  private onUpdate(p: Peer, u: Update): void {
    // A full table is a million UPDATEs: this path allocates as little as it can.
    const changed = this.scratch;
    changed.clear();
    const mpUnreach = u.mpUnreach?.nlri;
    const mpReach = u.mpReach?.nlri;
    if (u.withdrawn.keys.length) this.rib.withdraw(p.id, u.withdrawn.keys, u.withdrawn.pathIds, changed);
    if (mpUnreach?.keys.length) this.rib.withdraw(p.id, mpUnreach.keys, mpUnreach.pathIds, changed);
    const announces = u.nlri.keys.length > 0 || (mpReach !== undefined && mpReach.keys.length > 0);
    let set: AttrSet | undefined;
    if (announces) {
      if (u.treatAsWithdraw) {
        // RFC 7606: the routes are gone, as if withdrawn.
        if (u.nlri.keys.length) this.rib.withdraw(p.id, u.nlri.keys, u.nlri.pathIds, changed);
        if (mpReach?.keys.length) this.rib.withdraw(p.id, mpReach.keys, mpReach.pathIds, changed);
      } else {
        const rib = this.rib.peers.get(p.id)!.rib; // (its own: interning needs the writable stores)
        set =
          (u.known as AttrSet | undefined) ??
          (u.mp
            ? rib.mpSets.intern(u.attrKey, u.attrs, u.problems.length === 0) // decodable again, never looked up by find()
            : rib.sets.intern(u.attrKey, u.attrs, u.clean));
        if (u.nlri.keys.length) this.rib.announce(p.id, u.nlri.keys, u.nlri.pathIds, set, p.importPolicy, changed);
        if (mpReach?.keys.length) this.rib.announce(p.id, mpReach.keys, mpReach.pathIds, set, p.importPolicy, changed);
        // The decoded attributes of a new set are dropped now; they decode again when asked for.
        AttrStore.forget(set);
      }
    }
    if (this.listenerCount('routes') && (announces || u.withdrawn.keys.length || mpUnreach?.keys.length)) {
      // (the UPDATE's own key lists when one field has them all, as in a full table: no copies per UPDATE)
      const reach = mpReach?.keys.length ? [...u.nlri.keys, ...mpReach.keys] : u.nlri.keys;
      const gone = mpUnreach?.keys.length ? [...u.withdrawn.keys, ...mpUnreach.keys] : u.withdrawn.keys;
      const announced = u.treatAsWithdraw ? NO_KEYS : reach;
      const withdrawn = u.treatAsWithdraw ? [...gone, ...reach] : gone;
      // (the set, not its attributes: decoding them again is left to a listener that reads them)
      this.emit('routes', p.id, announced, withdrawn, set, changed.notable);
    }
    this.changed(changed);
    if (announces && !u.treatAsWithdraw) this.checkMaxPrefix(p);
    if (u.endOfRib && u.endOfRib.safi === 1 && (u.endOfRib.afi === 1 || u.endOfRib.afi === 2)) this.emit('endOfRib', p.id, u.endOfRib.afi === 1 ? 4 : 6);
  }

  private checkMaxPrefix(p: Peer): void {
    const m = p.config.maxPrefix;
    if (!m || !p.session.isEstablished) return;
    const rib = this.adjRibIn(p.id)!;
    for (const family of [4, 6] as const) {
      const n = rib.accepted(family);
      const limit = family === 6 && m.limitV6 !== undefined ? m.limitV6 : m.limit;
      if (n <= limit) continue;
      this.emit('maxPrefix', p.id, family, n, limit, m.action);
      if (m.action === 'warn') {
        if (!p.maxPrefixWarned) this.emit('problem', p.id, `IPv${family} accepted prefixes ${n} exceed the limit ${limit}`);
        p.maxPrefixWarned = true;
        continue;
      }
      // RFC 4486: the data is AFI, SAFI and the limit.
      const data = Buffer.alloc(7);
      data.writeUInt16BE(family === 4 ? 1 : 2, 0);
      data[2] = 1;
      data.writeUInt32BE(limit, 3);
      p.session.teardown(bgpError(ErrorCode.CEASE, CeaseSubcode.MAX_PREFIXES, `IPv${family} prefixes ${n} exceed the limit ${limit}`, data), m.restartSeconds);
      return;
    }
  }

  private onEstablished(p: Peer, n: Negotiated): void {
    this.rib.setPeerBgpId(p.id, n.peerBgpId);
    p.maxPrefixWarned = false;
    this.export.reset(p);
    this.emit('established', p.id, n);
    if (n.ipv4) this.export.request(p, 4, 'initial');
    if (n.ipv6) this.export.request(p, 6, 'initial');
  }

  private onDown(p: Peer, info: DownInfo): void {
    this.export.reset(p);
    const changed = new Changed();
    this.rib.clearPeer(p.id, changed);
    this.emit('down', p.id, info);
    this.changed(changed);
  }

  // Sending

  private changed(changed: Changed): void {
    if (!changed.length) return;
    if (this.listenerCount('best')) this.emit('best', changed.keys.slice());
    this.export.changed(changed.idx);
  }

  /** Asks a peer to send its routes again (RFC 2918). */
  refresh(id: string, family: 4 | 6): boolean {
    return this.peers.get(id)?.session.requestRefresh(family === 4 ? 1 : 2) ?? false;
  }
}
