// From the registry's facts to the edge routers and BGP sessions that should run, and what must
// change to get there from what runs now. Pure: no speaker, no socket, no clock.
import { createHash } from 'node:crypto';
import { parseIPv4 } from '../net/address.js';
import type { FactPeering, FactSession } from '../registry/validation-facts.js';

/** One session that should run: a partner address on an edge router, with its peering. */
export interface PlannedSession {
  router: string;
  /** the partner's address: the session's id on its speaker */
  peer: string;
  session: FactSession;
  peering: FactPeering;
  /** what the session is configured from: a different signature restarts it */
  signature: string;
}

export interface PlannedRouter {
  router: string;
  /** the BGP identifier its speaker runs with (from its first session's router) */
  routerId: number;
  /** sessions by partner address */
  sessions: Map<string, PlannedSession>;
}

/** The edge routers that should run, by name: only those with at least one session. */
export type SessionPlan = Map<string, PlannedRouter>;

/** What runs now on one edge router. */
export interface RunningRouter {
  routerId: number;
  /** partner address -> the signature its session was configured from */
  sessions: ReadonlyMap<string, string>;
}

export interface RouterChange {
  router: string;
  routerId: number;
  /** a new speaker: the router had none, or its old one stops first (new router id) */
  fresh: boolean;
  /** sessions that stop: gone from the registry, or changed (they are configured again) */
  remove: string[];
  /** sessions that run on unchanged: they keep their routes */
  keep: PlannedSession[];
  /** sessions to configure: new or changed */
  add: PlannedSession[];
}

export interface SessionDiff {
  /** speakers that stop: the router has no session left, or runs with a new router id */
  stop: Array<{ router: string; why: 'no sessions left' | 'new router id' }>;
  /** every router of the plan, in plan order */
  routers: RouterChange[];
}

/** What a session is configured from: a change restarts it. */
export function sessionSignature(s: FactSession, p: FactPeering): string {
  return JSON.stringify([
    p.id,
    p.asn,
    s.families,
    s.operatorAddress,
    s.maxPrefixes,
    s.maxPrefixesV6,
    s.routerId,
    // a new MD5 key restarts the session; only a digest of it is kept here
    s.md5Key === undefined ? null : createHash('sha256').update(s.md5Key).digest('hex'),
  ]);
}

/** The routers and sessions the registry's Active connections call for. */
export function planSessions(peerings: readonly FactPeering[]): SessionPlan {
  const plan: SessionPlan = new Map();
  for (const p of peerings) {
    for (const s of p.sessions) {
      let r = plan.get(s.router);
      if (!r) plan.set(s.router, (r = { router: s.router, routerId: Number(parseIPv4(s.routerId) ?? 0n), sessions: new Map() }));
      r.sessions.set(s.peerAddress, { router: s.router, peer: s.peerAddress, session: s, peering: p, signature: sessionSignature(s, p) });
    }
  }
  return plan;
}

/** Every planned session by partner address. */
export function sessionsByPeer(plan: SessionPlan): Map<string, PlannedSession> {
  const out = new Map<string, PlannedSession>();
  for (const r of plan.values()) for (const [peer, s] of r.sessions) out.set(peer, s);
  return out;
}

/** What must stop, start and stay to go from what runs to the plan. */
export function diffSessions(running: ReadonlyMap<string, RunningRouter>, plan: SessionPlan): SessionDiff {
  const diff: SessionDiff = { stop: [], routers: [] };
  for (const router of running.keys()) if (!plan.has(router)) diff.stop.push({ router, why: 'no sessions left' });
  for (const [router, want] of plan) {
    const now = running.get(router);
    const fresh = !now || now.routerId !== want.routerId;
    if (now && fresh) diff.stop.push({ router, why: 'new router id' });
    const was: ReadonlyMap<string, string> = fresh ? new Map() : now.sessions;
    const change: RouterChange = { router, routerId: want.routerId, fresh, remove: [], keep: [], add: [] };
    for (const [peer, sig] of was) if (want.sessions.get(peer)?.signature !== sig) change.remove.push(peer);
    for (const s of want.sessions.values()) (was.get(s.peer) === s.signature ? change.keep : change.add).push(s);
    diff.routers.push(change);
  }
  return diff;
}
