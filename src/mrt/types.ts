// What the MRT reader hands out. Addresses are text in bgpdump's style (see address.ts).
import type { AsPath } from './as-path.js';

/** A prefix as an MRT record gives it (not net/prefix.ts's parsed form): text address, length, path id. */
export interface MrtPrefix {
  address: string;
  length: number;
  /** RFC 7911 path identifier; 0 when the record carries none. */
  pathId: number;
}

/** One MP_REACH_NLRI or MP_UNREACH_NLRI (RFC 4760) as bgpdump keeps it. */
export interface MpNlri {
  afi: number;
  safi: number;
  /** Announcements only: the next-hop length octet and the next hop(s). */
  nextHopLength: number;
  nextHop: string;
  nextHopLocal: string | undefined;
  prefixes: MrtPrefix[];
}

export interface UnknownAttribute {
  flags: number;
  type: number;
  data: Uint8Array;
}

export interface LargeCommunity {
  global: number;
  local1: number;
  local2: number;
}

export interface Attributes {
  /** Bit (type - 1) set for each attribute type present, as bgpdump's attr->flag. */
  seen: number;
  /** ORIGIN value; -1 when absent. */
  origin: number;
  /** AS_PATH after the RFC 6793 AS4_PATH merge (for 2-octet records); undefined when absent. */
  asPath: AsPath | undefined;
  as4Path: AsPath | undefined;
  /** NEXT_HOP as a 32-bit number; 0xffffffff (INADDR_NONE) when absent. */
  nextHop: number;
  med: number;
  localPref: number;
  /** AGGREGATOR ASN and address (number); address 0xffffffff when absent. */
  aggregatorAs: number;
  aggregatorAddress: number;
  as4AggregatorAs: number;
  as4AggregatorAddress: number;
  communities: number[] | undefined;
  /** bgpdump's community text: " 65000:1 no-export" (a leading space per value). */
  communityText: string;
  largeCommunities: LargeCommunity[] | undefined;
  originatorId: number | undefined;
  clusterList: number[] | undefined;
  mpReach: MpNlri[];
  mpUnreach: MpNlri[];
  unknown: UnknownAttribute[];
  /** Problems met while decoding (truncated attribute, unknown AFI/SAFI, ...). */
  warnings: string[] | undefined;
}

export interface PeerIndexEntry {
  /** 1 (IPv4) or 2 (IPv6). */
  afi: number;
  bgpId: string;
  address: string;
  asn: number;
}

export interface PeerIndexTable {
  kind: 'peer_index_table';
  collectorId: string;
  viewName: string;
  peers: PeerIndexEntry[];
}

export interface RibEntry {
  peerIndex: number;
  peer: PeerIndexEntry | undefined;
  originated: number;
  pathId: number;
  attributes: Attributes;
}

/** TABLE_DUMP_V2 AFI/SAFI-specific RIB records (RFC 6396 §4.3.2, RIB_IPV4_UNICAST ...): one prefix, one entry per peer (and path, with ADD-PATH). */
export interface AfiSafiRib {
  kind: 'rib';
  afi: number;
  safi: number;
  addPath: boolean;
  sequence: number;
  prefix: MrtPrefix;
  entries: RibEntry[];
}

/** TABLE_DUMP_V2 RIB_GENERIC(_ADDPATH): AFI/SAFI and the NLRI kept as raw bytes. */
export interface RibGeneric {
  kind: 'rib_generic';
  addPath: boolean;
  sequence: number;
  afi: number;
  safi: number;
  nlri: Uint8Array;
  entries: RibEntry[];
}

/** TABLE_DUMP (v1): one route per record. */
export interface TableDump {
  kind: 'table_dump';
  afi: number;
  view: number;
  sequence: number;
  prefix: MrtPrefix;
  status: number;
  originated: number;
  peerAddress: string;
  peerAs: number;
  attributes: Attributes;
}

export interface Bgp4mpHeader {
  as4: boolean;
  /** _LOCAL subtypes: a message the collector itself sent. */
  local: boolean;
  addPath: boolean;
  peerAs: number;
  localAs: number;
  ifIndex: number;
  afi: number;
  peerAddress: string;
  localAddress: string;
}

export interface Bgp4mpStateChange extends Bgp4mpHeader {
  kind: 'state_change';
  oldState: number;
  newState: number;
}

/** The UPDATE a BGP4MP message carries, as bgpdump prints it (not bgp/wire/update.ts's decoded form). */
export interface Bgp4mpUpdate {
  withdrawn: MrtPrefix[];
  attributes: Attributes;
  announced: MrtPrefix[];
}

export interface Bgp4mpMessage extends Bgp4mpHeader {
  kind: 'message';
  /** BGP message type: 1 OPEN, 2 UPDATE, 3 NOTIFICATION, 4 KEEPALIVE, 5 ROUTE-REFRESH. */
  messageType: number;
  /** The whole BGP message (marker included), as recorded. */
  message: Uint8Array;
  update: Bgp4mpUpdate | undefined;
}

/** A record the reader frames but does not decode (its type/subtype is in the record). */
export interface Unsupported {
  kind: 'unsupported';
  reason: string;
}

export type Decoded = PeerIndexTable | AfiSafiRib | RibGeneric | TableDump | Bgp4mpStateChange | Bgp4mpMessage | Unsupported;

/** One framed MRT record; body is a view into the reader's buffer, valid during the callback. */
export interface MrtRecord {
  /** Byte offset of the record header in the (decompressed) stream. */
  offset: number;
  timestamp: number;
  /** BGP4MP_ET microseconds; 0 otherwise. */
  microseconds: number;
  type: number;
  subtype: number;
  buf: Buffer;
  /** Body bounds in buf (after the 12-byte header and, for _ET types, the 4-byte microseconds). */
  start: number;
  end: number;
}
