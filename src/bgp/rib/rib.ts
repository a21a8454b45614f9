// The speaker's routing tables: an Adj-RIB-In per peer, the speaker's own routes, and the
// Loc-RIB holding the best path per prefix. Every change returns the prefixes whose best path
// changed, which is all the export side needs to know.
import type { PrefixKey } from '../wire/nlri.js';
import type { PathAttributes } from '../wire/attributes/types.js';
import { AttrStore, type AttrSet } from './attr-store.js';
import { AdjRibIn, routeKey, prefixOfRouteKey, type RouteKey } from './adj-rib-in.js';
import { compare, type Candidate } from './decision.js';

export interface PeerInfo { id: string; address: string; ebgp: boolean; bgpId: number }

/** The import policy's verdict on one route: undefined to accept, or the reason to reject. */
export type ImportPolicy = (prefix: PrefixKey, attrs: PathAttributes) => string | undefined;

export class Rib {
  readonly attrs = new AttrStore();
  readonly peers = new Map<string, { info: PeerInfo; rib: AdjRibIn }>();
  readonly local = new Map<PrefixKey, AttrSet>();
  /** the best path per prefix; the set's `source` says where it came from */
  readonly loc = new Map<PrefixKey, AttrSet>();

  addPeer(info: PeerInfo): AdjRibIn {
    const rib = new AdjRibIn();
    this.peers.set(info.id, { info, rib });
    return rib;
  }

  setPeerBgpId(id: string, bgpId: number): void {
    const p = this.peers.get(id);
    if (p) p.info.bgpId = bgpId;
  }

  /** Adds or replaces routes from a peer; returns prefixes whose best path changed. */
  announce(peerId: string, keys: PrefixKey[], pathIds: number[] | null, set: AttrSet, policy: ImportPolicy, changed: PrefixKey[]): void {
    const p = this.peers.get(peerId)!;
    const rib = p.rib;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const rk = routeKey(key, pathIds?.[i]);
      const old = rib.routes.get(rk);
      if (old === set) continue;
      this.attrs.ref(set);
      rib.routes.set(rk, set);
      if (pathIds) addPath(rib, key, rk);
      const wasAccepted = old !== undefined && !rib.rejected.has(rk);
      const reason = policy(key, set.attrs);
      if (reason === undefined) rib.rejected.delete(rk);
      else rib.rejected.set(rk, reason);
      const isAccepted = reason === undefined;
      if (wasAccepted !== isAccepted) count(rib, key, isAccepted ? 1 : -1);
      if (old) this.attrs.unref(old);
      if (wasAccepted || isAccepted) this.reselect(key, changed, rib, pathIds !== null);
    }
  }

  /** Removes routes from a peer. */
  withdraw(peerId: string, keys: PrefixKey[], pathIds: number[] | null, changed: PrefixKey[]): void {
    const rib = this.peers.get(peerId)!.rib;
    for (let i = 0; i < keys.length; i++) this.remove(rib, keys[i]!, routeKey(keys[i]!, pathIds?.[i]), changed);
  }

  private remove(rib: AdjRibIn, key: PrefixKey, rk: RouteKey, changed: PrefixKey[]): void {
    const old = rib.routes.get(rk);
    if (!old) return;
    rib.routes.delete(rk);
    const wasAccepted = !rib.rejected.delete(rk);
    if (rk !== key) {
      const set = rib.paths.get(key);
      set?.delete(rk);
      if (set && !set.size) rib.paths.delete(key);
    }
    this.attrs.unref(old);
    if (wasAccepted) {
      count(rib, key, -1);
      this.reselect(key, changed, rib, rk !== key);
    }
  }

  /** Drops everything a peer sent (its session went down). */
  clearPeer(peerId: string, changed: PrefixKey[]): void {
    const rib = this.peers.get(peerId)?.rib;
    if (!rib) return;
    for (const rk of [...rib.routes.keys()]) this.remove(rib, prefixOfRouteKey(rk), rk, changed);
  }

  removePeer(peerId: string, changed: PrefixKey[]): void {
    this.clearPeer(peerId, changed);
    this.peers.delete(peerId);
  }

  /** Re-runs import policy over a peer's whole Adj-RIB-In (policy changed). */
  reimport(peerId: string, policy: ImportPolicy, changed: PrefixKey[]): void {
    const rib = this.peers.get(peerId)!.rib;
    for (const [rk, set] of rib.routes) {
      const key = prefixOfRouteKey(rk);
      const was = !rib.rejected.has(rk);
      const reason = policy(key, set.attrs);
      if (reason === undefined) rib.rejected.delete(rk);
      else rib.rejected.set(rk, reason);
      if (was !== (reason === undefined)) {
        count(rib, key, reason === undefined ? 1 : -1);
        this.reselect(key, changed);
      }
    }
  }

  setLocal(key: PrefixKey, attrs: PathAttributes, changed: PrefixKey[]): void {
    const set = this.attrs.intern('', JSON.stringify(attrs), () => attrs);
    const old = this.local.get(key);
    if (old === set) return;
    this.attrs.ref(set);
    this.local.set(key, set);
    if (old) this.attrs.unref(old);
    this.reselect(key, changed);
  }

  removeLocal(key: PrefixKey, changed: PrefixKey[]): void {
    const old = this.local.get(key);
    if (!old) return;
    this.local.delete(key);
    this.attrs.unref(old);
    this.reselect(key, changed);
  }

  /** Every accepted candidate for a prefix, best first. */
  candidates(key: PrefixKey): Array<{ source: string; set: AttrSet }> {
    const out: Array<{ source: string; set: AttrSet; c: Candidate }> = [];
    const own = this.local.get(key);
    if (own) out.push({ source: '', set: own, c: { attrs: own.attrs, ebgp: false, peerBgpId: 0, peerAddress: '', local: true } });
    for (const [id, { info, rib }] of this.peers) {
      const rks = rib.paths.get(key) ?? [key];
      for (const rk of rks) {
        const set = rib.routes.get(rk);
        if (!set || rib.rejected.has(rk)) continue;
        out.push({ source: id, set, c: { attrs: set.attrs, ebgp: info.ebgp, peerBgpId: info.bgpId, peerAddress: info.address, local: false } });
      }
    }
    return out.sort((a, b) => compare(a.c, b.c));
  }

  /**
   * Recomputes the best path for `key` after a change from `from` (a peer's Adj-RIB-In, or none
   * for own routes). With a single feed and no own route for the prefix, the feed's route is the
   * best without comparison: the common case of a full-table session, kept cheap.
   */
  private reselect(key: PrefixKey, changed: PrefixKey[], from?: AdjRibIn, multipath = false): void {
    const cur = this.loc.get(key);
    let best: AttrSet | undefined;
    if (from && !multipath && this.peers.size === 1 && (this.local.size === 0 || !this.local.has(key))) {
      const set = from.routes.get(key);
      best = set && (from.rejected.size === 0 || !from.rejected.has(key)) ? set : undefined;
    } else {
      best = this.candidates(key)[0]?.set;
    }
    if (best === cur) return;
    if (best) this.loc.set(key, best);
    else this.loc.delete(key);
    changed.push(key);
  }
}

function addPath(rib: AdjRibIn, key: PrefixKey, rk: RouteKey): void {
  let set = rib.paths.get(key);
  if (!set) rib.paths.set(key, (set = new Set()));
  set.add(rk);
}

function count(rib: AdjRibIn, key: PrefixKey, d: number): void {
  if (typeof key === 'number') rib.acceptedV4 += d;
  else rib.acceptedV6 += d;
}
