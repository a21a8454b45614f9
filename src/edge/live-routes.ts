// What the API reads from the live side (received routes, session states), declared on the edge
// floor that implements it (live-view.ts) so the API imports it and nothing points upward.
import type { EventAudience } from '../registry/event-view.js';

/** A route a partner session sent, as the received-routes view shows it. */
export interface ReceivedRoute {
  prefix: string;
  connection: string;
  peerAddress: string;
  nextHop: string | null;
  asPath: string;
  originAs: number | null;
  communities: string[];
  largeCommunities: string[];
  /** Valid: the origin may announce the prefix here; Invalid: a hijack (another partner's prefix or another origin); NotFound: not registered */
  originAsValidationState: 'Valid' | 'Invalid' | 'NotFound';
  /** RFC 6811 state; Unknown when no RPKI source is configured */
  rpkiValidationState: 'Valid' | 'Invalid' | 'NotFound' | 'Unknown';
  accepted: boolean;
  reason: string | null;
}

/** One BGP session of a connection (per address family), as the live side sees it. */
export interface BgpSessionStatus {
  family: 4 | 6;
  peerAddress: string;
  state: string;
  /** when the session last became Established (ISO time), null while it is not */
  establishedSince: string | null;
  uptimeSeconds: number;
  prefixesReceived: number;
  prefixesAccepted: number;
  /**
   * Why the session last went down (or a connection attempt failed) and when, if it ever did.
   * While the session is Established this is the previous session's end, not a current problem.
   */
  lastError: { message: string; at: string } | null;
}

/** The live side, when the service runs BGP (serve without --no-bgp). */
export interface LiveRoutes {
  /**
   * Routes received on the sessions of one peering ("partner/name"), optionally one connection or
   * prefix. `audience` tenant: reasons never name another partner or its sessions (the operator's do).
   */
  received(peering: string, filter: { connection?: string; prefix?: string }, audience: Audience): ReceivedRoute[];
  /** the BGP sessions of one connection of a peering ([] when it has none running) */
  sessions(peering: string, connection: string): BgpSessionStatus[];
}

/** Who reads a live view: the operator sees every name; a partner or customer only its own (as for events). */
export type Audience = EventAudience;
