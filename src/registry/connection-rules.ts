// The rules a peering's set of connections must satisfy, checked on every write:
// routers of the peering's PoP, local redundancy, address provider and BFD per type,
// equal bandwidth, session prefixes of a size the type allows (session-prefix.ts), session
// addresses inside their session prefix.

import { type Family, formatAddress, parseAddress } from '../net/address.js';
import { addressAt, containsAddress, formatPrefix, type Prefix, parsePrefixStrict } from '../net/prefix.js';
import { invalid, rule } from './errors.js';
import { checkSessionPrefix } from './session-prefix.js';
import type { AddressProvider, PeeringType, Role } from './types.js';

/** A connection as the rules see it (input or stored). */
export interface ConnectionSpec {
  name: string;
  router: string;
  bandwidthMbps: number;
  sessionAddressProvider: AddressProvider;
  sessionPrefixV4: string | null;
  operatorAddressV4: string | null;
  peerAddressV4: string | null;
  sessionPrefixV6: string | null;
  operatorAddressV6: string | null;
  peerAddressV6: string | null;
  bfd: boolean;
  state?: string;
}

/** Types that carry Peering Service to customers by direct sessions: they need local redundancy. */
export const REDUNDANT_TYPES: readonly PeeringType[] = ['peering-service', 'communications'];

export function minimumConnections(type: PeeringType): number {
  return REDUNDANT_TYPES.includes(type) ? 2 : 1;
}

/**
 * Checks the whole set of a peering's connections; `routersInPop` are the router names at its PoP.
 * `at` names where a connection sits in the request (e.g. "connections/1"), undefined for stored
 * ones, so that an error points at the field the caller sent.
 */
export function checkConnectionSet(
  type: PeeringType,
  pop: string,
  conns: ConnectionSpec[],
  routersInPop: Set<string>,
  at: (c: ConnectionSpec) => string | undefined = () => undefined,
): void {
  const live = conns.filter((c) => c.state !== 'Decommissioned');
  const field = (c: ConnectionSpec | undefined, f: string) => {
    const base = c && at(c);
    return base !== undefined ? `${base}/${f}` : 'connections';
  };
  for (const c of conns) {
    if (at(c) === undefined) continue; // stored connections passed these rules when they were written
    if (!routersInPop.has(c.router)) throw rule(`Router ${c.router} is not an edge router of pop ${pop}`, field(c, 'router'));
    if (type === 'communications' && c.sessionAddressProvider !== 'operator') {
      throw rule('communications peerings need operator-provided session addresses (sessionAddressProvider: operator)', field(c, 'sessionAddressProvider'));
    }
    if (type === 'communications' && !c.bfd) {
      throw rule('communications peerings need BGP over BFD (bfd: true) on every connection', field(c, 'bfd'));
    }
    if (type === 'exchange-route-server' && c.sessionAddressProvider !== 'peer') {
      throw rule('exchange-route-server peerings need peer-provided session addresses (sessionAddressProvider: peer)', field(c, 'sessionAddressProvider'));
    }
  }
  const sent = live.filter((c) => at(c) !== undefined);
  const min = minimumConnections(type);
  const routers = new Set(live.map((c) => c.router));
  if (live.length < min || (min === 2 && routers.size < 2)) {
    const sameRouter = live.length >= min;
    throw rule(
      min === 2
        ? `A ${type} peering needs at least two connections on two different routers of pop ${pop} (local redundancy)`
        : `A ${type} peering needs at least one connection`,
      sameRouter ? field(sent[sent.length - 1], 'router') : 'connections',
    );
  }
  const bw = new Set(live.map((c) => c.bandwidthMbps));
  if (bw.size > 1) {
    const list = live.map((c) => `${c.name} ${c.bandwidthMbps} Mbps`).join(', ');
    // Blame a connection of the request whose bandwidth differs from one already there, if any.
    const odd = sent.find((c) => live.some((o) => at(o) === undefined && o.bandwidthMbps !== c.bandwidthMbps)) ?? sent[sent.length - 1];
    throw rule(`All connections of a peering need equal bandwidth (${list})`, field(odd, 'bandwidthMbps'));
  }
}

type Fam = 'V4' | 'V6';
const FAMS: Array<[Fam, Family]> = [
  ['V4', 4],
  ['V6', 6],
];

/**
 * Normalises one connection's session addressing: canonical text, a prefix length the peering
 * type allows (session-prefix.ts), addresses derived from a /31, /30, /127 or /126 when not
 * given, every address inside its prefix. `at` prefixes error targets. A prefix equal to the
 * `stored` one is not judged again: it passed the rules of its day.
 */
export function normaliseSession(c: ConnectionSpec, by: Role, at: string, type: PeeringType, stored?: ConnectionSpec): ConnectionSpec {
  const out = { ...c };
  for (const [fam, family] of FAMS) {
    const pKey = `sessionPrefix${fam}` as const;
    const oKey = `operatorAddress${fam}` as const;
    const rKey = `peerAddress${fam}` as const;
    const pText = c[pKey];
    const oText = c[oKey];
    const rText = c[rKey];
    if (pText == null && oText == null && rText == null) continue;
    if (by === 'partner' && c.sessionAddressProvider === 'operator') {
      throw rule(`sessionAddressProvider is operator: the operator assigns ${pKey} and the session addresses`, `${at}/${pKey}`);
    }
    if (pText == null) throw rule(`${pKey} is required when ${oText != null ? oKey : rKey} is set`, `${at}/${pKey}`);
    const parsed = parsePrefixStrict(pText);
    if (!parsed.ok) {
      const why = parsed.reason === 'host-bits' ? 'has host bits set' : 'is not a prefix';
      throw invalid(`${pKey} ${pText} ${why}`, `${at}/${pKey}`);
    }
    const prefix: Prefix = parsed.prefix;
    if (prefix.family !== family) throw invalid(`${pKey} ${pText} is not an IPv${family} prefix`, `${at}/${pKey}`);
    if (stored?.[pKey] !== formatPrefix(prefix)) checkSessionPrefix(type, pKey, prefix, `${at}/${pKey}`);
    const bits = family === 4 ? 32 : 128;
    let op = oText;
    let peer = rText;
    if (op == null && peer == null) {
      // Point-to-point subnets have an obvious split: operator first, peer second.
      if (prefix.length === bits - 1) {
        op = fmt(prefix, 0n);
        peer = fmt(prefix, 1n);
      } else if (prefix.length === bits - 2) {
        op = fmt(prefix, 1n);
        peer = fmt(prefix, 2n);
      } else throw rule(`${oKey} and ${rKey} are required when ${pKey} is wider than /${bits - 2}`, `${at}/${oKey}`);
    }
    if (op == null || peer == null) throw rule(`${op == null ? oKey : rKey} is required with ${pKey}`, `${at}/${op == null ? oKey : rKey}`);
    const o = parseAddress(op);
    const r = parseAddress(peer);
    if (!o || o.family !== family) throw invalid(`${oKey} ${op} is not an IPv${family} address`, `${at}/${oKey}`);
    if (!r || r.family !== family) throw invalid(`${rKey} ${peer} is not an IPv${family} address`, `${at}/${rKey}`);
    if (!containsAddress(prefix, o)) throw rule(`${oKey} ${op} is not inside ${pKey} ${pText}`, `${at}/${oKey}`);
    if (!containsAddress(prefix, r)) throw rule(`${rKey} ${peer} is not inside ${pKey} ${pText}`, `${at}/${rKey}`);
    if (o.value === r.value) throw rule(`${oKey} and ${rKey} must differ`, `${at}/${rKey}`);
    out[pKey] = formatPrefix(prefix);
    out[oKey] = formatAddress(o);
    out[rKey] = formatAddress(r);
  }
  return out;
}

const fmt = (p: Prefix, off: bigint) => formatAddress(addressAt(p, off));

/** The session addresses a connection occupies on its router. */
export function sessionAddresses(c: ConnectionSpec): string[] {
  return [c.operatorAddressV4, c.peerAddressV4, c.operatorAddressV6, c.peerAddressV6].filter((a): a is string => a != null);
}
