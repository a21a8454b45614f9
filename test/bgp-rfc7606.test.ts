// Hand-built malformed UPDATEs, one row per RFC 7606 case (and the neighbouring cases of RFC 4271,
// RFC 4760, RFC 6793, RFC 7607, RFC 8092, RFC 9234, RFC 4724), each with the outcome the RFC asks
// for; then the OPEN checks of RFC 4271 §6.2 / RFC 9072 and the message framing of RFC 4271 §6.1.
// Where the codec and the RFC disagree the row asserts the RFC.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ATTR_NAMES,
  type BgpError,
  type DecodeContext,
  decodeOpen,
  decodeUpdate,
  encodeMessage,
  type Frame,
  Framer,
  type PathAttributes,
  Severity,
  type Update,
} from '../src/bgp/wire/index.js';
import { formatPrefixKey, parsePrefixKey } from '../src/net/prefix-key.js';
import { attr, attrLen, type Bytes, capability, capParam, cat, ip6, O, openBody, P, seg, T, u16, u32, update, v4, v6, X } from './helpers/wire-bytes.js';

// ---------------------------------------------------------------------------------------------
// Builders (the generic ones are in helpers/wire-bytes.ts)

const SET = 1;
const SEQ = 2;
const CONFED_SEQ = 3;
const CONFED_SET = 4;

// Well-formed attributes to build on.
const ORIGIN = attr(T, 1, [0]);
const PATH4 = attr(T, 2, seg(SEQ, [65001, 65002]));
const PATH2 = attr(T, 2, seg(SEQ, [65001, 65002], 2));
const NEXT_HOP = attr(T, 3, [192, 0, 2, 1]);
const BASE4 = [ORIGIN, PATH4, NEXT_HOP];
const BASE2 = [ORIGIN, PATH2, NEXT_HOP];
const PFX = ['203.0.113.0/24', '198.51.100.0/24'];
const NLRI = v4(...PFX);
const V6PFX = ['2001:db8::/32', '2001:db8:1::/48'];

function mpReach(afi: number, nextHop: number[], nlri: Bytes, flags = O): Buffer {
  return attr(flags, 14, cat(u16(afi), [1, nextHop.length], nextHop, [0], nlri));
}
const mpReach6 = (prefixes = V6PFX) => mpReach(2, ip6('2001:db8::1'), v6(...prefixes));
const mpUnreach = (afi: number, nlri: Bytes, flags = O) => attr(flags, 15, cat(u16(afi), [1], nlri));

const ctx = (fourOctetAs: boolean, ebgp: boolean, addPath = false): DecodeContext => ({ fourOctetAs, ebgp, addPathV4: addPath, addPathV6: addPath });
const E4 = ctx(true, true);
const E2 = ctx(false, true);
const I4 = ctx(true, false);

// ---------------------------------------------------------------------------------------------
// The table

type Outcome =
  /** session reset: a NOTIFICATION with this code and (when given) subcode, and (when given) data */
  | { reset: [number, number?]; data?: Buffer }
  /** treat-as-withdraw: every prefix the UPDATE announces is to be withdrawn */
  | { withdraw: true; prefixes: string[] }
  /** attribute discard: the attribute is gone, the routes stay */
  | { discard: string; prefixes: string[] }
  /** nothing stronger than a discard (of a duplicate, say) */
  | { ok: true; prefixes?: string[] };

interface Row {
  name: string;
  rfc: string;
  body: Buffer;
  ctx: DecodeContext;
  expect: Outcome;
  /** further checks on the decoded UPDATE */
  check?: (u: Update) => void;
}

const FIELD: Record<string, keyof PathAttributes> = {
  ORIGIN: 'origin',
  AS_PATH: 'asPath',
  NEXT_HOP: 'nextHop',
  MULTI_EXIT_DISC: 'med',
  LOCAL_PREF: 'localPref',
  ATOMIC_AGGREGATE: 'atomicAggregate',
  AGGREGATOR: 'aggregator',
  COMMUNITIES: 'communities',
  ORIGINATOR_ID: 'originatorId',
  CLUSTER_LIST: 'clusterList',
  EXTENDED_COMMUNITIES: 'extendedCommunities',
  LARGE_COMMUNITY: 'largeCommunities',
  OTC: 'otc',
};
const TYPE_OF: Record<string, number> = Object.fromEntries(Object.entries(ATTR_NAMES).map(([k, v]) => [v, Number(k)]));

const canon = (texts: string[]): string[] => texts.map((t) => formatPrefixKey(parsePrefixKey(t)!)).sort();
const announced = (u: Update): string[] => [...u.nlri.keys, ...(u.mpReach?.nlri.keys ?? [])].map(formatPrefixKey).sort();
const isError = (r: Update | BgpError): r is BgpError => 'code' in r;
const describe7606 = (r: Update | BgpError): string =>
  isError(r) ? `NOTIFICATION ${r.code}/${r.subcode} (${r.reason})` : `UPDATE treatAsWithdraw=${r.treatAsWithdraw} problems=${JSON.stringify(r.problems)}`;
const asPathOf = (u: Update) => u.attrs.asPath?.map((s) => [s.type, ...s.asns]);

const rows: Row[] = [
  // ---- Message structure (RFC 4271 §6.3 as kept by RFC 7606 §3 b, and §4)
  {
    name: 'withdrawn routes length overruns the message',
    rfc: 'RFC 7606 §3 b',
    ctx: E4,
    body: update({ withdrawn: v4('10.0.0.0/8'), withdrawnLength: 40, attrs: BASE4, nlri: NLRI }),
    expect: { reset: [3, 1] },
  },
  {
    name: 'withdrawn routes length leaves no room for the attribute length',
    rfc: 'RFC 7606 §3 b',
    ctx: E4,
    body: Buffer.from([0, 3, 8, 10, 0]),
    expect: { reset: [3, 1] },
  },
  {
    name: 'total path attribute length overruns the message',
    rfc: 'RFC 7606 §3 b',
    ctx: E4,
    body: update({ attrs: BASE4, attrLength: 200, nlri: NLRI }),
    expect: { reset: [3, 1] },
  },
  {
    name: 'attribute length overruns the attribute list; NLRI still located',
    rfc: 'RFC 7606 §4',
    ctx: E4,
    body: update({ attrs: [...BASE4, attrLen(O, 4, 10, u32(5))], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },
  {
    name: 'extended attribute length overruns the attribute list',
    rfc: 'RFC 7606 §4',
    ctx: E4,
    body: update({ attrs: [...BASE4, attrLen(O | T | X, 8, 300, u32(1))], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },
  {
    name: 'fewer than 3 octets left for an attribute',
    rfc: 'RFC 7606 §4',
    ctx: E4,
    body: update({ attrs: [...BASE4, Buffer.from([T, 1])], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },
  {
    name: 'Extended Length set with fewer than 4 octets left',
    rfc: 'RFC 7606 §4',
    ctx: E4,
    body: update({ attrs: [...BASE4, Buffer.from([O | T | X, 8, 0])], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },
  {
    name: 'Extended Length set with 3 octets left after MP_REACH_NLRI, at the end of the message',
    rfc: 'RFC 7606 §4',
    ctx: E4,
    body: update({ attrs: [mpReach6(), ORIGIN, PATH4, Buffer.from([O | T | X, 8, 0])] }),
    expect: { withdraw: true, prefixes: V6PFX },
  },
  {
    name: 'attribute overrun after MP_REACH_NLRI: the IPv6 routes are withdrawn',
    rfc: 'RFC 7606 §4',
    ctx: E4,
    body: update({ attrs: [mpReach6(), ORIGIN, PATH4, attrLen(O, 4, 9, u32(1))] }),
    expect: { withdraw: true, prefixes: V6PFX },
  },

  // ---- Attribute flags (§3 c)
  {
    name: 'ORIGIN with the Optional bit set',
    rfc: 'RFC 7606 §3 c',
    ctx: E4,
    body: update({ attrs: [attr(O | T, 1, [0]), PATH4, NEXT_HOP], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },
  {
    name: 'AS_PATH without the Transitive bit',
    rfc: 'RFC 7606 §3 c',
    ctx: E4,
    body: update({ attrs: [ORIGIN, attr(0, 2, seg(SEQ, [65001])), NEXT_HOP], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },
  {
    name: 'NEXT_HOP flagged optional non-transitive',
    rfc: 'RFC 7606 §3 c',
    ctx: E4,
    body: update({ attrs: [ORIGIN, PATH4, attr(O, 3, [192, 0, 2, 1])], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },
  {
    name: 'MULTI_EXIT_DISC flagged well-known transitive',
    rfc: 'RFC 7606 §3 c',
    ctx: E4,
    body: update({ attrs: [...BASE4, attr(T, 4, u32(10))], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },
  {
    name: 'COMMUNITIES without the Transitive bit',
    rfc: 'RFC 7606 §3 c',
    ctx: E4,
    body: update({ attrs: [...BASE4, attr(O, 8, u32(0xfde90064))], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },

  // ---- ORIGIN (§7.1)
  {
    name: 'ORIGIN of length 2',
    rfc: 'RFC 7606 §7.1',
    ctx: E4,
    body: update({ attrs: [attr(T, 1, [0, 0]), PATH4, NEXT_HOP], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },
  {
    name: 'ORIGIN of length 0',
    rfc: 'RFC 7606 §7.1',
    ctx: E4,
    body: update({ attrs: [attr(T, 1, []), PATH4, NEXT_HOP], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },
  {
    name: 'ORIGIN with the undefined value 3',
    rfc: 'RFC 7606 §7.1',
    ctx: E4,
    body: update({ attrs: [attr(T, 1, [3]), PATH4, NEXT_HOP], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },

  // ---- AS_PATH (§7.2)
  {
    name: 'AS_PATH with segment type 5',
    rfc: 'RFC 7606 §7.2',
    ctx: E4,
    body: update({ attrs: [ORIGIN, attr(T, 2, seg(5, [65001])), NEXT_HOP], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },
  {
    name: 'AS_PATH with segment type 0',
    rfc: 'RFC 7606 §7.2',
    ctx: E4,
    body: update({ attrs: [ORIGIN, attr(T, 2, seg(0, [65001])), NEXT_HOP], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },
  {
    name: 'AS_PATH with a zero-length segment',
    rfc: 'RFC 7606 §7.2',
    ctx: E4,
    body: update({ attrs: [ORIGIN, attr(T, 2, [...seg(SEQ, [65001]), SEQ, 0]), NEXT_HOP], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },
  {
    name: 'AS_PATH segment overruns the attribute',
    rfc: 'RFC 7606 §7.2',
    ctx: E4,
    body: update({ attrs: [ORIGIN, attr(T, 2, [SEQ, 3, ...u32(65001), ...u32(65002)]), NEXT_HOP], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },
  {
    name: 'AS_PATH with a single trailing octet',
    rfc: 'RFC 7606 §7.2',
    ctx: E4,
    body: update({ attrs: [ORIGIN, attr(T, 2, [...seg(SEQ, [65001]), SEQ]), NEXT_HOP], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },
  {
    name: 'AS_PATH of 4-octet ASNs on a 2-octet session',
    rfc: 'RFC 7606 §7.2',
    ctx: E2,
    body: update({ attrs: [ORIGIN, attr(T, 2, seg(SEQ, [65001, 65002], 4)), NEXT_HOP], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },
  {
    name: 'AS_CONFED_SEQUENCE from an external peer',
    rfc: 'RFC 7606 §7.2',
    ctx: E4,
    body: update({ attrs: [ORIGIN, attr(T, 2, [...seg(CONFED_SEQ, [64512]), ...seg(SEQ, [65001])]), NEXT_HOP], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },
  {
    name: 'AS_CONFED_SET from an external peer',
    rfc: 'RFC 7606 §7.2',
    ctx: E4,
    body: update({ attrs: [ORIGIN, attr(T, 2, [...seg(CONFED_SET, [64512, 64513]), ...seg(SEQ, [65001])]), NEXT_HOP], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },
  {
    name: 'AS_CONFED_SEQUENCE from an internal peer is accepted',
    rfc: 'RFC 7606 §7.2',
    ctx: I4,
    body: update({ attrs: [ORIGIN, attr(T, 2, [...seg(CONFED_SEQ, [64512]), ...seg(SEQ, [65001])]), NEXT_HOP], nlri: NLRI }),
    expect: { ok: true, prefixes: PFX },
    check: (u) =>
      assert.deepEqual(asPathOf(u), [
        [CONFED_SEQ, 64512],
        [SEQ, 65001],
      ]),
  },
  {
    name: 'AS_PATH with AS_SET and AS_SEQUENCE is accepted',
    rfc: 'RFC 4271 §4.3',
    ctx: E4,
    body: update({ attrs: [ORIGIN, attr(T, 2, [...seg(SEQ, [65001, 4200000000]), ...seg(SET, [65010, 65011])]), NEXT_HOP], nlri: NLRI }),
    expect: { ok: true, prefixes: PFX },
    check: (u) =>
      assert.deepEqual(asPathOf(u), [
        [SEQ, 65001, 4200000000],
        [SET, 65010, 65011],
      ]),
  },
  {
    name: 'AS 0 in AS_PATH',
    rfc: 'RFC 7607 §2 (handled per RFC 7606 §7.2)',
    ctx: E4,
    body: update({ attrs: [ORIGIN, attr(T, 2, seg(SEQ, [65001, 0])), NEXT_HOP], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },

  // ---- NEXT_HOP (§7.3), MULTI_EXIT_DISC (§7.4), LOCAL_PREF (§7.5)
  {
    name: 'NEXT_HOP of length 5',
    rfc: 'RFC 7606 §7.3',
    ctx: E4,
    body: update({ attrs: [ORIGIN, PATH4, attr(T, 3, [192, 0, 2, 1, 0])], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },
  {
    name: 'NEXT_HOP of length 3',
    rfc: 'RFC 7606 §7.3',
    ctx: E4,
    body: update({ attrs: [ORIGIN, PATH4, attr(T, 3, [192, 0, 2])], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },
  {
    name: 'MULTI_EXIT_DISC of length 3',
    rfc: 'RFC 7606 §7.4',
    ctx: E4,
    body: update({ attrs: [...BASE4, attr(O, 4, [0, 0, 1])], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },
  {
    name: 'LOCAL_PREF from an external peer',
    rfc: 'RFC 7606 §7.5',
    ctx: E4,
    body: update({ attrs: [...BASE4, attr(T, 5, u32(200))], nlri: NLRI }),
    expect: { discard: 'LOCAL_PREF', prefixes: PFX },
  },
  {
    name: 'LOCAL_PREF of length 3 from an external peer is discarded, not withdrawn',
    rfc: 'RFC 7606 §7.5',
    ctx: E4,
    body: update({ attrs: [...BASE4, attr(T, 5, [0, 0, 200])], nlri: NLRI }),
    expect: { discard: 'LOCAL_PREF', prefixes: PFX },
  },
  {
    name: 'LOCAL_PREF of length 3 from an internal peer',
    rfc: 'RFC 7606 §7.5',
    ctx: I4,
    body: update({ attrs: [...BASE4, attr(T, 5, [0, 0, 200])], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },
  {
    name: 'LOCAL_PREF from an internal peer is kept',
    rfc: 'RFC 4271 §5.1.5',
    ctx: I4,
    body: update({ attrs: [...BASE4, attr(T, 5, u32(200))], nlri: NLRI }),
    expect: { ok: true, prefixes: PFX },
    check: (u) => assert.equal(u.attrs.localPref, 200),
  },

  // ---- ATOMIC_AGGREGATE (§7.6), AGGREGATOR (§7.7)
  {
    name: 'ATOMIC_AGGREGATE of length 1',
    rfc: 'RFC 7606 §7.6',
    ctx: E4,
    body: update({ attrs: [...BASE4, attr(T, 6, [0])], nlri: NLRI }),
    expect: { discard: 'ATOMIC_AGGREGATE', prefixes: PFX },
  },
  {
    name: 'AGGREGATOR of length 7 on a 2-octet session',
    rfc: 'RFC 7606 §7.7',
    ctx: E2,
    body: update({ attrs: [...BASE2, attr(O | T, 7, [0xfd, 0xe9, 192, 0, 2, 1, 0])], nlri: NLRI }),
    expect: { discard: 'AGGREGATOR', prefixes: PFX },
  },
  {
    name: 'AGGREGATOR of length 7 on a 4-octet session',
    rfc: 'RFC 7606 §7.7',
    ctx: E4,
    body: update({ attrs: [...BASE4, attr(O | T, 7, [0, 0, 0xfd, 0xe9, 192, 0, 2])], nlri: NLRI }),
    expect: { discard: 'AGGREGATOR', prefixes: PFX },
  },
  {
    name: 'AGGREGATOR of length 8 on a 2-octet session',
    rfc: 'RFC 7606 §7.7',
    ctx: E2,
    body: update({ attrs: [...BASE2, attr(O | T, 7, [...u32(65001), 192, 0, 2, 1])], nlri: NLRI }),
    expect: { discard: 'AGGREGATOR', prefixes: PFX },
  },
  {
    name: 'AGGREGATOR of length 6 on a 4-octet session',
    rfc: 'RFC 7606 §7.7',
    ctx: E4,
    body: update({ attrs: [...BASE4, attr(O | T, 7, [0xfd, 0xe9, 192, 0, 2, 1])], nlri: NLRI }),
    expect: { discard: 'AGGREGATOR', prefixes: PFX },
  },
  {
    name: 'AGGREGATOR of length 6 on a 2-octet session is kept',
    rfc: 'RFC 4271 §5.1.7',
    ctx: E2,
    body: update({ attrs: [...BASE2, attr(O | T, 7, [0xfd, 0xe9, 192, 0, 2, 1])], nlri: NLRI }),
    expect: { ok: true, prefixes: PFX },
    check: (u) => assert.deepEqual(u.attrs.aggregator, { asn: 65001, address: '192.0.2.1' }),
  },
  {
    name: 'AS 0 in AGGREGATOR',
    rfc: 'RFC 7607 §2 (handled per RFC 7606 §7.7)',
    ctx: E4,
    body: update({ attrs: [...BASE4, attr(O | T, 7, [...u32(0), 192, 0, 2, 1])], nlri: NLRI }),
    expect: { discard: 'AGGREGATOR', prefixes: PFX },
  },

  // ---- COMMUNITIES (§7.8), ORIGINATOR_ID (§7.9), CLUSTER_LIST (§7.10)
  {
    name: 'COMMUNITIES of length 0',
    rfc: 'RFC 7606 §7.8',
    ctx: E4,
    body: update({ attrs: [...BASE4, attr(O | T, 8, [])], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },
  {
    name: 'COMMUNITIES of length 5',
    rfc: 'RFC 7606 §7.8',
    ctx: E4,
    body: update({ attrs: [...BASE4, attr(O | T, 8, [0xfd, 0xe9, 0, 100, 1])], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },
  {
    name: 'ORIGINATOR_ID from an external peer',
    rfc: 'RFC 7606 §7.9',
    ctx: E4,
    body: update({ attrs: [...BASE4, attr(O, 9, [192, 0, 2, 9])], nlri: NLRI }),
    expect: { discard: 'ORIGINATOR_ID', prefixes: PFX },
  },
  {
    name: 'ORIGINATOR_ID of length 3 from an internal peer',
    rfc: 'RFC 7606 §7.9',
    ctx: I4,
    body: update({ attrs: [...BASE4, attr(O, 9, [192, 0, 2])], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },
  {
    name: 'CLUSTER_LIST from an external peer',
    rfc: 'RFC 7606 §7.10',
    ctx: E4,
    body: update({ attrs: [...BASE4, attr(O, 10, [192, 0, 2, 9])], nlri: NLRI }),
    expect: { discard: 'CLUSTER_LIST', prefixes: PFX },
  },
  {
    name: 'CLUSTER_LIST of length 6 from an internal peer',
    rfc: 'RFC 7606 §7.10',
    ctx: I4,
    body: update({ attrs: [...BASE4, attr(O, 10, [192, 0, 2, 9, 0, 0])], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },
  {
    name: 'CLUSTER_LIST of length 0 from an internal peer',
    rfc: 'RFC 7606 §7.10',
    ctx: I4,
    body: update({ attrs: [...BASE4, attr(O, 10, [])], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },

  // ---- MP_REACH_NLRI (§7.11, RFC 4760 §7), MP_UNREACH_NLRI (§7.12), duplicates (§3 g)
  {
    name: 'MP_REACH_NLRI next hop of length 5',
    rfc: 'RFC 7606 §7.11, RFC 4760 §7',
    ctx: E4,
    body: update({ attrs: [mpReach(2, [...ip6('2001:db8::1').slice(0, 5)], v6(...V6PFX)), ORIGIN, PATH4] }),
    expect: { reset: [3, 9] },
  },
  {
    name: 'MP_REACH_NLRI next hop length overruns the attribute',
    rfc: 'RFC 7606 §7.11, RFC 4760 §7',
    ctx: E4,
    body: update({ attrs: [attr(O, 14, [0, 2, 1, 40, ...ip6('2001:db8::1'), 0]), ORIGIN, PATH4] }),
    expect: { reset: [3, 9] },
  },
  {
    name: 'MP_REACH_NLRI of length 4',
    rfc: 'RFC 7606 §5.3, RFC 4760 §7',
    ctx: E4,
    body: update({ attrs: [attr(O, 14, [0, 2, 1, 0]), ORIGIN, PATH4] }),
    expect: { reset: [3, 9] },
  },
  {
    name: 'MP_REACH_NLRI whose last prefix overruns the attribute',
    rfc: 'RFC 7606 §5.3, RFC 4760 §7',
    ctx: E4,
    body: update({ attrs: [mpReach(2, ip6('2001:db8::1'), [...v6('2001:db8::/32'), 64, 0x20, 0x01]), ORIGIN, PATH4] }),
    expect: { reset: [3, 9] },
  },
  {
    name: 'MP_REACH_NLRI with an IPv6 prefix length of 129',
    rfc: 'RFC 7606 §5.3, RFC 4760 §7',
    ctx: E4,
    body: update({ attrs: [mpReach(2, ip6('2001:db8::1'), [129, ...Array<number>(17).fill(0)]), ORIGIN, PATH4] }),
    expect: { reset: [3, 9] },
  },
  {
    name: 'MP_REACH_NLRI with conflicting flags',
    rfc: 'RFC 7606 §5.3',
    ctx: E4,
    body: update({ attrs: [mpReach(2, ip6('2001:db8::1'), v6(...V6PFX), O | T), ORIGIN, PATH4] }),
    expect: { reset: [3] },
  },
  {
    name: 'MP_REACH_NLRI overrunning the attribute list',
    rfc: 'RFC 7606 §3 j, §4',
    ctx: E4,
    body: update({ attrs: [ORIGIN, PATH4, attrLen(O, 14, 60, [0, 2, 1, 16, ...ip6('2001:db8::1'), 0])] }),
    expect: { reset: [3] },
  },
  {
    name: 'MP_REACH_NLRI of an unsupported family is skipped',
    rfc: 'RFC 4760 (family not carried)',
    ctx: E4,
    body: update({ attrs: [attr(O, 14, [0, 25, 65, 4, 192, 0, 2, 1, 0, 1, 2, 3]), ORIGIN, PATH4] }),
    expect: { ok: true, prefixes: [] },
    check: (u) => assert.equal(u.mpReach, undefined),
  },
  {
    name: 'MP_REACH_NLRI with global and link-local next hops',
    rfc: 'RFC 2545 §3',
    ctx: E4,
    body: update({ attrs: [mpReach(2, [...ip6('2001:db8::1'), ...ip6('fe80::1')], v6(...V6PFX)), ORIGIN, PATH4] }),
    expect: { ok: true, prefixes: V6PFX },
    check: (u) => {
      assert.equal(u.attrs.nextHop, '2001:db8::1');
      assert.equal(u.attrs.linkLocalNextHop, 'fe80::1');
      assert.equal(u.mpReach?.nextHopProblem, undefined);
    },
  },
  {
    name: 'MP_REACH_NLRI for IPv4 unicast with a 16-octet (IPv6) next hop, RFC 8950 not negotiated',
    rfc: 'RFC 7606 §7.11; RFC 8950 §3',
    ctx: E4,
    body: update({ attrs: [mpReach(1, ip6('2001:db8::1'), v4(...PFX)), ORIGIN, PATH4] }),
    expect: { reset: [3, 9] },
  },
  {
    name: 'MP_REACH_NLRI for IPv4 unicast with a 32-octet next hop, RFC 8950 not negotiated',
    rfc: 'RFC 7606 §7.11; RFC 8950 §3',
    ctx: E4,
    body: update({ attrs: [mpReach(1, [...ip6('2001:db8::1'), ...ip6('fe80::1')], v4(...PFX)), ORIGIN, PATH4] }),
    expect: { reset: [3, 9] },
  },
  {
    name: 'MP_REACH_NLRI for IPv4 unicast with an IPv6 next hop, RFC 8950 negotiated',
    rfc: 'RFC 8950 §3',
    ctx: { ...E4, extendedNextHopV4: true },
    body: update({ attrs: [mpReach(1, ip6('2001:db8::1'), v4(...PFX)), ORIGIN, PATH4] }),
    expect: { ok: true, prefixes: PFX },
    check: (u) => assert.equal(u.attrs.nextHop, '2001:db8::1'),
  },
  {
    name: 'MP_REACH_NLRI for IPv4 unicast with a 4-octet next hop',
    rfc: 'RFC 4760 §3',
    ctx: E4,
    body: update({ attrs: [mpReach(1, [192, 0, 2, 9], v4(...PFX)), ORIGIN, PATH4] }),
    expect: { ok: true, prefixes: PFX },
    check: (u) => assert.equal(u.attrs.nextHop, '192.0.2.9'),
  },
  ...[
    ['0.0.0.0', [0, 0, 0, 0]],
    ['224.0.0.5', [224, 0, 0, 5]],
    ['239.1.2.3', [239, 1, 2, 3]],
    ['255.255.255.255', [255, 255, 255, 255]],
    ['240.0.0.1', [240, 0, 0, 1]],
  ].map(
    ([text, nh]): Row => ({
      name: `NEXT_HOP ${text as string} is flagged as no host address (the session ignores the routes)`,
      rfc: 'RFC 4271 §6.3',
      ctx: E4,
      body: update({ attrs: [ORIGIN, PATH4, attr(T, 3, nh as number[])], nlri: NLRI }),
      expect: { ok: true, prefixes: PFX },
      check: (u) => assert.match(u.nextHopProblem ?? '', new RegExp((text as string).replace(/\./g, '\\.'))),
    }),
  ),
  ...['::', 'ff02::1', 'fe80::1'].map(
    (text): Row => ({
      name: `MP_REACH_NLRI global next hop ${text} is flagged (the session ignores the routes)`,
      rfc: 'RFC 4271 §6.3; RFC 2545 §3',
      ctx: E4,
      body: update({ attrs: [mpReach(2, ip6(text), v6(...V6PFX)), ORIGIN, PATH4] }),
      expect: { ok: true, prefixes: V6PFX },
      check: (u) => assert.ok(u.mpReach?.nextHopProblem, 'a next hop problem'),
    }),
  ),
  {
    name: 'NEXT_HOP 127.0.0.1 and 192.0.2.1 are host addresses',
    rfc: 'RFC 4271 §6.3',
    ctx: E4,
    body: update({ attrs: [ORIGIN, PATH4, attr(T, 3, [127, 0, 0, 1])], nlri: NLRI }),
    expect: { ok: true, prefixes: PFX },
    check: (u) => assert.equal(u.nextHopProblem, undefined),
  },
  {
    name: 'MP_UNREACH_NLRI of length 2',
    rfc: 'RFC 7606 §5.3, §7.12; RFC 4760 §7',
    ctx: E4,
    body: update({ attrs: [attr(O, 15, [0, 2])] }),
    expect: { reset: [3, 9] },
  },
  {
    name: 'MP_UNREACH_NLRI whose last prefix overruns the attribute',
    rfc: 'RFC 7606 §5.3, §7.12; RFC 4760 §7',
    ctx: E4,
    body: update({ attrs: [mpUnreach(2, [48, 0x20, 0x01, 0x0d])] }),
    expect: { reset: [3, 9] },
  },
  {
    name: 'MP_UNREACH_NLRI with an IPv4 prefix length of 33',
    rfc: 'RFC 7606 §5.3, §7.12; RFC 4760 §7',
    ctx: E4,
    body: update({ attrs: [mpUnreach(1, [33, 10, 0, 0, 0, 0])] }),
    expect: { reset: [3, 9] },
  },
  {
    name: 'MP_REACH_NLRI twice',
    rfc: 'RFC 7606 §3 g',
    ctx: E4,
    body: update({ attrs: [mpReach6(), mpReach6(['2001:db8:2::/48']), ORIGIN, PATH4] }),
    expect: { reset: [3, 1] },
  },
  {
    name: 'MP_UNREACH_NLRI twice',
    rfc: 'RFC 7606 §3 g',
    ctx: E4,
    body: update({ attrs: [mpUnreach(2, v6('2001:db8::/32')), mpUnreach(2, v6('2001:db8:1::/48'))] }),
    expect: { reset: [3, 1] },
  },
  {
    name: 'COMMUNITIES twice: the second is discarded',
    rfc: 'RFC 7606 §3 g',
    ctx: E4,
    body: update({ attrs: [...BASE4, attr(O | T, 8, u32(0xfde90064)), attr(O | T, 8, u32(0xfde900c8))], nlri: NLRI }),
    expect: { ok: true, prefixes: PFX },
    check: (u) => assert.deepEqual(u.attrs.communities, [0xfde90064]),
  },
  {
    name: 'ORIGIN twice: the first counts',
    rfc: 'RFC 7606 §3 g',
    ctx: E4,
    body: update({ attrs: [attr(T, 1, [2]), PATH4, NEXT_HOP, attr(T, 1, [0])], nlri: NLRI }),
    expect: { ok: true, prefixes: PFX },
    check: (u) => assert.equal(u.attrs.origin, 2),
  },

  // ---- EXTENDED_COMMUNITIES, LARGE_COMMUNITY, OTC
  {
    name: 'EXTENDED_COMMUNITIES of length 7',
    rfc: 'RFC 7606 §7.14',
    ctx: E4,
    body: update({ attrs: [...BASE4, attr(O | T, 16, [0, 2, 0xfd, 0xe9, 0, 0, 0])], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },
  {
    name: 'EXTENDED_COMMUNITIES of length 0',
    rfc: 'RFC 7606 §7.14',
    ctx: E4,
    body: update({ attrs: [...BASE4, attr(O | T, 16, [])], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },
  {
    name: 'LARGE_COMMUNITY of length 11',
    rfc: 'RFC 8092 §6',
    ctx: E4,
    body: update({ attrs: [...BASE4, attr(O | T, 32, [...u32(65001), ...u32(1), 0, 0, 2])], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },
  {
    name: 'LARGE_COMMUNITY of length 0',
    rfc: 'RFC 8092 §6',
    ctx: E4,
    body: update({ attrs: [...BASE4, attr(O | T, 32, [])], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },
  {
    name: 'OTC of length 3',
    rfc: 'RFC 9234 §5',
    ctx: E4,
    body: update({ attrs: [...BASE4, attr(O | T, 35, [0, 0xfd, 0xe9])], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },

  // ---- AS4_PATH and AS4_AGGREGATOR (RFC 6793)
  {
    name: 'AS4_PATH from a 4-octet speaker',
    rfc: 'RFC 6793 §4.1',
    ctx: E4,
    body: update({ attrs: [...BASE4, attr(O | T, 17, seg(SEQ, [4200000000, 65002]))], nlri: NLRI }),
    expect: { discard: 'AS4_PATH', prefixes: PFX },
    check: (u) => assert.deepEqual(asPathOf(u), [[SEQ, 65001, 65002]]),
  },
  {
    name: 'AS4_AGGREGATOR from a 4-octet speaker',
    rfc: 'RFC 6793 §4.1',
    ctx: E4,
    body: update({ attrs: [...BASE4, attr(O | T, 7, [...u32(65001), 192, 0, 2, 1]), attr(O | T, 18, [...u32(4200000000), 192, 0, 2, 1])], nlri: NLRI }),
    expect: { discard: 'AS4_AGGREGATOR', prefixes: PFX },
    check: (u) => assert.deepEqual(u.attrs.aggregator, { asn: 65001, address: '192.0.2.1' }),
  },
  {
    name: 'malformed AS4_PATH (zero-length segment)',
    rfc: 'RFC 6793 §6',
    ctx: E2,
    body: update({ attrs: [ORIGIN, attr(T, 2, seg(SEQ, [65001, 23456], 2)), NEXT_HOP, attr(O | T, 17, [SEQ, 0])], nlri: NLRI }),
    expect: { discard: 'AS4_PATH', prefixes: PFX },
    check: (u) => assert.deepEqual(asPathOf(u), [[SEQ, 65001, 23456]]),
  },
  {
    name: 'malformed AS4_PATH (trailing octet)',
    rfc: 'RFC 6793 §6',
    ctx: E2,
    body: update({ attrs: [ORIGIN, attr(T, 2, seg(SEQ, [65001, 23456], 2)), NEXT_HOP, attr(O | T, 17, [...seg(SEQ, [4200000000]), 7])], nlri: NLRI }),
    expect: { discard: 'AS4_PATH', prefixes: PFX },
    check: (u) => assert.deepEqual(asPathOf(u), [[SEQ, 65001, 23456]]),
  },
  {
    name: 'AS4_PATH with a confederation segment',
    rfc: 'RFC 6793 §6',
    ctx: E2,
    body: update({
      attrs: [ORIGIN, attr(T, 2, seg(SEQ, [65001, 23456], 2)), NEXT_HOP, attr(O | T, 17, [...seg(CONFED_SEQ, [64512]), ...seg(SEQ, [4200000000])])],
      nlri: NLRI,
    }),
    expect: { discard: 'AS4_PATH', prefixes: PFX },
    check: (u) => assert.deepEqual(asPathOf(u), [[SEQ, 65001, 23456]]),
  },
  {
    name: 'AS4_AGGREGATOR of length 7',
    rfc: 'RFC 6793 §6',
    ctx: E2,
    body: update({ attrs: [...BASE2, attr(O | T, 7, [0x5b, 0xa0, 192, 0, 2, 1]), attr(O | T, 18, [...u32(4200000000), 192, 0, 2])], nlri: NLRI }),
    expect: { discard: 'AS4_AGGREGATOR', prefixes: PFX },
    check: (u) => assert.deepEqual(u.attrs.aggregator, { asn: 23456, address: '192.0.2.1' }),
  },
  {
    name: 'AS_PATH and AS4_PATH are merged',
    rfc: 'RFC 6793 §4.2.3',
    ctx: E2,
    body: update({
      attrs: [ORIGIN, attr(T, 2, seg(SEQ, [65001, 23456, 23456, 65004], 2)), NEXT_HOP, attr(O | T, 17, seg(SEQ, [4200000000, 4200000001, 65004]))],
      nlri: NLRI,
    }),
    expect: { ok: true, prefixes: PFX },
    check: (u) => assert.deepEqual(asPathOf(u), [[SEQ, 65001, 4200000000, 4200000001, 65004]]),
  },
  {
    name: 'AS4_AGGREGATOR replaces an AGGREGATOR of AS_TRANS',
    rfc: 'RFC 6793 §4.2.3',
    ctx: E2,
    body: update({
      attrs: [
        ORIGIN,
        attr(T, 2, seg(SEQ, [65001, 23456], 2)),
        NEXT_HOP,
        attr(O | T, 7, [0x5b, 0xa0, 192, 0, 2, 1]),
        attr(O | T, 17, seg(SEQ, [4200000000])),
        attr(O | T, 18, [...u32(4200000000), 192, 0, 2, 1]),
      ],
      nlri: NLRI,
    }),
    expect: { ok: true, prefixes: PFX },
    check: (u) => {
      assert.deepEqual(u.attrs.aggregator, { asn: 4200000000, address: '192.0.2.1' });
      assert.deepEqual(asPathOf(u), [[SEQ, 65001, 4200000000]]);
    },
  },
  {
    name: 'AGGREGATOR other than AS_TRANS: AS4_AGGREGATOR and AS4_PATH are ignored',
    rfc: 'RFC 6793 §4.2.3',
    ctx: E2,
    body: update({
      attrs: [
        ORIGIN,
        attr(T, 2, seg(SEQ, [65001, 23456], 2)),
        NEXT_HOP,
        attr(O | T, 7, [0xfd, 0xea, 192, 0, 2, 1]),
        attr(O | T, 17, seg(SEQ, [4200000000])),
        attr(O | T, 18, [...u32(4200000000), 192, 0, 2, 1]),
      ],
      nlri: NLRI,
    }),
    expect: { ok: true, prefixes: PFX },
    check: (u) => {
      assert.deepEqual(u.attrs.aggregator, { asn: 65002, address: '192.0.2.1' });
      assert.deepEqual(asPathOf(u), [[SEQ, 65001, 23456]]);
    },
  },
  {
    name: 'AS4_PATH longer than AS_PATH is ignored',
    rfc: 'RFC 6793 §4.2.3',
    ctx: E2,
    body: update({ attrs: [ORIGIN, attr(T, 2, seg(SEQ, [23456], 2)), NEXT_HOP, attr(O | T, 17, seg(SEQ, [4200000000, 4200000001]))], nlri: NLRI }),
    expect: { ok: true, prefixes: PFX },
    check: (u) => assert.deepEqual(asPathOf(u), [[SEQ, 23456]]),
  },

  // ---- NLRI and Withdrawn Routes syntax (§5.3, §3 i, §3 j: the session must be reset)
  {
    name: 'NLRI prefix length 33',
    rfc: 'RFC 7606 §5.3, §3 j; RFC 4271 §6.3',
    ctx: E4,
    body: update({ attrs: BASE4, nlri: [...v4('203.0.113.0/24'), 33, 10, 0, 0, 0, 0] }),
    expect: { reset: [3, 10] },
  },
  {
    name: 'NLRI whose last prefix overruns the message',
    rfc: 'RFC 7606 §5.3, §3 j; RFC 4271 §6.3',
    ctx: E4,
    body: update({ attrs: BASE4, nlri: [...v4('203.0.113.0/24'), 24, 10, 0] }),
    expect: { reset: [3, 10] },
  },
  {
    name: 'Withdrawn Routes prefix length 33',
    rfc: 'RFC 7606 §3 i, §5.3',
    ctx: E4,
    body: update({ withdrawn: [33, 10, 0, 0, 0, 0] }),
    expect: { reset: [3, 10] },
  },
  {
    name: 'Withdrawn Routes whose last prefix overruns the field',
    rfc: 'RFC 7606 §3 i, §5.3',
    ctx: E4,
    body: update({ withdrawn: [...v4('10.0.0.0/8'), 16, 10] }),
    expect: { reset: [3, 10] },
  },
  {
    name: 'ADD-PATH NLRI with a truncated path identifier',
    rfc: 'RFC 7606 §5.3; RFC 7911 §3',
    ctx: ctx(true, true, true),
    body: update({ attrs: BASE4, nlri: [0, 0, 0, 1, ...v4('203.0.113.0/24'), 0, 0] }),
    expect: { reset: [3, 10] },
  },
  {
    name: 'ADD-PATH NLRI treated as withdrawn keeps its path identifiers',
    rfc: 'RFC 7606 §7.1; RFC 7911 §3',
    ctx: ctx(true, true, true),
    body: update({ attrs: [attr(T, 1, [7]), PATH4, NEXT_HOP], nlri: [0, 0, 0, 1, ...v4('203.0.113.0/24'), 0, 0, 0, 2, ...v4('203.0.113.0/24')] }),
    expect: { withdraw: true, prefixes: ['203.0.113.0/24', '203.0.113.0/24'] },
    check: (u) => assert.deepEqual(u.nlri.pathIds, [1, 2]),
  },

  // ---- Missing well-known attributes (§3 d)
  {
    name: 'ORIGIN missing with NLRI',
    rfc: 'RFC 7606 §3 d',
    ctx: E4,
    body: update({ attrs: [PATH4, NEXT_HOP], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },
  {
    name: 'AS_PATH missing with NLRI',
    rfc: 'RFC 7606 §3 d',
    ctx: E4,
    body: update({ attrs: [ORIGIN, NEXT_HOP], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },
  {
    name: 'NEXT_HOP missing with NLRI',
    rfc: 'RFC 7606 §3 d',
    ctx: E4,
    body: update({ attrs: [ORIGIN, PATH4], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },
  {
    name: 'NEXT_HOP missing with only MP_REACH_NLRI (IPv6)',
    rfc: 'RFC 7606 §3 d; RFC 4760 §3',
    ctx: E4,
    body: update({ attrs: [mpReach6(), ORIGIN, PATH4] }),
    expect: { ok: true, prefixes: V6PFX },
    check: (u) => assert.equal(u.attrs.nextHop, '2001:db8::1'),
  },
  {
    name: 'ORIGIN missing with only MP_REACH_NLRI (IPv6)',
    rfc: 'RFC 7606 §3 d',
    ctx: E4,
    body: update({ attrs: [mpReach6(), PATH4] }),
    expect: { withdraw: true, prefixes: V6PFX },
  },
  {
    name: 'no path attributes but NLRI',
    rfc: 'RFC 7606 §3 d',
    ctx: E4,
    body: update({ nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },
  {
    name: 'attributes without NLRI need no mandatory attribute',
    rfc: 'RFC 4271 §5',
    ctx: E4,
    body: update({ withdrawn: v4('10.0.0.0/8'), attrs: [ORIGIN] }),
    expect: { ok: true, prefixes: [] },
  },

  // ---- Unrecognized attributes (RFC 4271 §5, §6.3)
  {
    name: 'unrecognized well-known attribute',
    rfc: 'RFC 4271 §6.3 (kept by RFC 7606)',
    ctx: E4,
    body: update({ attrs: [...BASE4, attr(T, 99, [1, 2, 3])], nlri: NLRI }),
    expect: { reset: [3, 2], data: attr(T, 99, [1, 2, 3]) },
  },
  {
    name: 'unrecognized well-known attribute with extended length',
    rfc: 'RFC 4271 §6.3 (kept by RFC 7606)',
    ctx: E4,
    body: update({ attrs: [...BASE4, attr(T | X, 99, [1, 2, 3])], nlri: NLRI }),
    expect: { reset: [3, 2], data: attr(T | X, 99, [1, 2, 3]) },
  },
  {
    name: 'unknown optional transitive attribute is kept with its flags',
    rfc: 'RFC 4271 §5',
    ctx: E4,
    body: update({ attrs: [...BASE4, attr(O | T, 99, [1, 2, 3])], nlri: NLRI }),
    expect: { ok: true, prefixes: PFX },
    check: (u) => {
      assert.equal(u.problems.length, 0);
      assert.equal(u.attrs.unknown?.length, 1);
      const x = u.attrs.unknown![0]!;
      assert.equal(x.type, 99);
      assert.equal(x.flags & (O | T | P), O | T);
      assert.deepEqual([...x.value], [1, 2, 3]);
    },
  },
  {
    name: 'unknown optional transitive attribute keeps the Partial bit',
    rfc: 'RFC 4271 §5',
    ctx: E4,
    body: update({ attrs: [...BASE4, attr(O | T | P | X, 200, [9])], nlri: NLRI }),
    expect: { ok: true, prefixes: PFX },
    check: (u) => {
      const x = u.attrs.unknown?.[0];
      assert.ok(x);
      assert.equal(x.flags & (O | T | P), O | T | P);
      assert.deepEqual([...x.value], [9]);
    },
  },
  {
    name: 'unknown optional non-transitive attribute is dropped silently',
    rfc: 'RFC 4271 §5',
    ctx: E4,
    body: update({ attrs: [...BASE4, attr(O, 99, [1, 2, 3])], nlri: NLRI }),
    expect: { ok: true, prefixes: PFX },
    check: (u) => {
      assert.equal(u.attrs.unknown, undefined);
      assert.equal(u.problems.length, 0);
    },
  },

  // ---- Several problems (§3 h)
  {
    name: 'attribute discard and treat-as-withdraw: withdraw wins',
    rfc: 'RFC 7606 §3 h',
    ctx: E4,
    body: update({ attrs: [...BASE4, attr(O, 4, [0, 0, 1]), attr(T, 6, [0])], nlri: NLRI }),
    expect: { withdraw: true, prefixes: PFX },
  },
  {
    name: 'treat-as-withdraw then an unrecognized well-known attribute: reset wins',
    rfc: 'RFC 7606 §3 h',
    ctx: E4,
    body: update({ attrs: [...BASE4, attr(O, 4, [0, 0, 1]), attr(T, 99, [])], nlri: NLRI }),
    expect: { reset: [3, 2] },
  },
  {
    name: 'two discards stay a discard',
    rfc: 'RFC 7606 §3 h',
    ctx: E4,
    body: update({ attrs: [...BASE4, attr(T, 6, [0]), attr(O | T, 7, [1, 2, 3])], nlri: NLRI }),
    expect: { discard: 'AGGREGATOR', prefixes: PFX },
    check: (u) => assert.equal(u.attrs.atomicAggregate, undefined),
  },

  // ---- End-of-RIB (RFC 4724 §2)
  {
    name: 'End-of-RIB for IPv4 unicast: an empty UPDATE',
    rfc: 'RFC 4724 §2',
    ctx: E4,
    body: update({}),
    expect: { ok: true, prefixes: [] },
    check: (u) => assert.deepEqual(u.endOfRib, { afi: 1, safi: 1 }),
  },
  {
    name: 'End-of-RIB for IPv6 unicast: an empty MP_UNREACH_NLRI',
    rfc: 'RFC 4724 §2',
    ctx: E4,
    body: update({ attrs: [mpUnreach(2, [])] }),
    expect: { ok: true, prefixes: [] },
    check: (u) => assert.deepEqual(u.endOfRib, { afi: 2, safi: 1 }),
  },
  {
    name: 'End-of-RIB for IPv6 unicast with an extended-length MP_UNREACH_NLRI',
    rfc: 'RFC 4724 §2',
    ctx: E4,
    body: update({ attrs: [mpUnreach(2, [], O | X)] }),
    expect: { ok: true, prefixes: [] },
    check: (u) => assert.deepEqual(u.endOfRib, { afi: 2, safi: 1 }),
  },
  {
    name: 'a withdrawal is not an End-of-RIB',
    rfc: 'RFC 4724 §2',
    ctx: E4,
    body: update({ withdrawn: v4('10.0.0.0/8') }),
    expect: { ok: true, prefixes: [] },
    check: (u) => {
      assert.equal(u.endOfRib, undefined);
      assert.deepEqual(u.withdrawn.keys.map(formatPrefixKey), ['10.0.0.0/8']);
    },
  },
  {
    name: 'an IPv6 withdrawal is not an End-of-RIB',
    rfc: 'RFC 4724 §2',
    ctx: E4,
    body: update({ attrs: [mpUnreach(2, v6('2001:db8::/32'))] }),
    expect: { ok: true, prefixes: [] },
    check: (u) => {
      assert.equal(u.endOfRib, undefined);
      assert.deepEqual(u.mpUnreach?.nlri.keys.map(formatPrefixKey), ['2001:db8::/32']);
    },
  },
];

function runRow(row: Row): void {
  let r: Update | BgpError;
  try {
    r = decodeUpdate(row.body, row.ctx);
  } catch (e) {
    assert.fail(`decodeUpdate threw instead of deciding (${(e as Error).message}); body ${row.body.toString('hex')}`);
  }
  const e = row.expect;
  if ('reset' in e) {
    assert.ok(isError(r), `expected a session reset (NOTIFICATION ${e.reset.join('/')}), got ${describe7606(r)}`);
    assert.equal(r.code, e.reset[0], `NOTIFICATION code: ${describe7606(r)}`);
    if (e.reset[1] !== undefined) assert.equal(r.subcode, e.reset[1], `NOTIFICATION subcode: ${describe7606(r)}`);
    if (e.data) assert.equal(r.data.toString('hex'), e.data.toString('hex'), 'NOTIFICATION data');
    return;
  }
  assert.ok(!isError(r), `expected an UPDATE, got ${describe7606(r)}`);
  if ('withdraw' in e) {
    assert.equal(r.treatAsWithdraw, true, `expected treat-as-withdraw, got ${describe7606(r)}`);
    assert.ok(
      r.problems.some((p) => p.severity === Severity.TREAT_AS_WITHDRAW),
      'a treat-as-withdraw problem is logged',
    );
    assert.deepEqual(announced(r), canon(e.prefixes), 'the prefixes to withdraw');
  } else if ('discard' in e) {
    assert.equal(r.treatAsWithdraw, false, `expected attribute discard only, got ${describe7606(r)}`);
    const type = TYPE_OF[e.discard]!;
    assert.ok(
      r.problems.some((p) => p.severity === Severity.ATTRIBUTE_DISCARD && p.attr === type),
      `expected ${e.discard} to be discarded, got ${describe7606(r)}`,
    );
    const field = FIELD[e.discard];
    if (field) assert.equal(r.attrs[field], undefined, `${e.discard} must be absent from attrs`);
    assert.deepEqual(announced(r), canon(e.prefixes), 'the routes are kept');
  } else {
    assert.equal(r.treatAsWithdraw, false, `expected acceptance, got ${describe7606(r)}`);
    assert.ok(!r.problems.some((p) => p.severity >= Severity.TREAT_AS_WITHDRAW), `no withdraw-level problem: ${describe7606(r)}`);
    if (e.prefixes) assert.deepEqual(announced(r), canon(e.prefixes), 'the announced prefixes');
  }
  row.check?.(r);
}

describe('RFC 7606: malformed UPDATE table', () => {
  for (const row of rows) test(`${row.rfc}: ${row.name}`, () => runRow(row));
});

// ---------------------------------------------------------------------------------------------
// OPEN (RFC 4271 §4.2, §6.2; RFC 5492; RFC 9072)

function expectOpenError(body: Buffer, code: number, subcode: number, data?: number[]): void {
  const r = decodeOpen(body);
  assert.ok('code' in r, `expected NOTIFICATION ${code}/${subcode}, got an OPEN`);
  assert.equal(r.code, code);
  assert.equal(r.subcode, subcode, r.reason);
  if (data) assert.deepEqual([...r.data], data);
}

describe('OPEN decoding', () => {
  test('RFC 4271 §6.2: version 3 is Unsupported Version Number with data 4', () => {
    expectOpenError(openBody({ version: 3 }), 2, 1, [0, 4]);
  });
  test('RFC 4271 §6.2: version 5 is Unsupported Version Number with data 4', () => {
    expectOpenError(openBody({ version: 5 }), 2, 1, [0, 4]);
  });
  test('RFC 4271 §6.2: hold time 1 and 2 are Unacceptable Hold Time; 0 and 3 are fine', () => {
    expectOpenError(openBody({ hold: 1 }), 2, 6);
    expectOpenError(openBody({ hold: 2 }), 2, 6);
    for (const hold of [0, 3, 65535]) {
      const r = decodeOpen(openBody({ hold }));
      assert.ok(!('code' in r), `hold time ${hold} accepted`);
      assert.equal(r.holdTime, hold);
    }
  });
  test('RFC 4271 §6.2 / RFC 6286: BGP identifier 0 is Bad BGP Identifier', () => {
    expectOpenError(openBody({ id: 0 }), 2, 3);
  });
  test('RFC 4271 §6.2: an unknown optional parameter type is Unsupported Optional Parameter', () => {
    expectOpenError(openBody({ params: [1, 2, 0, 0] }), 2, 4);
    expectOpenError(openBody({ params: [...capParam(capability(2)), 77, 1, 0] }), 2, 4);
  });
  test('RFC 5492: capabilities are parsed, unknown ones kept', () => {
    const body = openBody({
      as: 23456,
      hold: 180,
      id: 0x0a000001,
      params: cat(
        capParam(capability(1, [0, 1, 0, 1]), capability(1, [0, 2, 0, 1]), capability(2)),
        capParam(capability(65, u32(4200000000)), capability(70), capability(6), capability(9, [3])),
        capParam(capability(64, [0x80, 120, 0, 1, 1, 0x80, 0, 2, 1, 0]), capability(69, [0, 1, 1, 1, 0, 2, 1, 3]), capability(200, [7, 7])),
      ),
    });
    const r = decodeOpen(body);
    assert.ok(!('code' in r), 'code' in r ? r.reason : '');
    assert.equal(r.version, 4);
    assert.equal(r.asn, 4200000000);
    assert.equal(r.holdTime, 180);
    assert.equal(r.bgpId, 0x0a000001);
    const c = r.capabilities;
    assert.deepEqual(c.multiprotocol, [
      { afi: 1, safi: 1 },
      { afi: 2, safi: 1 },
    ]);
    assert.equal(c.routeRefresh, true);
    assert.equal(c.enhancedRouteRefresh, true);
    assert.equal(c.extendedMessage, true);
    assert.equal(c.role, 3);
    assert.equal(c.fourOctetAs, 4200000000);
    assert.deepEqual(c.gracefulRestart, {
      restartState: true,
      restartTime: 120,
      families: [
        { afi: 1, safi: 1, forwardingState: true },
        { afi: 2, safi: 1, forwardingState: false },
      ],
    });
    assert.deepEqual(c.addPath, [
      { afi: 1, safi: 1, mode: 1 },
      { afi: 2, safi: 1, mode: 3 },
    ]);
    assert.deepEqual(
      c.unknown.map((u) => [u.code, [...u.value]]),
      [[200, [7, 7]]],
    );
  });
  test('RFC 4271 §4.2: without the 4-octet capability the AS is the 2-octet field', () => {
    const r = decodeOpen(openBody({ as: 65010, params: capParam(capability(2)) }));
    assert.ok(!('code' in r));
    assert.equal(r.asn, 65010);
    assert.equal(r.capabilities.fourOctetAs, undefined);
  });
  test('RFC 9234 §4.2: two Role capabilities with different values are a Role Mismatch; equal ones are fine', () => {
    expectOpenError(openBody({ params: capParam(capability(9, [3]), capability(9, [0])) }), 2, 11);
    expectOpenError(openBody({ params: cat(capParam(capability(9, [4])), capParam(capability(9, [2]))) }), 2, 11);
    const r = decodeOpen(openBody({ params: capParam(capability(9, [3]), capability(9, [3])) }));
    assert.ok(!('code' in r), 'code' in r ? r.reason : '');
    assert.equal(r.capabilities.role, 3);
  });
  test('RFC 6793 §4.1: two 4-octet AS capabilities with different values are Bad Peer AS', () => {
    expectOpenError(openBody({ as: 23456, params: capParam(capability(65, u32(4200000001)), capability(65, u32(4200000002))) }), 2, 2);
    expectOpenError(openBody({ as: 23456, params: cat(capParam(capability(65, u32(65009))), capParam(capability(65, u32(65002)))) }), 2, 2);
    const r = decodeOpen(openBody({ as: 23456, params: capParam(capability(65, u32(4200000001)), capability(65, u32(4200000001))) }));
    assert.ok(!('code' in r), 'code' in r ? r.reason : '');
  });
  test('RFC 6793 §4.1, §4.2.1: My Autonomous System must be the 4-octet AS when it fits, else AS_TRANS', () => {
    expectOpenError(openBody({ as: 65002, params: capParam(capability(65, u32(65003))) }), 2, 2, [0xfd, 0xea]);
    expectOpenError(openBody({ as: 65002, params: capParam(capability(65, u32(4200000002))) }), 2, 2);
    for (const [as, as4] of [
      [65002, 65002],
      [23456, 65002],
      [23456, 4200000002],
    ] as const) {
      const r = decodeOpen(openBody({ as, params: capParam(capability(65, u32(as4))) }));
      assert.ok(!('code' in r), 'code' in r ? r.reason : '');
      assert.equal(r.asn, as4);
    }
  });
  test('RFC 7607 §2: AS 0 in the OPEN is Bad Peer AS', () => {
    expectOpenError(openBody({ as: 0, params: capParam(capability(2)) }), 2, 2);
    expectOpenError(openBody({ as: 23456, params: capParam(capability(65, u32(0))) }), 2, 2);
  });
  test('RFC 9072: extended optional parameters length', () => {
    const caps = [capability(1, [0, 1, 0, 1]), capability(65, u32(4200000001))];
    for (let i = 0; i < 40; i++) caps.push(capability(180 + (i % 20), Array<number>(10).fill(i)));
    const v = Buffer.concat(caps);
    const params = cat([2], u16(v.length), v); // one Capabilities parameter with a 2-octet length
    const body = cat([4], u16(23456), u16(90), u32(0xc0000201), [255, 255], u16(params.length), params);
    const r = decodeOpen(body);
    assert.ok(!('code' in r), 'code' in r ? r.reason : '');
    assert.equal(r.asn, 4200000001);
    assert.deepEqual(r.capabilities.multiprotocol, [{ afi: 1, safi: 1 }]);
    assert.equal(r.capabilities.unknown.length, 40);
    assert.deepEqual([...r.capabilities.unknown[39]!.value], Array<number>(10).fill(39));
  });
  test('RFC 9072: a non-extended parameter list of exactly 255 octets is not mistaken for the extended form', () => {
    const param = capParam(capability(190, Array<number>(251).fill(1))); // 2 + 2 + 251 = 255
    assert.equal(param.length, 255);
    const r = decodeOpen(openBody({ params: param }));
    assert.ok(!('code' in r), 'code' in r ? r.reason : '');
    assert.equal(r.capabilities.unknown[0]?.value.length, 251);
  });
  test('RFC 5492: a capability overrunning its parameter is an OPEN Message Error', () => {
    const r = decodeOpen(openBody({ params: [2, 4, 1, 4, 0, 1] }));
    assert.ok('code' in r);
    assert.equal(r.code, 2);
  });
});

// ---------------------------------------------------------------------------------------------
// Framing (RFC 4271 §4.1, §6.1; RFC 8654)

const MARKER = Buffer.alloc(16, 0xff);
const rawHeader = (length: number, type: number, marker: Buffer = MARKER) => cat(marker, u16(length), [type]);

function frameError(input: Buffer, maxLength?: number): BgpError {
  const f = new Framer();
  if (maxLength) f.maxLength = maxLength;
  f.push(input);
  const r = f.next();
  assert.ok(r && 'code' in r, `expected a framing error, got ${r ? `a message of type ${(r as Frame).type}` : 'nothing'}`);
  return r;
}

function drain(f: Framer, out: Frame[]): void {
  for (;;) {
    const r = f.next();
    if (r === undefined) return;
    assert.ok(!('code' in r), `unexpected framing error ${'code' in r ? r.reason : ''}`);
    out.push(r);
  }
}

const sampleStream = (): Buffer[] => [
  encodeMessage(1, openBody({ params: capParam(capability(2)) })),
  encodeMessage(4),
  encodeMessage(2, update({ attrs: BASE4, nlri: NLRI })),
  encodeMessage(5, Buffer.from([0, 1, 0, 1])),
  encodeMessage(3, Buffer.from([6, 2, 3, 0x61, 0x62, 0x63])),
  encodeMessage(4),
];

describe('Framer', () => {
  test('RFC 4271 §6.1: a marker that is not all ones is Connection Not Synchronized', () => {
    const marker = Buffer.from(MARKER);
    marker[7] = 0xfe;
    const e = frameError(rawHeader(19, 4, marker));
    assert.deepEqual([e.code, e.subcode], [1, 1]);
  });
  test('RFC 4271 §6.1: lengths below 19 and above 4096 are Bad Message Length, with the length as data', () => {
    for (const length of [0, 18, 4097, 65535]) {
      const e = frameError(rawHeader(length, 2));
      assert.deepEqual([e.code, e.subcode], [1, 2], `length ${length}`);
      assert.deepEqual([...e.data], u16(length), `data of length ${length}`);
    }
  });
  test('RFC 4271 §6.1: per-type minimum lengths', () => {
    for (const [type, length] of [
      [1, 28],
      [2, 22],
      [3, 20],
      [5, 22],
    ] as const) {
      const e = frameError(rawHeader(length, type));
      assert.deepEqual([e.code, e.subcode, ...e.data], [1, 2, ...u16(length)], `type ${type} length ${length}`);
    }
  });
  test('RFC 4271 §6.1: a KEEPALIVE with a body is Bad Message Length', () => {
    const e = frameError(cat(rawHeader(20, 4), [0]));
    assert.deepEqual([e.code, e.subcode, ...e.data], [1, 2, 0, 20]);
  });
  test('RFC 4271 §6.1: type 9 is Bad Message Type with the type as data', () => {
    const e = frameError(rawHeader(19, 9));
    assert.deepEqual([e.code, e.subcode, ...e.data], [1, 3, 9]);
    const z = frameError(rawHeader(19, 0));
    assert.deepEqual([z.code, z.subcode, ...z.data], [1, 3, 0]);
  });
  test('messages split across chunks at every byte boundary', () => {
    const msgs = sampleStream();
    const stream = Buffer.concat(msgs);
    const want = msgs.map((m) => ({ type: m[18]!, body: m.subarray(19).toString('hex') }));
    for (let cut = 0; cut <= stream.length; cut++) {
      const f = new Framer();
      const out: Frame[] = [];
      f.push(stream.subarray(0, cut));
      drain(f, out);
      f.push(stream.subarray(cut));
      drain(f, out);
      assert.deepEqual(
        out.map((m) => ({ type: m.type, body: m.body.toString('hex') })),
        want,
        `cut at ${cut}`,
      );
      assert.equal(f.pending, 0);
    }
    // and one byte at a time
    const f = new Framer();
    const out: Frame[] = [];
    for (let i = 0; i < stream.length; i++) {
      f.push(stream.subarray(i, i + 1));
      drain(f, out);
    }
    assert.equal(out.length, msgs.length);
    assert.deepEqual(
      out.map((m) => ({ type: m.type, body: m.body.toString('hex') })),
      want,
    );
  });
  test('many messages in one chunk', () => {
    const msgs: Buffer[] = [];
    for (let i = 0; i < 2000; i++)
      msgs.push(i % 3 === 0 ? encodeMessage(4) : encodeMessage(2, update({ attrs: BASE4, nlri: v4(`10.${i >> 8}.${i & 0xff}.0/24`) })));
    const f = new Framer();
    f.push(Buffer.concat(msgs));
    const out: Frame[] = [];
    drain(f, out);
    assert.equal(out.length, msgs.length);
    assert.equal(f.pending, 0);
    for (let i = 0; i < msgs.length; i++) assert.equal(out[i]!.body.toString('hex'), msgs[i]!.subarray(19).toString('hex'));
  });
  test('RFC 8654: 65535-octet UPDATE only once the maximum is raised; OPEN stays at 4096', () => {
    const nlri = Buffer.alloc(65535 - 19 - 4 - BASE4.reduce((n, a) => n + a.length, 0));
    // fill with /0 prefixes (one octet each) so the body is a valid UPDATE too
    const msg = encodeMessage(2, update({ attrs: BASE4, nlri }));
    assert.equal(msg.length, 65535);
    const e = frameError(msg);
    assert.deepEqual([e.code, e.subcode, ...e.data], [1, 2, 0xff, 0xff]);
    const f = new Framer();
    f.maxLength = 65535;
    f.push(msg);
    const r = f.next();
    assert.ok(r && !('code' in r));
    assert.equal(r.body.length, 65535 - 19);
    const u = decodeUpdate(r.body, E4);
    assert.ok(!('code' in u));
    assert.equal(u.nlri.keys.length, nlri.length);
    const open = frameError(rawHeader(4097, 1), 65535);
    assert.deepEqual([open.code, open.subcode], [1, 2]);
    const ka = frameError(cat(rawHeader(20, 4), [0]), 65535);
    assert.deepEqual([ka.code, ka.subcode], [1, 2]);
  });
});
