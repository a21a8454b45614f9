// The route part of bgpdump's -m/-M lines, from the AS path on, with bgpdump's rules for
// absent attributes. Shared by the decoder-based formatter and the byte-level fast path.
import { ipv4Num } from './address.js';
import { AFI_IP6, ATTR } from './constants.js';
import type { Attributes } from './types.js';

export const BIT = (t: number): number => 1 << (t - 1);
const ORIGINS = ['IGP', 'EGP', 'INCOMPLETE'];
export const origin = (o: number): string => (o === 0 || o === 1 ? ORIGINS[o]! : 'INCOMPLETE');

/** "|lp|med|communities|AG|aggregator|" with bgpdump's rules for absent values. */
export function tail(a: Attributes, signed: boolean): string {
  const lp = a.seen & BIT(ATTR.LOCAL_PREF) ? a.localPref : 0;
  const med = a.seen & BIT(ATTR.MULTI_EXIT_DISC) ? a.med : 0;
  let s = '|' + (signed ? lp | 0 : lp) + '|' + (signed ? med | 0 : med) + '|';
  if (a.seen & BIT(ATTR.COMMUNITIES)) s += a.communityText.substring(1);
  s += a.seen & BIT(ATTR.ATOMIC_AGGREGATE) ? '|AG|' : '|NAG|';
  if (a.aggregatorAddress !== 0xffffffff) s += a.aggregatorAs + ' ' + ipv4Num(a.aggregatorAddress);
  return s + '|\n';
}

export const asPathText = (a: Attributes): string => (a.seen & BIT(ATTR.AS_PATH) && a.asPath ? a.asPath.text : '');

/** A RIB line's next hop: the IPv6 one of MP_REACH_NLRI when there is one, else NEXT_HOP. */
export function nextHopText(a: Attributes): string {
  if (a.seen & BIT(ATTR.MP_REACH_NLRI)) {
    const m = a.mpReach.find((x) => x.afi === AFI_IP6 && x.safi === 1);
    if (m) return m.nextHop;
  }
  return ipv4Num(a.nextHop);
}

/** A route line from the AS path on: "path|origin|next-hop|lp|med|communities|AG|aggregator|\n" (-m), "path|origin\n" (-M). */
export function routeText(a: Attributes, nextHop: string, signed: boolean, full: boolean): string {
  return asPathText(a) + '|' + origin(a.origin) + (full ? '|' + nextHop + tail(a, signed) : '\n');
}
