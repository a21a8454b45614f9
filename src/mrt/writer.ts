// Encodes MRT records (RFC 6396): TABLE_DUMP_V2 peer index and RIB entries, and BGP4MP
// MESSAGE_AS4 / STATE_CHANGE_AS4, so the speaker can dump its RIBs and received updates in a
// form that bgpdump and every other MRT tool reads.
import { type Address, parseAddress } from '../net/address.js';
import { AFI_IP, AFI_IP6, BGP4MP, MRT, TD2 } from './constants.js';

function addr(text: string): Address {
  const a = parseAddress(text);
  if (!a) throw new Error(`not an IP address: ${text}`);
  return a;
}

function addrBytes(a: Address): Buffer {
  const n = a.family === 4 ? 4 : 16;
  const b = Buffer.alloc(n);
  let v = a.value;
  for (let i = n - 1; i >= 0; i--) {
    b[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return b;
}

function header(timestamp: number, type: number, subtype: number, body: Buffer, microseconds?: number): Buffer {
  const et = microseconds !== undefined;
  const h = Buffer.alloc(et ? 16 : 12);
  h.writeUInt32BE(timestamp >>> 0, 0);
  h.writeUInt16BE(type, 4);
  h.writeUInt16BE(subtype, 6);
  h.writeUInt32BE(body.length + (et ? 4 : 0), 8);
  if (et) h.writeUInt32BE(microseconds, 12);
  return Buffer.concat([h, body]);
}

export interface PeerIndexPeer {
  bgpId: string;
  address: string;
  asn: number;
}

/** PEER_INDEX_TABLE; peers are written with 4-octet ASNs. RIB entries refer to them by position. */
export function encodePeerIndexTable(timestamp: number, collectorId: string, viewName: string, peers: PeerIndexPeer[]): Buffer {
  const name = Buffer.from(viewName, 'utf8');
  const parts: Buffer[] = [addrBytes(addr(collectorId)), u16(name.length), name, u16(peers.length)];
  for (const p of peers) {
    const a = addr(p.address);
    parts.push(Buffer.from([(a.family === 6 ? 1 : 0) | 2]), addrBytes(addr(p.bgpId)), addrBytes(a), u32(p.asn));
  }
  return header(timestamp, MRT.TABLE_DUMP_V2, TD2.PEER_INDEX_TABLE, Buffer.concat(parts));
}

export interface RibEntryInput {
  peerIndex: number;
  originated: number;
  /** RFC 8050 path identifier: given on every entry, the record is written as _ADDPATH. */
  pathId?: number;
  /** Encoded path attributes (4-octet AS_PATH; MP_REACH_NLRI abbreviated): see encodeRibAttributes. */
  attributes: Buffer;
}

/** RIB_IPV4_UNICAST / RIB_IPV6_UNICAST (or their _ADDPATH forms) for one prefix ("203.0.113.0/24"). */
export function encodeRib(timestamp: number, sequence: number, prefix: string, entries: RibEntryInput[]): Buffer {
  const [text, lenText] = prefix.split('/');
  const a = addr(text ?? '');
  const len = Number(lenText);
  if (!Number.isInteger(len) || len < 0 || len > (a.family === 4 ? 32 : 128)) throw new Error(`bad prefix length: ${prefix}`);
  const addPath = entries.length > 0 && entries.every((e) => e.pathId !== undefined);
  const subtype =
    a.family === 4 ? (addPath ? TD2.RIB_IPV4_UNICAST_ADDPATH : TD2.RIB_IPV4_UNICAST) : addPath ? TD2.RIB_IPV6_UNICAST_ADDPATH : TD2.RIB_IPV6_UNICAST;
  const parts: Buffer[] = [u32(sequence), Buffer.from([len]), addrBytes(a).subarray(0, (len + 7) >> 3), u16(entries.length)];
  for (const e of entries) {
    parts.push(u16(e.peerIndex), u32(e.originated));
    if (addPath) parts.push(u32(e.pathId ?? 0));
    parts.push(u16(e.attributes.length), e.attributes);
  }
  return header(timestamp, MRT.TABLE_DUMP_V2, subtype, Buffer.concat(parts));
}

export interface RouteAttributes {
  origin: 0 | 1 | 2;
  /** AS_SEQUENCE, first hop first. */
  asPath: number[];
  nextHop: string;
  /** IPv6 link-local next hop (written as a 32-octet next hop). */
  nextHopLocal?: string;
  med?: number;
  localPref?: number;
  atomicAggregate?: boolean;
  aggregator?: { asn: number; address: string };
  communities?: number[];
  largeCommunities?: Array<[number, number, number]>;
}

function attr(flags: number, type: number, value: Buffer): Buffer {
  if (value.length > 255) return Buffer.concat([Buffer.from([flags | 0x10, type]), u16(value.length), value]);
  return Buffer.concat([Buffer.from([flags, type, value.length]), value]);
}

/**
 * Path attributes as TABLE_DUMP_V2 wants them: 4-octet AS_PATH, and for an IPv6 next hop the
 * abbreviated MP_REACH_NLRI of RFC 6396 §4.3.4 (next-hop length and next hop only).
 */
export function encodeRibAttributes(r: RouteAttributes): Buffer {
  const out: Buffer[] = [attr(0x40, 1, Buffer.from([r.origin]))];
  const path: Buffer[] = [];
  for (let i = 0; i < r.asPath.length; i += 255) {
    const seg = r.asPath.slice(i, i + 255);
    path.push(Buffer.from([2, seg.length]), ...seg.map(u32));
  }
  out.push(attr(0x40, 2, Buffer.concat(path)));
  const nh = addr(r.nextHop);
  if (nh.family === 4) out.push(attr(0x40, 3, addrBytes(nh)));
  if (r.med !== undefined) out.push(attr(0x80, 4, u32(r.med)));
  if (r.localPref !== undefined) out.push(attr(0x40, 5, u32(r.localPref)));
  if (r.atomicAggregate) out.push(attr(0x40, 6, Buffer.alloc(0)));
  if (r.aggregator) out.push(attr(0xc0, 7, Buffer.concat([u32(r.aggregator.asn), addrBytes(addr(r.aggregator.address))])));
  if (r.communities?.length) out.push(attr(0xc0, 8, Buffer.concat(r.communities.map(u32))));
  if (nh.family === 6) {
    const hops = [addrBytes(nh), ...(r.nextHopLocal ? [addrBytes(addr(r.nextHopLocal))] : [])];
    const v = Buffer.concat(hops);
    out.push(attr(0x80, 14, Buffer.concat([Buffer.from([v.length]), v])));
  }
  if (r.largeCommunities?.length) out.push(attr(0xc0, 32, Buffer.concat(r.largeCommunities.flat().map(u32))));
  return Buffer.concat(out);
}

export interface Bgp4mpPeers {
  peerAs: number;
  localAs: number;
  ifIndex?: number;
  peerAddress: string;
  localAddress: string;
}

function bgp4mpHeader(p: Bgp4mpPeers): Buffer {
  const pa = addr(p.peerAddress);
  const la = addr(p.localAddress);
  if (pa.family !== la.family) throw new Error('peer and local address must be of one family');
  return Buffer.concat([u32(p.peerAs), u32(p.localAs), u16(p.ifIndex ?? 0), u16(pa.family === 6 ? AFI_IP6 : AFI_IP), addrBytes(pa), addrBytes(la)]);
}

/**
 * BGP4MP_MESSAGE_AS4 holding one BGP message as received (marker, length, type, body; the
 * session negotiated 4-octet ASNs). With microseconds, BGP4MP_ET is written.
 */
export function encodeBgp4mpMessage(timestamp: number, peers: Bgp4mpPeers, message: Buffer, microseconds?: number): Buffer {
  const type = microseconds === undefined ? MRT.BGP4MP : MRT.BGP4MP_ET;
  return header(timestamp, type, BGP4MP.MESSAGE_AS4, Buffer.concat([bgp4mpHeader(peers), message]), microseconds);
}

/** BGP4MP_STATE_CHANGE_AS4; states are RFC 6396's: 1 Idle ... 6 Established. */
export function encodeStateChange(timestamp: number, peers: Bgp4mpPeers, oldState: number, newState: number, microseconds?: number): Buffer {
  const type = microseconds === undefined ? MRT.BGP4MP : MRT.BGP4MP_ET;
  return header(timestamp, type, BGP4MP.STATE_CHANGE_AS4, Buffer.concat([bgp4mpHeader(peers), u16(oldState), u16(newState)]), microseconds);
}

function u16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v);
  return b;
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
}
