// A peer's configuration, as the speaker and the FSM need it.

export type Family = 'ipv4' | 'ipv6';

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
  families: Family[];
  /** we act as a route server for this peer: no own AS prepended, next hop unchanged (RFC 7947) */
  routeServerClient: boolean;
  maxPrefix?: MaxPrefix;
  /** seconds between connection attempts */
  connectRetryTime: number;
  /** RFC 7911: accept multiple paths per prefix from the peer */
  addPathReceive: boolean;
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
