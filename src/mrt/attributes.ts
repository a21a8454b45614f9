// BGP path attributes as MRT records carry them, decoded with bgpdump's rules (MRT needs its
// own decoder: TABLE_DUMP_V2 abbreviates MP_REACH_NLRI to the next hop, and printing what
// bgpdump prints means keeping its view of duplicates, unknown AFI/SAFI and short reads).

import { ipv4At, ipv6At } from './address.js';
import { asPathFrom, mergeAs4 } from './as-path.js';
import { AFI_IP, AFI_IP6, ATTR } from './constants.js';
import type { Cursor } from './cursor.js';
import type { Attributes, MpNlri, MrtPrefix } from './types.js';

const AS_TRANS = 23456;
const MAX_AFI = 2;
const MAX_SAFI = 3;
const INADDR_NONE = 0xffffffff;

export interface DecodeOptions {
  /** Clear host bits of prefixes (newer bgpdump); 1.6.2 prints the bytes as recorded. */
  maskHostBits?: boolean;
}

const scratch = Buffer.alloc(48);

/** Reads NLRI (RFC 4271 / RFC 7911 prefixes) until the cursor ends or a prefix is cut short. */
export function readPrefixes(c: Cursor, afi: number, addPath: boolean, opts: DecodeOptions, out: MrtPrefix[]): MrtPrefix[] {
  const width = afi === AFI_IP6 ? 16 : 4;
  const b = c.buf;
  while (c.pos < c.end) {
    const pathId = addPath ? c.u32() : 0;
    const len = c.u8();
    const nbytes = (len + 7) >> 3;
    if (c.end - c.pos < nbytes) break;
    let address: string;
    const p = c.pos;
    if (nbytes >= width && !(opts.maskHostBits && len < width * 8)) {
      address = width === 4 ? ipv4At(b, p) : ipv6At(b, p);
    } else {
      scratch.fill(0, 0, 16);
      const n = Math.min(nbytes, width);
      for (let i = 0; i < n; i++) scratch[i] = b[p + i]!;
      if (opts.maskHostBits && len < width * 8) {
        const full = len >> 3;
        if (len & 7) scratch[full] = scratch[full]! & (0xff << (8 - (len & 7)));
        scratch.fill(0, len & 7 ? full + 1 : full, 16);
      }
      address = width === 4 ? ipv4At(scratch, 0) : ipv6At(scratch, 0);
    }
    c.pos = p + nbytes;
    if (nbytes > 16) {
      // bgpdump copies the octets into a 16-octet field, so the 17th lands on the length and
      // the 21st-24th on the path id (host order); print what it prints.
      out.push({ address, length: b[p + 16]!, pathId: nbytes > 20 ? overflowPathId(b, p, nbytes, pathId) : pathId });
      continue;
    }
    out.push({ address, length: len, pathId });
  }
  return out;
}

function overflowPathId(b: Buffer, p: number, nbytes: number, pathId: number): number {
  const le = [pathId >>> 24, (pathId >>> 16) & 255, (pathId >>> 8) & 255, pathId & 255].reverse();
  for (let i = 20; i < 24 && i < nbytes; i++) le[i - 20] = b[p + i]!;
  return (le[0]! | (le[1]! << 8) | (le[2]! << 16) | (le[3]! << 24)) >>> 0;
}

export function emptyAttributes(): Attributes {
  return {
    seen: 0,
    origin: -1,
    asPath: undefined,
    as4Path: undefined,
    nextHop: INADDR_NONE,
    med: 0,
    localPref: 0,
    aggregatorAs: 0,
    aggregatorAddress: INADDR_NONE,
    as4AggregatorAs: 0,
    as4AggregatorAddress: INADDR_NONE,
    communities: undefined,
    communityText: '',
    largeCommunities: undefined,
    originatorId: undefined,
    clusterList: undefined,
    mpReach: [],
    mpUnreach: [],
    unknown: [],
    warnings: undefined,
  };
}

function warn(a: Attributes, text: string): void {
  (a.warnings ??= []).push(text);
}

function readNextHop(c: Cursor, afi: number, safi: number): MpNlri {
  const nextHopLength = c.u8();
  const b = scratch;
  if (afi === AFI_IP) {
    return { afi, safi, nextHopLength, nextHop: ipv4At(c.bytes(4, b), 0), nextHopLocal: undefined, prefixes: [] };
  }
  // bgpdump reads 16 octets whatever the length says, and a second 16 when it says 32.
  const nextHop = ipv6At(c.bytes(16, b), 0);
  const nextHopLocal = nextHopLength === 32 ? ipv6At(c.bytes(16, b), 0) : undefined;
  return { afi, safi, nextHopLength, nextHop, nextHopLocal, prefixes: [] };
}

function mpReach(c: Cursor, a: Attributes, addPath: boolean, opts: DecodeOptions): void {
  // RFC 6396 §4.3.4: in TABLE_DUMP_V2 only the next-hop length and next hop are kept; bgpdump
  // tells the forms apart by the first octet (AFI's high octet is 0 in the full form).
  if (c.pos < c.end && c.buf[c.pos] !== 0) {
    if (a.mpReach.some((m) => m.afi === AFI_IP6 && m.safi === 1)) return;
    a.mpReach.push(readNextHop(c, AFI_IP6, 1));
    return;
  }
  const afi = c.u16();
  const safi = c.u8();
  if (afi > MAX_AFI || safi > MAX_SAFI) {
    warn(a, `MP_REACH_NLRI: unknown protocol (AFI=${afi}, SAFI=${safi})`);
    return;
  }
  if (a.mpReach.some((m) => m.afi === afi && m.safi === safi)) {
    warn(a, `MP_REACH_NLRI: two for the same protocol (${afi}, ${safi})`);
    return;
  }
  const m = readNextHop(c, afi, safi);
  a.mpReach.push(m);
  for (let snpa = c.u8(); snpa > 0; snpa--) c.skip(c.u8());
  readPrefixes(c, afi, addPath, opts, m.prefixes);
}

function mpUnreach(c: Cursor, a: Attributes, addPath: boolean, opts: DecodeOptions): void {
  const afi = c.u16();
  const safi = c.u8();
  if (afi > MAX_AFI || safi > MAX_SAFI) {
    warn(a, `MP_UNREACH_NLRI: unknown AFI,SAFI ${afi},${safi}`);
    return;
  }
  if (a.mpUnreach.some((m) => m.afi === afi && m.safi === safi)) {
    warn(a, `MP_UNREACH_NLRI: more than one for AFI,SAFI ${afi},${safi}`);
    return;
  }
  const m: MpNlri = { afi, safi, nextHopLength: 0, nextHop: '', nextHopLocal: undefined, prefixes: [] };
  a.mpUnreach.push(m);
  readPrefixes(c, afi, addPath, opts, m.prefixes);
}

function communityText(list: number[]): string {
  let s = '';
  for (const v of list) {
    if (v === 0xffffff01) s += ' no-export';
    else if (v === 0xffffff02) s += ' no-advertise';
    else if (v === 0xffffff03) s += ' local-AS';
    else s += ' ' + (v >>> 16) + ':' + (v & 0xffff);
  }
  return s;
}

const slice = (c: Cursor): Uint8Array => c.buf.subarray(c.pos, c.end);

/**
 * Decodes an attribute block: a 2-octet total length, then the attributes. asnLen is 2 for
 * BGP4MP_MESSAGE and TABLE_DUMP, 4 for the _AS4 subtypes and TABLE_DUMP_V2.
 */
export function decodeAttributes(outer: Cursor, asnLen: 2 | 4, addPath: boolean, opts: DecodeOptions): Attributes {
  const total = outer.u16();
  const c = outer.take(total);
  const a = emptyAttributes();
  if (c.left !== total) warn(a, `attributes truncated: expected ${total} bytes, ${c.left} present`);
  const b = c.buf;
  while (c.pos < c.end) {
    const flags = c.u8();
    const type = c.u8();
    const len = flags & 0x10 ? c.u16() : c.u8();
    const s = c.take(len);
    if (s.left !== len) {
      warn(a, `attribute ${type} truncated: expected ${len} bytes, ${s.left} present`);
      break;
    }
    if (type >= 1 && type <= 32) a.seen |= 1 << (type - 1);
    switch (type) {
      case ATTR.ORIGIN:
        a.origin = s.u8();
        break;
      case ATTR.AS_PATH:
        a.asPath = asPathFrom(slice(s), asnLen);
        break;
      case ATTR.NEXT_HOP:
        a.nextHop = s.u32() >>> 0;
        break;
      case ATTR.MULTI_EXIT_DISC:
        a.med = s.u32() >>> 0;
        break;
      case ATTR.LOCAL_PREF:
        a.localPref = s.u32() >>> 0;
        break;
      case ATTR.ATOMIC_AGGREGATE:
        break;
      case ATTR.AGGREGATOR:
        a.aggregatorAs = asnLen === 4 ? s.u32() >>> 0 : s.u16();
        a.aggregatorAddress = s.u32() >>> 0;
        break;
      case ATTR.COMMUNITIES: {
        const list: number[] = [];
        for (let i = 0; i + 4 <= len; i += 4) list.push(b.readUInt32BE(s.pos + i));
        a.communities = list;
        a.communityText = communityText(list);
        break;
      }
      case ATTR.AS4_PATH:
        a.as4Path = asPathFrom(slice(s), 4);
        break;
      case ATTR.AS4_AGGREGATOR:
        a.as4AggregatorAs = s.u32() >>> 0;
        a.as4AggregatorAddress = s.u32() >>> 0;
        break;
      case ATTR.ORIGINATOR_ID:
        a.originatorId = s.u32() >>> 0;
        break;
      case ATTR.CLUSTER_LIST: {
        const list: number[] = [];
        for (let i = 0; i + 4 <= len; i += 4) list.push(b.readUInt32BE(s.pos + i));
        a.clusterList = list;
        break;
      }
      case ATTR.MP_REACH_NLRI:
        mpReach(s, a, addPath, opts);
        break;
      case ATTR.MP_UNREACH_NLRI:
        mpUnreach(s, a, addPath, opts);
        break;
      case ATTR.LARGE_COMMUNITY: {
        const list = [];
        for (let i = 0; i + 12 <= len; i += 12) {
          list.push({ global: b.readUInt32BE(s.pos + i), local1: b.readUInt32BE(s.pos + i + 4), local2: b.readUInt32BE(s.pos + i + 8) });
        }
        a.largeCommunities = list;
        a.unknown.push({ flags, type, data: slice(s) });
        break;
      }
      default:
        a.unknown.push({ flags, type, data: slice(s) });
    }
  }
  if (asnLen === 2) as4Transition(a);
  return a;
}

/** RFC 6793 §4.2.3 as bgpdump applies it (it skips the path merge when AGGREGATOR is not AS_TRANS). */
function as4Transition(a: Attributes): void {
  const AGG = 1 << (ATTR.AGGREGATOR - 1);
  const AS4_AGG = 1 << (ATTR.AS4_AGGREGATOR - 1);
  if (a.seen & AGG && a.seen & AS4_AGG) {
    if (a.aggregatorAs !== AS_TRANS) return;
    a.aggregatorAs = a.as4AggregatorAs;
    a.aggregatorAddress = a.as4AggregatorAddress;
  }
  if (!(a.seen & (1 << (ATTR.AS4_PATH - 1))) || !a.asPath || !a.as4Path) return;
  if (a.asPath.count < a.as4Path.count) return;
  a.asPath = mergeAs4(a.asPath, a.as4Path);
}
