// Decoding the path attributes of an UPDATE with the error handling of RFC 7606: each problem is
// classified as attribute discard, treat-as-withdraw or session reset, and the strongest wins.

import { formatIPv4, formatIPv6 } from '../../../net/address.js';
import { AS_TRANS, ATTR_NAMES, AttrFlag, AttrType, ErrorCode, UpdateSubcode } from '../constants.js';
import { type BgpError, bgpError, Severity, type UpdateProblem } from '../errors.js';
import { ipv4NextHopProblem, ipv6NextHopProblem } from '../next-hop.js';
import { decodeNlri, type Nlri } from '../nlri.js';
import { decodeAsPath, hasConfed, mergeAs4Path } from './as-path.js';
import type { AsPathSegment, PathAttributes } from './types.js';

export interface DecodeContext {
  /** 4-octet AS numbers negotiated (RFC 6793) */
  fourOctetAs: boolean;
  /** the peer is external: LOCAL_PREF, ORIGINATOR_ID, CLUSTER_LIST are discarded, confed segments malformed */
  ebgp: boolean;
  /** ADD-PATH receive negotiated, per AFI (1 IPv4, 2 IPv6) */
  addPathV4: boolean;
  addPathV6: boolean;
  /** RFC 8950 negotiated for IPv4 unicast: its MP_REACH_NLRI may carry an IPv6 next hop */
  extendedNextHopV4?: boolean;
}

export interface MpReach {
  afi: number;
  safi: number;
  nextHop: string;
  linkLocalNextHop?: string;
  nlri: Nlri;
  /** why the next hop is not a host address (its routes are to be ignored), see next-hop.ts */
  nextHopProblem?: string;
}
export interface MpUnreach {
  afi: number;
  safi: number;
  nlri: Nlri;
}

export interface DecodedAttributes {
  attrs: PathAttributes;
  problems: UpdateProblem[];
  mpReach?: MpReach;
  mpUnreach?: MpUnreach;
  /** which well-known mandatory attributes were present (checked by the caller against the NLRI) */
  hasOrigin: boolean;
  hasAsPath: boolean;
  hasNextHop: boolean;
  /** the NEXT_HOP attribute's address (MP_REACH's next hop replaces it in attrs) */
  ipv4NextHop?: string;
  /** why NEXT_HOP is not a host address (the IPv4 NLRI are to be ignored), see next-hop.ts */
  nextHopProblem?: string;
}

/** Expected Optional and Transitive bits of the attributes this speaker knows. */
const EXPECTED_FLAGS: Record<number, number> = {
  [AttrType.ORIGIN]: AttrFlag.TRANSITIVE,
  [AttrType.AS_PATH]: AttrFlag.TRANSITIVE,
  [AttrType.NEXT_HOP]: AttrFlag.TRANSITIVE,
  [AttrType.MULTI_EXIT_DISC]: AttrFlag.OPTIONAL,
  [AttrType.LOCAL_PREF]: AttrFlag.TRANSITIVE,
  [AttrType.ATOMIC_AGGREGATE]: AttrFlag.TRANSITIVE,
  [AttrType.AGGREGATOR]: AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE,
  [AttrType.COMMUNITIES]: AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE,
  [AttrType.ORIGINATOR_ID]: AttrFlag.OPTIONAL,
  [AttrType.CLUSTER_LIST]: AttrFlag.OPTIONAL,
  [AttrType.MP_REACH_NLRI]: AttrFlag.OPTIONAL,
  [AttrType.MP_UNREACH_NLRI]: AttrFlag.OPTIONAL,
  [AttrType.EXTENDED_COMMUNITIES]: AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE,
  [AttrType.AS4_PATH]: AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE,
  [AttrType.AS4_AGGREGATOR]: AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE,
  [AttrType.LARGE_COMMUNITY]: AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE,
  [AttrType.OTC]: AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE,
};

/** Attributes whose own RFC asks for attribute discard rather than treat-as-withdraw. */
const DISCARD_ON_ERROR = new Set<number>([AttrType.ATOMIC_AGGREGATE, AttrType.AGGREGATOR, AttrType.AS4_PATH, AttrType.AS4_AGGREGATOR]);

const seen = new Uint8Array(256);

/**
 * Decodes buf[start, end) as path attributes. Returns a BgpError when the session must be reset
 * (RFC 7606 leaves no softer choice: MP_REACH/MP_UNREACH damage, duplicates of them, an unknown
 * well-known attribute).
 */
export function decodeAttributes(buf: Buffer, start: number, end: number, ctx: DecodeContext): DecodedAttributes | BgpError {
  seen.fill(0);
  const attrs: PathAttributes = {};
  const problems: UpdateProblem[] = [];
  const out: DecodedAttributes = { attrs, problems, hasOrigin: false, hasAsPath: false, hasNextHop: false };
  let as4Path: AsPathSegment[] | undefined;
  let as4Aggregator: { asn: number; address: string } | undefined;
  const problem = (severity: Severity, attr: number, reason: string) =>
    problems.push({ severity, attr, reason: `${ATTR_NAMES[attr] ?? `attribute ${attr}`}: ${reason}` });
  let i = start;
  while (i < end) {
    // RFC 7606 §4: too few octets for an attribute header, or a length past the end: the
    // attribute list cannot be trusted, but Total Path Attribute Length still locates the NLRI.
    if (end - i < 3) {
      problem(Severity.TREAT_AS_WITHDRAW, 0, `${end - i} octet(s) left, too few for an attribute`);
      break;
    }
    const flags = buf[i]!;
    const type = buf[i + 1]!;
    const ext = (flags & AttrFlag.EXTENDED_LENGTH) !== 0;
    if (ext && end - i < 4) {
      problem(Severity.TREAT_AS_WITHDRAW, type, 'extended length header truncated');
      break;
    }
    const len = ext ? buf.readUInt16BE(i + 2) : buf[i + 2]!;
    const vs = i + (ext ? 4 : 3);
    const ve = vs + len;
    if (ve > end) {
      if (type === AttrType.MP_REACH_NLRI || type === AttrType.MP_UNREACH_NLRI) {
        return bgpError(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.ATTRIBUTE_LENGTH_ERROR, `${ATTR_NAMES[type]} overruns the attribute list`);
      }
      problem(Severity.TREAT_AS_WITHDRAW, type, `length ${len} overruns the attribute list`);
      break;
    }
    i = ve;

    if (seen[type]) {
      // §3 g: a repeated MP attribute is fatal; any other repeat is dropped.
      if (type === AttrType.MP_REACH_NLRI || type === AttrType.MP_UNREACH_NLRI) {
        return bgpError(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, `${ATTR_NAMES[type]} appears twice`);
      }
      problem(Severity.ATTRIBUTE_DISCARD, type, 'repeated; all but the first are discarded');
      continue;
    }
    seen[type] = 1;

    const expected = EXPECTED_FLAGS[type];
    if (expected === undefined) {
      if (!(flags & AttrFlag.OPTIONAL)) {
        return bgpError(
          ErrorCode.UPDATE_MESSAGE,
          UpdateSubcode.UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE,
          `unrecognized well-known attribute ${type}`,
          Buffer.from(buf.subarray(ve - len - (ext ? 4 : 3), ve)),
        );
      }
      // Unknown optional: passed on when transitive, quietly dropped when not (RFC 4271 §5).
      if (flags & AttrFlag.TRANSITIVE) (attrs.unknown ??= []).push({ flags: flags & 0xe0, type, value: Buffer.from(buf.subarray(vs, ve)) });
      continue;
    }
    if ((flags & (AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE)) !== expected) {
      if (type === AttrType.MP_REACH_NLRI || type === AttrType.MP_UNREACH_NLRI) {
        return bgpError(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.ATTRIBUTE_FLAGS_ERROR, `${ATTR_NAMES[type]} with flags 0x${flags.toString(16)}`);
      }
      problem(
        DISCARD_ON_ERROR.has(type) ? Severity.ATTRIBUTE_DISCARD : Severity.TREAT_AS_WITHDRAW,
        type,
        `flags 0x${flags.toString(16)} conflict with the attribute's type`,
      );
      continue;
    }

    switch (type) {
      case AttrType.ORIGIN:
        if (len !== 1 || buf[vs]! > 2) {
          problem(Severity.TREAT_AS_WITHDRAW, type, len !== 1 ? `length ${len}` : `undefined value ${buf[vs]}`);
          break;
        }
        attrs.origin = buf[vs]!;
        out.hasOrigin = true;
        break;
      case AttrType.AS_PATH: {
        const p = decodeAsPath(buf, vs, ve, ctx.fourOctetAs ? 4 : 2);
        if (typeof p === 'string') {
          problem(Severity.TREAT_AS_WITHDRAW, type, p);
          break;
        }
        if (ctx.ebgp && hasConfed(p)) {
          problem(Severity.TREAT_AS_WITHDRAW, type, 'confederation segment from an external peer');
          break;
        }
        if (hasAs0(p)) {
          problem(Severity.TREAT_AS_WITHDRAW, type, 'AS 0 in the path (RFC 7607)');
          break;
        }
        attrs.asPath = p;
        out.hasAsPath = true;
        break;
      }
      case AttrType.NEXT_HOP: {
        if (len !== 4) {
          problem(Severity.TREAT_AS_WITHDRAW, type, `length ${len}`);
          break;
        }
        attrs.nextHop = out.ipv4NextHop = ipv4Text(buf.readUInt32BE(vs));
        out.hasNextHop = true;
        // Not a host address: semantic, so the session ignores the routes (RFC 4271 §6.3).
        const why = ipv4NextHopProblem(buf.readUInt32BE(vs));
        if (why) out.nextHopProblem = why;
        break;
      }
      case AttrType.MULTI_EXIT_DISC:
        if (len !== 4) {
          problem(Severity.TREAT_AS_WITHDRAW, type, `length ${len}`);
          break;
        }
        attrs.med = buf.readUInt32BE(vs);
        break;
      case AttrType.LOCAL_PREF:
        if (ctx.ebgp) {
          problem(Severity.ATTRIBUTE_DISCARD, type, 'from an external peer');
          break;
        }
        if (len !== 4) {
          problem(Severity.TREAT_AS_WITHDRAW, type, `length ${len}`);
          break;
        }
        attrs.localPref = buf.readUInt32BE(vs);
        break;
      case AttrType.ATOMIC_AGGREGATE:
        if (len !== 0) {
          problem(Severity.ATTRIBUTE_DISCARD, type, `length ${len}`);
          break;
        }
        attrs.atomicAggregate = true;
        break;
      case AttrType.AGGREGATOR: {
        const want = ctx.fourOctetAs ? 8 : 6;
        if (len !== want) {
          problem(Severity.ATTRIBUTE_DISCARD, type, `length ${len} (expected ${want})`);
          break;
        }
        const asn = ctx.fourOctetAs ? buf.readUInt32BE(vs) : buf.readUInt16BE(vs);
        if (asn === 0) {
          problem(Severity.ATTRIBUTE_DISCARD, type, 'AS 0 (RFC 7607)');
          break;
        }
        attrs.aggregator = { asn, address: formatIPv4(BigInt(buf.readUInt32BE(ve - 4))) };
        break;
      }
      case AttrType.COMMUNITIES: {
        if (len === 0 || len % 4) {
          problem(Severity.TREAT_AS_WITHDRAW, type, `length ${len} is not a positive multiple of 4`);
          break;
        }
        const c = new Array<number>(len / 4);
        for (let j = 0; j < c.length; j++) c[j] = buf.readUInt32BE(vs + 4 * j);
        attrs.communities = c;
        break;
      }
      case AttrType.ORIGINATOR_ID:
        if (ctx.ebgp) {
          problem(Severity.ATTRIBUTE_DISCARD, type, 'from an external peer');
          break;
        }
        if (len !== 4) {
          problem(Severity.TREAT_AS_WITHDRAW, type, `length ${len}`);
          break;
        }
        attrs.originatorId = formatIPv4(BigInt(buf.readUInt32BE(vs)));
        break;
      case AttrType.CLUSTER_LIST: {
        if (ctx.ebgp) {
          problem(Severity.ATTRIBUTE_DISCARD, type, 'from an external peer');
          break;
        }
        if (len === 0 || len % 4) {
          problem(Severity.TREAT_AS_WITHDRAW, type, `length ${len} is not a positive multiple of 4`);
          break;
        }
        const c: string[] = [];
        for (let j = vs; j < ve; j += 4) c.push(formatIPv4(BigInt(buf.readUInt32BE(j))));
        attrs.clusterList = c;
        break;
      }
      case AttrType.MP_REACH_NLRI: {
        const r = decodeMpReach(buf, vs, ve, ctx);
        if (typeof r === 'string') return bgpError(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, `MP_REACH_NLRI: ${r}`);
        if (r) out.mpReach = r;
        else problem(Severity.ATTRIBUTE_DISCARD, type, 'address family not supported');
        break;
      }
      case AttrType.MP_UNREACH_NLRI: {
        if (len < 3) return bgpError(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, `MP_UNREACH_NLRI of length ${len}`);
        const afi = buf.readUInt16BE(vs);
        const safi = buf[vs + 2]!;
        if (!supported(afi, safi)) {
          problem(Severity.ATTRIBUTE_DISCARD, type, `AFI ${afi} SAFI ${safi} not supported`);
          break;
        }
        const nlri = decodeNlri(buf, vs + 3, ve, afi, afi === 1 ? ctx.addPathV4 : ctx.addPathV6);
        if (typeof nlri === 'string') return bgpError(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, `MP_UNREACH_NLRI: ${nlri}`);
        out.mpUnreach = { afi, safi, nlri };
        break;
      }
      case AttrType.EXTENDED_COMMUNITIES: {
        if (len === 0 || len % 8) {
          problem(Severity.TREAT_AS_WITHDRAW, type, `length ${len} is not a positive multiple of 8`);
          break;
        }
        const c: string[] = [];
        for (let j = vs; j < ve; j += 8) c.push(buf.toString('hex', j, j + 8));
        attrs.extendedCommunities = c;
        break;
      }
      case AttrType.AS4_PATH: {
        // A NEW speaker ignores AS4_PATH from another NEW speaker (RFC 6793 §4.2.2).
        if (ctx.fourOctetAs) {
          problem(Severity.ATTRIBUTE_DISCARD, type, 'sent by a 4-octet AS speaker');
          break;
        }
        const p = decodeAsPath(buf, vs, ve, 4);
        if (typeof p === 'string') {
          problem(Severity.ATTRIBUTE_DISCARD, type, p);
          break;
        }
        if (hasConfed(p)) {
          problem(Severity.ATTRIBUTE_DISCARD, type, 'contains confederation segments');
          break;
        }
        if (hasAs0(p)) {
          problem(Severity.ATTRIBUTE_DISCARD, type, 'AS 0 in the path (RFC 7607)');
          break;
        }
        as4Path = p;
        break;
      }
      case AttrType.AS4_AGGREGATOR:
        if (ctx.fourOctetAs) {
          problem(Severity.ATTRIBUTE_DISCARD, type, 'sent by a 4-octet AS speaker');
          break;
        }
        if (len !== 8) {
          problem(Severity.ATTRIBUTE_DISCARD, type, `length ${len}`);
          break;
        }
        if (buf.readUInt32BE(vs) === 0) {
          problem(Severity.ATTRIBUTE_DISCARD, type, 'AS 0 (RFC 7607)');
          break;
        }
        as4Aggregator = { asn: buf.readUInt32BE(vs), address: formatIPv4(BigInt(buf.readUInt32BE(vs + 4))) };
        break;
      case AttrType.LARGE_COMMUNITY: {
        if (len === 0 || len % 12) {
          problem(Severity.TREAT_AS_WITHDRAW, type, `length ${len} is not a positive multiple of 12`);
          break;
        }
        const c = new Array<number>(len / 4);
        for (let j = 0; j < c.length; j++) c[j] = buf.readUInt32BE(vs + 4 * j);
        attrs.largeCommunities = c;
        break;
      }
      case AttrType.OTC:
        if (len !== 4) {
          problem(Severity.TREAT_AS_WITHDRAW, type, `length ${len}`);
          break;
        }
        attrs.otc = buf.readUInt32BE(vs);
        break;
    }
  }

  // RFC 6793 §4.2.3: rebuild the 4-octet path of an OLD speaker.
  if (!ctx.fourOctetAs) {
    if (as4Aggregator && attrs.aggregator && attrs.aggregator.asn !== AS_TRANS) {
      as4Path = undefined; // the aggregator was an OLD speaker: AS4_PATH cannot be trusted
    } else if (as4Aggregator) {
      attrs.aggregator = as4Aggregator;
    }
    if (as4Path && attrs.asPath) attrs.asPath = mergeAs4Path(attrs.asPath, as4Path);
  }
  return out;
}

// A peer uses few next hops for many attribute sets: one shared string each, not one per set.
const ipv4Texts = new Map<number, string>();

function ipv4Text(v: number): string {
  let t = ipv4Texts.get(v);
  if (t === undefined) {
    if (ipv4Texts.size >= 4096) ipv4Texts.clear();
    t = `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;
    ipv4Texts.set(v, t);
  }
  return t;
}

const hasAs0 = (p: AsPathSegment[]) => p.some((s) => s.asns.includes(0));

function supported(afi: number, safi: number): boolean {
  return (afi === 1 || afi === 2) && safi === 1;
}

/** MP_REACH_NLRI (RFC 4760 §3); undefined for a family we do not carry; a string when malformed. */
function decodeMpReach(buf: Buffer, vs: number, ve: number, ctx: DecodeContext): MpReach | undefined | string {
  if (ve - vs < 5) return `length ${ve - vs}`;
  const afi = buf.readUInt16BE(vs);
  const safi = buf[vs + 2]!;
  const nhLen = buf[vs + 3]!;
  const nhStart = vs + 4;
  if (nhStart + nhLen + 1 > ve) return `next hop length ${nhLen} overruns the attribute`;
  if (!supported(afi, safi)) return undefined;
  // RFC 7606 §7.11: a next hop length the AFI/SAFI does not allow makes the attribute malformed,
  // and as the NLRI cannot then be located reliably, the session is reset. IPv6 unicast takes 16
  // or 32 octets (RFC 2545); IPv4 unicast 4, or 16/32 only with RFC 8950 negotiated.
  const allowed = afi === 2 ? nhLen === 16 || nhLen === 32 : nhLen === 4 || (!!ctx.extendedNextHopV4 && (nhLen === 16 || nhLen === 32));
  if (!allowed) {
    if (afi === 2 && nhLen === 4) return 'IPv4 next hop for IPv6 NLRI';
    if (afi === 1 && (nhLen === 16 || nhLen === 32)) return `IPv6 next hop (length ${nhLen}) for IPv4 NLRI without the extended next hop capability (RFC 8950)`;
    return `next hop length ${nhLen} for AFI ${afi}`;
  }
  let nextHop: string;
  let linkLocalNextHop: string | undefined;
  let nextHopProblem: string | undefined;
  if (nhLen === 4) {
    nextHop = formatIPv4(BigInt(buf.readUInt32BE(nhStart)));
    nextHopProblem = ipv4NextHopProblem(buf.readUInt32BE(nhStart));
  } else {
    nextHop = formatIPv6(BigInt(`0x${buf.toString('hex', nhStart, nhStart + 16)}`));
    if (nhLen === 32) linkLocalNextHop = formatIPv6(BigInt(`0x${buf.toString('hex', nhStart + 16, nhStart + 32)}`));
    nextHopProblem = ipv6NextHopProblem(buf, nhStart);
  }
  const nlri = decodeNlri(buf, nhStart + nhLen + 1, ve, afi, afi === 1 ? ctx.addPathV4 : ctx.addPathV6);
  if (typeof nlri === 'string') return nlri;
  return { afi, safi, nextHop, ...(linkLocalNextHop ? { linkLocalNextHop } : {}), nlri, ...(nextHopProblem ? { nextHopProblem } : {}) };
}
