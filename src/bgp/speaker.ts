// One BGP speaker: a listener, one Session per peer, the RIBs, and the export side that keeps
// every established peer's view in line with the Loc-RIB. Emits session and route events for
// the layers above; policy hooks let them decide what is imported and exported.
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { Session, type SessionState, type DownInfo } from './session/session.js';
import type { PeerConfig } from './session/config.js';
import { admit, followPeers, listenForPeers, securePeer } from './session/listener.js';
import type { Negotiated } from './session/negotiated.js';
import { Changed, Rib, type ImportPolicy } from './rib/rib.js';
import { RouteTable } from './rib/route-table.js';
import { AttrStore, type AttrSet, type Route } from './rib/attr-store.js';
import { exportAttributes, type ExportTarget } from './rib/export.js';
import type { Update } from './wire/update.js';
import { attributesFromKey, encodeAnnouncements, encodeWithdrawals, encodeEndOfRib } from './wire/update.js';
import { encodeRouteRefresh } from './wire/route-refresh.js';
import { bgpError } from './wire/errors.js';
import { CeaseSubcode, ErrorCode, MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH } from './wire/constants.js';
import { keyToText, type PrefixKey } from './wire/nlri.js';
import type { PathAttributes } from './wire/attributes/types.js';
import { canonicalAddress } from '../net/address.js';

/**
 * Decides whether a route may be sent to a peer: undefined to send, a reason not to.
 * `route.attrs` decodes on demand.
 */
export type ExportPolicy = (prefix: PrefixKey, route: Route, source: string) => string | undefined;

export interface PeerOptions extends PeerConfig {
  /** next hops we announce (default: the session's local address) */
  nextHopV4?: string;
  nextHopV6?: string;
}

export interface SpeakerConfig {
  asn: number;
  routerId: number;
  /** where sessions are accepted: one address or several (an edge router's session addresses) */
  listen?: { host: string; port: number } | Array<{ host: string; port: number }>;
}

export interface SpeakerEvents {
  session: [peer: string, state: SessionState, previous: SessionState];
  established: [peer: string, negotiated: Negotiated];
  down: [peer: string, info: DownInfo];
  /** what a peer's UPDATE did to its Adj-RIB-In (pre-policy view) */
  routes: [peer: string, announced: PrefixKey[], withdrawn: PrefixKey[], attrs: PathAttributes | undefined];
  /** the peer sent End-of-RIB for a family (RFC 4724): its initial routes of that family are all in */
  endOfRib: [peer: string, family: 4 | 6];
  /** Loc-RIB best paths that changed */
  best: [changed: PrefixKey[]];
  problem: [peer: string, text: string];
  maxPrefix: [peer: string, family: 4 | 6, count: number, limit: number, action: 'teardown' | 'warn'];
}

interface Peer {
  id: string;
  config: PeerOptions;
  session: Session;
  importPolicy: ImportPolicy;
  exportPolicy: ExportPolicy;
  /** Adj-RIB-Out: what we last sent, prefix -> the attribute set it was sent from */
  out: RouteTable<AttrSet>;
  /** prefix indexes whose advertisement must be recomputed at the next flush */
  dirty: Set<number>;
  maxPrefixWarned: boolean;
}

export class Speaker extends EventEmitter<SpeakerEvents> {
  readonly rib = new Rib();
  private peers = new Map<string, Peer>();
  private servers: net.Server[] = [];
  private flushScheduled = false;
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
    const importPolicy = policies.import ?? (ebgp ? () => 'no import policy (RFC 8212)' : () => undefined);
    const exportPolicy = policies.export ?? ((_k: PrefixKey, _r: Route, source: string) =>
      source === '' || !ebgp ? undefined : 'no export policy (RFC 8212)');
    const peer: Peer = { id, config, session, importPolicy, exportPolicy, out: new RouteTable(this.rib.index, this.rib.setHandles), dirty: new Set(), maxPrefixWarned: false };
    this.peers.set(id, peer);
    const adjRibIn = this.rib.addPeer({ id, address: config.address, ebgp, bgpId: 0 });
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
    session.on('refresh', (r) => this.sendAll(peer, r.afi === 1 ? 4 : 6, true));
    session.on('problem', (t) => this.emit('problem', id, t));
    return session;
  }

  peer(id: string): { config: PeerOptions; session: Session } | undefined {
    return this.peers.get(id);
  }

  peerIds(): string[] { return [...this.peers.keys()]; }

  /** Stops a peer's session and forgets it and its routes (configuration changed). */
  removePeer(id: string): void {
    const p = this.peers.get(id);
    if (!p) return;
    p.session.removeAllListeners();
    p.session.stop('peer removed from the configuration');
    p.out.clear();
    p.dirty.clear();
    this.peers.delete(id);
    const changed = new Changed();
    this.rib.removePeer(id, changed);
    this.changed(changed);
  }

  /** Accepts sessions on one more address (a running speaker; see SpeakerConfig.listen). */
  async listenOn(l: { host: string; port: number }): Promise<void> {
    const problem = (id: string, text: string | undefined) => { if (text) this.emit('problem', id, text); };
    const server: net.Server = await listenForPeers(l, (sock) => this.onIncoming(sock, server), [...this.peers.values()].map((p) => p.config), problem);
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
    if (policies.export) this.sendAll(p, 4, false), this.sendAll(p, 6, false);
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
   * policy's inputs changed, e.g. RPKI data); returns the prefixes whose verdict flipped.
   */
  reimport(id: string, only: (key: PrefixKey) => boolean): PrefixKey[] {
    const p = this.peers.get(id);
    if (!p) return [];
    const changed = new Changed();
    const flipped: PrefixKey[] = [];
    this.rib.reimport(id, p.importPolicy, changed, only, flipped);
    this.changed(changed);
    return flipped;
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
    if (announces) {
      if (u.treatAsWithdraw) {
        // RFC 7606: the routes are gone, as if withdrawn.
        if (u.nlri.keys.length) this.rib.withdraw(p.id, u.nlri.keys, u.nlri.pathIds, changed);
        if (mpReach?.keys.length) this.rib.withdraw(p.id, mpReach.keys, mpReach.pathIds, changed);
      } else {
        const rib = this.rib.peers.get(p.id)!.rib;
        const set = (u.known as AttrSet | undefined) ?? (u.mp
          ? rib.mpSets.intern(u.attrKey, u.attrs, u.problems.length === 0) // decodable again, never looked up by find()
          : rib.sets.intern(u.attrKey, u.attrs, u.clean));
        if (u.nlri.keys.length) this.rib.announce(p.id, u.nlri.keys, u.nlri.pathIds, set, p.importPolicy, changed);
        if (mpReach?.keys.length) this.rib.announce(p.id, mpReach.keys, mpReach.pathIds, set, p.importPolicy, changed);
        // The decoded attributes of a new set are dropped now; they decode again when asked for.
        AttrStore.forget(set);
      }
    }
    if (this.listenerCount('routes') && (announces || u.withdrawn.keys.length || mpUnreach?.keys.length)) {
      const reach = [...u.nlri.keys, ...(mpReach?.keys ?? [])];
      const gone = [...u.withdrawn.keys, ...(mpUnreach?.keys ?? [])];
      const announced = u.treatAsWithdraw ? [] : reach;
      const withdrawn = u.treatAsWithdraw ? [...gone, ...reach] : gone;
      this.emit('routes', p.id, announced, withdrawn, u.treatAsWithdraw ? undefined : (u.known?.attrs ?? u.attrs));
    }
    this.changed(changed);
    if (announces && !u.treatAsWithdraw) this.checkMaxPrefix(p);
    if (u.endOfRib && u.endOfRib.safi === 1 && (u.endOfRib.afi === 1 || u.endOfRib.afi === 2)) this.emit('endOfRib', p.id, u.endOfRib.afi === 1 ? 4 : 6);
  }

  private checkMaxPrefix(p: Peer): void {
    const m = p.config.maxPrefix;
    if (!m || !p.session.isEstablished) return;
    const rib = this.rib.peers.get(p.id)!.rib;
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
    p.out.clear();
    this.emit('established', p.id, n);
    if (n.ipv4) this.sendAll(p, 4, false);
    if (n.ipv6) this.sendAll(p, 6, false);
  }

  private onDown(p: Peer, info: DownInfo): void {
    p.out.clear();
    p.dirty.clear();
    const changed = new Changed();
    this.rib.clearPeer(p.id, changed);
    this.emit('down', p.id, info);
    this.changed(changed);
  }

  // Sending

  private changed(changed: Changed): void {
    if (!changed.length) return;
    if (this.listenerCount('best')) this.emit('best', changed.keys.slice());
    const loc = this.rib.loc;
    for (const p of this.peers.values()) {
      if (!p.session.isEstablished) continue;
      for (const idx of changed.idx) {
        // A route is never sent back to where it came from; skip it unless something was sent before.
        if (loc.getAt(idx)?.source === p.id && p.out.getAt(idx) === undefined) continue;
        p.dirty.add(idx);
      }
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        for (const p of this.peers.values()) if (p.dirty.size) void this.flush(p);
      });
    }
  }

  /** The full table for a family: after Established, after a ROUTE-REFRESH, after a policy change. */
  private sendAll(p: Peer, family: 4 | 6, refresh: boolean): void {
    const n = p.session.negotiated;
    // Nothing, not even an End-of-RIB, for a family the session did not negotiate: GoBGP (rightly)
    // resets a session that gets an UPDATE for an AFI it never agreed to.
    if (!n || (family === 4 ? !n.ipv4 : !n.ipv6)) return;
    const index = this.rib.index;
    for (const idx of this.rib.loc.indexes()) if (index.isV4(idx) === (family === 4)) p.dirty.add(idx);
    if (refresh) {
      // Forget what was sent so everything is sent again.
      for (const idx of p.out.indexes()) if (index.isV4(idx) === (family === 4)) p.out.deleteAt(idx);
    }
    const afi = family === 4 ? 1 : 2;
    // RFC 7313: an enhanced refresh is framed by Beginning- and End-of-Route-Refresh markers.
    if (refresh && n.enhancedRouteRefresh) p.session.sendMessage(encodeRouteRefresh({ afi, safi: 1, subtype: 1 }));
    void this.flush(p).then(() => {
      if (!p.session.isEstablished) return;
      if (refresh && n.enhancedRouteRefresh) p.session.sendMessage(encodeRouteRefresh({ afi, safi: 1, subtype: 2 }));
      else if (!refresh) p.session.sendMessage(encodeEndOfRib(afi));
    });
  }

  private target(p: Peer): ExportTarget {
    const local = p.session.localAddress ?? '0.0.0.0';
    return {
      localAsn: p.config.localAsn,
      ebgp: p.config.asn !== p.config.localAsn,
      routeServerClient: p.config.routeServerClient,
      nextHopV4: p.config.nextHopV4 ?? (local.includes(':') ? '0.0.0.0' : local),
      ...(p.config.nextHopV6 ? { nextHopV6: p.config.nextHopV6 } : local.includes(':') ? { nextHopV6: local } : {}),
    };
  }

  private flushing = new WeakSet<Peer>();
  /** withdrawals found while encoding (routes that cannot be sent), per peer: IPv4, IPv6 */
  private lateWithdrawals = new Map<Peer, [PrefixKey[], PrefixKey[]]>();
  /** routes not sent because they do not fit one message, per peer id (status and tests) */
  readonly unsent = new Map<string, number>();

  /** Drops routes that cannot be encoded for `p` from its Adj-RIB-Out, withdrawing what it had. */
  private unsendable(p: Peer, keys: PrefixKey[], why: string): void {
    const late = this.lateWithdrawals.get(p) ?? [[], []];
    this.lateWithdrawals.set(p, late);
    for (const k of keys) {
      const idx = this.rib.index.find(k);
      // It was recorded as sent a moment ago; the peer may still hold an older route for it.
      if (idx >= 0) p.out.deleteAt(idx);
      (typeof k === 'number' ? late[0] : late[1]).push(k);
    }
    this.unsent.set(p.id, (this.unsent.get(p.id) ?? 0) + keys.length);
    this.emit('problem', p.id, `${keys.length} route(s) not sent: ${why} (e.g. ${keyToText(keys[0]!)})`);
  }

  /** Sends what changed for this peer, grouped by attribute set, respecting TCP backpressure. */
  private async flush(p: Peer): Promise<void> {
    if (this.flushing.has(p)) return;
    this.flushing.add(p);
    try {
      while (p.dirty.size && p.session.isEstablished) {
        const n = p.session.negotiated!;
        const opts = { fourOctetAs: n.fourOctetAs, maxLength: n.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH };
        const target = this.target(p);
        const withdraw4: PrefixKey[] = [];
        const withdraw6: PrefixKey[] = [];
        const groups = new Map<AttrSet, PrefixKey[]>();
        const index = this.rib.index;
        let budget = 50_000;
        for (const idx of p.dirty) {
          if (budget-- === 0) break;
          p.dirty.delete(idx);
          // A prefix no table holds any more was never sent (the Adj-RIB-Out would hold it).
          if (!index.live(idx)) continue;
          const v4 = index.isV4(idx);
          if (v4 ? !n.ipv4 : !n.ipv6) continue;
          const k = index.keyOf(idx);
          const best = this.rib.loc.getAt(idx);
          const send = best && best.source !== p.id && p.exportPolicy(k, best, best.source) === undefined ? best : undefined;
          const sent = p.out.getAt(idx);
          if (send === sent) continue;
          if (send) {
            p.out.setAt(idx, send);
            const g = groups.get(send);
            if (g) g.push(k); else groups.set(send, [k]);
          } else {
            p.out.deleteAt(idx);
            (v4 ? withdraw4 : withdraw6).push(k);
          }
        }
        const msgs: Buffer[] = [];
        if (withdraw4.length) msgs.push(...encodeWithdrawals(1, withdraw4, opts));
        if (withdraw6.length) msgs.push(...encodeWithdrawals(2, withdraw6, opts));
        for (const [set, keys] of groups) {
          const v4 = keys.filter((k) => typeof k === 'number');
          const v6 = keys.filter((k) => typeof k === 'string');
          const local = this.rib.local.get(keys[0]!) === set;
          for (const [afi, family] of [[1, v4], [2, v6]] as const) {
            if (!family.length) continue;
            try {
              msgs.push(...encodeAnnouncements(afi, exportAttributes(set.attrs, afi === 1 ? 4 : 6, target, local), family, opts));
            } catch (e) {
              // A route whose attributes do not fit one message for this peer (our AS prepended,
              // 2-octet AS_PATH, no Extended Messages) is not sent to it; what it had of these
              // prefixes before is withdrawn. Nothing here may reach another session.
              this.unsendable(p, family, (e as Error).message);
            }
          }
        }
        if (this.lateWithdrawals.has(p)) {
          const late = this.lateWithdrawals.get(p)!;
          this.lateWithdrawals.delete(p);
          if (late[0].length) msgs.push(...encodeWithdrawals(1, late[0], opts));
          if (late[1].length) msgs.push(...encodeWithdrawals(2, late[1], opts));
        }
        // Many small UPDATEs go out as few large writes: one syscall per ~64 KiB, not per message.
        for (let j = 0; j < msgs.length; ) {
          let size = 0;
          const start = j;
          while (j < msgs.length && (size === 0 || size + msgs[j]!.length <= 65536)) size += msgs[j++]!.length;
          const chunk = j - start === 1 ? msgs[start]! : Buffer.concat(msgs.slice(start, j), size);
          if (!p.session.sendMessage(chunk)) await p.session.drain();
          if (!p.session.isEstablished) return;
        }
      }
    } catch (e) {
      // One session's send path must never take down the process or another session.
      this.emit('problem', p.id, `sending routes failed: ${(e as Error)?.message ?? String(e)}`);
    } finally {
      this.flushing.delete(p);
    }
  }

  /** Asks a peer to send its routes again (RFC 2918). */
  refresh(id: string, family: 4 | 6): boolean {
    return this.peers.get(id)?.session.requestRefresh(family === 4 ? 1 : 2) ?? false;
  }
}
