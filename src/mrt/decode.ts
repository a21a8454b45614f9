// Decodes the body of one framed MRT record into a typed value. Short or damaged bodies
// decode with bgpdump's zero-fill rules (see cursor.ts) and never throw.

import { ipv4At, ipv6At } from './address.js';
import { type DecodeOptions, decodeAttributes, readPrefixes } from './attributes.js';
import { AFI_IP, AFI_IP6, BGP4MP, describeType, MRT, TD2 } from './constants.js';
import { Cursor } from './cursor.js';
import type {
  AfiSafiRib,
  Bgp4mpMessage,
  Bgp4mpStateChange,
  Decoded,
  MrtPrefix,
  MrtRecord,
  PeerIndexEntry,
  PeerIndexTable,
  RibEntry,
  RibGeneric,
  TableDump,
} from './types.js';

export type { DecodeOptions } from './attributes.js';

/** What decoding one record needs to remember from earlier ones. */
export interface DecodeState {
  peerIndex: PeerIndexTable | undefined;
}

export const newDecodeState = (): DecodeState => ({ peerIndex: undefined });

const addr16 = Buffer.alloc(16);

function address(c: Cursor, afi: number): string {
  if (afi === AFI_IP6) {
    if (c.left >= 16) {
      const s = ipv6At(c.buf, c.pos);
      c.pos += 16;
      return s;
    }
    return ipv6At(c.bytes(16, addr16), 0);
  }
  if (c.left >= 4) {
    const s = ipv4At(c.buf, c.pos);
    c.pos += 4;
    return s;
  }
  return ipv4At(c.bytes(4, addr16), 0);
}

function prefixAt(c: Cursor, afi: number, opts: DecodeOptions): MrtPrefix {
  const len = c.u8();
  const width = afi === AFI_IP6 ? 16 : 4;
  const n = (len + 7) >> 3;
  addr16.fill(0);
  c.bytes(n, addr16);
  if (opts.maskHostBits && len < width * 8) {
    const full = len >> 3;
    if (len & 7) addr16[full] = addr16[full]! & (0xff << (8 - (len & 7)));
    addr16.fill(0, len & 7 ? full + 1 : full, 16);
  }
  return { address: afi === AFI_IP6 ? ipv6At(addr16, 0) : ipv4At(addr16, 0), length: len, pathId: 0 };
}

export function decodeRecord(r: MrtRecord, state: DecodeState, opts: DecodeOptions = {}): Decoded {
  const c = new Cursor(r.buf, r.start, r.end);
  switch (r.type) {
    case MRT.TABLE_DUMP:
      return tableDump(c, r.subtype, opts);
    case MRT.TABLE_DUMP_V2:
      return tableDumpV2(c, r.subtype, state, opts);
    case MRT.BGP4MP:
    case MRT.BGP4MP_ET:
      return bgp4mp(c, r.subtype, opts);
    default:
      return { kind: 'unsupported', reason: `${describeType(r.type, r.subtype)} is not supported` };
  }
}

function tableDump(c: Cursor, subtype: number, opts: DecodeOptions): Decoded {
  if (subtype < 1 || subtype > 4) return { kind: 'unsupported', reason: `TABLE_DUMP: unknown AFI ${subtype}` };
  const afi = subtype === 2 || subtype === 4 ? AFI_IP6 : AFI_IP;
  const view = c.u16();
  const sequence = c.u16();
  const width = afi === AFI_IP6 ? 16 : 4;
  const pfx = Buffer.alloc(16);
  c.bytes(width, pfx);
  const length = c.u8();
  if (opts.maskHostBits && length < width * 8) {
    const full = length >> 3;
    if (length & 7) pfx[full] = pfx[full]! & (0xff << (8 - (length & 7)));
    pfx.fill(0, length & 7 ? full + 1 : full, 16);
  }
  const prefix: MrtPrefix = { address: afi === AFI_IP6 ? ipv6At(pfx, 0) : ipv4At(pfx, 0), length, pathId: 0 };
  const status = c.u8();
  const originated = c.u32();
  const peerAddress = address(c, afi);
  const asnLen = subtype >= 3 ? 4 : 2;
  const peerAs = asnLen === 4 ? c.u32() : c.u16();
  const attributes = decodeAttributes(c, asnLen, false, opts);
  const out: TableDump = { kind: 'table_dump', afi, view, sequence, prefix, status, originated, peerAddress, peerAs, attributes };
  return out;
}

function peerIndexTable(c: Cursor): PeerIndexTable {
  const collectorId = address(c, AFI_IP);
  const nameLen = c.u16();
  const name = c.take(nameLen);
  const viewName = name.buf.toString('utf8', name.pos, name.end);
  const count = c.u16();
  const peers: PeerIndexEntry[] = [];
  for (let i = 0; i < count; i++) {
    const type = c.u8();
    const afi = type & 1 ? AFI_IP6 : AFI_IP;
    const bgpId = address(c, AFI_IP);
    const addr = address(c, afi);
    const asn = type & 2 ? c.u32() : c.u16();
    peers.push({ afi, bgpId, address: addr, asn });
  }
  return { kind: 'peer_index_table', collectorId, viewName, peers };
}

function ribEntries(c: Cursor, state: DecodeState, addPath: boolean, opts: DecodeOptions): RibEntry[] {
  const count = c.u16();
  const entries: RibEntry[] = [];
  const peers = state.peerIndex?.peers;
  for (let i = 0; i < count; i++) {
    const peerIndex = c.u16();
    const originated = c.u32();
    const pathId = addPath ? c.u32() : 0;
    // TABLE_DUMP_V2 attributes always carry 4-octet AS numbers (RFC 6396 §4.3.4).
    const attributes = decodeAttributes(c, 4, addPath, opts);
    entries.push({ peerIndex, peer: peers?.[peerIndex], originated, pathId, attributes });
  }
  return entries;
}

function tableDumpV2(c: Cursor, subtype: number, state: DecodeState, opts: DecodeOptions): Decoded {
  switch (subtype) {
    case TD2.PEER_INDEX_TABLE: {
      const t = peerIndexTable(c);
      state.peerIndex = t;
      return t;
    }
    case TD2.RIB_IPV4_UNICAST:
    case TD2.RIB_IPV4_MULTICAST:
    case TD2.RIB_IPV6_UNICAST:
    case TD2.RIB_IPV6_MULTICAST:
    case TD2.RIB_IPV4_UNICAST_ADDPATH:
    case TD2.RIB_IPV4_MULTICAST_ADDPATH:
    case TD2.RIB_IPV6_UNICAST_ADDPATH:
    case TD2.RIB_IPV6_MULTICAST_ADDPATH: {
      const base = subtype >= 8 ? subtype - 6 : subtype;
      const afi = base <= 3 ? AFI_IP : AFI_IP6;
      const safi = base === 2 || base === 4 ? 1 : 2;
      const addPath = subtype >= 8;
      const sequence = c.u32();
      const prefix = prefixAt(c, afi, opts);
      const entries = ribEntries(c, state, addPath, opts);
      const out: AfiSafiRib = { kind: 'rib', afi, safi, addPath, sequence, prefix, entries };
      return out;
    }
    case TD2.RIB_GENERIC:
    case TD2.RIB_GENERIC_ADDPATH: {
      const addPath = subtype === TD2.RIB_GENERIC_ADDPATH;
      const sequence = c.u32();
      const afi = c.u16();
      const safi = c.u8();
      // The NLRI's length depends on the AFI/SAFI; a single prefix for the families we know.
      const start = c.pos;
      if (afi === AFI_IP || afi === AFI_IP6) {
        if (addPath) c.skip(4);
        c.skip((c.u8() + 7) >> 3);
      }
      const nlri = c.buf.subarray(start, c.pos);
      const entries = afi === AFI_IP || afi === AFI_IP6 ? ribEntries(c, state, addPath, opts) : [];
      const out: RibGeneric = { kind: 'rib_generic', addPath, sequence, afi, safi, nlri, entries };
      return out;
    }
    default:
      return { kind: 'unsupported', reason: `${describeType(MRT.TABLE_DUMP_V2, subtype)} is not supported` };
  }
}

function bgp4mp(c: Cursor, subtype: number, opts: DecodeOptions): Decoded {
  const length = c.left;
  switch (subtype) {
    case BGP4MP.STATE_CHANGE:
    case BGP4MP.STATE_CHANGE_AS4: {
      const as4 = subtype === BGP4MP.STATE_CHANGE_AS4;
      const peerAs = as4 ? c.u32() : c.u16();
      const localAs = as4 ? c.u32() : c.u16();
      const base = { kind: 'state_change' as const, as4, local: false, addPath: false, peerAs, localAs };
      if (length === 8) {
        // Old Zebra wrote state changes without interface, family and addresses.
        const oldState = c.u16();
        const newState = c.u16();
        return { ...base, ifIndex: 0, afi: AFI_IP, peerAddress: '0.0.0.0', localAddress: '0.0.0.0', oldState, newState };
      }
      const ifIndex = c.u16();
      const afi = c.u16();
      if (afi !== AFI_IP && afi !== AFI_IP6) return { kind: 'unsupported', reason: `BGP4MP state change: unknown AFI ${afi}` };
      // bgpdump accepts either ASN width's length for either subtype.
      if (!okStateLength(afi, length)) {
        return { kind: 'unsupported', reason: `BGP4MP state change: bad length ${length}` };
      }
      const peerAddress = address(c, afi);
      const localAddress = address(c, afi);
      const oldState = c.u16();
      const newState = c.u16();
      const out: Bgp4mpStateChange = { ...base, ifIndex, afi, peerAddress, localAddress, oldState, newState };
      return out;
    }
    case BGP4MP.MESSAGE:
    case BGP4MP.MESSAGE_AS4:
    case BGP4MP.MESSAGE_LOCAL:
    case BGP4MP.MESSAGE_AS4_LOCAL:
    case BGP4MP.MESSAGE_ADDPATH:
    case BGP4MP.MESSAGE_AS4_ADDPATH:
    case BGP4MP.MESSAGE_LOCAL_ADDPATH:
    case BGP4MP.MESSAGE_AS4_LOCAL_ADDPATH:
      return message(c, subtype, opts);
    default:
      return { kind: 'unsupported', reason: `${describeType(MRT.BGP4MP, subtype)} is not supported` };
  }
}

const okStateLength = (afi: number, length: number): boolean => (afi === AFI_IP ? length === 20 || length === 24 : length === 44 || length === 48);

const MARKER_OK = (b: Buffer, p: number): boolean => {
  for (let i = 0; i < 16; i++) if (b[p + i] !== 0xff) return false;
  return true;
};

function message(c: Cursor, subtype: number, opts: DecodeOptions): Decoded {
  const as4 =
    subtype === BGP4MP.MESSAGE_AS4 ||
    subtype === BGP4MP.MESSAGE_AS4_LOCAL ||
    subtype === BGP4MP.MESSAGE_AS4_ADDPATH ||
    subtype === BGP4MP.MESSAGE_AS4_LOCAL_ADDPATH;
  const local =
    subtype === BGP4MP.MESSAGE_LOCAL ||
    subtype === BGP4MP.MESSAGE_AS4_LOCAL ||
    subtype === BGP4MP.MESSAGE_LOCAL_ADDPATH ||
    subtype === BGP4MP.MESSAGE_AS4_LOCAL_ADDPATH;
  const addPath = subtype >= BGP4MP.MESSAGE_ADDPATH;
  const asnLen = as4 ? 4 : 2;
  // Peer AS, local AS, interface, AFI, peer IP, local IP: the same layout for _LOCAL records.
  const peerAs = as4 ? c.u32() : c.u16();
  const localAs = as4 ? c.u32() : c.u16();
  let ifIndex = c.u16();
  let afi = c.u16();
  let peerAddress = '0.0.0.0';
  let localAddress = '0.0.0.0';
  let markerAt = c.pos;
  let marker = 16;
  if (afi === AFI_IP || afi === AFI_IP6) {
    peerAddress = address(c, afi);
    localAddress = address(c, afi);
    markerAt = c.pos;
  } else if (afi === 0xffff && ifIndex === 0xffff) {
    // Old Zebra wrote OPENs without interface and addresses: those 4 octets are the marker's start.
    ifIndex = 0;
    afi = AFI_IP;
    markerAt = c.pos - 4;
    marker = 12;
  } else {
    return { kind: 'unsupported', reason: `BGP4MP message: unsupported AFI ${afi}` };
  }
  const header = { as4, local, addPath, ifIndex, afi, peerAs, localAs, peerAddress, localAddress };
  const ok = c.left >= marker && MARKER_OK(c.buf, markerAt);
  c.skip(marker);
  if (!ok) return { kind: 'unsupported', reason: 'BGP4MP message: bad BGP marker' };
  const size = c.u16();
  const body = c.take(size - 18);
  const messageType = body.u8();
  const message = c.buf.subarray(markerAt, body.end);
  const out: Bgp4mpMessage = { kind: 'message', ...header, messageType, message, update: undefined };
  if (messageType === 2) {
    const wlen = body.u16();
    const wc = body.take(wlen);
    const withdrawn = readPrefixes(wc, AFI_IP, addPath, opts, []);
    const attributes = decodeAttributes(body, asnLen, addPath, opts);
    const announced = readPrefixes(body, AFI_IP, addPath, opts, []);
    out.update = { withdrawn, attributes, announced };
  }
  return out;
}
