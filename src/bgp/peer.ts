// One configured peer as the speaker keeps it: its configuration, session, policies and the
// export side's per-peer state (Adj-RIB-Out, what must be recomputed, full-table passes).

import type { PrefixKey } from '../net/prefix-key.js';
import type { AttrSet, Route } from './rib/attr-store.js';
import type { ImportPolicy } from './rib/rib.js';
import type { RouteTable } from './rib/route-table.js';
import type { PeerConfig } from './session/config.js';
import type { Session } from './session/session.js';

/**
 * Decides whether a route may be sent to a peer: undefined to send, a reason not to.
 * `route.attrs` decodes on demand.
 */
export type ExportPolicy = (prefix: PrefixKey, route: Route, source: string) => string | undefined;

export interface PeerOptions extends PeerConfig {
  /** next hops we announce (default: the session's local address) */
  nextHopV4?: string;
  nextHopV6?: string;
}

/**
 * A full-table pass for one family: after Established ('initial', ends with End-of-RIB), a
 * ROUTE-REFRESH ('refresh', everything sent again, framed by BoRR/EoRR with RFC 7313) or an
 * export policy change ('policy', everything recomputed).
 */
export type PassKind = 'initial' | 'refresh' | 'policy';

export interface FamilyPasses {
  running: boolean;
  /** the one pass that runs after the current one: requests meanwhile coalesce into it */
  next: PassKind | undefined;
}

export interface Peer {
  id: string;
  config: PeerOptions;
  session: Session;
  importPolicy: ImportPolicy;
  exportPolicy: ExportPolicy;
  /** Adj-RIB-Out: what we last sent, prefix -> the attribute set it was sent from */
  out: RouteTable<AttrSet>;
  /** prefix indexes whose advertisement must be recomputed at the next flush */
  dirty: Set<number>;
  /** prefix indexes to send again even when unchanged (a route refresh) */
  force: Set<number>;
  /** bumped when the session comes up or goes down: work of an older session stops */
  epoch: number;
  /** IPv4, IPv6 */
  passes: [FamilyPasses, FamilyPasses];
  /** the running flush, which ends when `dirty` is empty */
  flushing: Promise<void> | undefined;
  maxPrefixWarned: boolean;
}
