// How wide a connection's session prefix may be, and which space can never hold a session.
// Direct peerings are point-to-point links: a /31 or /30 (RFC 3021), a /127 or /126 (RFC 6164).
// Exchange peerings sit on the exchange's shared LAN, which the reference shows as a /24 for a
// route server; the largest IX LANs are IPv4 /21s (AMS-IX, DE-CIX Frankfurt, LINX LON1) and IPv6
// LANs are /64s. Nothing wider is a session subnet: a /8 or 0.0.0.0/0 would let a partner point
// the operator's speaker at any address.
import { formatPrefix, overlaps, type Prefix, parsePrefix } from '../net/prefix.js';
import { rule } from './errors.js';
import type { PeeringType } from './types.js';

export interface LengthBounds {
  widest: number;
  narrowest: number;
}

/** peering-service and communications: point-to-point links. */
export const DIRECT_SESSION_V4: LengthBounds = { widest: 30, narrowest: 31 };
export const DIRECT_SESSION_V6: LengthBounds = { widest: 126, narrowest: 127 };
/** exchange and exchange-route-server: the exchange LAN, or a point-to-point subnet across it. */
export const EXCHANGE_LAN_V4: LengthBounds = { widest: 21, narrowest: 31 };
export const EXCHANGE_LAN_V6: LengthBounds = { widest: 64, narrowest: 127 };

const EXCHANGE_TYPES: readonly PeeringType[] = ['exchange', 'exchange-route-server'];

export function sessionPrefixBounds(type: PeeringType, family: 4 | 6): LengthBounds {
  const exchange = EXCHANGE_TYPES.includes(type);
  if (family === 4) return exchange ? EXCHANGE_LAN_V4 : DIRECT_SESSION_V4;
  return exchange ? EXCHANGE_LAN_V6 : DIRECT_SESSION_V6;
}

/**
 * Space that cannot hold a unicast BGP session. Private, shared, link-local, loopback and
 * documentation space stays allowed: sessions often use them (the tests and the lab run theirs
 * on 127.0.0.0/8, the reference tests links on 169.254.0.0/16).
 */
const NOT_A_SESSION: Array<[Prefix, string]> = (
  [
    ['0.0.0.0/8', '"this network"'],
    ['224.0.0.0/4', 'multicast'],
    ['240.0.0.0/4', 'reserved (and limited broadcast)'],
    ['::/127', 'unspecified'],
    ['::ffff:0:0/96', 'IPv4-mapped'],
    ['100::/64', 'discard-only'],
    ['ff00::/8', 'multicast'],
  ] as const
).map(([p, what]) => [parsePrefix(p)!, what]);

/** Refuses a session prefix wider or narrower than the peering type allows, or in space that cannot be a session. */
export function checkSessionPrefix(type: PeeringType, field: string, p: Prefix, target: string, connection?: string): void {
  const of = connection ? ` of connection ${connection}` : '';
  const { widest, narrowest } = sessionPrefixBounds(type, p.family);
  if (p.length < widest || p.length > narrowest) {
    const allowed = narrowest - widest === 1 ? `a /${widest} or /${narrowest}` : `a /${widest} to /${narrowest}`;
    const where = EXCHANGE_TYPES.includes(type) ? ` on ${type} peerings (the exchange LAN at most)` : '';
    throw rule(`${field}${of} must be ${allowed}${where} (got /${p.length})`, target);
  }
  const special = NOT_A_SESSION.find(([range]) => overlaps(range, p));
  if (special) throw rule(`${field}${of} ${formatPrefix(p)} is in ${special[1]} address space, which cannot hold a BGP session`, target);
}
