// The validation state of one registered prefix or customer prefix, computed from the sessions
// that should carry it and what each of them received (reference §4.7). Pure: the engine feeds
// it the registry's view and the live Adj-RIBs-In, and re-runs it when either changes.
//
//   Verified  every session that should carry the prefix carries a route that passes the checks
//   Warning   some of them do not carry it (a lost session, a missing advertisement): traffic keeps
//             its path over the others; the message names what is missing
//   Failed    none carries it, a route fails a check, or the provider lacks the sessions at all
import type { PathAttributes } from '../bgp/wire/attributes/types.js';
import type { PrefixKey } from '../net/prefix-key.js';
import type { PrefixState } from '../registry/types.js';
import type { Verdict } from './import-policy.js';
import { CUSTOMER_MESSAGES, customerPrefixMessage, NO_SESSIONS, notReceivedFrom, registeredPrefixMessage } from './messages.js';
import { checkRoute, type RouteCheckConfig } from './route-checks.js';

/** One BGP session of a partner connection, as validation sees it. */
export interface SessionView {
  /** the partner's address on the session: how the reference's messages name a session */
  peerAddress: string;
  router: string;
  pop: string;
}

/**
 * What a session received for a prefix (exact match), or undefined when it does not carry it
 * (nothing received, or a route the session may not carry at all, e.g. a prefix not registered
 * for that peering). `rejected` is the import policy's reason when it rejected the route for
 * something else than a route check: a hijack (another origin), an AS loop.
 */
export type RouteLookup = (session: SessionView, prefix: string, key?: PrefixKey) => CarriedRoute | undefined;

export interface CarriedRoute {
  attrs: PathAttributes;
  rpkiInvalid?: boolean;
  rejected?: string;
  /**
   * The stored attribute set the route uses, when the lookup knows it: the same set is the same
   * attributes, so what is derived from them is kept per set (decoded attributes are not kept)
   */
  set?: object;
}

/**
 * What a session carries for validation, from its route and the import policy's verdict on it
 * (`reason` undefined: accepted). A route check failure explains itself; a route the session may
 * not carry at all (not registered for its peering) is not carried; any other rejection (a hijack
 * by another origin, an AS loop) is the reason.
 */
export function carriedRoute(
  attrs: PathAttributes,
  reason: string | undefined,
  verdict: Verdict | undefined,
  rpkiInvalid = false,
  set: object = attrs,
): CarriedRoute | undefined {
  if (reason === undefined || (verdict && !verdict.accept && verdict.kind === 'route-problem')) return { attrs, rpkiInvalid, set };
  if (verdict && !verdict.accept && (verdict.kind === 'not-registered' || verdict.kind === 'origin-not-registered')) return undefined;
  return { attrs, rpkiInvalid, rejected: reason, set };
}

export interface StateResult {
  state: PrefixState;
  message: string | null;
  /** sessions carrying an acceptable route (the active and backup paths come from these) */
  carriedBy: SessionView[];
}

/** A registered prefix: announced, and passing the checks, on every session of its peering. */
export function registeredPrefixState(prefix: string, sessions: SessionView[], lookup: RouteLookup, checks: RouteCheckConfig): StateResult {
  if (!sessions.length) return { state: 'Failed', message: NO_SESSIONS, carriedBy: [] };
  const missing: string[] = [];
  const carriedBy: SessionView[] = [];
  for (const s of sessions) {
    const r = lookup(s, prefix);
    if (!r) {
      missing.push(s.peerAddress);
      continue;
    }
    // A rejection that is no route check (a hijack by another origin) says more than the checks.
    if (r.rejected !== undefined) return { state: 'Failed', message: `Route from IP ${s.peerAddress} rejected: ${r.rejected}`, carriedBy: [] };
    const problems = checkRoute(r.attrs, checks, r.rpkiInvalid ?? false);
    if (problems.length) return { state: 'Failed', message: registeredPrefixMessage(problems[0]!), carriedBy: [] };
    carriedBy.push(s);
  }
  if (!carriedBy.length) return { state: 'Failed', message: notReceivedFrom(missing), carriedBy };
  if (missing.length) return { state: 'Warning', message: notReceivedFrom(missing), carriedBy };
  return { state: 'Verified', message: null, carriedBy };
}

/** A customer prefix's provider without the sessions it needs: Failed whatever the routes. */
export function customerSessionsLacking(primary: SessionView[], backup: SessionView[] | null): StateResult | undefined {
  if (new Set(primary.map((s) => s.router)).size < 2) return { state: 'Failed', message: CUSTOMER_MESSAGES.fewerThanTwoPrimary, carriedBy: [] };
  if (backup && backup.length === 0) return { state: 'Failed', message: CUSTOMER_MESSAGES.noBackupSessions, carriedBy: [] };
  return undefined;
}

/**
 * A customer prefix: the provider needs two sessions on different routers in the primary
 * location and one in the backup location (if there is one), and every one of them must carry
 * the prefix with a route that passes the checks.
 */
export function customerPrefixState(
  prefix: string,
  primary: SessionView[],
  backup: SessionView[] | null,
  lookup: RouteLookup,
  checks: RouteCheckConfig,
): StateResult {
  const lacking = customerSessionsLacking(primary, backup);
  if (lacking) return lacking;
  const missing: string[] = [];
  const carriedBy: SessionView[] = [];
  for (const s of [...primary, ...(backup ?? [])]) {
    const r = lookup(s, prefix);
    if (!r) {
      missing.push(s.peerAddress);
      continue;
    }
    if (r.rejected !== undefined)
      return { state: 'Failed', message: `Route for prefix ${prefix} from IP ${s.peerAddress} rejected: ${r.rejected}`, carriedBy: [] };
    const problems = checkRoute(r.attrs, checks, r.rpkiInvalid ?? false);
    if (problems.length) return { state: 'Failed', message: customerPrefixMessage(problems[0]!, prefix, checks), carriedBy: [] };
    carriedBy.push(s);
  }
  if (!carriedBy.length) return { state: 'Failed', message: CUSTOMER_MESSAGES.notAnnounced, carriedBy };
  if (missing.length) return { state: 'Warning', message: missing.map((a) => CUSTOMER_MESSAGES.notReceivedFrom(a, prefix)).join('; '), carriedBy };
  return { state: 'Verified', message: null, carriedBy };
}
