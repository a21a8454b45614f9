// IANA numbers of BGP-4 (RFC 4271 and the RFCs and registries that extend it).

export const BGP_VERSION = 4;
export const BGP_PORT = 179;
export const HEADER_LENGTH = 19;
export const MAX_MESSAGE_LENGTH = 4096;
/** RFC 8654: with the Extended Message capability, every message but OPEN may be this long. */
export const MAX_EXTENDED_MESSAGE_LENGTH = 65535;
export const AS_TRANS = 23456;

export const enum MessageType {
  OPEN = 1,
  UPDATE = 2,
  NOTIFICATION = 3,
  KEEPALIVE = 4,
  ROUTE_REFRESH = 5,
}

export const enum AttrFlag {
  OPTIONAL = 0x80,
  TRANSITIVE = 0x40,
  PARTIAL = 0x20,
  EXTENDED_LENGTH = 0x10,
}

export const enum AttrType {
  ORIGIN = 1,
  AS_PATH = 2,
  NEXT_HOP = 3,
  MULTI_EXIT_DISC = 4,
  LOCAL_PREF = 5,
  ATOMIC_AGGREGATE = 6,
  AGGREGATOR = 7,
  COMMUNITIES = 8,
  ORIGINATOR_ID = 9,
  CLUSTER_LIST = 10,
  MP_REACH_NLRI = 14,
  MP_UNREACH_NLRI = 15,
  EXTENDED_COMMUNITIES = 16,
  AS4_PATH = 17,
  AS4_AGGREGATOR = 18,
  LARGE_COMMUNITY = 32,
  OTC = 35,
}

export const ATTR_NAMES: Record<number, string> = {
  1: 'ORIGIN',
  2: 'AS_PATH',
  3: 'NEXT_HOP',
  4: 'MULTI_EXIT_DISC',
  5: 'LOCAL_PREF',
  6: 'ATOMIC_AGGREGATE',
  7: 'AGGREGATOR',
  8: 'COMMUNITIES',
  9: 'ORIGINATOR_ID',
  10: 'CLUSTER_LIST',
  14: 'MP_REACH_NLRI',
  15: 'MP_UNREACH_NLRI',
  16: 'EXTENDED_COMMUNITIES',
  17: 'AS4_PATH',
  18: 'AS4_AGGREGATOR',
  32: 'LARGE_COMMUNITY',
  35: 'OTC',
};

export const enum Origin {
  IGP = 0,
  EGP = 1,
  INCOMPLETE = 2,
}

export const enum SegmentType {
  AS_SET = 1,
  AS_SEQUENCE = 2,
  AS_CONFED_SEQUENCE = 3,
  AS_CONFED_SET = 4,
}

export const enum Afi {
  IPV4 = 1,
  IPV6 = 2,
}
export const enum Safi {
  UNICAST = 1,
}

export const enum CapabilityCode {
  MULTIPROTOCOL = 1,
  ROUTE_REFRESH = 2,
  EXTENDED_NEXT_HOP = 5,
  EXTENDED_MESSAGE = 6,
  ROLE = 9,
  GRACEFUL_RESTART = 64,
  FOUR_OCTET_AS = 65,
  ADD_PATH = 69,
  ENHANCED_ROUTE_REFRESH = 70,
}

/** NOTIFICATION error codes (RFC 4271 §4.5, RFC 6608 FSM, RFC 7313 ROUTE-REFRESH, RFC 9687 Send Hold Timer). */
export const enum ErrorCode {
  MESSAGE_HEADER = 1,
  OPEN_MESSAGE = 2,
  UPDATE_MESSAGE = 3,
  HOLD_TIMER_EXPIRED = 4,
  FSM = 5,
  CEASE = 6,
  ROUTE_REFRESH = 7,
  SEND_HOLD_TIMER_EXPIRED = 8,
}

export const enum HeaderSubcode {
  CONNECTION_NOT_SYNCHRONIZED = 1,
  BAD_MESSAGE_LENGTH = 2,
  BAD_MESSAGE_TYPE = 3,
}

export const enum OpenSubcode {
  UNSUPPORTED_VERSION = 1,
  BAD_PEER_AS = 2,
  BAD_BGP_IDENTIFIER = 3,
  UNSUPPORTED_OPTIONAL_PARAMETER = 4,
  UNACCEPTABLE_HOLD_TIME = 6,
  UNSUPPORTED_CAPABILITY = 7,
  ROLE_MISMATCH = 11,
}

export const enum UpdateSubcode {
  MALFORMED_ATTRIBUTE_LIST = 1,
  UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE = 2,
  MISSING_WELL_KNOWN_ATTRIBUTE = 3,
  ATTRIBUTE_FLAGS_ERROR = 4,
  ATTRIBUTE_LENGTH_ERROR = 5,
  INVALID_ORIGIN_ATTRIBUTE = 6,
  INVALID_NEXT_HOP_ATTRIBUTE = 8,
  OPTIONAL_ATTRIBUTE_ERROR = 9,
  INVALID_NETWORK_FIELD = 10,
  MALFORMED_AS_PATH = 11,
}

export const enum FsmSubcode {
  UNEXPECTED_IN_OPENSENT = 1,
  UNEXPECTED_IN_OPENCONFIRM = 2,
  UNEXPECTED_IN_ESTABLISHED = 3,
}

/** RFC 4486 Cease subcodes. */
export const enum CeaseSubcode {
  MAX_PREFIXES = 1,
  ADMINISTRATIVE_SHUTDOWN = 2,
  PEER_DECONFIGURED = 3,
  ADMINISTRATIVE_RESET = 4,
  CONNECTION_REJECTED = 5,
  OTHER_CONFIGURATION_CHANGE = 6,
  CONNECTION_COLLISION_RESOLUTION = 7,
  OUT_OF_RESOURCES = 8,
  HARD_RESET = 9,
  BFD_DOWN = 10,
}

/** RFC 9234 BGP Roles (the Role capability). */
export const enum BgpRole {
  PROVIDER = 0,
  RS = 1,
  RS_CLIENT = 2,
  CUSTOMER = 3,
  PEER = 4,
}

export const ROLE_NAMES = ['provider', 'rs', 'rs-client', 'customer', 'peer'] as const;
