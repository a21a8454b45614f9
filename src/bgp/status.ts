// Read-only views of a speaker for status APIs: sessions with counters, routes with attributes.

import { prefixProblem } from '../net/prefix.js';
import { formatPrefixKey, type PrefixKey, parsePrefixKey } from '../net/prefix-key.js';
import { prefixOfRouteKey } from './rib/adj-rib-in.js';
import type { Speaker } from './speaker.js';
import { formatAsPath } from './wire/attributes/as-path.js';
import { formatCommunity, formatExtendedCommunity, formatLargeCommunities } from './wire/attributes/communities.js';
import type { PathAttributes } from './wire/attributes/types.js';

/** One peer of a speaker: its session's state and counters (the standalone speaker's status API). */
export interface PeerStatus {
  peer: string;
  asn: number;
  state: string;
  uptime: number;
  received: number;
  accepted: number;
  lastError?: string;
  description?: string;
}

export interface RouteView {
  prefix: string;
  peer: string;
  nextHop: string | null;
  asPath: string;
  origin: string;
  med: number | null;
  localPref: number | null;
  communities: string[];
  largeCommunities: string[];
  extendedCommunities: string[];
  best: boolean;
  accepted: boolean;
  reason?: string;
}

export function sessions(s: Speaker): PeerStatus[] {
  return s.sessions().map((x) => ({
    peer: x.id,
    asn: x.asn,
    state: x.state,
    uptime: x.establishedAt ? Math.floor((Date.now() - x.establishedAt) / 1000) : 0,
    received: x.counters.received,
    accepted: x.counters.accepted,
    ...(x.lastError ? { lastError: x.lastError.message } : {}),
    ...(x.description ? { description: x.description } : {}),
  }));
}

const ORIGINS = ['IGP', 'EGP', 'INCOMPLETE'];

export function routeView(prefix: PrefixKey, peer: string, a: PathAttributes, best: boolean, reason?: string): RouteView {
  return {
    prefix: formatPrefixKey(prefix),
    peer,
    nextHop: a.nextHop ?? null,
    asPath: formatAsPath(a.asPath),
    origin: ORIGINS[a.origin ?? 2] ?? 'INCOMPLETE',
    med: a.med ?? null,
    localPref: a.localPref ?? null,
    communities: (a.communities ?? []).map(formatCommunity),
    largeCommunities: formatLargeCommunities(a.largeCommunities),
    extendedCommunities: (a.extendedCommunities ?? []).map(formatExtendedCommunity),
    best,
    accepted: reason === undefined,
    ...(reason !== undefined ? { reason } : {}),
  };
}

/**
 * Routes matching the filters: every peer's Adj-RIB-In (pre-policy, with the reject reason) and
 * the speaker's own routes (peer "local"). `count` is the total that matches, `routes` the first `limit`.
 */
export function routes(s: Speaker, q: { peer?: string; prefix?: string; limit?: number }): { count: number; routes: RouteView[] } | { error: string } {
  const limit = q.limit ?? 100;
  let key: PrefixKey | undefined;
  if (q.prefix) {
    key = parsePrefixKey(q.prefix);
    if (key === undefined) return { error: `prefix ${q.prefix}: ${prefixProblem(q.prefix) ?? 'not a prefix this speaker carries'}` };
  }
  const out: RouteView[] = [];
  let count = 0;
  const take = (k: PrefixKey, peer: string, a: PathAttributes, best: boolean, reason?: string) => {
    count++;
    if (out.length < limit) out.push(routeView(k, peer, a, best, reason));
  };
  if (!q.peer || q.peer === 'local') {
    const entries = key !== undefined ? (s.rib.local.has(key) ? [[key, s.rib.local.get(key)!] as const] : []) : s.rib.local;
    for (const [k, set] of entries) take(k, 'local', set.attrs, s.rib.loc.get(k) === set);
  }
  for (const id of s.peerIds()) {
    if (q.peer && q.peer !== id) continue;
    const rib = s.adjRibIn(id)!;
    const routes = key !== undefined ? rib.routesFor(key) : rib.entries();
    for (const [rk, set] of routes) {
      const k = prefixOfRouteKey(rk);
      take(k, id, set.attrs, s.rib.loc.get(k) === set, rib.rejected(rk));
    }
  }
  return { count, routes: out };
}
