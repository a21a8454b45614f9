// What the import policies are built from besides the sessions (the checks, the registrations,
// the origin memory), kept between reloads so that a reload judges again only the routes a change
// can affect: everything (first load, new checks), some peerings' route-server origins, some prefixes.
import { type Prefix, parsePrefix } from '../net/prefix.js';
import type { ValidationFactsSnapshot } from '../registry/validation-facts.js';
import { type Affected, coveredBy } from './affected.js';
import type { ValidationView } from './view.js';

/** What the import policies are built from: the checks, the registrations and the origin memory. */
export interface PolicyInputs {
  checks: string;
  /** registered prefix -> "peering|verified origin" */
  prefixes: Map<string, string>;
  /** peering -> its accepted route-server origins, sorted */
  asns: Map<string, string>;
}

export function policyInputs(snapshot: ValidationFactsSnapshot, view: ValidationView): PolicyInputs {
  return {
    checks: JSON.stringify(view.checks),
    prefixes: new Map(snapshot.registeredPrefixes.map((r) => [r.prefix, `${r.peering}|${r.originAs ?? ''}`])),
    asns: new Map([...view.registrations.asns].map(([peering, set]) => [peering, [...set].sort((a, b) => a - b).join(',')])),
  };
}

/** What changed between two reloads: everything (first load, new checks), some peerings' origins, some prefixes. */
export function diffInputs(before: PolicyInputs | undefined, after: PolicyInputs): { all: boolean; asnPeerings: Set<string>; prefixes: Affected } {
  if (!before || before.checks !== after.checks) return { all: true, asnPeerings: new Set(), prefixes: coveredBy([]) };
  const changed: Prefix[] = [];
  for (const [prefix, v] of after.prefixes) if (before.prefixes.get(prefix) !== v) changed.push(parsePrefix(prefix)!);
  for (const prefix of before.prefixes.keys()) if (!after.prefixes.has(prefix)) changed.push(parsePrefix(prefix)!);
  const asnPeerings = new Set<string>();
  for (const k of new Set([...before.asns.keys(), ...after.asns.keys()])) if (before.asns.get(k) !== after.asns.get(k)) asnPeerings.add(k);
  return { all: false, asnPeerings, prefixes: coveredBy(changed) };
}
