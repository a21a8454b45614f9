// Adj-RIB-In: what one peer sent, before policy, kept whole so that rejected routes stay
// visible with the reason they were rejected.
import type { PrefixKey } from '../wire/nlri.js';
import type { AttrSet } from './attr-store.js';

/** A route's identity within one peer: the prefix, plus the path id with ADD-PATH. */
export type RouteKey = PrefixKey | string;

export const routeKey = (key: PrefixKey, pathId: number | undefined): RouteKey => (pathId === undefined ? key : `${key}#${pathId}`);

export function prefixOfRouteKey(rk: RouteKey): PrefixKey {
  if (typeof rk === 'number') return rk;
  const hash = rk.indexOf('#');
  if (hash === -1) return rk;
  const p = rk.slice(0, hash);
  return p.includes('/') ? p : Number(p);
}

export class AdjRibIn {
  readonly routes = new Map<RouteKey, AttrSet>();
  /** import-policy rejections: route -> reason */
  readonly rejected = new Map<RouteKey, string>();
  /** route keys per prefix when ADD-PATH brings several paths (absent otherwise) */
  readonly paths = new Map<PrefixKey, Set<RouteKey>>();
  acceptedV4 = 0;
  acceptedV6 = 0;

  get size(): number { return this.routes.size; }

  accepted(family: 4 | 6): number { return family === 4 ? this.acceptedV4 : this.acceptedV6; }
}
