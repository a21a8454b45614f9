// What a route looks like when sent to a peer (RFC 4271 §5.1, §9.1.3; RFC 7947 for route-server
// clients; RFC 9234 §5 for OTC): own AS prepended and next hop set to ourselves towards external
// peers, attributes that must not leave the AS removed. And which routes a peer may not get at all.

import { parseIPv4, parseIPv6 } from '../../net/address.js';
import type { PathAttributes } from '../wire/attributes/types.js';
import { SegmentType } from '../wire/constants.js';
import { DEFAULT_LOCAL_PREF } from './decision.js';

export interface ExportTarget {
  localAsn: number;
  ebgp: boolean;
  routeServerClient: boolean;
  /** next hop we give for IPv4 and IPv6 routes */
  nextHopV4: string;
  nextHopV6?: string;
}

export function exportAttributes(a: PathAttributes, family: 4 | 6, t: ExportTarget, local: boolean): PathAttributes {
  const out: PathAttributes = { ...a };
  const ours = family === 4 ? t.nextHopV4 : (t.nextHopV6 ?? a.nextHop);
  if (t.ebgp) {
    // A route server passes its clients' routes on unchanged (RFC 7947 §2.2.2); a route we
    // originate is ours towards everyone, so it carries our AS and our next hop.
    if (!t.routeServerClient || local) {
      const path = a.asPath ?? [];
      const first = path[0];
      out.asPath =
        first && first.type === SegmentType.AS_SEQUENCE && first.asns.length < 255
          ? [{ type: SegmentType.AS_SEQUENCE, asns: [t.localAsn, ...first.asns] }, ...path.slice(1)]
          : [{ type: SegmentType.AS_SEQUENCE, asns: [t.localAsn] }, ...path];
    }
    if (!t.routeServerClient) {
      out.nextHop = ours;
      delete out.linkLocalNextHop;
    } else if (local || out.nextHop === undefined) {
      // Without it BIRD says "Missing mandatory NEXT_HOP attribute" and drops the route.
      out.nextHop = ours;
    }
    // RFC 9234 §5 egress 1: towards an RS-client (we are its route server) the route is marked
    // Only To Customer with our AS unless it already is.
    if (t.routeServerClient && out.otc === undefined) out.otc = t.localAsn;
    delete out.localPref;
    delete out.originatorId;
    delete out.clusterList;
    // A MED learned from one AS is not passed to another (RFC 4271 §5.1.4); our own is sent.
    if (!local && !t.routeServerClient) delete out.med;
  } else {
    out.localPref = a.localPref ?? DEFAULT_LOCAL_PREF;
    if (local || out.nextHop === undefined) out.nextHop = ours;
  }
  if (out.origin === undefined) out.origin = 0;
  return out;
}

/**
 * Why a route may not be sent to a peer whatever the policy says, or undefined. `fromEbgp` is
 * whether the route was learned over eBGP (undefined for our own routes).
 */
export function ineligible(fromEbgp: boolean | undefined, t: ExportTarget): string | undefined {
  // RFC 4271 §9.2: we are no route reflector, so a route learned from an internal peer is not
  // advertised to another internal peer.
  if (fromEbgp === false && !t.ebgp) return 'learned over iBGP, not advertised to an iBGP peer (RFC 4271 §9.2)';
  return undefined;
}

/**
 * Why the exported attributes cannot be sent (no usable next hop), or undefined. An absent or
 * zero next hop is refused by every receiver ("Invalid NEXT_HOP attribute - zero address").
 */
export function nextHopProblem(a: PathAttributes, family: 4 | 6): string | undefined {
  const nh = a.nextHop;
  if (family === 6) {
    if (nh === undefined || !nh.includes(':') || !parseIPv6(nh)) return 'no IPv6 next hop for this peer (set nextHopV6, or use an IPv6 session address)';
  } else if (nh === undefined || nh.includes(':') || !parseIPv4(nh)) {
    return 'no IPv4 next hop for this peer (set nextHop, or use an IPv4 session address)';
  }
  return undefined;
}
