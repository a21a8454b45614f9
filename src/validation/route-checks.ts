// The checks a received route of a registered or customer prefix must pass (the reference's
// prefix requirements): the Peering Service community, an AS path of at most three ASNs with no
// private ASN and no prepending, and, when an RPKI source is configured, not RPKI Invalid.
// Pure functions over decoded attributes: the import policies and the validation engine share them.

import { pathLength } from '../bgp/wire/attributes/as-path.js';
import { parseCommunity } from '../bgp/wire/attributes/communities.js';
import type { AsPathSegment, PathAttributes } from '../bgp/wire/attributes/types.js';
import { SegmentType } from '../bgp/wire/constants.js';

/** What can be wrong with a route, in the order the checks run (and messages are chosen). */
export type RouteProblem = 'missing-community' | 'path-too-long' | 'private-asn' | 'prepending' | 'rpki-invalid';

/** The Peering Service community: a standard one ("a:b") or, for 4-octet operator ASNs, a large one ("a:b:c"). */
export type ServiceCommunity = { kind: 'standard'; value: number; text: string } | { kind: 'large'; value: [number, number, number]; text: string };

export interface RouteCheckConfig {
  community: ServiceCommunity;
  /** longest AS path accepted, counted as the decision process counts (an AS_SET is one) */
  maxPathLength: number;
}

export const DEFAULT_MAX_PATH_LENGTH = 3;

/** `<operator ASN>:8007`, the reference's 8075:8007 for this operator; a large community when the ASN needs 4 octets. */
export function defaultServiceCommunity(operatorAsn: number): ServiceCommunity {
  return operatorAsn <= 65535
    ? { kind: 'standard', value: operatorAsn * 65536 + 8007, text: `${operatorAsn}:8007` }
    : { kind: 'large', value: [operatorAsn, 8007, 0], text: `${operatorAsn}:8007:0` };
}

/** Parses "a:b" or "a:b:c"; undefined when it is neither. */
export function parseServiceCommunity(text: string): ServiceCommunity | undefined {
  const std = parseCommunity(text);
  if (std !== undefined && /^\d+:\d+$/.test(text)) return { kind: 'standard', value: std, text };
  const m = /^(\d{1,10}):(\d{1,10}):(\d{1,10})$/.exec(text);
  if (!m) return undefined;
  const v = [Number(m[1]), Number(m[2]), Number(m[3])] as [number, number, number];
  return v.every((x) => x <= 4294967295) ? { kind: 'large', value: v, text } : undefined;
}

/** RFC 6996 private-use ASNs. */
export function isPrivateAsn(asn: number): boolean {
  return (asn >= 64512 && asn <= 65534) || (asn >= 4200000000 && asn <= 4294967294);
}

export function hasCommunity(a: PathAttributes, c: ServiceCommunity): boolean {
  if (c.kind === 'standard') return a.communities?.includes(c.value) ?? false;
  const l = a.largeCommunities;
  if (!l) return false;
  for (let i = 0; i + 2 < l.length; i += 3) if (l[i] === c.value[0] && l[i + 1] === c.value[1] && l[i + 2] === c.value[2]) return true;
  return false;
}

/** The same ASN twice in a row in an AS_SEQUENCE: prepending. */
export function hasPrepending(path: AsPathSegment[] | undefined): boolean {
  for (const seg of path ?? []) {
    if (seg.type !== SegmentType.AS_SEQUENCE) continue;
    for (let i = 1; i < seg.asns.length; i++) if (seg.asns[i] === seg.asns[i - 1]) return true;
  }
  return false;
}

export function hasPrivateAsn(path: AsPathSegment[] | undefined): boolean {
  return (path ?? []).some((seg) => seg.asns.some(isPrivateAsn));
}

/**
 * Every problem of one route, in check order; empty when it passes. `rpkiInvalid` is the route's
 * origin validation result when an RPKI source is configured (false otherwise).
 */
export function checkRoute(a: PathAttributes, cfg: RouteCheckConfig, rpkiInvalid = false): RouteProblem[] {
  const out: RouteProblem[] = [];
  if (!hasCommunity(a, cfg.community)) out.push('missing-community');
  if (pathLength(a.asPath) > cfg.maxPathLength) out.push('path-too-long');
  if (hasPrivateAsn(a.asPath)) out.push('private-asn');
  if (hasPrepending(a.asPath)) out.push('prepending');
  if (rpkiInvalid) out.push('rpki-invalid');
  return out;
}
