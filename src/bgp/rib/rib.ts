// The speaker's routing tables: an Adj-RIB-In per peer, the speaker's own routes, and the
// Loc-RIB holding the best path per prefix, all indexed by one PrefixIndex. Every change
// reports the prefixes whose best path changed, which is all the export side
// needs to know.

import type { PrefixKey } from '../../net/prefix-key.js';
import type { PathAttributes } from '../wire/attributes/types.js';
import { AdjRibIn, pathRouteKey, prefixOfRouteKey } from './adj-rib-in.js';
import { type AttrSet, AttrStore, type Route, setHandles } from './attr-store.js';
import { type Candidate, compare } from './decision.js';
import { ObjectHandles } from './handles.js';
import { PrefixIndex } from './prefix-index.js';
import { fixedRejection, type NotableRejection, type Rejection } from './rejection.js';
import { RouteTable } from './route-table.js';

/**
 * Prefixes whose best path changed: their indexes (for the export side) and keys (for events);
 * and the routes judged with a notable rejection, with the verdict at hand (for the judge's events).
 */
export class Changed {
  readonly idx: number[] = [];
  readonly keys: PrefixKey[] = [];
  readonly notable: NotableRejection[] = [];
  add(idx: number, key: PrefixKey): void {
    this.idx.push(idx);
    this.keys.push(key);
  }
  clear(): void {
    this.idx.length = 0;
    this.keys.length = 0;
    this.notable.length = 0;
  }
  get length(): number {
    return this.idx.length;
  }
}

export interface PeerInfo {
  id: string;
  address: string;
  ebgp: boolean;
  bgpId: number;
  /** we are this peer's route server (RFC 7947; its role is RS-Client, RFC 9234) */
  routeServerClient?: boolean;
}

/**
 * The import policy's verdict on one route: undefined to accept, or the rejection (interned by the
 * policy: the RIB keeps a handle to it per route). `route.attrs` decodes on demand: a policy that
 * needs no attribute costs nothing per route.
 */
export type ImportPolicy = (prefix: PrefixKey, route: Route) => Rejection | undefined;

export class Rib {
  readonly index = new PrefixIndex();
  /** handles of every attribute set; a table entry holding a set is a reference to it */
  readonly setHandles = setHandles();
  /** handles of the rejections the Adj-RIBs-In hold */
  readonly rejections = new ObjectHandles<Rejection>();
  /** attribute sets of own routes (each peer's are in its Adj-RIB-In) */
  readonly ownSets = new AttrStore('', undefined, 0, this.setHandles);
  readonly peers = new Map<string, { info: PeerInfo; rib: AdjRibIn }>();
  readonly local = new RouteTable<AttrSet>(this.index, this.setHandles);
  /** the best path per prefix; the set's `source` says where it came from */
  readonly loc = new RouteTable<AttrSet>(this.index, this.setHandles);

  addPeer(info: PeerInfo): AdjRibIn {
    const rib = new AdjRibIn(info.id, this.index, this.setHandles, this.rejections);
    this.peers.set(info.id, { info, rib });
    return rib;
  }

  setPeerBgpId(id: string, bgpId: number): void {
    const p = this.peers.get(id);
    if (p) p.info.bgpId = bgpId;
  }

  /** Adds or replaces routes from a peer; pushes the indexes whose best path changed. */
  announce(peerId: string, keys: PrefixKey[], pathIds: number[] | null, set: AttrSet, policy: ImportPolicy, changed: Changed): void {
    const { rib, info } = this.peers.get(peerId)!;
    const rs = info.routeServerClient === true;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (pathIds) {
        this.announcePath(rib, rs, key, pathIds[i]!, set, policy, changed);
        continue;
      }
      const idx = this.index.intern(key);
      const old = rib.plain.getAt(idx);
      if (old === set) continue;
      // The table holds a reference to its set: keep the old one alive until the Loc-RIB moved on.
      if (old) AttrStore.ref(old);
      rib.plain.setAt(idx, set);
      const wasAccepted = old !== undefined && rib.rejectedPlain.getAt(idx) === undefined;
      const reason = verdict(key, set, policy, rs, changed);
      if (reason === undefined) rib.rejectedPlain.deleteAt(idx);
      else rib.rejectedPlain.setAt(idx, reason);
      const isAccepted = reason === undefined;
      if (wasAccepted !== isAccepted) count(rib, key, isAccepted ? 1 : -1);
      if (wasAccepted || isAccepted) this.reselect(idx, key, changed, rib);
      if (old) AttrStore.unref(old);
    }
  }

  private announcePath(rib: AdjRibIn, rs: boolean, key: PrefixKey, pathId: number, set: AttrSet, policy: ImportPolicy, changed: Changed): void {
    const rk = pathRouteKey(key, pathId);
    const old = rib.multi.get(rk);
    if (old === set) return;
    AttrStore.ref(set);
    rib.multi.set(rk, set);
    let paths = rib.pathsOf.get(key);
    if (!paths) rib.pathsOf.set(key, (paths = new Set()));
    paths.add(rk);
    const wasAccepted = old !== undefined && !rib.rejectedMulti.has(rk);
    const reason = verdict(key, set, policy, rs, changed);
    if (reason === undefined) rib.rejectedMulti.delete(rk);
    else rib.rejectedMulti.set(rk, reason);
    if (wasAccepted !== (reason === undefined)) count(rib, key, reason === undefined ? 1 : -1);
    if (wasAccepted || reason === undefined) this.reselect(this.index.intern(key), key, changed);
    if (old) AttrStore.unref(old);
  }

  /** Removes routes from a peer. */
  withdraw(peerId: string, keys: PrefixKey[], pathIds: number[] | null, changed: Changed): void {
    const rib = this.peers.get(peerId)!.rib;
    for (let i = 0; i < keys.length; i++) {
      if (pathIds) this.removePath(rib, keys[i]!, pathRouteKey(keys[i]!, pathIds[i]!), changed);
      else {
        const idx = this.index.find(keys[i]!);
        if (idx >= 0) this.removePlain(rib, idx, keys[i]!, changed);
      }
    }
  }

  private removePlain(rib: AdjRibIn, idx: number, key: PrefixKey, changed: Changed): void {
    const old = rib.plain.getAt(idx);
    if (!old) return;
    const wasAccepted = !rib.rejectedPlain.deleteAt(idx);
    // Keep the index and the set alive across the Loc-RIB update: the Adj-RIB-In entry may be
    // the last holder of either.
    this.index.ref(idx);
    AttrStore.ref(old);
    rib.plain.deleteAt(idx);
    if (wasAccepted) {
      count(rib, key, -1);
      this.reselect(idx, key, changed, rib);
    }
    AttrStore.unref(old);
    this.index.unref(idx);
  }

  private removePath(rib: AdjRibIn, key: PrefixKey, rk: string, changed: Changed): void {
    const old = rib.multi.get(rk);
    if (!old) return;
    rib.multi.delete(rk);
    const wasAccepted = !rib.rejectedMulti.delete(rk);
    const paths = rib.pathsOf.get(key);
    paths?.delete(rk);
    if (paths && !paths.size) rib.pathsOf.delete(key);
    if (wasAccepted) {
      count(rib, key, -1);
      const idx = this.index.find(key);
      if (idx >= 0) this.reselect(idx, key, changed);
    }
    AttrStore.unref(old);
  }

  /** Drops everything a peer sent (its session went down). */
  clearPeer(peerId: string, changed: Changed): void {
    const rib = this.peers.get(peerId)?.rib;
    if (!rib) return;
    for (const idx of rib.plain.indexes()) this.removePlain(rib, idx, this.index.keyOf(idx), changed);
    for (const rk of [...rib.multi.keys()]) this.removePath(rib, prefixOfRouteKey(rk), rk, changed);
  }

  removePeer(peerId: string, changed: Changed): void {
    this.clearPeer(peerId, changed);
    this.peers.delete(peerId);
  }

  /**
   * Re-runs import policy over a peer's Adj-RIB-In (policy changed), or over the routes `only`
   * selects (the policy's inputs changed for some prefixes). Prefixes whose verdict flipped
   * between accepted and rejected are pushed to `flipped`; notable rejections to `changed.notable`.
   */
  reimport(peerId: string, policy: ImportPolicy, changed: Changed, only?: (key: PrefixKey) => boolean, flipped?: PrefixKey[]): void {
    const { rib, info } = this.peers.get(peerId)!;
    const rs = info.routeServerClient === true;
    for (const idx of rib.plain.indexes()) {
      const key = this.index.keyOf(idx);
      if (only && !only(key)) continue;
      const was = rib.rejectedPlain.getAt(idx) === undefined;
      const reason = verdict(key, rib.plain.getAt(idx)!, policy, rs, changed);
      if (reason === undefined) rib.rejectedPlain.deleteAt(idx);
      else rib.rejectedPlain.setAt(idx, reason);
      if (was !== (reason === undefined)) {
        count(rib, key, reason === undefined ? 1 : -1);
        this.reselect(idx, key, changed);
        flipped?.push(key);
      }
    }
    for (const [rk, set] of rib.multi) {
      const key = prefixOfRouteKey(rk);
      if (only && !only(key)) continue;
      const was = !rib.rejectedMulti.has(rk);
      const reason = verdict(key, set, policy, rs, changed);
      if (reason === undefined) rib.rejectedMulti.delete(rk);
      else rib.rejectedMulti.set(rk, reason);
      if (was !== (reason === undefined)) {
        count(rib, key, reason === undefined ? 1 : -1);
        this.reselect(this.index.intern(key), key, changed);
        flipped?.push(key);
      }
    }
  }

  setLocal(key: PrefixKey, attrs: PathAttributes, changed: Changed): void {
    const set = this.ownSets.intern(Buffer.from(JSON.stringify(attrs)), attrs, false);
    const idx = this.index.intern(key);
    const old = this.local.getAt(idx);
    if (old === set) return;
    if (old) AttrStore.ref(old);
    this.local.setAt(idx, set);
    this.reselect(idx, key, changed);
    if (old) AttrStore.unref(old);
  }

  removeLocal(key: PrefixKey, changed: Changed): void {
    const idx = this.index.find(key);
    const old = idx >= 0 ? this.local.getAt(idx) : undefined;
    if (!old) return;
    this.index.ref(idx);
    AttrStore.ref(old);
    this.local.deleteAt(idx);
    this.reselect(idx, key, changed);
    AttrStore.unref(old);
    this.index.unref(idx);
  }

  /** Distinct attribute sets held, over all sources. */
  get attrSetCount(): number {
    let n = this.ownSets.size;
    for (const { rib } of this.peers.values()) n += rib.sets.size + rib.mpSets.size;
    return n;
  }

  /** Every accepted candidate for a prefix, best first. */
  candidates(key: PrefixKey): Array<{ source: string; set: AttrSet }> {
    const out: Array<{ source: string; set: AttrSet; c: Candidate }> = [];
    const idx = this.index.find(key);
    const own = idx >= 0 ? this.local.getAt(idx) : undefined;
    if (own) out.push({ source: '', set: own, c: { set: own, ebgp: false, peerBgpId: 0, peerAddress: '', local: true } });
    for (const [id, { info, rib }] of this.peers) {
      const c = (set: AttrSet) => ({ source: id, set, c: { set, ebgp: info.ebgp, peerBgpId: info.bgpId, peerAddress: info.address, local: false } });
      const plain = idx >= 0 ? rib.plain.getAt(idx) : undefined;
      if (plain && rib.rejectedPlain.getAt(idx) === undefined) out.push(c(plain));
      for (const rk of rib.pathsOf.get(key) ?? []) if (!rib.rejectedMulti.has(rk)) out.push(c(rib.multi.get(rk)!));
    }
    return out.sort((a, b) => compare(a.c, b.c));
  }

  /**
   * Recomputes the best path for a prefix after a change from `from` (a peer's plain route), or
   * from elsewhere. With a single feed and no own route for the prefix, the feed's route is the
   * best without comparison: the common case of a full-table session, kept cheap.
   */
  private reselect(idx: number, key: PrefixKey, changed: Changed, from?: AdjRibIn): void {
    const cur = this.loc.getAt(idx);
    let best: AttrSet | undefined;
    if (from && this.peers.size === 1 && from.pathsOf.size === 0 && (this.local.size === 0 || this.local.getAt(idx) === undefined)) {
      const set = from.plain.getAt(idx);
      best = set && from.rejectedPlain.getAt(idx) === undefined ? set : undefined;
    } else {
      best = this.candidates(key)[0]?.set;
    }
    if (best === cur) return;
    if (best) this.loc.setAt(idx, best);
    else this.loc.deleteAt(idx);
    changed.add(idx, key);
  }
}

/**
 * Routes the RFCs make ineligible are kept for visibility, never used, like a policy rejection: a
 * path through the receiver's own AS is a loop (RFC 4271 §9.1.2); a route with OTC from an
 * RS-Client is a route leak (RFC 9234 §5, ingress 1).
 */
function verdict(key: PrefixKey, set: AttrSet, policy: ImportPolicy, fromRsClient: boolean, changed: Changed): Rejection | undefined {
  if (set.loops) return fixedRejection(`AS path contains our AS ${set.store.ownAsn} (loop)`);
  if (fromRsClient && set.attrs.otc !== undefined) return fixedRejection(`route leak: OTC ${set.attrs.otc} from a route-server client (RFC 9234 §5)`);
  const r = policy(key, set);
  if (r?.notable) changed.notable.push({ key, rejection: r, route: set });
  return r;
}

function count(rib: AdjRibIn, key: PrefixKey, d: number): void {
  if (typeof key === 'number') rib.acceptedV4 += d;
  else rib.acceptedV6 += d;
}
