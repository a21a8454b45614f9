// Import policy per partner session, derived from the registry: which received routes may enter
// the Loc-RIB, and, for every other route, why not. A verdict (verdict.ts) says what kind of
// rejection it is, so that hijacks and RPKI invalid routes raise events and the others are merely
// recorded; the speaker keeps it with the route, so nothing judges a route twice.
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
import { formatPrefix, type Prefix } from '../net/prefix.js';
import { keyToPrefix, type PrefixKey, prefixToKey } from '../net/prefix-key.js';
import type { PrefixTrie, TrieEntry } from '../net/trie.js';
import { isPeeringOf, parsePeeringId } from '../registry/resource-ids.js';
import type { PeeringType } from '../registry/types.js';
import type { FactPeering } from '../registry/validation-facts.js';
import { customerPrefixMessage } from './messages.js';
import { checkRoute, type RouteCheckConfig } from './route-checks.js';
import { PREFIX, type Rejected, type Verdict, VerdictTable } from './verdict.js';

export interface PolicyPeering {
  /** the peering's id in the registry ("partner/peering", registry/resource-ids.ts) */
  id: string;
  type: PeeringType;
  asn: number;
}

/** A peering of the registry's facts, as its sessions' policies see it. */
export const policyPeering = (p: FactPeering): PolicyPeering => ({ id: p.id, type: p.type, asn: p.asn });

/** What the registry says about prefixes and origins, for every peering at once. */
export interface RegistrationIndex {
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

export type { RejectKind, Verdict } from './verdict.js';

/** The origin AS: the last ASN of a path ending in an AS_SEQUENCE (undefined for an AS_SET, RFC 6811). */
export function routeOrigin(a: PathAttributes): number | undefined {
  const last = a.asPath?.[a.asPath.length - 1];
  return last && last.type === SegmentType.AS_SEQUENCE ? last.asns[last.asns.length - 1] : undefined;
}

/** A judge's word on a route: accepted (with the registered prefix it falls under, if any), or the rejection. */
export type Judgement = Extract<Verdict, { accept: true }> | Rejected;

/**
 * The judge of the routes received on the sessions of `peering`: accepted, or the rejection,
 * interned in `table`. The one place routes are judged: the speaker's import policy
 * (importPolicy) and the lab's plans ask it.
 */
export function routeJudge(
  peering: PolicyPeering,
  regs: RegistrationIndex,
  ctx: PolicyContext,
  table = new VerdictTable(),
): (prefix: Prefix, attrs: PathAttributes) => Judgement {
  const judge = keyJudge(peering, regs, ctx, table);
  return (prefix, attrs) => judge(prefixToKey(prefix), { attrs });
}

/**
 * routeJudge() for a route as the speaker holds it: its prefix key, and its attributes read only
 * when the verdict depends on them (most routes of a full table are registered by nobody).
 */
function keyJudge(peering: PolicyPeering, regs: RegistrationIndex, ctx: PolicyContext, table: VerdictTable): (key: PrefixKey, route: Route) => Judgement {
  const partner = parsePeeringId(peering.id).partner;
  // (most routes of a full table are this one rejection: made once, not looked up by its text per route)
  let notRegistered: Rejected | undefined;
  return (key, route) => {
    // The most specific registration decides whose prefix this is.
    const reg = regs.prefixes.longestMatchKey(key);
    if (!reg && peering.type !== 'exchange-route-server')
      return (notRegistered ??= table.rejected('not-registered', `${PREFIX} is not registered by partner ${partner}`));
    return judge(peering, partner, regs, ctx, key, route.attrs, reg, table);
  };
}

function judge(
  peering: PolicyPeering,
  partner: string,
  regs: RegistrationIndex,
  ctx: PolicyContext,
  key: PrefixKey,
  attrs: PathAttributes,
  reg: TrieEntry<string> | undefined,
  table: VerdictTable,
): Judgement {
  const origin = routeOrigin(attrs);
  if (reg && !isPeeringOf(reg.value, partner)) {
    const asn = regs.peeringAsns?.get(reg.value);
    return table.rejected(
      'hijack',
      `hijack: ${PREFIX} is registered by another partner${asn !== undefined ? ` (AS${asn})` : ''}, not ${partner}`,
      `hijack: ${PREFIX} is registered by partner ${parsePeeringId(reg.value).partner} (peering ${reg.value}), not ${partner}`,
      { registered: reg.prefix, owner: reg.value },
    );
  }
  if (reg) {
    const expected = ctx.expectedOrigin?.(reg.prefix);
    if (expected !== undefined && origin !== expected) {
      const by = origin === undefined ? 'an AS_SET' : `AS${origin}`;
      return table.rejected(
        'hijack',
        `hijack: ${PREFIX} originated by ${by}, registered prefix ${formatPrefix(reg.prefix)} is originated by AS${expected}`,
        undefined,
        {
          registered: reg.prefix,
          owner: reg.value,
        },
      );
    }
  } else if (origin === undefined || !regs.asns.get(peering.id)?.has(origin)) {
    // (an exchange route server's routes: keyJudge turned away the rest of the unregistered ones)
    return table.rejected('origin-not-registered', `origin ${origin === undefined ? 'AS_SET' : `AS${origin}`} is not registered on peering ${peering.id}`);
  }
  const problems = checkRoute(attrs, ctx.checks, ctx.rpkiInvalid?.(keyToPrefix(key), origin) ?? false);
  if (problems.length) {
    return table.rejected('route-problem', customerPrefixMessage(problems[0]!, PREFIX, ctx.checks), undefined, {
      problems,
      ...(reg ? { registered: reg.prefix } : {}),
    });
  }
  return { accept: true, registered: reg?.prefix };
}

/** Judges one route received on a session of `peering`, rendered for its prefix (the tests' way to ask). */
export function classify(peering: PolicyPeering, regs: RegistrationIndex, ctx: PolicyContext, prefix: Prefix, attrs: PathAttributes): Verdict {
  const v = routeJudge(peering, regs, ctx)(prefix, attrs);
  return v.accept ? v : v.verdict(formatPrefix(prefix));
}

/**
 * The speaker's import policy for one session of `peering`: undefined to accept, or the rejection
 * the speaker keeps with the route (interned in `table`, shared by the sessions of one view).
 */
export function importPolicy(peering: PolicyPeering, regs: RegistrationIndex, ctx: PolicyContext, table = new VerdictTable()): ImportPolicy {
  const judgeRoute = keyJudge(peering, regs, ctx, table);
  return (key: PrefixKey, route: Route) => {
    const v = judgeRoute(key, route);
    return v.accept ? undefined : v;
  };
}
