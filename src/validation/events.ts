// Prefix events (reference §4.8) and ours (hijack, RPKI invalid, restored): what changed for a
// prefix between two looks at its routes, each with a level, a one-line summary and details.
// Pure: the engine keeps the previous look per prefix and stores what this returns.
//
// Summaries and details are for everyone who sees the prefix (its partner, its customer): a
// session of the prefix's own partner may be named, another partner only by its ASN. Names and
// addresses of other partners go to `internal`, which only the operator sees.
import { formatAsPath } from '../bgp/wire/attributes/as-path.js';
import type { PathAttributes } from '../bgp/wire/attributes/types.js';
import { formatPrefix } from '../net/prefix.js';
import type { PrefixState } from '../registry/types.js';
import { routeOrigin, type Verdict } from './import-policy.js';

export const EVENT_LEVELS = {
  PrefixAnnouncementEvent: 'Information',
  PrefixWithdrawalEvent: 'Warning',
  PrefixBackupRouteAnnouncementEvent: 'Information',
  PrefixBackupRouteWithdrawalEvent: 'Warning',
  PrefixActivePath: 'Information',
  PrefixBackupPath: 'Information',
  PrefixOriginAsChangeEvent: 'Critical',
  PrefixBackupRouteOriginAsChangeEvent: 'Error',
  PrefixHijackEvent: 'Critical',
  PrefixRpkiInvalidEvent: 'Error',
  PrefixRestoredEvent: 'Information',
} as const;

export type EventType = keyof typeof EVENT_LEVELS;
export type EventLevel = (typeof EVENT_LEVELS)[EventType];

export interface PrefixEvent {
  time: string;
  type: EventType;
  level: EventLevel;
  /** in words that name no other partner, peering or session address */
  summary: string;
  details: Record<string, unknown>;
  /** the prefix the event is about when it is not the subject's own (a hijacked more-specific) */
  prefix?: string;
  /** operator-only: other partners' names and session addresses, and the summary naming them */
  internal?: { summary?: string } & Record<string, unknown>;
}

/** What a look keeps of one route: what the events compare, and the next hop to describe a new route. */
export interface SeenRoute {
  originAs: number | null;
  asPath: string;
  /** not kept across restarts (no event compares it) */
  nextHop?: string | null;
}

/** One look at a prefix: the route each carrying session has, by role, and the resulting state. */
export interface PrefixLook {
  state: PrefixState;
  /** peer address -> route, for sessions in the primary location (all sessions for a registered prefix) */
  primary: ReadonlyMap<string, SeenRoute>;
  /** the same for the backup location */
  backup: ReadonlyMap<string, SeenRoute>;
  /** it was Verified, lost that (Warning, Failed) and has not been Verified since: being Verified again is a restore */
  lost: boolean;
}

export const seenRoute = (a: PathAttributes): SeenRoute => ({ originAs: routeOrigin(a) ?? null, asPath: formatAsPath(a.asPath), nextHop: a.nextHop ?? null });

/** Whether a prefix that was `before` and is now `state` has lost Verified (and not regained it). */
export function lostVerified(before: PrefixLook | undefined, state: PrefixState): boolean {
  if (state === 'Verified') return false;
  // Pending (a re-validation request) is no judgement: what was lost stays lost.
  if (state === 'Pending') return before?.lost ?? false;
  return before?.state === 'Verified' || (before?.lost ?? false);
}

const event = (
  time: string,
  type: EventType,
  summary: string,
  details: Record<string, unknown>,
  extra: Pick<PrefixEvent, 'prefix' | 'internal'> = {},
): PrefixEvent => ({ time, type, level: EVENT_LEVELS[type], summary, details, ...extra });

const describe = (r: SeenRoute) => ({ asPath: r.asPath, originAs: r.originAs, nextHop: r.nextHop ?? null });

/** The session whose route is the active (or backup) path: the first carrier in address order. */
function pathOf(routes: ReadonlyMap<string, SeenRoute>): [string, SeenRoute] | undefined {
  let first: string | undefined;
  for (const k of routes.keys()) if (first === undefined || k < first) first = k;
  return first === undefined ? undefined : [first, routes.get(first)!];
}

const ROLES = [
  {
    routes: 'primary',
    ann: 'PrefixAnnouncementEvent',
    wd: 'PrefixWithdrawalEvent',
    origin: 'PrefixOriginAsChangeEvent',
    path: 'PrefixActivePath',
    name: 'active',
  },
  {
    routes: 'backup',
    ann: 'PrefixBackupRouteAnnouncementEvent',
    wd: 'PrefixBackupRouteWithdrawalEvent',
    origin: 'PrefixBackupRouteOriginAsChangeEvent',
    path: 'PrefixBackupPath',
    name: 'backup',
  },
] as const;

const NONE: ReadonlyMap<string, SeenRoute> = new Map();

/**
 * Events for the change from `before` (undefined: first look) to `after` of one prefix. `when` is
 * the events' time, or the clock asked once when there is an event.
 */
export function diffLooks(prefix: string, before: PrefixLook | undefined, after: PrefixLook, when: string | (() => string)): PrefixEvent[] {
  const out: PrefixEvent[] = [];
  let stamp: string | undefined;
  const t = () => (stamp ??= typeof when === 'string' ? when : when());
  const roles = ROLES;
  for (const r of roles) {
    const was = before?.[r.routes] ?? NONE;
    const now = after[r.routes];
    for (const [peer, a] of now) {
      const old = was.get(peer);
      if (!old) {
        out.push(event(t(), r.ann, `${prefix} announced by ${peer}`, { prefix, peer, ...describe(a) }));
      } else if (old.originAs !== a.originAs) {
        out.push(
          event(t(), r.origin, `${prefix} origin changed from AS${old.originAs ?? '?'} to AS${a.originAs ?? '?'} on the ${r.name} route from ${peer}`, {
            prefix,
            peer,
            previousOriginAs: old.originAs,
            ...describe(a),
          }),
        );
      }
    }
    for (const peer of was.keys()) {
      if (!now.has(peer)) out.push(event(t(), r.wd, `${prefix} withdrawn by ${peer}`, { prefix, peer }));
    }
    const p0 = pathOf(was);
    const p1 = pathOf(now);
    if (p1 && (!p0 || p0[0] !== p1[0] || p0[1].asPath !== p1[1].asPath)) {
      out.push(event(t(), r.path, `${r.name} path for ${prefix} via ${p1[0]}: ${p1[1].asPath}`, { prefix, peer: p1[0], ...describe(p1[1]) }));
    }
  }
  // Only a real loss of Verified is restored: not a prefix reaching Verified for the first time.
  if (before?.lost && after.state === 'Verified') {
    out.push(event(t(), 'PrefixRestoredEvent', `${prefix} is Verified again (was ${before.state})`, { prefix, previousState: before.state }));
  }
  return out;
}

/** Whose session a route came from (undefined: a session the registry no longer knows). */
export interface SessionOwner {
  partner: string;
  /** "partner/peering" */
  peering: string;
  asn: number;
}

/** A rejected route, as its session's import policy judged it. */
export interface RejectedRoute {
  /** the prefix as announced */
  prefix: string;
  /** the session's peer address */
  peer: string;
  from: SessionOwner | undefined;
  verdict: Verdict;
  attrs: PathAttributes;
}

/** The kind of remembered rejection an event is for (hijack, RPKI invalid), or undefined for none. */
export function eventfulKind(v: Verdict): 'hijack' | 'rpki-invalid' | undefined {
  if (v.accept) return undefined;
  if (v.kind === 'hijack') return 'hijack';
  if (v.kind === 'route-problem' && v.problems?.includes('rpki-invalid')) return 'rpki-invalid';
  return undefined;
}

/**
 * The event a rejected route raises on a prefix of `subjectPartner` (the partner that registered
 * it, or the customer's provider), when its rejection calls for one (hijack, RPKI invalid). A
 * session of that partner is named; another partner's only by its ASN in the summary and details,
 * with its names and addresses in `internal`.
 */
export function rejectionEvent(r: RejectedRoute, subjectPartner: string | undefined, time: string): PrefixEvent | undefined {
  const kind = eventfulKind(r.verdict);
  if (!kind || r.verdict.accept) return undefined;
  const v = r.verdict;
  const { prefix, peer, from } = r;
  const seen = seenRoute(r.attrs);
  const own = from !== undefined && subjectPartner !== undefined && from.partner === subjectPartner;
  const them = from ? `another partner (AS${from.asn})` : 'another partner';
  const where = `${peer}${from ? ` (${from.peering}, AS${from.asn})` : ''}`;
  const names = { peer, nextHop: seen.nextHop ?? null, partner: from?.partner ?? null, peering: from?.peering ?? null, ...(v.owner ? { owner: v.owner } : {}) };
  const registered = v.registered ? { registeredPrefix: formatPrefix(v.registered) } : {};
  const route = { asPath: seen.asPath, originAs: seen.originAs };
  if (kind === 'hijack') {
    const operatorReason = v.operatorReason ?? v.reason;
    const internal = { summary: `${prefix} from ${where} rejected: ${operatorReason}`, reason: operatorReason, ...names };
    if (own) {
      return event(
        time,
        'PrefixHijackEvent',
        `${prefix} from ${peer} rejected: ${v.reason}`,
        { prefix, peer, ...registered, reason: v.reason, ...route, nextHop: seen.nextHop ?? null },
        { prefix, internal },
      );
    }
    const under = v.registered ? formatPrefix(v.registered) : prefix;
    return event(
      time,
      'PrefixHijackEvent',
      `${prefix} from ${them} rejected as a hijack of registered prefix ${under}`,
      {
        prefix,
        ...registered,
        peerAs: from?.asn ?? null,
        reason: `hijack: ${prefix} falls under registered prefix ${under}; ${them} may not announce it`,
        ...route,
      },
      { prefix, internal },
    );
  }
  const internal = { summary: `${prefix} from ${where} is RPKI invalid`, ...names };
  if (own) {
    return event(
      time,
      'PrefixRpkiInvalidEvent',
      `${prefix} from ${peer} is RPKI invalid`,
      { prefix, peer, ...registered, ...route, nextHop: seen.nextHop ?? null },
      { prefix, internal },
    );
  }
  return event(
    time,
    'PrefixRpkiInvalidEvent',
    `${prefix} from ${them} is RPKI invalid`,
    { prefix, ...registered, peerAs: from?.asn ?? null, ...route },
    { prefix, internal },
  );
}
