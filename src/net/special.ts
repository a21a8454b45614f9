// IANA special-purpose address registries (RFC 6890 and successors): ranges that no customer
// can own on the public Internet, so they are refused for registered and customer prefixes.
import { parsePrefix, overlaps, type Prefix } from './prefix.js';

const RANGES: Array<[string, string]> = [
  ['0.0.0.0/8', 'this network'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'shared address space'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'IETF protocol assignments'],
  ['192.0.2.0/24', 'documentation'],
  ['192.88.99.0/24', 'deprecated 6to4 relay anycast'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['::ffff:0:0/96', 'IPv4-mapped'],
  ['64:ff9b:1::/48', 'local-use IPv4/IPv6 translation'],
  ['100::/64', 'discard-only'],
  ['2001::/23', 'IETF protocol assignments'],
  ['2001:db8::/32', 'documentation'],
  ['2002::/16', '6to4'],
  ['3fff::/20', 'documentation'],
  ['fc00::/7', 'unique local'],
  ['fe80::/10', 'link local'],
  ['ff00::/8', 'multicast'],
];

const PARSED = RANGES.map(([p, name]) => ({ prefix: parsePrefix(p)!, name }));

/** Names the special-purpose range that `p` overlaps, or undefined for public unicast space. */
export function specialPurpose(p: Prefix): string | undefined {
  if (p.family === 6 && p.length < 3) return 'reserved'; // wider than global unicast 2000::/3
  for (const r of PARSED) if (overlaps(r.prefix, p)) return r.name;
  if (p.family === 6) {
    // Only 2000::/3 is allocated as global unicast.
    const top3 = Number(p.value >> 125n);
    if (top3 !== 1) return 'reserved';
  }
  return undefined;
}
