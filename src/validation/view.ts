// From the registry's facts to what validation works with: the route checks (the operator's
// Peering Service community), the registrations the import policies consult, and the prefixes
// the engine watches with the sessions that should carry each.

import { parsePrefix } from '../net/prefix.js';
import { PrefixTrie } from '../net/trie.js';
import type { FactPeering, FactSession, ValidationFactsSnapshot } from '../registry/validation-facts.js';
import type { EngineView, WatchedPrefix } from './engine.js';
import type { RegistrationIndex } from './import-policy.js';
import type { SessionView } from './prefix-state.js';
import { DEFAULT_MAX_PATH_LENGTH, defaultServiceCommunity, type RouteCheckConfig, type ServiceCommunity } from './route-checks.js';

export interface ViewOptions {
  /** the Peering Service community (default `<operator ASN>:8007`) */
  community?: ServiceCommunity;
  maxPathLength?: number;
}

export interface ValidationView {
  checks: RouteCheckConfig;
  registrations: RegistrationIndex;
  engine: EngineView;
  /** peerings by "partner/name", with their Active sessions */
  peerings: Map<string, FactPeering>;
}

const session = (s: FactSession): SessionView => ({ peerAddress: s.peerAddress, router: s.router, pop: s.pop });

export function buildView(facts: ValidationFactsSnapshot, opts: ViewOptions = {}): ValidationView {
  if (facts.operatorAsn === undefined && !opts.community)
    throw new Error('the operator ASN is not set: PUT /v1/operator first (the Peering Service community derives from it)');
  const checks: RouteCheckConfig = {
    community: opts.community ?? defaultServiceCommunity(facts.operatorAsn!),
    maxPathLength: opts.maxPathLength ?? DEFAULT_MAX_PATH_LENGTH,
  };
  // (every registration's peering is among them: the facts are read so)
  const peerings = new Map(facts.peerings.map((p) => [p.id, p]));
  const prefixes = new PrefixTrie<string>();
  for (const r of facts.registeredPrefixes) prefixes.set(parsePrefix(r.prefix)!, r.peering);
  // A registered ASN's key works at every location of its partner (as a registered prefix's
  // does): each of the partner's peerings accepts the origins registered on any of them.
  const byPartner = new Map<string, Set<number>>();
  for (const r of facts.registeredAsns) {
    const partner = peerings.get(r.peering)!.partner;
    let set = byPartner.get(partner);
    if (!set) byPartner.set(partner, (set = new Set()));
    set.add(r.asn);
  }
  const asns = new Map<string, Set<number>>();
  for (const p of facts.peerings) {
    const set = byPartner.get(p.partner);
    if (set) asns.set(p.id, set);
  }
  const familyOf = (prefix: string): 4 | 6 => (prefix.includes(':') ? 6 : 4);
  // A partner's sessions per location and family, gathered once for every customer prefix.
  const byLocation = new Map<string, SessionView[]>();
  for (const p of facts.peerings) {
    for (const s of p.sessions)
      for (const family of s.families) {
        const k = `${p.partner}|${p.pop}|${family}`;
        const list = byLocation.get(k);
        if (list) list.push(session(s));
        else byLocation.set(k, [session(s)]);
      }
  }
  // (keyed per family the session carries: an IPv4 session may carry IPv6 routes too)
  const sessionsAt = (partner: string, pop: string, family: 4 | 6): SessionView[] => byLocation.get(`${partner}|${pop}|${family}`) ?? [];
  const watched: WatchedPrefix[] = [];
  for (const r of facts.registeredPrefixes) {
    const family = familyOf(r.prefix);
    const peering = peerings.get(r.peering)!;
    const sessions = peering.sessions.filter((s) => s.families.includes(family)).map(session);
    watched.push({
      kind: 'registered-prefix',
      id: r.id,
      prefix: r.prefix,
      primary: sessions,
      backup: null,
      partner: peering.partner,
      stored: r.stored,
      remembered: r.remembered,
      ...(r.originAs !== null ? { originAs: r.originAs } : {}),
    });
  }
  for (const c of facts.customerPrefixes) {
    const family = familyOf(c.prefix);
    watched.push({
      kind: 'customer-prefix',
      id: c.id,
      prefix: c.prefix,
      partner: c.provider,
      customer: c.customer,
      primary: sessionsAt(c.provider, c.primaryPop, family),
      backup: c.backupPop ? sessionsAt(c.provider, c.backupPop, family) : null,
      stored: c.stored,
      remembered: c.remembered,
      ...(c.keyMismatch ? { fixed: { state: 'Failed' as const, message: c.keyMismatch } } : {}),
    });
  }
  const peeringAsns = new Map(facts.peerings.map((p) => [p.id, p.asn]));
  return { checks, registrations: { prefixes, asns, peeringAsns }, engine: { checks, prefixes: watched }, peerings };
}
