// The lab's plan for a world: which partner router runs on each partner session address and what
// it announces, and the state every watched prefix should reach.
//
// The sessions that should carry each prefix come from the validation view of the registry's
// facts (src/validation/view.ts): a registered prefix on every session of its peering, a customer
// prefix on every session of its provider in the primary and backup locations. Each partner router
// announces those prefixes with the AS path [partner ASN, origin] and the Peering Service community,
// except for the three deliberate faults that make the lab worth looking at:
//   - one prefix is announced without the community (Failed, with the reference's message);
//   - a hijacker: another partner's router announces a prefix registered by a different partner
//     (rejected by the import policy, a PrefixHijackEvent);
//   - the failover target: the partner router carrying one customer prefix's active path, to stop
//     and start again (Warning naming its session, then Verified).
// Expected states are worked out with the validation's own pure state functions over the planned
// routes, so the lab can tell when everything is where it should be.
import fs from 'node:fs';
import net from 'node:net';
import YAML from 'yaml';
import type { PathAttributes } from '../bgp/wire/attributes/types.js';
import { SegmentType } from '../bgp/wire/constants.js';
import { covers, parsePrefix } from '../net/prefix.js';
import { customerPrefixId, registeredPrefixId } from '../registry/resource-ids.js';
import type { PrefixState } from '../registry/types.js';
import type { FactPeering, ValidationFactsSnapshot } from '../registry/validation-facts.js';
import type { WatchedPrefix } from '../validation/engine.js';
import { policyPeering, routeJudge } from '../validation/import-policy.js';
import { carriedRoute, customerPrefixState, type RouteLookup, registeredPrefixState, type SessionView, type StateResult } from '../validation/prefix-state.js';
import type { ServiceCommunity } from '../validation/route-checks.js';
import { VerdictTable } from '../validation/verdict.js';
import { buildView, type ValidationView } from '../validation/view.js';

type Obj = Record<string, any>;

export interface LabRoute {
  prefix: string;
  /** the origin AS, behind the partner's own ASN */
  origin: number;
  /** carries the Peering Service community */
  community: boolean;
  /** why this route is special, if it is */
  fault?: 'missing-community' | 'hijack';
}

/** One partner router: the partner's end of one session. */
export interface LabRouter {
  /** "partner/connection" (or "partner/peering/connection" when a connection name repeats) */
  name: string;
  partner: string;
  /** "partner/peering" */
  peering: string;
  connection: string;
  pop: string;
  /** the operator's edge router at the other end */
  edgeRouter: string;
  family: 4 | 6;
  /** the families its routes are of (an IPv4 session carries IPv6 too when the connection has no IPv6 addresses) */
  families: Array<4 | 6>;
  /** the partner's (odd) session address: where the partner router runs */
  address: string;
  /** the operator's (even) session address: what it dials */
  operatorAddress: string;
  asn: number;
  routes: LabRoute[];
}

/** The part a watched prefix plays in the lab: Verified, the one announced without the community, or one the world cannot verify. */
export type LabPrefixRole = 'good' | 'missing-community' | 'not-in-lab';

export interface LabExpectation {
  watched: WatchedPrefix;
  state: PrefixState;
  message: string | null;
  role: LabPrefixRole;
}

export interface LabPlan {
  operatorAsn: number;
  community: ServiceCommunity;
  view: ValidationView;
  routers: LabRouter[];
  /** sessions without a partner router (an address the lab may not use) */
  skipped: Array<{ name: string; address: string; why: string }>;
  expectations: LabExpectation[];
  missingCommunity?: LabExpectation;
  hijack?: {
    router: LabRouter;
    prefix: string;
    origin: number;
    /** the registered prefix (its id) the hijacked prefix falls under, and its peering */
    registered: string;
    owner: string;
    /** watched prefixes that get the hijack event */
    touched: string[];
  };
  failover?: {
    watched: WatchedPrefix;
    router: LabRouter;
    /** the state and message while the router is stopped */
    state: PrefixState;
    message: string | null;
    /** the session that carries the active path once the router is stopped */
    nextActive: string | undefined;
  };
}

/** Reads a world YAML file (the shape of examples/world.yaml). */
export function readWorld(file: string): Obj {
  let doc: unknown;
  try {
    doc = YAML.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read the world ${file}: ${(e as Error).message}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`${file}: expected a mapping with operator, pops, partners and customers`);
  return doc as Obj;
}

const list = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);

/** Only loopback addresses may be traffic targets. */
export const isLoopback = (a: string): boolean => (net.isIPv4(a) && a.startsWith('127.')) || a === '::1';

/** RFC 5398 documentation ASNs, 16- then 32-bit: origins behind the partners. */
const DOC_ASNS = [...Array.from({ length: 16 }, (_, i) => 64496 + i), ...Array.from({ length: 16 }, (_, i) => 65536 + i)];

/** Attributes of a planned route as the operator's edge receives them. */
export function routeAttributes(asn: number, r: LabRoute, community: ServiceCommunity): PathAttributes {
  const attrs: PathAttributes = { origin: 0, asPath: [{ type: SegmentType.AS_SEQUENCE, asns: [asn, r.origin] }] };
  if (r.community) {
    if (community.kind === 'standard') attrs.communities = [community.value];
    else attrs.largeCommunities = [...community.value];
  }
  return attrs;
}

const sessionsOf = (w: WatchedPrefix): SessionView[] => [...w.primary, ...(w.backup ?? [])];

/** The state validation computes for `w` when the sessions carry what `lookup` says. */
export function simulate(w: WatchedPrefix, view: ValidationView, lookup: RouteLookup): StateResult {
  return w.kind === 'registered-prefix'
    ? registeredPrefixState(w.prefix, w.primary, lookup, view.checks)
    : customerPrefixState(w.prefix, w.primary, w.backup, lookup, view.checks);
}

/**
 * Plans the lab for a world: `facts` are the registry's (after the world was applied), `doc` the
 * world file (for the prefix keys: which registration each customer prefix was issued under).
 */
export function planLab(facts: ValidationFactsSnapshot, doc: Obj): LabPlan {
  if (facts.operatorAsn === undefined) throw new Error('the world has no operator ASN (operator: {asn: ...})');
  const view = buildView(facts);
  const community = view.checks.community;
  const watched = [...view.engine.prefixes].sort((a, b) =>
    a.kind === b.kind ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.kind === 'customer-prefix' ? -1 : 1,
  );

  // Origins: one documentation ASN per registered prefix (its customer prefixes share it); route
  // server customers originate from their registered ASN.
  const used = new Set<number>([facts.operatorAsn, ...facts.peerings.map((p) => p.asn), ...facts.registeredAsns.map((r) => r.asn)]);
  const pool = DOC_ASNS.filter((a) => !used.has(a));
  const nextAsn = () => {
    const a = pool.shift();
    if (a === undefined) throw new Error('the world uses every documentation ASN: no origin left for the lab');
    return a;
  };
  const regOrigin = new Map<string, number>();
  for (const r of facts.registeredPrefixes) regOrigin.set(r.id, nextAsn());
  const keyOrigin = new Map<string, number>();
  for (const partner of list(doc.partners)) {
    for (const pe of list(partner.peerings)) {
      for (const rp of list(pe.registeredPrefixes)) {
        const o = regOrigin.get(registeredPrefixId({ partner: partner.name, peering: pe.name, name: rp.name }));
        if (o !== undefined && rp.key) keyOrigin.set(String(rp.key), o);
      }
      for (const ra of list(pe.registeredAsns)) if (ra.key) keyOrigin.set(String(ra.key), Number(ra.asn));
    }
  }
  const customerKey = new Map<string, string>();
  for (const cu of list(doc.customers)) {
    for (const ps of list(cu.peeringServices)) {
      for (const px of list(ps.prefixes)) customerKey.set(customerPrefixId({ customer: cu.name, service: ps.name, name: px.name }), String(px.key));
    }
  }
  // Least specific first: the last covering one is the most specific, the one that decides.
  const regPrefixes = facts.registeredPrefixes.map((r) => ({ ...r, parsed: parsePrefix(r.prefix)! })).sort((a, b) => a.parsed.length - b.parsed.length);
  const originOf = (w: WatchedPrefix): number => {
    if (w.kind === 'registered-prefix') return regOrigin.get(w.id)!;
    const byKey = keyOrigin.get(customerKey.get(w.id) ?? '');
    if (byKey !== undefined) return byKey;
    // A customer prefix the file does not describe: the registration covering it, if any.
    const p = parsePrefix(w.prefix);
    const cover = p && regPrefixes.filter((r) => covers(r.parsed, p)).pop();
    return cover ? regOrigin.get(cover.id)! : (regOrigin.values().next().value ?? DOC_ASNS[0]!);
  };

  // One partner router per session (per partner address).
  const routers = new Map<string, LabRouter>();
  const skipped: LabPlan['skipped'] = [];
  const connCount = new Map<string, number>();
  for (const p of facts.peerings)
    for (const s of p.sessions) connCount.set(`${p.partner}/${s.connection}`, (connCount.get(`${p.partner}/${s.connection}`) ?? 0) + 1);
  for (const p of facts.peerings) {
    for (const s of p.sessions) {
      const short = `${p.partner}/${s.connection}`;
      const name = (connCount.get(short) ?? 0) > 1 ? `${p.id}/${s.connection}` + (s.family === 6 ? '/v6' : '') : short;
      if (!isLoopback(s.peerAddress) || !isLoopback(s.operatorAddress)) {
        skipped.push({
          name,
          address: s.peerAddress,
          why: `not a loopback address (${s.operatorAddress} - ${s.peerAddress}): the lab only runs on 127.0.0.0/8 and ::1`,
        });
        continue;
      }
      if (routers.has(s.peerAddress)) {
        skipped.push({ name, address: s.peerAddress, why: `${s.peerAddress} is already the address of ${routers.get(s.peerAddress)!.name}` });
        continue;
      }
      routers.set(s.peerAddress, {
        name,
        partner: p.partner,
        peering: p.id,
        connection: s.connection,
        pop: s.pop,
        edgeRouter: s.router,
        family: s.family,
        families: s.families,
        address: s.peerAddress,
        operatorAddress: s.operatorAddress,
        asn: p.asn,
        routes: [],
      });
    }
  }

  // Every session that should carry a prefix announces it.
  const routeAt = (address: string, prefix: string): LabRoute | undefined => routers.get(address)?.routes.find((r) => r.prefix === prefix);
  for (const w of watched) {
    const origin = originOf(w);
    for (const s of sessionsOf(w)) {
      const r = routers.get(s.peerAddress);
      if (!r || routeAt(s.peerAddress, w.prefix)) continue;
      r.routes.push({ prefix: w.prefix, origin, community: true });
    }
  }
  // What a session carries, judged as the edge judges it: by its peering's import policy judge
  // (one verdict table for the plan, as for a registry view), whose rejection is read as the live
  // view reads the one the speaker stored: a route the session may not carry at all (not
  // registered for its peering, an origin not registered on a route server peering) is not
  // carried; a route check failure explains itself; another rejection (a hijack) is the reason.
  const verdicts = new VerdictTable();
  const judges = new Map<string, ReturnType<typeof routeJudge>>();
  const judgeOf = (p: FactPeering) => {
    let judge = judges.get(p.id);
    if (!judge) judges.set(p.id, (judge = routeJudge(policyPeering(p), view.registrations, { checks: view.checks }, verdicts)));
    return judge;
  };
  const lookupWith =
    (skip?: string): RouteLookup =>
    (s, prefix) => {
      if (s.peerAddress === skip) return undefined;
      const r = routeAt(s.peerAddress, prefix);
      const router = routers.get(s.peerAddress);
      const peering = router && view.peerings.get(router.peering);
      if (!r || !router || !peering) return undefined;
      const attrs = routeAttributes(router.asn, r, community);
      const v = judgeOf(peering)(parsePrefix(prefix)!, attrs);
      return v.accept ? carriedRoute(attrs, undefined, undefined) : carriedRoute(attrs, v.text(prefix), v.verdict(prefix));
    };

  // What can be Verified at all with every session announcing (e.g. not a prefix whose family has
  // no sessions in this world).
  const verifiable = new Set(watched.filter((w) => simulate(w, view, lookupWith()).state === 'Verified'));
  const good = watched.filter((w) => verifiable.has(w));

  // The failover target: a customer prefix (with a backup location, when one has it) and the
  // router carrying its active path (the first carrier in address order).
  const customers = good.filter((w) => w.kind === 'customer-prefix');
  const failoverPrefix = customers.find((w) => w.backup?.length) ?? customers[0] ?? good[0];
  let failover: LabPlan['failover'];
  const active = failoverPrefix?.primary
    .map((s) => s.peerAddress)
    .filter((a) => routers.has(a))
    .sort()[0];
  if (failoverPrefix && active) {
    const router = routers.get(active)!;
    const r = simulate(failoverPrefix, view, lookupWith(router.address));
    const primary = new Set(failoverPrefix.primary.map((s) => s.peerAddress));
    failover = {
      watched: failoverPrefix,
      router,
      state: r.state,
      message: r.message,
      nextActive: r.carriedBy
        .map((s) => s.peerAddress)
        .filter((a) => primary.has(a))
        .sort()[0],
    };
  }

  // The prefix announced without the community: the last customer prefix that is not the failover
  // target (else another good prefix).
  const candidates = [...customers, ...good.filter((w) => w.kind === 'registered-prefix')].filter(
    (w) => w !== failoverPrefix && w.prefix !== failoverPrefix?.prefix,
  );
  const faulty = customers.filter((w) => candidates.includes(w)).pop() ?? candidates[0];
  if (faulty) {
    for (const s of sessionsOf(faulty)) {
      const r = routeAt(s.peerAddress, faulty.prefix);
      if (r) {
        r.community = false;
        r.fault = 'missing-community';
      }
    }
  }

  // The hijacker: another partner's router, at the owner's location if it has one there, announces
  // the failover prefix from an origin of its own.
  let hijack: LabPlan['hijack'];
  const target = failoverPrefix && parsePrefix(failoverPrefix.prefix);
  const owner = target && regPrefixes.filter((r) => covers(r.parsed, target)).pop();
  if (failoverPrefix && owner) {
    const ownerPeering = view.peerings.get(owner.peering)!;
    const others = [...routers.values()].filter((r) => r.partner !== ownerPeering.partner && r.family === (failoverPrefix.prefix.includes(':') ? 6 : 4));
    const router = others.find((r) => r.pop === ownerPeering.pop) ?? others[0];
    if (router) {
      const origin = nextAsn();
      router.routes.push({ prefix: failoverPrefix.prefix, origin, community: true, fault: 'hijack' });
      const touched = watched.filter((w) => w.prefix === failoverPrefix.prefix || w.id === owner.id).map((w) => w.id);
      hijack = { router, prefix: failoverPrefix.prefix, origin, registered: owner.id, owner: owner.peering, touched };
    }
  }

  const expectations: LabExpectation[] = watched.map((w) => {
    const r = simulate(w, view, lookupWith());
    const role: LabPrefixRole = !verifiable.has(w) ? 'not-in-lab' : r.state === 'Verified' ? 'good' : 'missing-community';
    return { watched: w, state: r.state, message: r.message, role };
  });
  const missingCommunity = expectations.find((e) => e.watched === faulty);
  return {
    operatorAsn: facts.operatorAsn,
    community,
    view,
    routers: [...routers.values()],
    skipped,
    expectations,
    ...(missingCommunity ? { missingCommunity } : {}),
    ...(hijack ? { hijack } : {}),
    ...(failover ? { failover } : {}),
  };
}
