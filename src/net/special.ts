// IANA special-purpose address registries (RFC 6890 and successors): ranges that no customer
// can own on the public Internet, so they are refused for registered and customer prefixes.
// A prefix inside such a range *is* that kind of space; a larger prefix that merely covers one
// is not, but it is refused all the same, and the reason says "covers".
import { covers, type Prefix, parsePrefix } from './prefix.js';

/** [range, short name (reads before "address space"), the space in words for a reason] */
const RANGES: Array<[string, string, string]> = [
  ['0.0.0.0/8', '"this network"', '"this network" address space'],
  ['10.0.0.0/8', 'private', 'private-use address space'],
  ['100.64.0.0/10', 'shared', 'shared address space'],
  ['127.0.0.0/8', 'loopback', 'loopback address space'],
  ['169.254.0.0/16', 'link-local', 'link-local address space'],
  ['172.16.0.0/12', 'private', 'private-use address space'],
  ['192.0.0.0/24', 'IETF protocol assignment', 'IETF protocol assignment space'],
  ['192.0.2.0/24', 'documentation', 'documentation address space'],
  ['192.88.99.0/24', 'deprecated 6to4 relay anycast', 'deprecated 6to4 relay anycast space'],
  ['192.168.0.0/16', 'private', 'private-use address space'],
  ['198.18.0.0/15', 'benchmarking', 'benchmarking address space'],
  ['198.51.100.0/24', 'documentation', 'documentation address space'],
  ['203.0.113.0/24', 'documentation', 'documentation address space'],
  ['224.0.0.0/4', 'multicast', 'multicast address space'],
  ['240.0.0.0/4', 'reserved', 'reserved address space'],
  ['::/128', 'unspecified', 'the unspecified address'],
  ['::1/128', 'loopback', 'the loopback address'],
  ['::ffff:0:0/96', 'IPv4-mapped', 'IPv4-mapped address space'],
  ['64:ff9b:1::/48', 'local-use IPv4/IPv6 translation', 'local-use IPv4/IPv6 translation space'],
  ['100::/64', 'discard-only', 'discard-only address space'],
  ['2001::/23', 'IETF protocol assignment', 'IETF protocol assignment space'],
  ['2001:db8::/32', 'documentation', 'documentation address space'],
  ['2002::/16', '6to4', '6to4 address space'],
  ['3fff::/20', 'documentation', 'documentation address space'],
  ['fc00::/7', 'unique local', 'unique local address space'],
  ['fe80::/10', 'link-local', 'link-local address space'],
  ['ff00::/8', 'multicast', 'multicast address space'],
];

const PARSED = RANGES.map(([range, name, space]) => ({ prefix: parsePrefix(range)!, range, name, space }));
const GLOBAL_UNICAST = parsePrefix('2000::/3')!;

export interface SpecialSpace {
  /** inside: `p` lies within the range (it is that space); covers: `p` is larger and holds it */
  relation: 'inside' | 'covers';
  /** the special range, or 2000::/3 for IPv6 outside (or wider than) global unicast */
  range: string;
  /** short name, e.g. "link-local", "shared", "reserved" */
  name: string;
  /** the space in words, e.g. "link-local address space" */
  space: string;
}

/** The special-purpose space `p` is in or covers, or undefined for public unicast space. */
export function specialSpace(p: Prefix): SpecialSpace | undefined {
  for (const r of PARSED) if (covers(r.prefix, p)) return { relation: 'inside', range: r.range, name: r.name, space: r.space };
  // Only 2000::/3 is allocated as global unicast: everything else in IPv6 is reserved.
  if (p.family === 6 && !covers(p, GLOBAL_UNICAST) && !covers(GLOBAL_UNICAST, p)) {
    return { relation: 'inside', range: '2000::/3', name: 'reserved', space: 'IPv6 space outside global unicast (2000::/3)' };
  }
  for (const r of PARSED) if (covers(p, r.prefix)) return { relation: 'covers', range: r.range, name: r.name, space: r.space };
  if (p.family === 6 && p.length < GLOBAL_UNICAST.length) {
    return { relation: 'covers', range: '2000::/3', name: 'reserved', space: 'more than global unicast space' };
  }
  return undefined;
}

/**
 * Why `p` cannot be registered, as a clause for an error message ("it is link-local address space
 * (169.254.0.0/16)", "it covers link-local address space (169.254.0.0/16)"), or undefined.
 */
export function specialPurposeReason(p: Prefix): string | undefined {
  const s = specialSpace(p);
  if (!s) return undefined;
  if (s.range === '2000::/3') return s.relation === 'inside' ? `it is ${s.space}` : `it covers ${s.space} (2000::/3)`;
  return `it ${s.relation === 'inside' ? 'is' : 'covers'} ${s.space} (${s.range})`;
}

/**
 * The short name of the special-purpose space `p` is in or covers, or undefined for public
 * unicast space. For messages prefer specialPurposeReason: it tells "is" from "covers".
 */
export function specialPurpose(p: Prefix): string | undefined {
  return specialSpace(p)?.name;
}
