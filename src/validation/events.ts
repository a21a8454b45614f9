// Prefix events (reference §4.8) and ours (hijack, RPKI invalid, restored): what changed for a
// prefix between two looks at its routes, each with a level, a one-line summary and details.
// Pure: the engine keeps the previous look per prefix and stores what this returns.
import { formatAsPath } from '../bgp/wire/attributes/as-path.js';
import type { PathAttributes } from '../bgp/wire/attributes/types.js';
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
  summary: string;
  details: Record<string, unknown>;
}

/** One look at a prefix: the route each carrying session has, by role, and the resulting state. */
export interface PrefixLook {
  state: PrefixState;
  /** peer address -> route, for sessions in the primary location (all sessions for a registered prefix) */
  primary: Map<string, PathAttributes>;
  /** the same for the backup location */
  backup: Map<string, PathAttributes>;
}

const event = (time: string, type: EventType, summary: string, details: Record<string, unknown>): PrefixEvent =>
  ({ time, type, level: EVENT_LEVELS[type], summary, details });

const describe = (a: PathAttributes) => ({ asPath: formatAsPath(a.asPath), originAs: routeOrigin(a) ?? null, nextHop: a.nextHop ?? null });

/** The session whose route is the active (or backup) path: the first carrier in address order. */
function pathOf(routes: Map<string, PathAttributes>): [string, PathAttributes] | undefined {
  const first = [...routes.keys()].sort()[0];
  return first === undefined ? undefined : [first, routes.get(first)!];
}

/** Events for the change from `before` (undefined: first look) to `after` of one prefix. */
export function diffLooks(prefix: string, before: PrefixLook | undefined, after: PrefixLook, time: string): PrefixEvent[] {
  const out: PrefixEvent[] = [];
  const roles = [
    { routes: 'primary', ann: 'PrefixAnnouncementEvent', wd: 'PrefixWithdrawalEvent', origin: 'PrefixOriginAsChangeEvent', path: 'PrefixActivePath', name: 'active' },
    { routes: 'backup', ann: 'PrefixBackupRouteAnnouncementEvent', wd: 'PrefixBackupRouteWithdrawalEvent', origin: 'PrefixBackupRouteOriginAsChangeEvent', path: 'PrefixBackupPath', name: 'backup' },
  ] as const;
  for (const r of roles) {
    const was = before?.[r.routes] ?? new Map<string, PathAttributes>();
    const now = after[r.routes];
    for (const [peer, a] of now) {
      const old = was.get(peer);
      if (!old) {
        out.push(event(time, r.ann, `${prefix} announced by ${peer}`, { prefix, peer, ...describe(a) }));
      } else if (routeOrigin(old) !== routeOrigin(a)) {
        out.push(event(time, r.origin, `${prefix} origin changed from AS${routeOrigin(old) ?? '?'} to AS${routeOrigin(a) ?? '?'} on the ${r.name} route from ${peer}`,
          { prefix, peer, previousOriginAs: routeOrigin(old) ?? null, ...describe(a) }));
      }
    }
    for (const peer of was.keys()) {
      if (!now.has(peer)) out.push(event(time, r.wd, `${prefix} withdrawn by ${peer}`, { prefix, peer }));
    }
    const p0 = pathOf(was);
    const p1 = pathOf(now);
    if (p1 && (!p0 || p0[0] !== p1[0] || formatAsPath(p0[1].asPath) !== formatAsPath(p1[1].asPath))) {
      out.push(event(time, r.path, `${r.name} path for ${prefix} via ${p1[0]}: ${formatAsPath(p1[1].asPath)}`, { prefix, peer: p1[0], ...describe(p1[1]) }));
    }
  }
  if (before && before.state !== 'Verified' && before.state !== 'Pending' && after.state === 'Verified') {
    out.push(event(time, 'PrefixRestoredEvent', `${prefix} is Verified again (was ${before.state})`, { prefix, previousState: before.state }));
  }
  return out;
}

/** An event for a rejected route, when its rejection calls for one (hijack, RPKI invalid). */
export function rejectionEvent(prefix: string, peer: string, verdict: Verdict, attrs: PathAttributes, time: string): PrefixEvent | undefined {
  if (verdict.accept) return undefined;
  if (verdict.kind === 'hijack') {
    return event(time, 'PrefixHijackEvent', `${prefix} from ${peer} rejected: ${verdict.reason}`, { prefix, peer, owner: verdict.owner ?? null, reason: verdict.reason, ...describe(attrs) });
  }
  if (verdict.kind === 'route-problem' && verdict.problems?.includes('rpki-invalid')) {
    return event(time, 'PrefixRpkiInvalidEvent', `${prefix} from ${peer} is RPKI invalid`, { prefix, peer, ...describe(attrs) });
  }
  return undefined;
}
