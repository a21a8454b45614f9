// Encoding path attributes, in type order, for a peer that does or does not speak 4-octet ASNs.

import { parseIPv4, parseIPv6 } from '../../../net/address.js';
import { AS_TRANS, AttrFlag, AttrType } from '../constants.js';
import type { Writer } from '../writer.js';
import type { AsPathSegment, PathAttributes } from './types.js';

export interface EncodeContext {
  fourOctetAs: boolean;
}

function attr(w: Writer, flags: number, type: number, body: (w: Writer) => void): void {
  // Always reserve an extended length: simpler, and allowed for any attribute (RFC 4271 §4.3).
  w.u8(flags | AttrFlag.EXTENDED_LENGTH).u8(type);
  const at = w.reserve(2);
  const start = w.pos;
  body(w);
  w.setU16(at, w.pos - start);
}

function writeAsPath(w: Writer, p: AsPathSegment[], asnSize: 2 | 4): void {
  for (const s of p) {
    // A segment holds at most 255 ASNs; longer ones are split.
    for (let i = 0; i < s.asns.length; i += 255) {
      const chunk = s.asns.slice(i, i + 255);
      w.u8(s.type).u8(chunk.length);
      for (const a of chunk) {
        if (asnSize === 4) w.u32(a);
        else w.u16(a > 0xffff ? AS_TRANS : a);
      }
    }
  }
}

const ipv4 = (s: string) => Number(parseIPv4(s) ?? 0n);

/** Writes every attribute of `a` except MP_REACH/MP_UNREACH (the UPDATE encoder adds those). */
export function encodeAttributes(w: Writer, a: PathAttributes, ctx: EncodeContext): void {
  const T = AttrFlag.TRANSITIVE;
  const OT = AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE;
  const O = AttrFlag.OPTIONAL;
  if (a.origin !== undefined) attr(w, T, AttrType.ORIGIN, (w) => w.u8(a.origin!));
  const path = a.asPath ?? [];
  attr(w, T, AttrType.AS_PATH, (w) => writeAsPath(w, path, ctx.fourOctetAs ? 4 : 2));
  if (a.nextHop !== undefined && !a.nextHop.includes(':')) attr(w, T, AttrType.NEXT_HOP, (w) => w.u32(ipv4(a.nextHop!)));
  if (a.med !== undefined) attr(w, O, AttrType.MULTI_EXIT_DISC, (w) => w.u32(a.med!));
  if (a.localPref !== undefined) attr(w, T, AttrType.LOCAL_PREF, (w) => w.u32(a.localPref!));
  if (a.atomicAggregate) attr(w, T, AttrType.ATOMIC_AGGREGATE, () => {});
  if (a.aggregator) {
    const g = a.aggregator;
    attr(w, OT, AttrType.AGGREGATOR, (w) => {
      if (ctx.fourOctetAs) w.u32(g.asn);
      else w.u16(g.asn > 0xffff ? AS_TRANS : g.asn);
      w.u32(ipv4(g.address));
    });
  }
  if (a.communities?.length)
    attr(w, OT, AttrType.COMMUNITIES, (w) => {
      for (const c of a.communities!) w.u32(c);
    });
  if (a.originatorId !== undefined) attr(w, O, AttrType.ORIGINATOR_ID, (w) => w.u32(ipv4(a.originatorId!)));
  if (a.clusterList?.length)
    attr(w, O, AttrType.CLUSTER_LIST, (w) => {
      for (const c of a.clusterList!) w.u32(ipv4(c));
    });
  if (a.extendedCommunities?.length)
    attr(w, OT, AttrType.EXTENDED_COMMUNITIES, (w) => {
      for (const c of a.extendedCommunities!) w.bytes(Buffer.from(c, 'hex'));
    });
  // An OLD peer gets the true 4-octet path in AS4_PATH (RFC 6793 §4.2.2).
  if (!ctx.fourOctetAs && path.some((s) => s.asns.some((x) => x > 0xffff))) {
    // AS4_PATH never carries confederation segments (RFC 6793 §3).
    attr(w, OT, AttrType.AS4_PATH, (w) =>
      writeAsPath(
        w,
        path.filter((s) => s.type === 1 || s.type === 2),
        4,
      ),
    );
  }
  if (!ctx.fourOctetAs && a.aggregator && a.aggregator.asn > 0xffff) {
    attr(w, OT, AttrType.AS4_AGGREGATOR, (w) => w.u32(a.aggregator!.asn).u32(ipv4(a.aggregator!.address)));
  }
  if (a.largeCommunities?.length)
    attr(w, OT, AttrType.LARGE_COMMUNITY, (w) => {
      for (const c of a.largeCommunities!) w.u32(c);
    });
  if (a.otc !== undefined) attr(w, OT, AttrType.OTC, (w) => w.u32(a.otc!));
  for (const u of a.unknown ?? []) attr(w, u.flags | AttrFlag.PARTIAL, u.type, (w) => w.bytes(u.value));
}

/** The next hop field of MP_REACH_NLRI: 4, 16 or 32 (global + link-local) octets. */
export function encodeMpNextHop(w: Writer, nextHop: string, linkLocal?: string): void {
  if (!nextHop.includes(':')) {
    w.u8(4).u32(ipv4(nextHop));
    return;
  }
  const g = hex16(nextHop);
  if (linkLocal) w.u8(32).bytes(g).bytes(hex16(linkLocal));
  else w.u8(16).bytes(g);
}

function hex16(s: string): Buffer {
  return Buffer.from((parseIPv6(s) ?? 0n).toString(16).padStart(32, '0'), 'hex');
}
