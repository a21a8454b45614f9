// Route origin validation as people read it (RFC 6811 §2): the route's origin AS from its AS_PATH,
// and the state with every covering VRP and why it matches or not. The table's validate*() is the
// hot path; this is for the CLI, the API and logs.
import { formatPrefix, type Prefix, parsePrefix } from '../net/prefix.js';
import type { RovState, VrpTable } from './table.js';
import type { Vrp } from './vrp.js';

// AS_PATH segment types (RFC 4271 §4.3, RFC 5065 §3).
const AS_SET = 1;
const AS_SEQUENCE = 2;
const AS_CONFED_SEQUENCE = 3;
const AS_CONFED_SET = 4;

/**
 * The route's origin AS (RFC 6811 §2): the rightmost AS of a final AS_SEQUENCE; our own AS when
 * the path is empty or ends in a confederation segment; null ("NONE") when it ends in an AS_SET.
 */
export function routeOriginAs(path: ReadonlyArray<{ type: number; asns: ArrayLike<number> }>, localAs: number): number | null {
  const last = path[path.length - 1];
  if (!last) return localAs;
  if (last.type === AS_SEQUENCE) return last.asns.length ? last.asns[last.asns.length - 1]! : null;
  if (last.type === AS_CONFED_SEQUENCE || last.type === AS_CONFED_SET) return localAs;
  if (last.type === AS_SET) return null;
  return null;
}

export interface VrpCheck {
  vrp: Vrp;
  /** This VRP makes the route Valid. */
  matches: boolean;
  /** Why it matches or not, in words. */
  reason: string;
}

export interface RovResult {
  prefix: Prefix;
  /** null: NONE (AS_SET origin). */
  origin: number | null;
  state: RovState;
  /** The covering VRPs, least specific first. */
  vrps: VrpCheck[];
}

/** Checks one VRP against a route (the VRP covers the route: the table only returns those). */
export function checkVrp(vrp: Vrp, route: Prefix, origin: number | null): VrpCheck {
  const len = route.length;
  const why: string[] = [];
  if (vrp.asn === 0) why.push('an AS0 VRP never matches (RFC 6483 §4)');
  else if (origin === null) why.push('the origin AS is NONE (the path ends in an AS_SET)');
  else if (origin !== vrp.asn) why.push(`origin AS${origin} is not AS${vrp.asn}`);
  if (len > vrp.maxLength) why.push(`/${len} is longer than maxLength ${vrp.maxLength}`);
  if (why.length === 0) return { vrp, matches: true, reason: `origin AS${origin} and /${len} within maxLength ${vrp.maxLength}` };
  return { vrp, matches: false, reason: why.join('; ') };
}

/** The validation state of a route with every covering VRP explained. */
export function explainRoute(table: VrpTable, route: Prefix | string, origin: number | null): RovResult {
  const p = typeof route === 'string' ? parsePrefix(route) : route;
  if (!p) throw new RangeError(`not a prefix: ${String(route)}`);
  const vrps = table.covering(p).map((v) => checkVrp(v, p, origin));
  const state: RovState = vrps.length === 0 ? 'not-found' : vrps.some((c) => c.matches) ? 'valid' : 'invalid';
  return { prefix: p, origin, state, vrps };
}

export const formatOrigin = (o: number | null): string => (o === null ? 'NONE' : `AS${o}`);
export const routeText = (r: RovResult): string => `${formatPrefix(r.prefix)} from ${formatOrigin(r.origin)}`;
