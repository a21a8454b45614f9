// MRT record types and subtypes (RFC 6396, RFC 8050) and the names used in messages.

export const MRT = {
  TABLE_DUMP: 12,
  TABLE_DUMP_V2: 13,
  BGP4MP: 16,
  BGP4MP_ET: 17,
} as const;

export const TD2 = {
  PEER_INDEX_TABLE: 1,
  RIB_IPV4_UNICAST: 2,
  RIB_IPV4_MULTICAST: 3,
  RIB_IPV6_UNICAST: 4,
  RIB_IPV6_MULTICAST: 5,
  RIB_GENERIC: 6,
  RIB_IPV4_UNICAST_ADDPATH: 8,
  RIB_IPV4_MULTICAST_ADDPATH: 9,
  RIB_IPV6_UNICAST_ADDPATH: 10,
  RIB_IPV6_MULTICAST_ADDPATH: 11,
  RIB_GENERIC_ADDPATH: 12,
} as const;

export const BGP4MP = {
  STATE_CHANGE: 0,
  MESSAGE: 1,
  ENTRY: 2,
  SNAPSHOT: 3,
  MESSAGE_AS4: 4,
  STATE_CHANGE_AS4: 5,
  MESSAGE_LOCAL: 6,
  MESSAGE_AS4_LOCAL: 7,
  MESSAGE_ADDPATH: 8,
  MESSAGE_AS4_ADDPATH: 9,
  MESSAGE_LOCAL_ADDPATH: 10,
  MESSAGE_AS4_LOCAL_ADDPATH: 11,
} as const;

/** TABLE_DUMP (v1) subtypes are the AFI; 3 and 4 are a 4-octet-AS extension some tools write. */
export const TD1 = { AFI_IP: 1, AFI_IP6: 2, AFI_IP_AS4: 3, AFI_IP6_AS4: 4 } as const;

const TYPE_NAMES: Record<number, string> = {
  0: 'NULL',
  1: 'START',
  2: 'DIE',
  3: 'I_AM_DEAD',
  4: 'PEER_DOWN',
  5: 'BGP',
  6: 'RIP',
  7: 'IDRP',
  8: 'RIPNG',
  9: 'BGP4PLUS',
  10: 'BGP4PLUS_01',
  11: 'OSPFv2',
  12: 'TABLE_DUMP',
  13: 'TABLE_DUMP_V2',
  16: 'BGP4MP',
  17: 'BGP4MP_ET',
  32: 'ISIS',
  33: 'ISIS_ET',
  48: 'OSPFv3',
  49: 'OSPFv3_ET',
};

const invert = (o: Record<string, number>): Record<number, string> => Object.fromEntries(Object.entries(o).map(([k, v]) => [v, k]));
const TD2_NAMES = invert(TD2);
const BGP4MP_NAMES = invert(BGP4MP);
const TD1_NAMES: Record<number, string> = { 1: 'AFI_IPv4', 2: 'AFI_IPv6', 3: 'AFI_IPv4_32BIT_AS', 4: 'AFI_IPv6_32BIT_AS' };

export function typeName(type: number): string {
  return TYPE_NAMES[type] ?? `type ${type}`;
}

/** "TABLE_DUMP_V2/RIB_GENERIC (13/6)": what stderr messages call a record kind. */
export function describeType(type: number, subtype: number): string {
  const sub =
    type === MRT.TABLE_DUMP_V2
      ? TD2_NAMES[subtype]
      : type === MRT.BGP4MP || type === MRT.BGP4MP_ET
        ? BGP4MP_NAMES[subtype]
        : type === MRT.TABLE_DUMP
          ? TD1_NAMES[subtype]
          : undefined;
  return `${typeName(type)}/${sub ?? `subtype ${subtype}`} (${type}/${subtype})`;
}

/** Types this reader understands; used to judge whether a header is plausible while resynchronising. */
export function knownSubtype(type: number, subtype: number): boolean {
  switch (type) {
    case MRT.TABLE_DUMP:
      return subtype >= 1 && subtype <= 4;
    case MRT.TABLE_DUMP_V2:
      return subtype >= 1 && subtype <= 12 && subtype !== 7;
    case MRT.BGP4MP:
    case MRT.BGP4MP_ET:
      return subtype <= 11;
    default:
      return false;
  }
}

// BGP path attribute type codes the MRT decoder looks at.
export const ATTR = {
  ORIGIN: 1,
  AS_PATH: 2,
  NEXT_HOP: 3,
  MULTI_EXIT_DISC: 4,
  LOCAL_PREF: 5,
  ATOMIC_AGGREGATE: 6,
  AGGREGATOR: 7,
  COMMUNITIES: 8,
  ORIGINATOR_ID: 9,
  CLUSTER_LIST: 10,
  MP_REACH_NLRI: 14,
  MP_UNREACH_NLRI: 15,
  AS4_PATH: 17,
  AS4_AGGREGATOR: 18,
  LARGE_COMMUNITY: 32,
} as const;

export const AFI_IP = 1;
export const AFI_IP6 = 2;
