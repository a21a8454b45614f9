// Path attributes as the speaker keeps them: decoded once per distinct attribute set and shared
// (interned) by every route that carries them, so they are treated as immutable.

export interface AsPathSegment {
  type: number;
  asns: number[];
}

export interface PathAttributes {
  origin?: number;
  asPath?: AsPathSegment[];
  /** NEXT_HOP (IPv4) or MP_REACH next hop (IPv6 global), as text */
  nextHop?: string;
  /** IPv6 link-local next hop from a 32-octet MP_REACH next hop */
  linkLocalNextHop?: string;
  med?: number;
  localPref?: number;
  atomicAggregate?: boolean;
  aggregator?: { asn: number; address: string };
  /** RFC 1997 communities as uint32 (asn << 16 | value) */
  communities?: number[];
  originatorId?: string;
  clusterList?: string[];
  /** RFC 4360 extended communities, 8 octets each, as hex */
  extendedCommunities?: string[];
  /** RFC 8092 large communities, flattened triples */
  largeCommunities?: number[];
  /** RFC 9234 Only To Customer */
  otc?: number;
  /** optional transitive attributes this speaker does not know, passed on with the Partial bit */
  unknown?: Array<{ flags: number; type: number; value: Buffer }>;
}
