// Adj-RIB-In: what one peer sent, before policy, kept whole so that rejected routes stay
// visible with the verdict they were rejected with.
import { keyToText, type PrefixKey } from '../wire/nlri.js';
import { type AttrSet, AttrStore } from './attr-store.js';
import type { Handles, ObjectHandles } from './handles.js';
import type { PrefixIndex } from './prefix-index.js';
import type { Rejection } from './rejection.js';
import { RouteTable } from './route-table.js';

/** A route's identity within one peer: the prefix, plus the path id with ADD-PATH ("key#id"). */
export type RouteKey = PrefixKey | string;

export const pathRouteKey = (key: PrefixKey, pathId: number): string => `${key}#${pathId}`;

export function prefixOfRouteKey(rk: RouteKey): PrefixKey {
  if (typeof rk === 'number') return rk;
  const hash = rk.indexOf('#');
  if (hash === -1) return rk;
  const p = rk.slice(0, hash);
  return p.includes('/') ? p : Number(p);
}

export class AdjRibIn {
  /** the attribute sets this peer's routes use: keyed by raw bytes, and (IPv6 and other MP routes) by bytes plus next hop */
  readonly sets: AttrStore;
  readonly mpSets: AttrStore;
  /** routes without a path identifier, by prefix */
  readonly plain: RouteTable<AttrSet>;
  /** import-policy rejections of plain routes: prefix -> the rejection (a handle into the speaker's table) */
  readonly rejectedPlain: RouteTable<Rejection>;
  /** ADD-PATH routes by "key#pathId", their rejections, and the path keys per prefix */
  readonly multi = new Map<string, AttrSet>();
  readonly rejectedMulti = new Map<string, Rejection>();
  readonly pathsOf = new Map<PrefixKey, Set<string>>();
  acceptedV4 = 0;
  acceptedV6 = 0;

  constructor(
    peerId: string,
    readonly index: PrefixIndex,
    handles: Handles<AttrSet>,
    rejections: ObjectHandles<Rejection>,
  ) {
    this.sets = new AttrStore(peerId, undefined, 0, handles);
    this.mpSets = new AttrStore(peerId, undefined, 0, handles);
    this.plain = new RouteTable(index, handles);
    this.rejectedPlain = new RouteTable(index, rejections);
  }

  get size(): number {
    return this.plain.size + this.multi.size;
  }

  accepted(family: 4 | 6): number {
    return family === 4 ? this.acceptedV4 : this.acceptedV6;
  }

  get(rk: RouteKey): AttrSet | undefined {
    return typeof rk === 'string' && rk.includes('#') ? this.multi.get(rk) : this.plain.get(rk);
  }

  /** The rejection of a route, undefined when it was accepted (or is not there). */
  rejection(rk: RouteKey): Rejection | undefined {
    return typeof rk === 'string' && rk.includes('#') ? this.rejectedMulti.get(rk) : this.rejectedPlain.get(rk);
  }

  /** The reject reason of a route in words, undefined when it was accepted (or is not there). */
  rejected(rk: RouteKey): string | undefined {
    return this.rejection(rk)?.text(keyToText(prefixOfRouteKey(rk)));
  }

  /** The routes for one prefix: its plain route and its ADD-PATH paths. */
  routesFor(key: PrefixKey): Array<[RouteKey, AttrSet]> {
    const out: Array<[RouteKey, AttrSet]> = [];
    const plain = this.plain.get(key);
    if (plain) out.push([key, plain]);
    for (const rk of this.pathsOf.get(key) ?? []) out.push([rk, this.multi.get(rk)!]);
    return out;
  }

  *entries(): IterableIterator<[RouteKey, AttrSet]> {
    yield* this.plain.entries();
    yield* this.multi.entries();
  }
}
