// The route part of a bgpdump -m/-M line ("path|origin|next-hop|lp|med|communities|AG|aggregator|\n",
// or "path|origin\n") written straight from the attribute bytes into a ByteSink: no Attributes
// object, no strings. It is the fast path's renderer for attribute blocks the suffix cache has
// not seen yet, and prints what route-text.ts prints from the decoded attributes.
//
// It renders only blocks whose text has one reading: each attribute whole and at most once,
// the fixed-size ones at their size, no AS4_PATH/AS4_AGGREGATOR to merge (2-octet ASN records),
// an AS path short enough never to be cut with "...", and for RIB next hops the abbreviated
// MP_REACH_NLRI. For anything else it returns false (with out as it was) and the caller goes
// through the decoder, which keeps every bgpdump rule for damaged and unusual input.

import type { ByteSink } from './byte-sink.js';
import { AFI_IP, ATTR } from './constants.js';

/** Where the next hop comes from. */
export const NH_ATTR = 0; // the NEXT_HOP attribute (255.255.255.255 when absent)
export const NH_RIB = 1; // the abbreviated MP_REACH_NLRI's IPv6 next hop if present, else NEXT_HOP
export const NH_GIVEN = 2; // the bytes at nhAt (an MP_REACH_NLRI next hop of AFI nhAfi)

const BAR = 0x7c;
/** AS_PATH attributes longer than this may print past bgpdump's 7,900-character cut: left to the decoder. */
const MAX_AS_PATH = 1500;
const AS_SET = 1;
const AS_SEQUENCE = 2;
const AS_CONFED_SEQUENCE = 3;
const AS_CONFED_SET = 4;

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const ORIGIN_TEXT = [ascii('IGP'), ascii('EGP'), ascii('INCOMPLETE')];
const ERROR = ascii('! Error !');
const AG = ascii('|AG|');
const NAG = ascii('|NAG|');
const NO_EXPORT = ascii('no-export');
const NO_ADVERTISE = ascii('no-advertise');
const LOCAL_AS = ascii('local-AS');
const NONE = ascii('255.255.255.255');

const open = (t: number): number => (t === AS_SET ? 0x7b : t === AS_CONFED_SET ? 0x5b : t === AS_CONFED_SEQUENCE ? 0x28 : 0x20);
const close = (t: number): number => (t === AS_SET ? 0x7d : t === AS_CONFED_SET ? 0x5d : t === AS_CONFED_SEQUENCE ? 0x29 : 0x20);

const put = (out: ByteSink, t: Uint8Array): void => out.copy(t, 0, t.length);

/** Positions of the attributes that print, by type (0: absent); reused between calls. */
const at = new Int32Array(33);
const lenOf = new Int32Array(33);

/**
 * Writes the route text for the attributes in b[s, e) (the attributes themselves, after the
 * block's length) and returns true, or writes nothing and returns false. full: -m (else -M).
 * signed: local pref and MED as int32 (bgpdump's quirk for IPv4 MP_REACH routes).
 */
export function renderRoute(
  b: Buffer,
  s: number,
  e: number,
  asnLen: 2 | 4,
  full: boolean,
  nh: number,
  nhAt: number,
  nhAfi: number,
  signed: boolean,
  out: ByteSink,
): boolean {
  at.fill(0);
  for (let t = s; t < e; ) {
    if (e - t < 3) return false;
    const ext = b[t]! & 0x10;
    if (ext && e - t < 4) return false;
    const type = b[t + 1]!;
    const v = t + (ext ? 4 : 3);
    const len = ext ? (b[t + 2]! << 8) | b[t + 3]! : b[t + 2]!;
    if (v + len > e) return false;
    if (type >= 1 && type <= 32) {
      if (at[type] !== 0) return false;
      at[type] = v;
      lenOf[type] = len;
    }
    t = v + len;
  }
  if (at[ATTR.ORIGIN] && lenOf[ATTR.ORIGIN] !== 1) return false;
  if (asnLen === 2 && (at[ATTR.AS4_PATH] || at[ATTR.AS4_AGGREGATOR])) return false;
  if (at[ATTR.AS_PATH] && lenOf[ATTR.AS_PATH] > MAX_AS_PATH) return false;
  if (full) {
    if (at[ATTR.NEXT_HOP] && lenOf[ATTR.NEXT_HOP] !== 4) return false;
    if (at[ATTR.MULTI_EXIT_DISC] && lenOf[ATTR.MULTI_EXIT_DISC] !== 4) return false;
    if (at[ATTR.LOCAL_PREF] && lenOf[ATTR.LOCAL_PREF] !== 4) return false;
    if (at[ATTR.AGGREGATOR] && lenOf[ATTR.AGGREGATOR] !== asnLen + 4) return false;
    if (at[ATTR.COMMUNITIES] && lenOf[ATTR.COMMUNITIES] & 3) return false;
    if (nh === NH_RIB && at[ATTR.MP_REACH_NLRI]) {
      // The abbreviated form: the next-hop length first, never 0 (0 starts the full form's AFI).
      const m = at[ATTR.MP_REACH_NLRI]!;
      if (b[m] === 0 || lenOf[ATTR.MP_REACH_NLRI] < 17) return false;
    }
  }

  const mark = out.pos;
  if (at[ATTR.AS_PATH] && !asPath(b, at[ATTR.AS_PATH]!, at[ATTR.AS_PATH]! + lenOf[ATTR.AS_PATH]!, asnLen, out)) {
    out.pos = mark;
    put(out, ERROR);
  }
  out.byte(BAR);
  const o = at[ATTR.ORIGIN] ? b[at[ATTR.ORIGIN]!]! : 2;
  put(out, ORIGIN_TEXT[Math.min(o, 2)]!);
  if (!full) {
    out.byte(0x0a);
    return true;
  }
  out.byte(BAR);
  if (nh === NH_GIVEN) {
    if (nhAfi === AFI_IP) out.ipv4(b, nhAt);
    else out.ipv6(b, nhAt);
  } else if (nh === NH_RIB && at[ATTR.MP_REACH_NLRI]) {
    out.ipv6(b, at[ATTR.MP_REACH_NLRI]! + 1);
  } else if (at[ATTR.NEXT_HOP]) {
    out.ipv4(b, at[ATTR.NEXT_HOP]!);
  } else {
    put(out, NONE);
  }
  out.byte(BAR);
  const lp = at[ATTR.LOCAL_PREF] ? b.readUInt32BE(at[ATTR.LOCAL_PREF]!) : 0;
  if (signed) out.int32(lp);
  else out.uint(lp);
  out.byte(BAR);
  const med = at[ATTR.MULTI_EXIT_DISC] ? b.readUInt32BE(at[ATTR.MULTI_EXIT_DISC]!) : 0;
  if (signed) out.int32(med);
  else out.uint(med);
  out.byte(BAR);
  if (at[ATTR.COMMUNITIES]) {
    const c = at[ATTR.COMMUNITIES]!;
    const end = c + lenOf[ATTR.COMMUNITIES]!;
    for (let p = c; p < end; p += 4) {
      if (p !== c) out.byte(0x20);
      const hi = (b[p]! << 8) | b[p + 1]!;
      const lo = (b[p + 2]! << 8) | b[p + 3]!;
      if (hi === 0xffff && lo >= 0xff01 && lo <= 0xff03) {
        put(out, lo === 0xff01 ? NO_EXPORT : lo === 0xff02 ? NO_ADVERTISE : LOCAL_AS);
      } else {
        out.uint(hi);
        out.byte(0x3a);
        out.uint(lo);
      }
    }
  }
  put(out, at[ATTR.ATOMIC_AGGREGATE] ? AG : NAG);
  if (at[ATTR.AGGREGATOR]) {
    const g = at[ATTR.AGGREGATOR]!;
    const addr = b.readUInt32BE(g + asnLen);
    if (addr !== 0xffffffff) {
      out.uint(asnLen === 4 ? b.readUInt32BE(g) : (b[g]! << 8) | b[g + 1]!);
      out.byte(0x20);
      out.ipv4Num(addr);
    }
  }
  out.byte(BAR);
  out.byte(0x0a);
  return true;
}

/** bgpdump's AS path text (as-path.ts's describe, written as bytes); false for a malformed path. */
function asPath(d: Buffer, s: number, end: number, w: 2 | 4, out: ByteSink): boolean {
  let space = false;
  let prev = AS_SEQUENCE;
  let last = 0;
  let pos = s;
  while (pos < end) {
    const type = d[pos]!;
    const n = pos + 1 < end ? d[pos + 1]! : 0;
    if (type < AS_SET || type > AS_CONFED_SET || pos + n * w + 2 > end) return false;
    if (prev !== AS_SEQUENCE) out.byte(close(prev));
    if (space) out.byte(0x20);
    if (type !== AS_SEQUENCE) out.byte(open(type));
    space = false;
    const sep = type === AS_SET || type === AS_CONFED_SET ? 0x2c : 0x20;
    let q = pos + 2;
    for (let i = 0; i < n; i++, q += w) {
      if (space) out.byte(sep);
      else space = true;
      out.uint(w === 4 ? d.readUInt32BE(q) : (d[q]! << 8) | d[q + 1]!);
    }
    prev = type;
    last = type;
    pos += n * w + 2;
  }
  if (last !== 0 && last !== AS_SEQUENCE) out.byte(close(last));
  return true;
}
