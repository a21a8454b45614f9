// Import policy per partner session, derived from the registry: which received routes may enter
// the Loc-RIB, and, for every other route, why not. A verdict says what kind of rejection it is,
// so that the validation engine can raise hijack events for some and merely record the others.
//
//  - peering-service, communications, exchange: only prefixes registered on the session's
//    peering (or more-specifics of them), passing the route checks;
//  - exchange-route-server: prefixes originated by an ASN registered on the peering, passing the
//    route checks;
//  - a registered prefix, or a more-specific of it, arriving on another partner's session, or
//    with another origin than the one it was verified with, is a hijack. (A prefix is registered
//    on one peering, but its key works at every location of the partner: the partner's sessions
//    everywhere may carry it, as a customer's backup location needs.)

import type { Route } from '../bgp/rib/attr-store.js';
import type { ImportPolicy } from '../bgp/rib/rib.js';
import type { PathAttributes } from '../bgp/wire/attributes/types.js';
import { SegmentType } from '../bgp/wire/constants.js';
import { keyToPrefix, type PrefixKey } from '../bgp/wire/nlri.js';
import { formatPrefix, type Prefix } from '../net/prefix.js';
import type { PrefixTrie } from '../net/trie.js';
import type { PeeringType } from '../registry/types.js';
import { customerPrefixMessage } from './messages.js';
import { checkRoute, type RouteCheckConfig, type RouteProblem } from './route-checks.js';

export interface PolicyPeering {
  /** the peering's id in the registry (partner/name) */
  id: string;
  type: PeeringType;
  asn: number;
}

/** What the registry says about prefixes and origins, for every peering at once. */
export interface Registrations {
  /** every registered prefix -> the id of the peering it is registered on */
  prefixes: PrefixTrie<string>;
  /** registered ASNs (route-server customers) per peering id */
  asns: Map<string, ReadonlySet<number>>;
  /** each peering's ASN, so a rejection can name another partner by its ASN alone */
  peeringAsns?: ReadonlyMap<string, number>;
}

export interface PolicyContext {
  checks: RouteCheckConfig;
  /** route origin validation, when an RPKI source is configured: true for Invalid */
  rpkiInvalid?: (prefix: Prefix, originAs: number | undefined) => boolean;
  /** the origin AS a registered prefix was verified with (the engine's memory), if any */
  expectedOrigin?: (registered: Prefix) => number | undefined;
}

export type RejectKind = 'not-registered' | 'origin-not-registered' | 'route-problem' | 'hijack';

/**
 * `reason` is for the session's own partner (and its customers): it never names another partner,
 * its peering or its sessions, at most its ASN. `operatorReason`, when present, says the same with
 * those names, for the operator only.
 */
export type Verdict =
  | { accept: true; registered: Prefix | undefined }
  | { accept: false; kind: RejectKind; reason: string; operatorReason?: string; problems?: RouteProblem[]; registered?: Prefix; owner?: string };

/** "partner/peering" -> "partner" */
const partnerOf = (peeringId: string): string => peeringId.slice(0, peeringId.indexOf('/'));

/** The origin AS: the last ASN of a path ending in an AS_SEQUENCE (undefined for an AS_SET, RFC 6811). */
export function routeOrigin(a: PathAttributes): number | undefined {
  const last = a.asPath?.[a.asPath.length - 1];
  return last && last.type === SegmentType.AS_SEQUENCE ? last.asns[last.asns.length - 1] : undefined;
}

/** Judges one route received on a session of `peering`. */
export function classify(peering: PolicyPeering, regs: Registrations, ctx: PolicyContext, prefix: Prefix, attrs: PathAttributes): Verdict {
  const text = formatPrefix(prefix);
  const origin = routeOrigin(attrs);
  const covering = regs.prefixes.covering(prefix);
  // The most specific registration decides whose prefix this is.
  const reg = covering[covering.length - 1];
  const partner = partnerOf(peering.id);
  if (reg && partnerOf(reg.value) !== partner) {
    const asn = regs.peeringAsns?.get(reg.value);
    return {
      accept: false,
      kind: 'hijack',
      registered: reg.prefix,
      owner: reg.value,
      reason: `hijack: ${text} is registered by another partner${asn !== undefined ? ` (AS${asn})` : ''}, not ${partner}`,
      operatorReason: `hijack: ${text} is registered by partner ${partnerOf(reg.value)} (peering ${reg.value}), not ${partner}`,
    };
  }
  if (reg) {
    const expected = ctx.expectedOrigin?.(reg.prefix);
    if (expected !== undefined && origin !== expected) {
      return {
        accept: false,
        kind: 'hijack',
        registered: reg.prefix,
        owner: reg.value,
        reason: `hijack: ${text} originated by ${origin === undefined ? 'an AS_SET' : `AS${origin}`}, registered prefix ${formatPrefix(reg.prefix)} is originated by AS${expected}`,
      };
    }
  } else if (peering.type === 'exchange-route-server') {
    if (origin === undefined || !regs.asns.get(peering.id)?.has(origin)) {
      return {
        accept: false,
        kind: 'origin-not-registered',
        reason: `origin ${origin === undefined ? 'AS_SET' : `AS${origin}`} is not registered on peering ${peering.id}`,
      };
    }
  } else {
    return { accept: false, kind: 'not-registered', reason: `${text} is not registered by partner ${partner}` };
  }
  const problems = checkRoute(attrs, ctx.checks, ctx.rpkiInvalid?.(prefix, origin) ?? false);
  if (problems.length) {
    return {
      accept: false,
      kind: 'route-problem',
      reason: customerPrefixMessage(problems[0]!, text, ctx.checks),
      problems,
      ...(reg ? { registered: reg.prefix } : {}),
    };
  }
  return { accept: true, registered: reg?.prefix };
}

/** A rejection that is an event (a hijack, an RPKI invalid route), reported as the policy judges it. */
export type EventfulRejection = (key: PrefixKey, verdict: Verdict, attrs: PathAttributes) => void;

/**
 * The speaker's import policy for one session of `peering`. Rejections that are events go to
 * `onEventful` as they happen, so nobody has to judge the route a second time to find them.
 */
export function importPolicy(peering: PolicyPeering, regs: Registrations, ctx: PolicyContext, onEventful?: EventfulRejection): ImportPolicy {
  return (key: PrefixKey, route: Route) => {
    const attrs = route.attrs;
    const v = classify(peering, regs, ctx, keyToPrefix(key), attrs);
    if (v.accept) return undefined;
    if (onEventful && (v.kind === 'hijack' || v.problems?.includes('rpki-invalid'))) onEventful(key, v, attrs);
    return v.reason;
  };
}
