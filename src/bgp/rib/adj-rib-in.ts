// Adj-RIB-In: what one peer sent, before policy, kept whole so that rejected routes stay
// visible with the verdict they were rejected with.
import { formatPrefixKey, type PrefixKey } from '../../net/prefix-key.js';
import { type AttrSet, AttrStore } from './attr-store.js';
import type { Handles, ObjectHandles } from './handles.js';
import type { PrefixIndex } from './prefix-index.js';
import type { Rejection } from './rejection.js';
import { RouteTable } from './route-table.js';

/**
 * A route's identity within one peer: its prefix key, or with ADD-PATH a string of its own: a
 * marker char, the path id, "#" and the prefix key (an IPv4 key in decimal). The marker is above
 * 128, so it is never the first char of an IPv6 key (its length); and the IPv6 key inside is as
 * opaque as ever (see net/prefix-key.ts): never show a route key, format its prefix.
 */
export type RouteKey = PrefixKey | string;

const PATH_V4 = 0x1f4;
const PATH_V6 = 0x1f6;
const PATH_V4_MARK = String.fromCharCode(PATH_V4);
const PATH_V6_MARK = String.fromCharCode(PATH_V6);

export const pathRouteKey = (key: PrefixKey, pathId: number): string =>
  typeof key === 'number' ? `${PATH_V4_MARK}${pathId}#${key}` : `${PATH_V6_MARK}${pathId}#${key}`;

/** Whether a route key names an ADD-PATH route (else it is a plain prefix key). */
const isPathRouteKey = (rk: RouteKey): boolean => typeof rk === 'string' && rk.charCodeAt(0) > 128;

export function prefixOfRouteKey(rk: RouteKey): PrefixKey {
  if (typeof rk === 'number' || rk.charCodeAt(0) <= 128) return rk;
  // The path id is decimal: the first "#" ends it.
  const key = rk.slice(rk.indexOf('#') + 1);
  return rk.charCodeAt(0) === PATH_V4 ? Number(key) : key;
}

export class AdjRibIn {
  /** the attribute sets this peer's routes use: keyed by raw bytes, and (IPv6 and other MP routes) by bytes plus next hop */
  readonly sets: AttrStore;
  readonly mpSets: AttrStore;
  /** routes without a path identifier, by prefix */
  readonly plain: RouteTable<AttrSet>;
  /** import-policy rejections of plain routes: prefix -> the rejection (a handle into the speaker's table) */
  readonly rejectedPlain: RouteTable<Rejection>;
  /** ADD-PATH routes by their route key (pathRouteKey), their rejections, and the path keys per prefix */
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
    return isPathRouteKey(rk) ? this.multi.get(rk as string) : this.plain.get(rk);
  }

  /** The rejection of a route, undefined when it was accepted (or is not there). */
  rejection(rk: RouteKey): Rejection | undefined {
    return isPathRouteKey(rk) ? this.rejectedMulti.get(rk as string) : this.rejectedPlain.get(rk);
  }

  /** The reject reason of a route in words, undefined when it was accepted (or is not there). */
  rejected(rk: RouteKey): string | undefined {
    return this.rejection(rk)?.text(formatPrefixKey(prefixOfRouteKey(rk)));
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
