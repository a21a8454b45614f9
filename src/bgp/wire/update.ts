// UPDATE messages (RFC 4271 §4.3, RFC 4760): decoding with RFC 7606 outcomes, and encoding that
// packs as many prefixes sharing one attribute set as fit in a message.

import { formatIPv4, formatIPv6 } from '../../net/address.js';
import type { PrefixKey } from '../../net/prefix-key.js';
import { type DecodeContext, decodeAttributes, type MpReach, type MpUnreach } from './attributes/decode.js';
import { type EncodeContext, encodeAttributes, encodeMpNextHop } from './attributes/encode.js';
import type { PathAttributes } from './attributes/types.js';
import { AttrFlag, AttrType, ErrorCode, HEADER_LENGTH as HDR, HEADER_LENGTH, MessageType, UpdateSubcode } from './constants.js';
import { type BgpError, bgpError, Severity, type UpdateProblem } from './errors.js';
import { encodeMessage } from './header.js';
import { decodeNlri, encodedSize, encodePrefixKey, type Nlri } from './nlri.js';
import { Writer } from './writer.js';

export interface Update {
  /** IPv4 withdrawn routes field */
  withdrawn: Nlri;
  /** IPv4 NLRI field */
  nlri: Nlri;
  attrs: PathAttributes;
  mpReach?: MpReach;
  mpUnreach?: MpUnreach;
  /** RFC 7606: the attributes are malformed; every announced prefix must be handled as withdrawn */
  treatAsWithdraw: boolean;
  /** everything that was wrong but survivable, for logs */
  problems: UpdateProblem[];
  /**
   * The interning key: the raw attribute bytes, identical for identical attribute sets; with MP
   * attributes (`mp`), the other attributes' bytes followed by the MP_REACH next hop.
   */
  attrKey: Buffer;
  /** the UPDATE has MP_REACH or MP_UNREACH attributes (their keys are a separate key space) */
  mp: boolean;
  /**
   * The attributes decoded without any problem and without MP attributes: decoding the same
   * bytes again gives the same result, so a receiver may skip it (see KnownAttributes).
   */
  clean: boolean;
  /**
   * Set when `known` recognised the attribute bytes: its set, whose attributes these are.
   * `attrs` is then empty and not decoded.
   */
  known?: Route;
  /** RFC 4724 End-of-RIB marker for this family, if the UPDATE is one */
  endOfRib?: { afi: number; safi: number };
  /** the NEXT_HOP attribute's address, the next hop of the IPv4 NLRI field (not set when `known`) */
  ipv4NextHop?: string;
  /** why NEXT_HOP is not a host address: the IPv4 NLRI field's routes are to be ignored */
  nextHopProblem?: string;
}

export type { DecodeContext, MpReach, MpUnreach };

/** Something that carries decoded attributes: the RIB's interned attribute sets, what the decision process compares and policies see. */
export interface Route {
  readonly attrs: PathAttributes;
}

/**
 * Finds attributes already decoded from the same bytes by an earlier clean UPDATE of this
 * session. A full table repeats each attribute set a few times: those UPDATEs skip decoding.
 */
export interface KnownAttributes {
  find(buf: Buffer, start: number, end: number): Route | undefined;
}

const NO_ATTRIBUTES: PathAttributes = Object.freeze({});
const EMPTY = Buffer.alloc(0);

/** Decodes an UPDATE body (after the 19-byte header). */
const malformed = (reason: string) => bgpError(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, reason);
const NO_PROBLEMS: UpdateProblem[] = Object.freeze([]) as unknown as UpdateProblem[];

export function decodeUpdate(body: Buffer, ctx: DecodeContext, known?: KnownAttributes): Update | BgpError {
  if (body.length < 4) return malformed('UPDATE shorter than its two length fields');
  const wl = body.readUInt16BE(0);
  if (2 + wl + 2 > body.length) return malformed(`withdrawn routes length ${wl} overruns the message`);
  const tal = body.readUInt16BE(2 + wl);
  const as = 4 + wl;
  const ae = as + tal;
  if (ae > body.length) return malformed(`total path attribute length ${tal} overruns the message`);

  const withdrawn = decodeNlri(body, 2, 2 + wl, 1, ctx.addPathV4);
  if (typeof withdrawn === 'string') return bgpError(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.INVALID_NETWORK_FIELD, `withdrawn routes: ${withdrawn}`);
  const nlri = decodeNlri(body, ae, body.length, 1, ctx.addPathV4);
  if (typeof nlri === 'string') return bgpError(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.INVALID_NETWORK_FIELD, `NLRI: ${nlri}`);

  if (tal === 0) {
    const eor = wl === 0 && nlri.keys.length === 0;
    const problems: UpdateProblem[] = [];
    // §3 d: NLRI without any attribute lacks every mandatory attribute.
    if (nlri.keys.length) problems.push({ severity: Severity.TREAT_AS_WITHDRAW, attr: 0, reason: 'NLRI without path attributes' });
    return {
      withdrawn,
      nlri,
      attrs: {},
      treatAsWithdraw: nlri.keys.length > 0,
      problems,
      attrKey: EMPTY,
      mp: false,
      clean: false,
      ...(eor ? { endOfRib: { afi: 1, safi: 1 } } : {}),
    };
  }

  if (known) {
    const k = known.find(body, as, ae);
    if (k) return { withdrawn, nlri, attrs: NO_ATTRIBUTES, treatAsWithdraw: false, problems: NO_PROBLEMS, attrKey: EMPTY, mp: false, clean: true, known: k };
  }

  const d = decodeAttributes(body, as, ae, ctx);
  if ('code' in d) return d;
  const { attrs, problems, mpReach, mpUnreach } = d;
  const missing: string[] = [];
  const announces = nlri.keys.length > 0 || (mpReach !== undefined && mpReach.nlri.keys.length > 0);
  if (announces) {
    if (!d.hasOrigin && !problems.some((p) => p.attr === AttrType.ORIGIN)) missing.push('ORIGIN');
    if (!d.hasAsPath && !problems.some((p) => p.attr === AttrType.AS_PATH)) missing.push('AS_PATH');
    if (nlri.keys.length && !d.hasNextHop && !problems.some((p) => p.attr === AttrType.NEXT_HOP)) missing.push('NEXT_HOP');
  }
  if (missing.length) problems.push({ severity: Severity.TREAT_AS_WITHDRAW, attr: 0, reason: `missing well-known attribute(s) ${missing.join(', ')}` });
  if (mpReach) {
    attrs.nextHop = mpReach.nextHop;
    if (mpReach.linkLocalNextHop) attrs.linkLocalNextHop = mpReach.linkLocalNextHop;
  }
  const treatAsWithdraw = problems.some((p) => p.severity === Severity.TREAT_AS_WITHDRAW);
  const endOfRib =
    !nlri.keys.length && !wl && !mpReach && mpUnreach && !mpUnreach.nlri.keys.length && tal <= 9 ? { afi: mpUnreach.afi, safi: mpUnreach.safi } : undefined;
  const clean = !problems.length && !mpReach && !mpUnreach;
  return {
    withdrawn,
    nlri,
    attrs,
    treatAsWithdraw,
    problems,
    attrKey: attrKeyOf(body, as, ae, mpReach || mpUnreach ? (mpReach ?? null) : undefined),
    mp: !!(mpReach || mpUnreach),
    clean,
    ...(mpReach ? { mpReach } : {}),
    ...(mpUnreach ? { mpUnreach } : {}),
    ...(endOfRib ? { endOfRib } : {}),
    ...(d.ipv4NextHop ? { ipv4NextHop: d.ipv4NextHop } : {}),
    ...(d.nextHopProblem ? { nextHopProblem: d.nextHopProblem } : {}),
  };
}

/**
 * The interning key. Without MP attributes (`mp` undefined) the raw bytes, not copied. With them
 * (an MP_REACH, or null for MP_UNREACH only), the other attributes' bytes, then the MP_REACH
 * next hop octets and their count (0 without MP_REACH): the NLRI inside must not make sets differ.
 */
function attrKeyOf(body: Buffer, start: number, end: number, mp: MpReach | null | undefined): Buffer {
  if (mp === undefined) return body.subarray(start, end);
  const parts: Buffer[] = [];
  let nextHop: Buffer | undefined;
  let i = start;
  while (i + 3 <= end) {
    const flags = body[i]!;
    const type = body[i + 1]!;
    const ext = (flags & AttrFlag.EXTENDED_LENGTH) !== 0;
    if (ext && i + 4 > end) break; // a truncated header; decodeAttributes already judged it
    const len = ext ? body.readUInt16BE(i + 2) : body[i + 2]!;
    const hdr = ext ? 4 : 3;
    const next = i + hdr + len;
    if (type === AttrType.MP_REACH_NLRI && mp && i + hdr + 4 <= end) {
      const nhLen = body[i + hdr + 3]!;
      nextHop = body.subarray(i + hdr + 4, Math.min(i + hdr + 4 + nhLen, end));
    } else if (type !== AttrType.MP_REACH_NLRI && type !== AttrType.MP_UNREACH_NLRI) {
      parts.push(body.subarray(i, Math.min(next, end)));
    }
    i = next;
  }
  if (nextHop) parts.push(nextHop);
  parts.push(Buffer.from([nextHop?.length ?? 0]));
  return Buffer.concat(parts);
}

/**
 * The attributes an interning key stands for, decoded again (the key's UPDATE decoded without
 * problems under the same context). `mp` says which key format it is, as Update.mp did.
 */
export function attributesFromKey(key: Buffer, start: number, end: number, ctx: DecodeContext, mp: boolean): PathAttributes {
  if (!mp) {
    const d = decodeAttributes(key, start, end, ctx);
    return 'code' in d ? {} : d.attrs;
  }
  const nhLen = key[end - 1]!;
  const nhStart = end - 1 - nhLen;
  const d = decodeAttributes(key, start, nhStart, ctx);
  if ('code' in d) return {};
  const attrs = d.attrs;
  if (nhLen === 4) attrs.nextHop = formatIPv4(BigInt(key.readUInt32BE(nhStart)));
  else if (nhLen === 16 || nhLen === 32) {
    attrs.nextHop = formatIPv6(BigInt(`0x${key.toString('hex', nhStart, nhStart + 16)}`));
    if (nhLen === 32) attrs.linkLocalNextHop = formatIPv6(BigInt(`0x${key.toString('hex', nhStart + 16, nhStart + 32)}`));
  }
  return attrs;
}

// Encoding

export interface EncodeOptions extends EncodeContext {
  addPath?: boolean;
  maxLength?: number;
}

/** Withdrawals for one family, as few messages as fit. */
export function encodeWithdrawals(afi: number, keys: PrefixKey[], opts: EncodeOptions, pathIds?: number[]): Buffer[] {
  const max = (opts.maxLength ?? 4096) - HEADER_LENGTH;
  const out: Buffer[] = [];
  let i = 0;
  while (i < keys.length) {
    const w = messageWriter();
    if (afi === 1) {
      const wl = w.reserve(2);
      const start = w.pos;
      while (i < keys.length && w.pos - start + encodedSize(keys[i]!, !!opts.addPath) + 2 <= max - 2) {
        encodePrefixKey(w, keys[i]!, pathIds?.[i]);
        i++;
      }
      w.setU16(wl, w.pos - start);
      w.u16(0);
    } else {
      w.u16(0);
      const tal = w.reserve(2);
      const start = w.pos;
      w.u8(AttrFlag.OPTIONAL | AttrFlag.EXTENDED_LENGTH).u8(AttrType.MP_UNREACH_NLRI);
      const al = w.reserve(2);
      const vs = w.pos;
      w.u16(afi).u8(1);
      while (i < keys.length && w.pos + encodedSize(keys[i]!, !!opts.addPath) <= max + HDR) {
        encodePrefixKey(w, keys[i]!, pathIds?.[i]);
        i++;
      }
      w.setU16(al, w.pos - vs);
      w.setU16(tal, w.pos - start);
    }
    out.push(finishMessage(w));
  }
  return out;
}

/** Announcements of `keys` (one family) with one attribute set, split over as many messages as needed. */
export function encodeAnnouncements(afi: number, attrs: PathAttributes, keys: PrefixKey[], opts: EncodeOptions, pathIds?: number[]): Buffer[] {
  const max = (opts.maxLength ?? 4096) - HEADER_LENGTH;
  const out: Buffer[] = [];
  let i = 0;
  while (i < keys.length) {
    const w = messageWriter();
    w.u16(0);
    const tal = w.reserve(2);
    const start = w.pos;
    if (afi === 1) {
      encodeAttributes(w, attrs, opts);
      w.setU16(tal, w.pos - start);
      const first = i;
      while (i < keys.length && w.pos + encodedSize(keys[i]!, !!opts.addPath) <= max + HDR) {
        encodePrefixKey(w, keys[i]!, pathIds?.[i]);
        i++;
      }
      if (i === first) throw new Error('path attributes leave no room for a prefix in one message');
    } else {
      w.u8(AttrFlag.OPTIONAL | AttrFlag.EXTENDED_LENGTH).u8(AttrType.MP_REACH_NLRI);
      const al = w.reserve(2);
      const vs = w.pos;
      w.u16(afi).u8(1);
      encodeMpNextHop(w, attrs.nextHop ?? '::', attrs.linkLocalNextHop);
      w.u8(0);
      const room = max + HDR - attrSizeWithout(attrs, opts);
      const first = i;
      while (i < keys.length && w.pos + encodedSize(keys[i]!, !!opts.addPath) <= room) {
        encodePrefixKey(w, keys[i]!, pathIds?.[i]);
        i++;
      }
      if (i === first) throw new Error('path attributes leave no room for a prefix in one message');
      w.setU16(al, w.pos - vs);
      encodeAttributes(w, { ...attrs, nextHop: undefined }, opts);
      w.setU16(tal, w.pos - start);
    }
    out.push(finishMessage(w));
  }
  return out;
}

/** A writer with room for the header, which finishMessage fills in: no copy of the body. */
function messageWriter(): Writer {
  const w = new Writer(512);
  w.reserve(HDR);
  return w;
}

function finishMessage(w: Writer): Buffer {
  const buf = w.finish();
  buf.fill(0xff, 0, 16);
  buf.writeUInt16BE(buf.length, 16);
  buf[18] = MessageType.UPDATE;
  return buf;
}

function attrSizeWithout(attrs: PathAttributes, opts: EncodeContext): number {
  const w = new Writer(256);
  encodeAttributes(w, { ...attrs, nextHop: undefined }, opts);
  return w.pos;
}

/** RFC 4724 End-of-RIB: an empty UPDATE for IPv4, an empty MP_UNREACH_NLRI otherwise. */
export function encodeEndOfRib(afi: number, safi = 1): Buffer {
  if (afi === 1) return encodeMessage(MessageType.UPDATE, Buffer.from([0, 0, 0, 0]));
  return encodeMessage(MessageType.UPDATE, Buffer.from([0, 0, 0, 6, AttrFlag.OPTIONAL, AttrType.MP_UNREACH_NLRI, 3, afi >> 8, afi & 0xff, safi]));
}
