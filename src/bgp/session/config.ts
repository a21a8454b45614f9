// A peer's configuration, as the speaker and the FSM need it.

import type { FamilyName } from '../../net/address.js';

export interface MaxPrefix {
  /** accepted prefixes per family (IPv4 and IPv6 counted apart) */
  limit: number;
  /** the IPv6 limit, when not `limit` */
  limitV6?: number;
  /** teardown: Cease/Maximum Number of Prefixes Reached; warn: an event only */
  action: 'teardown' | 'warn';
  /** after a teardown, restart the session after this many seconds (0: stay down until restarted) */
  restartSeconds: number;
}

export interface PeerConfig {
  address: string;
  /** remote TCP port */
  port: number;
  asn: number;
  localAsn: number;
  /** source address for outgoing connections; the listener's address by default */
  localAddress?: string;
  /** our BGP identifier as a uint32 */
  routerId: number;
  /** proposed hold time, seconds (0 or >= 3) */
  holdTime: number;
  passive: boolean;
  families: FamilyName[];
  /** we act as a route server for this peer: no own AS prepended, next hop unchanged (RFC 7947) */
  routeServerClient: boolean;
  maxPrefix?: MaxPrefix;
  /** seconds between connection attempts */
  connectRetryTime: number;
  /** RFC 7911: accept multiple paths per prefix from the peer */
  addPathReceive: boolean;
  /**
   * RFC 9687 SendHoldTime, seconds: an Established session that cannot send anything for this
   * long (the peer does not read) is closed. 0 disables it; unset, the RFC's default.
   */
  sendHoldTime?: number;
  description?: string;
  /** RFC 2385 TCP MD5 signature key (1-80 bytes), on both our connections and the ones we accept */
  md5Key?: string;
  /** RFC 5082 GTSM: send with TTL 255, accept only TTL 254 and up (a directly connected peer) */
  ttlSecurity?: boolean;
}

export const DEFAULT_HOLD_TIME = 90;
export const DEFAULT_CONNECT_RETRY = 5;
/** RFC 4271 §8: the hold timer while waiting for the peer's OPEN. */
export const LARGE_HOLD_TIME = 240;

/**
 * RFC 9687 §6: by default the greater of 8 minutes and twice the negotiated hold time; §4.4: a
 * configured value must exceed the hold time, so a smaller one is raised to hold time + 1. No
 * timer when the hold time is 0 (§4.3) or the configuration says 0.
 */
export function sendHoldTime(configured: number | undefined, holdTime: number): number {
  if (holdTime === 0 || configured === 0) return 0;
  if (configured === undefined) return Math.max(8 * 60, 2 * holdTime);
  return Math.max(configured, holdTime + 1);
}
