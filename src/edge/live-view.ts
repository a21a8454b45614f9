// What readers of the live routes see: the API's received routes and BGP sessions (LiveRoutes),
// and the validation engine's route lookups. Reads the speakers' Adj-RIBs-In through the pool,
// with the verdict the import policy stored on each route (no route is judged here); never
// changes anything.

import { prefixOfRouteKey } from '../bgp/rib/adj-rib-in.js';
import { formatAsPath } from '../bgp/wire/attributes/as-path.js';
import { formatCommunity, formatLargeCommunities } from '../bgp/wire/attributes/communities.js';
import type { PathAttributes } from '../bgp/wire/attributes/types.js';
import { formatPrefixKey, type PrefixKey, parsePrefixKey } from '../net/prefix-key.js';
import { routeOrigin } from '../validation/import-policy.js';
import { carriedRoute, type RouteLookup, type SessionView } from '../validation/prefix-state.js';
import { Rejected } from '../validation/verdict.js';
import type { Audience, BgpSessionStatus, LiveRoutes, ReceivedRoute } from './live-routes.js';
import type { PolicyScope } from './policy-scope.js';
import type { PlannedSession } from './session-plan.js';
import type { SpeakerPool } from './speaker-pool.js';

export interface LiveViewDeps {
  pool: Pick<SpeakerPool, 'adjRibIn' | 'session'>;
  scope: PolicyScope;
  /** the planned session of a partner address */
  sessionOf(peer: string): PlannedSession | undefined;
}

export class LiveView implements LiveRoutes {
  constructor(private readonly d: LiveViewDeps) {}

  /** Routes the sessions of a peering received (pre-policy), by prefix then connection. */
  received(peering: string, filter: { connection?: string; prefix?: string }, audience: Audience = 'operator'): ReceivedRoute[] {
    const out: ReceivedRoute[] = [];
    const key = filter.prefix !== undefined ? parsePrefixKey(filter.prefix) : undefined;
    for (const s of this.d.scope.view?.peerings.get(peering)?.sessions ?? []) {
      if (filter.connection !== undefined && s.connection !== filter.connection) continue;
      const rib = this.d.pool.adjRibIn(s.router, s.peerAddress);
      if (!rib) continue;
      const entries = key !== undefined ? rib.routesFor(key) : rib.entries();
      for (const [rk, set] of entries) {
        const prefix = prefixOfRouteKey(rk);
        const text = formatPrefixKey(prefix);
        const a = set.attrs;
        const origin = routeOrigin(a);
        const rejection = rib.rejection(rk);
        const v = rejection instanceof Rejected ? rejection : undefined;
        // The partner's reason names no other partner; the operator's may.
        const reason = audience === 'operator' && v ? v.operatorText(text) : rejection?.text(text);
        out.push({
          prefix: text,
          connection: s.connection,
          peerAddress: s.peerAddress,
          nextHop: a.nextHop ?? null,
          asPath: formatAsPath(a.asPath),
          originAs: origin ?? null,
          communities: (a.communities ?? []).map(formatCommunity),
          largeCommunities: formatLargeCommunities(a.largeCommunities),
          originAsValidationState: !v || v.kind === 'route-problem' ? 'Valid' : v.kind === 'hijack' ? 'Invalid' : 'NotFound',
          rpkiValidationState: this.d.scope.rpkiState(prefix, origin),
          accepted: reason === undefined,
          reason: reason ?? null,
        });
      }
    }
    return out.sort((x, y) => (x.prefix < y.prefix ? -1 : x.prefix > y.prefix ? 1 : x.connection < y.connection ? -1 : x.connection > y.connection ? 1 : 0));
  }

  /** The BGP sessions of one connection. */
  sessions(peering: string, connection: string): BgpSessionStatus[] {
    const out: BgpSessionStatus[] = [];
    for (const s of this.d.scope.view?.peerings.get(peering)?.sessions ?? []) {
      if (s.connection !== connection) continue;
      const info = this.d.pool.session(s.router, s.peerAddress);
      if (!info) continue;
      const since = info.establishedAt;
      out.push({
        family: s.family,
        peerAddress: s.peerAddress,
        state: info.state,
        establishedSince: since ? new Date(since).toISOString() : null,
        uptimeSeconds: since ? Math.floor((Date.now() - since) / 1000) : 0,
        prefixesReceived: info.counters.received,
        prefixesAccepted: info.counters.accepted,
        lastError: info.lastError ? { message: info.lastError.message, at: new Date(info.lastError.at).toISOString() } : null,
      });
    }
    return out;
  }

  /** What a session received for a prefix, accepted or not (validation explains rejections too). */
  readonly lookup: RouteLookup = (session, prefix, known) => {
    const rib = this.d.pool.adjRibIn(session.router, session.peerAddress);
    const key = known ?? parsePrefixKey(prefix);
    const set = rib && key !== undefined ? rib.get(key) : undefined;
    if (!set) return undefined;
    const attrs = set.peek();
    const rpki = this.d.scope.rpkiInvalid(key!, routeOrigin(attrs));
    const rejection = rib!.rejection(key!);
    if (!rejection) return carriedRoute(attrs, undefined, undefined, rpki, set);
    const text = formatPrefixKey(key!);
    return carriedRoute(attrs, rejection.text(text), rejection instanceof Rejected ? rejection.verdict(text) : undefined, rpki, set);
  };

  /** Whether a session holds a route for a prefix now, accepted or not. */
  carries(session: SessionView, key: PrefixKey): boolean {
    return this.d.pool.adjRibIn(session.router, session.peerAddress)?.get(key) !== undefined;
  }

  /** The route a session holds now for a prefix, if it holds one, and the rejection stored with it. */
  current(peer: string, key: PrefixKey): { rejected: Rejected | undefined; attrs: PathAttributes } | undefined {
    const s = this.d.sessionOf(peer);
    const rib = s && this.d.pool.adjRibIn(s.router, peer);
    const set = rib?.get(key);
    if (!set) return undefined;
    const r = rib!.rejection(key);
    return { rejected: r instanceof Rejected ? r : undefined, attrs: set.attrs };
  }
}
