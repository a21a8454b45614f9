// Property tests of the BGP wire codec with a seeded PRNG (fixed seeds, so a failure reproduces):
// random attribute sets and prefix sets are encoded, framed and decoded back; OPEN, NOTIFICATION and
// ROUTE-REFRESH round trips; attrKey as an interning key; and random mutations of valid UPDATEs
// that decodeUpdate must answer without throwing.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import {
  type AsPathSegment,
  type BgpError,
  bgpError,
  type Capabilities,
  type DecodeContext,
  decodeNotification,
  decodeOpen,
  decodeRouteRefresh,
  decodeUpdate,
  encodeAnnouncements,
  encodeError,
  encodeNotification,
  encodeOpen,
  encodeRouteRefresh,
  encodeWithdrawals,
  type Frame,
  Framer,
  type PathAttributes,
  type Update,
} from '../src/bgp/wire/index.js';
import { formatIPv4, formatIPv6 } from '../src/net/address.js';
import { formatPrefixKey, type PrefixKey, v6Key, v6KeyFromWire } from '../src/net/prefix-key.js';
import { Rng } from './helpers/rng.js';

// ---------------------------------------------------------------------------------------------
// Generators

const SET = 1;
const SEQ = 2;
const KNOWN_ATTRS = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 14, 15, 16, 17, 18, 32, 35]);

const genAsn = (r: Rng): number => (r.bool(0.4) ? r.range(65536, 4294967295) : r.range(1, 65535));

/** A path of sequences and sets with no two sequences side by side (the canonical form). */
function genPath(r: Rng): AsPathSegment[] {
  if (r.bool(0.05)) return [];
  const path: AsPathSegment[] = [];
  const n = r.range(1, 4);
  for (let i = 0; i < n; i++) {
    const prev = path[path.length - 1];
    const type = prev?.type === SEQ ? SET : r.bool(0.7) ? SEQ : SET;
    const len = type === SET ? r.range(1, 6) : r.bool(0.04) ? r.range(256, 300) : r.range(1, 10);
    path.push({ type, asns: Array.from({ length: len }, () => genAsn(r)) });
  }
  return path;
}

const genIPv4 = (r: Rng): string => formatIPv4(BigInt(r.u32()));
const genIPv6 = (r: Rng): string => formatIPv6((0x2001n << 112n) | r.big(112));

function genAttrs(r: Rng, afi: 1 | 2): PathAttributes {
  const a: PathAttributes = { origin: r.int(3), asPath: genPath(r), nextHop: afi === 1 ? genIPv4(r) : genIPv6(r) };
  if (afi === 2 && r.bool(0.3)) a.linkLocalNextHop = formatIPv6((0xfe80n << 112n) | r.big(64));
  if (r.bool(0.5)) a.med = r.u32();
  if (r.bool(0.4)) a.localPref = r.u32();
  if (r.bool(0.2)) a.atomicAggregate = true;
  if (r.bool(0.3)) a.aggregator = { asn: genAsn(r), address: genIPv4(r) };
  if (r.bool(0.6)) a.communities = Array.from({ length: r.range(1, 40) }, () => r.u32());
  if (r.bool(0.2)) a.originatorId = genIPv4(r);
  if (r.bool(0.2)) a.clusterList = Array.from({ length: r.range(1, 5) }, () => genIPv4(r));
  if (r.bool(0.3)) a.extendedCommunities = Array.from({ length: r.range(1, 10) }, () => r.bytes(8).toString('hex'));
  if (r.bool(0.4)) a.largeCommunities = Array.from({ length: 3 * r.range(1, 10) }, () => r.u32());
  if (r.bool(0.2)) a.otc = r.u32();
  if (r.bool(0.25)) {
    const types = new Set<number>();
    const n = r.range(1, 3);
    while (types.size < n) {
      const t = r.range(19, 254);
      if (!KNOWN_ATTRS.has(t)) types.add(t);
    }
    a.unknown = [...types].map((type) => ({ flags: 0x80 | 0x40 | (r.bool(0.3) ? 0x20 : 0), type, value: r.bytes(r.range(0, 30)) }));
  }
  return a;
}

function genLen(r: Rng, max: number): number {
  const x = r.float();
  return x < 0.08 ? 0 : x < 0.2 ? max : x < 0.5 ? r.range(1, max - 1) | 1 : r.range(1, max - 1); // many odd lengths
}

function genV4Key(r: Rng): number {
  const len = genLen(r, 32);
  const addr = r.u32();
  return (len === 0 ? 0 : addr - (addr % 2 ** (32 - len))) * 64 + len;
}

/** The key of 2001:db8::/32. */
const V6_32 = v6Key([0x20010db8, 0, 0, 0], 32);

function genV6Key(r: Rng): string {
  const len = genLen(r, 128);
  const n = (len + 7) >> 3;
  const b = r.bytes(n);
  if (len & 7) b[n - 1]! &= (0xff << (8 - (len & 7))) & 0xff;
  return v6KeyFromWire(b, 0, len)!;
}

function genCount(r: Rng): number {
  const x = r.float();
  return x < 0.65 ? r.range(1, 300) : x < 0.95 ? r.range(300, 3000) : r.range(14000, 20000);
}

/** Distinct prefixes, or with ADD-PATH distinct (path id, prefix) pairs where prefixes repeat. */
function genPrefixes(r: Rng, afi: 1 | 2, addPath: boolean): { keys: PrefixKey[]; pathIds?: number[] } {
  const n = genCount(r);
  const seen = new Set<string>();
  const keys: PrefixKey[] = [];
  const pathIds: number[] = [];
  while (keys.length < n) {
    const key = afi === 1 ? genV4Key(r) : genV6Key(r);
    const copies = addPath && r.bool(0.2) ? r.range(2, 3) : 1;
    for (let c = 0; c < copies && keys.length < n; c++) {
      const id = addPath ? r.u32() : 0;
      const tag = `${id}|${key}`;
      if (seen.has(tag)) continue;
      seen.add(tag);
      keys.push(key);
      pathIds.push(id);
    }
  }
  return addPath ? { keys, pathIds } : { keys };
}

// ---------------------------------------------------------------------------------------------
// Helpers

const ctxOf = (fourOctetAs: boolean, addPath: boolean, ebgp = false): DecodeContext => ({ fourOctetAs, ebgp, addPathV4: addPath, addPathV6: addPath });

/** Adjacent AS_SEQUENCEs joined (a 255-ASN split or an RFC 6793 merge does not change the path). */
function joinSequences(p: AsPathSegment[]): AsPathSegment[] {
  const out: AsPathSegment[] = [];
  for (const s of p) {
    const last = out[out.length - 1];
    if (last && last.type === SEQ && s.type === SEQ) last.asns = [...last.asns, ...s.asns];
    else out.push({ type: s.type, asns: [...s.asns] });
  }
  return out;
}

/** The comparable form: sequences joined, the Extended Length bit of unknown attributes masked (a wire detail). */
function norm(a: PathAttributes): PathAttributes {
  const out: PathAttributes = { ...a };
  if (a.asPath) out.asPath = joinSequences(a.asPath);
  if (a.unknown) out.unknown = a.unknown.map((u) => ({ flags: u.flags & 0xe0, type: u.type, value: Buffer.from(u.value) }));
  return out;
}

/** What the receiver should see: the attributes sent, unknown transitive ones marked Partial (RFC 4271 §5). */
function expected(a: PathAttributes): PathAttributes {
  const e: PathAttributes = { ...a };
  if (a.unknown) e.unknown = a.unknown.map((u) => ({ ...u, flags: u.flags | 0x20 }));
  return norm(e);
}

function frameAll(msgs: Buffer[], maxLength: number, r: Rng): Frame[] {
  const stream = Buffer.concat(msgs);
  const f = new Framer();
  f.maxLength = maxLength;
  const out: Frame[] = [];
  for (let i = 0; i < stream.length; ) {
    const n = Math.min(stream.length - i, r.range(1, 9000));
    f.push(stream.subarray(i, i + n));
    i += n;
    for (;;) {
      const x = f.next();
      if (x === undefined) break;
      assert.ok(!('code' in x), `framing error: ${'code' in x ? x.reason : ''}`);
      out.push(x);
    }
  }
  assert.equal(f.pending, 0);
  assert.equal(out.length, msgs.length);
  return out;
}

function checkSizes(msgs: Buffer[], maxLength: number): void {
  for (const m of msgs) {
    assert.ok(m.length <= maxLength, `message of ${m.length} octets exceeds ${maxLength}`);
    assert.equal(m.readUInt16BE(16), m.length, 'header length field');
    assert.equal(m[18], 2, 'UPDATE type');
  }
}

const tags = (keys: PrefixKey[], ids: number[] | null | undefined): string[] =>
  keys.map((k, i) => `${ids ? ids[i] : ''}|${typeof k === 'number' ? `v4:${k}` : formatPrefixKey(k)}`);
const sorted = (xs: string[]) => [...xs].sort();

function decodeOk(body: Buffer, ctx: DecodeContext): Update {
  const u = decodeUpdate(body, ctx);
  assert.ok(!('code' in u), `unexpected NOTIFICATION ${'code' in u ? `${u.code}/${u.subcode}: ${u.reason}` : ''}`);
  return u;
}

// ---------------------------------------------------------------------------------------------

const SEEDS = Array.from({ length: 10 }, (_, i) => 0x5eed0000 + i);
const COMBOS = [1, 2].flatMap((afi) =>
  [true, false].flatMap((fourOctetAs) =>
    [false, true].flatMap((addPath) => [4096, 65535].map((maxLength) => ({ afi: afi as 1 | 2, fourOctetAs, addPath, maxLength }))),
  ),
);

describe('UPDATE round trips', () => {
  test('announcements: every prefix and the attributes come back, no problems, every message within maxLength', () => {
    let messages = 0;
    for (const seed of SEEDS) {
      for (const c of COMBOS) {
        const r = new Rng(seed * 131 + c.afi * 17 + (c.fourOctetAs ? 3 : 0) + (c.addPath ? 5 : 0) + c.maxLength);
        const where = `seed ${seed} afi ${c.afi} fourOctetAs ${c.fourOctetAs} addPath ${c.addPath} maxLength ${c.maxLength}`;
        const attrs = genAttrs(r, c.afi);
        const { keys, pathIds } = genPrefixes(r, c.afi, c.addPath);
        const msgs = encodeAnnouncements(c.afi, attrs, keys, { fourOctetAs: c.fourOctetAs, addPath: c.addPath, maxLength: c.maxLength }, pathIds);
        checkSizes(msgs, c.maxLength);
        messages += msgs.length;
        const got: string[] = [];
        const keysSeen = new Set<string>();
        for (const f of frameAll(msgs, c.maxLength, r)) {
          const u = decodeOk(f.body, ctxOf(c.fourOctetAs, c.addPath));
          assert.deepEqual(u.problems, [], where);
          assert.equal(u.treatAsWithdraw, false, where);
          assert.equal(u.endOfRib, undefined, where);
          assert.equal(u.withdrawn.keys.length, 0, where);
          assert.deepEqual(norm(u.attrs), expected(attrs), where);
          keysSeen.add(u.attrKey.toString('latin1'));
          const n = c.afi === 1 ? u.nlri : u.mpReach?.nlri;
          assert.ok(n, `${where}: no MP_REACH_NLRI`);
          if (c.afi === 2) {
            assert.equal(u.nlri.keys.length, 0, where);
            assert.deepEqual([u.mpReach!.afi, u.mpReach!.safi], [2, 1], where);
          }
          assert.ok(n.keys.length > 0, `${where}: a message without prefixes`);
          assert.equal(n.pathIds !== null, c.addPath, where);
          got.push(...tags(n.keys, n.pathIds));
        }
        assert.equal(keysSeen.size, 1, `${where}: one attrKey for one attribute set`);
        assert.equal(got.length, keys.length, `${where}: prefix count`);
        assert.deepEqual(sorted(got), sorted(tags(keys, pathIds)), where);
      }
    }
    assert.ok(messages > COMBOS.length * SEEDS.length, 'some announcements needed several messages');
  });

  test('RFC 6793: 2-octet peers get the exact 4-octet AS_PATH and AGGREGATOR back through AS4_PATH/AS4_AGGREGATOR', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const r = new Rng(seed);
      const attrs: PathAttributes = {
        origin: 0,
        nextHop: genIPv4(r),
        asPath: genPath(r).map((s) => ({ type: s.type, asns: s.asns.map((a) => (r.bool(0.5) ? r.range(65536, 4294967295) : a)) })),
        aggregator: { asn: r.bool(0.5) ? r.range(65536, 4294967295) : r.range(1, 65535), address: genIPv4(r) },
      };
      for (const afi of [1, 2] as const) {
        const a = afi === 1 ? attrs : { ...attrs, nextHop: genIPv6(r) };
        const [msg] = encodeAnnouncements(afi, a, [afi === 1 ? 0x0a000000 * 64 + 8 : V6_32], { fourOctetAs: false });
        const u = decodeOk(msg!.subarray(19), ctxOf(false, false));
        assert.deepEqual(u.problems, [], `seed ${seed}`);
        assert.deepEqual(joinSequences(u.attrs.asPath ?? []), joinSequences(a.asPath!), `seed ${seed}: AS path`);
        assert.deepEqual(u.attrs.aggregator, a.aggregator, `seed ${seed}: aggregator`);
      }
    }
  });

  test('withdrawals: every prefix comes back, every message within maxLength', () => {
    for (const seed of SEEDS) {
      for (const c of COMBOS) {
        if (c.fourOctetAs) continue; // the ASN size plays no part in withdrawals
        const r = new Rng(seed * 7919 + c.afi * 31 + (c.addPath ? 11 : 0) + c.maxLength);
        const where = `seed ${seed} afi ${c.afi} addPath ${c.addPath} maxLength ${c.maxLength}`;
        const { keys, pathIds } = genPrefixes(r, c.afi, c.addPath);
        const msgs = encodeWithdrawals(c.afi, keys, { fourOctetAs: true, addPath: c.addPath, maxLength: c.maxLength }, pathIds);
        checkSizes(msgs, c.maxLength);
        const got: string[] = [];
        for (const f of frameAll(msgs, c.maxLength, r)) {
          const u = decodeOk(f.body, ctxOf(true, c.addPath, true));
          assert.deepEqual(u.problems, [], where);
          assert.equal(u.treatAsWithdraw, false, where);
          assert.equal(u.endOfRib, undefined, where);
          assert.equal(u.nlri.keys.length, 0, where);
          assert.equal(u.mpReach, undefined, where);
          const n = c.afi === 1 ? u.withdrawn : u.mpUnreach?.nlri;
          assert.ok(n, `${where}: no MP_UNREACH_NLRI`);
          assert.ok(n.keys.length > 0, `${where}: a message without prefixes`);
          got.push(...tags(n.keys, n.pathIds));
        }
        assert.deepEqual(sorted(got), sorted(tags(keys, pathIds)), where);
      }
    }
  });

  test('prefix keys of the edge lengths survive the wire and print', () => {
    const v4 = [0, 0x0a000000 * 64 + 8, 0xc0000201 * 64 + 32, 0xcb007000 * 64 + 23, 0x80000000 * 64 + 1];
    const v6 = [
      v6Key([0, 0, 0, 0], 0),
      v6Key([0x20010db8, 0, 0, 0], 32),
      v6Key([0x20010db8, 0, 0, 0xf], 128),
      v6Key([0x20010c00, 0, 0, 0], 23),
      v6Key([0x80000000, 0, 0, 0], 1),
      v6Key([0xfe800000, 0, 0, 0], 65),
    ];
    for (const addPath of [false, true]) {
      const ids4 = addPath ? v4.map((_, i) => i * 1000003) : undefined;
      const ids6 = addPath ? v6.map((_, i) => 4294967295 - i) : undefined;
      const u4 = decodeOk(
        encodeAnnouncements(1, { origin: 0, asPath: [], nextHop: '192.0.2.1' }, v4, { fourOctetAs: true, addPath }, ids4)[0]!.subarray(19),
        ctxOf(true, addPath),
      );
      assert.deepEqual(sorted(tags(u4.nlri.keys, u4.nlri.pathIds)), sorted(tags(v4, ids4)));
      const u6 = decodeOk(
        encodeAnnouncements(2, { origin: 0, asPath: [], nextHop: '2001:db8::1' }, v6, { fourOctetAs: true, addPath }, ids6)[0]!.subarray(19),
        ctxOf(true, addPath),
      );
      assert.deepEqual(sorted(tags(u6.mpReach!.nlri.keys, u6.mpReach!.nlri.pathIds)), sorted(tags(v6, ids6)));
    }
    assert.deepEqual(v4.map(formatPrefixKey), ['0.0.0.0/0', '10.0.0.0/8', '192.0.2.1/32', '203.0.112.0/23', '128.0.0.0/1']);
    assert.deepEqual(v6.map(formatPrefixKey), ['::/0', '2001:db8::/32', '2001:db8::f/128', '2001:c00::/23', '8000::/1', 'fe80::/65']);
  });
});

// ---------------------------------------------------------------------------------------------

class NoProgress extends Error {}

/** An array that fails loudly once read more often than any terminating encoder would need. */
function guarded<T>(xs: T[], limit = 1000): T[] {
  let reads = 0;
  return new Proxy(xs, {
    get(target, prop, receiver) {
      if (prop === 'length' && ++reads > limit) throw new NoProgress('the encoder loops without making progress');
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
}

describe('UPDATE encoding limits', () => {
  test('IPv4: attributes that fit but leave no room for one prefix are refused, not looped on', () => {
    // 4 (lengths) + ORIGIN 5 + AS_PATH 10 + NEXT_HOP 8 + COMMUNITIES 4 + 4 * 1011 = 4075 of the 4077 octets a body may use
    const attrs: PathAttributes = {
      origin: 0,
      asPath: [{ type: SEQ, asns: [65001] }],
      nextHop: '192.0.2.1',
      communities: Array.from({ length: 1011 }, (_, i) => i),
    };
    assert.throws(
      () => encodeAnnouncements(1, attrs, guarded([0xcb007100 * 64 + 24]), { fourOctetAs: true }),
      (e: unknown) => e instanceof Error && !(e instanceof NoProgress),
      'expected an error saying the attributes do not fit, not an endless loop',
    );
  });
  test('IPv6: attributes larger than a message are refused, not looped on', () => {
    const attrs: PathAttributes = {
      origin: 0,
      asPath: [{ type: SEQ, asns: [65001] }],
      nextHop: '2001:db8::1',
      communities: Array.from({ length: 1100 }, (_, i) => i),
    };
    assert.throws(
      () => encodeAnnouncements(2, attrs, guarded<PrefixKey>([V6_32]), { fourOctetAs: true }),
      (e: unknown) => e instanceof Error && !(e instanceof NoProgress),
      'expected an error saying the attributes do not fit, not an endless loop',
    );
  });
  test('IPv4: attributes larger than a message are refused', () => {
    const attrs: PathAttributes = { origin: 0, asPath: [], nextHop: '192.0.2.1', communities: Array.from({ length: 1100 }, (_, i) => i) };
    assert.throws(
      () => encodeAnnouncements(1, attrs, guarded([0xcb007100 * 64 + 24]), { fourOctetAs: true }),
      (e: unknown) => e instanceof Error && !(e instanceof NoProgress),
    );
  });
  test('the same attributes fit once the Extended Message maximum is in force', () => {
    const attrs: PathAttributes = { origin: 0, asPath: [], nextHop: '2001:db8::1', communities: Array.from({ length: 1100 }, (_, i) => i) };
    const msgs = encodeAnnouncements(2, attrs, [V6_32], { fourOctetAs: true, maxLength: 65535 });
    assert.equal(msgs.length, 1);
    const u = decodeOk(msgs[0]!.subarray(19), ctxOf(true, false));
    assert.equal(u.attrs.communities?.length, 1100);
  });
});

// ---------------------------------------------------------------------------------------------

describe('attrKey', () => {
  const keyOf = (afi: 1 | 2, a: PathAttributes, prefix: PrefixKey): string =>
    decodeOk(encodeAnnouncements(afi, a, [prefix], { fourOctetAs: true })[0]!.subarray(19), ctxOf(true, false)).attrKey.toString('latin1');
  const pfx = (afi: 1 | 2, i: number): PrefixKey => (afi === 1 ? (0x0a000000 + i * 256) * 64 + 24 : `20010db8${(i & 0xffff).toString(16).padStart(4, '0')}/48`);

  test('equal for identical attribute sets, whatever the prefixes', () => {
    for (let seed = 1; seed <= 200; seed++) {
      for (const afi of [1, 2] as const) {
        const a = genAttrs(new Rng(seed), afi);
        const b = genAttrs(new Rng(seed), afi); // an equal, separately built set
        assert.equal(keyOf(afi, a, pfx(afi, 1)), keyOf(afi, b, pfx(afi, 2)), `seed ${seed} afi ${afi}`);
      }
    }
  });

  test('different for different attribute sets', () => {
    const mutations: Array<[string, (a: PathAttributes) => PathAttributes]> = [
      ['origin', (a) => ({ ...a, origin: ((a.origin ?? 0) + 1) % 3 })],
      ['AS path', (a) => ({ ...a, asPath: [...(a.asPath ?? []), { type: SET, asns: [64999] }] })],
      ['MED', (a) => ({ ...a, med: ((a.med ?? 0) + 1) >>> 0 })],
      ['LOCAL_PREF', (a) => ({ ...a, localPref: ((a.localPref ?? 0) + 1) >>> 0 })],
      ['communities', (a) => ({ ...a, communities: [...(a.communities ?? []), 0xfde90001] })],
      ['large communities', (a) => ({ ...a, largeCommunities: [...(a.largeCommunities ?? []), 1, 2, 3] })],
      ['extended communities', (a) => ({ ...a, extendedCommunities: [...(a.extendedCommunities ?? []), '0002fde900000064'] })],
      ['aggregator', (a) => ({ ...a, aggregator: { asn: (a.aggregator?.asn ?? 1) + 1, address: '192.0.2.77' } })],
      ['atomic aggregate', (a) => ({ ...a, atomicAggregate: !a.atomicAggregate })],
      ['OTC', (a) => ({ ...a, otc: ((a.otc ?? 0) + 1) >>> 0 })],
      [
        'unknown attribute',
        (a) => ({ ...a, unknown: [...(a.unknown ?? []).filter((u) => u.type !== 250), { flags: 0xc0, type: 250, value: Buffer.from([1]) }] }),
      ],
      ['next hop', (a) => ({ ...a, nextHop: a.nextHop!.includes(':') ? '2001:db8::ffff' : '198.51.100.254' })],
    ];
    for (let seed = 1; seed <= 60; seed++) {
      for (const afi of [1, 2] as const) {
        const a = genAttrs(new Rng(seed), afi);
        const base = keyOf(afi, a, pfx(afi, 3));
        for (const [what, m] of mutations) assert.notEqual(keyOf(afi, m(a), pfx(afi, 3)), base, `seed ${seed} afi ${afi}: ${what} changed`);
        const other = genAttrs(new Rng(seed + 100000), afi);
        assert.notEqual(keyOf(afi, other, pfx(afi, 3)), base, `seed ${seed} afi ${afi}: unrelated set`);
      }
    }
    // IPv6: the link-local next hop is part of the set
    const a: PathAttributes = { origin: 0, asPath: [], nextHop: '2001:db8::1' };
    assert.notEqual(keyOf(2, a, '20010db8/32'), keyOf(2, { ...a, linkLocalNextHop: 'fe80::1' }, '20010db8/32'));
  });
});

// ---------------------------------------------------------------------------------------------

const KNOWN_CAPS = new Set([1, 2, 6, 9, 64, 65, 69, 70]);

function genCapabilities(r: Rng, unknownBudget: number): Capabilities {
  const fam = () => ({ afi: r.pick([1, 2, 25, r.range(1, 65535)]), safi: r.pick([1, 2, 4, 128, r.range(1, 255)]) });
  const c: Capabilities = {
    multiprotocol: Array.from({ length: r.range(0, 4) }, fam),
    routeRefresh: r.bool(),
    enhancedRouteRefresh: r.bool(),
    extendedMessage: r.bool(),
    addPath: Array.from({ length: r.range(0, 4) }, () => ({ ...fam(), mode: r.range(1, 3) as 1 | 2 | 3 })),
    unknown: [],
  };
  if (r.bool(0.3)) c.role = r.range(0, 4);
  if (r.bool(0.4)) {
    c.gracefulRestart = {
      restartState: r.bool(),
      restartTime: r.range(0, 4095),
      families: Array.from({ length: r.range(0, 3) }, () => ({ ...fam(), forwardingState: r.bool() })),
    };
  }
  let budget = unknownBudget;
  while (budget > 2 && r.bool(0.7)) {
    let code = r.range(3, 255);
    while (KNOWN_CAPS.has(code)) code = r.range(3, 255);
    const len = Math.min(budget - 2, r.range(0, 60));
    c.unknown.push({ code, value: r.bytes(len) });
    budget -= 2 + len;
  }
  return c;
}

function openRoundTrip(caps: Capabilities, r: Rng, where: string): void {
  const asn = r.bool(0.5) ? r.range(1, 65535) : r.range(65536, 4294967295);
  const holdTime = r.bool(0.1) ? 0 : r.range(3, 65535);
  const bgpId = r.range(1, 4294967295);
  const msg = encodeOpen({ asn, holdTime, bgpId, capabilities: caps });
  assert.ok(msg.length <= 4096, where);
  const [f] = frameAll([msg], 4096, r);
  assert.equal(f!.type, 1);
  const o = decodeOpen(f!.body);
  assert.ok(!('code' in o), `${where}: ${'code' in o ? `${o.code}/${o.subcode} ${o.reason}` : ''}`);
  assert.deepEqual(o, { version: 4, asn, holdTime, bgpId, capabilities: { ...caps, fourOctetAs: asn } }, where);
}

describe('OPEN, NOTIFICATION and ROUTE-REFRESH round trips', () => {
  test('OPEN with random capabilities', () => {
    for (let seed = 1; seed <= 500; seed++) {
      const r = new Rng(seed);
      openRoundTrip(genCapabilities(r, 100), r, `seed ${seed}`);
    }
  });

  test('RFC 9072: OPEN whose capabilities exceed 255 octets round-trips (extended optional parameters)', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const r = new Rng(seed);
      const caps = genCapabilities(r, 0);
      for (let i = 0; i < 12; i++) caps.unknown.push({ code: 200 + i, value: r.bytes(40) }); // 12 * 42 octets
      openRoundTrip(caps, r, `seed ${seed}`);
    }
  });

  test('RFC 9072: OPEN with one capability longer than 253 octets is encoded, not looped on (run in a child with a deadline)', () => {
    // A capability of 254 octets does not fit a 255-octet Capabilities parameter. Run in a child
    // with a deadline, since an encoder that makes no progress never returns.
    const wire = new URL('../src/bgp/wire/index.js', import.meta.url).href;
    const script = `
      import { encodeOpen, decodeOpen, emptyCapabilities } from ${JSON.stringify(wire)};
      const c = emptyCapabilities();
      c.unknown.push({ code: 200, value: Buffer.alloc(254, 7) });
      const msg = encodeOpen({ asn: 65001, holdTime: 90, bgpId: 1, capabilities: c });
      const o = decodeOpen(msg.subarray(19));
      console.log(JSON.stringify('code' in o ? { error: o.reason } : { length: o.capabilities.unknown[0]?.value.length }));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 2000, killSignal: 'SIGKILL' });
    assert.equal(run.signal, null, 'encodeOpen did not return within 2 s');
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout.trim()), { length: 254 });
  });

  test('NOTIFICATION', () => {
    const r = new Rng(4271);
    for (let i = 0; i < 2000; i++) {
      const code = r.range(1, 7);
      const subcode = r.range(0, 12);
      const data = r.bytes(r.bool(0.3) ? 0 : r.range(1, 300));
      const msg = encodeNotification({ code, subcode, data });
      assert.deepEqual(encodeError(bgpError(code, subcode, 'why', data)), msg);
      const [f] = frameAll([msg], 4096, r);
      assert.equal(f!.type, 3);
      assert.deepEqual(decodeNotification(f!.body), { code, subcode, data });
    }
  });

  test('ROUTE-REFRESH', () => {
    const r = new Rng(2918);
    for (let i = 0; i < 2000; i++) {
      const rr = { afi: r.pick([1, 2, r.range(0, 65535)]), safi: r.pick([1, 2, r.range(0, 255)]), subtype: r.range(0, 2) as 0 | 1 | 2 };
      const msg = encodeRouteRefresh(rr);
      const [f] = frameAll([msg], 4096, r);
      assert.equal(f!.type, 5);
      assert.deepEqual(decodeRouteRefresh(f!.body), rr);
    }
  });

  test('RFC 7313 §5: a ROUTE-REFRESH of unknown subtype is ignored, not taken for a refresh request', () => {
    for (const subtype of [3, 42, 255]) {
      const d = decodeRouteRefresh(Buffer.from([0, 1, subtype, 1]));
      const asRequest = !('code' in d) && d.subtype === 0;
      assert.equal(asRequest, false, `subtype ${subtype} decoded as a normal route refresh request`);
      assert.ok(!('code' in d) || d.code !== 7, `subtype ${subtype} must not draw a NOTIFICATION`);
    }
  });
});

// ---------------------------------------------------------------------------------------------

function corpus(): Buffer[] {
  const r = new Rng(7606);
  const out: Buffer[] = [];
  for (let i = 0; i < 24; i++) {
    const afi = ((i % 2) + 1) as 1 | 2;
    const addPath = i % 4 >= 2;
    const fourOctetAs = i % 8 >= 4;
    const attrs = genAttrs(r, afi);
    const keys: PrefixKey[] = Array.from({ length: r.range(1, 12) }, () => (afi === 1 ? genV4Key(r) : genV6Key(r)));
    const ids = addPath ? keys.map(() => r.u32()) : undefined;
    out.push(encodeAnnouncements(afi, attrs, keys, { fourOctetAs, addPath }, ids)[0]!.subarray(19));
    out.push(encodeWithdrawals(afi, keys, { fourOctetAs, addPath }, ids)[0]!.subarray(19));
  }
  out.push(Buffer.from([0, 0, 0, 0]));
  out.push(Buffer.from([0, 0, 0, 6, 0x80, 15, 3, 0, 2, 1]));
  return out;
}

const INTERESTING = [0, 1, 2, 3, 4, 0x0f, 0x10, 0x20, 0x40, 0x50, 0x7f, 0x80, 0x90, 0xc0, 0xd0, 0xe0, 0xff, 14, 15, 17, 18, 33, 128, 129];

function mutate(r: Rng, input: Buffer): Buffer {
  let b = Buffer.from(input);
  const rounds = r.range(1, 4);
  for (let k = 0; k < rounds; k++) {
    const at = b.length ? r.int(b.length) : 0;
    switch (r.int(9)) {
      case 0:
        if (b.length) b[at]! ^= 1 << r.int(8);
        break;
      case 1:
        if (b.length) b[at] = r.int(256);
        break;
      case 2:
        if (b.length) b[at] = r.pick(INTERESTING);
        break;
      case 3:
        b = b.subarray(0, r.int(b.length + 1));
        break;
      case 4:
        b = Buffer.concat([b, r.bytes(r.range(1, 24))]);
        break;
      case 5:
        if (b.length >= 2) {
          const v = r.pick([0, 1, 2, 3, 4, 0xff, 0x100, 0xffff, b.length, b.length - 4, r.int(65536)]);
          b.writeUInt16BE(Math.max(0, Math.min(0xffff, v)), Math.min(at, b.length - 2));
        }
        break;
      case 6: {
        const n = r.range(1, 8);
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + n)]);
        break;
      }
      case 7: {
        const n = r.range(1, 8);
        b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + n), b.subarray(at)]);
        break;
      }
      default: // make the attribute list run to the end, so the attribute parser sees the damage
        if (b.length >= 4) {
          const wl = Math.min(b.readUInt16BE(0), b.length - 4);
          b.writeUInt16BE(wl, 0);
          b.writeUInt16BE(b.length - 4 - wl, 2 + wl);
        }
    }
  }
  return b;
}

function checkShape(d: Update | BgpError): string | undefined {
  if ('code' in d) {
    if (d.code !== 3) return `NOTIFICATION code ${d.code}`;
    if (![1, 2, 3, 4, 5, 6, 8, 9, 10, 11].includes(d.subcode)) return `UPDATE Message Error subcode ${d.subcode}`;
    if (!Buffer.isBuffer(d.data)) return 'NOTIFICATION data is not a Buffer';
    return undefined;
  }
  if (d.treatAsWithdraw !== d.problems.some((p) => p.severity === 2)) return 'treatAsWithdraw disagrees with the problems';
  if (d.problems.some((p) => p.severity !== 1 && p.severity !== 2)) return 'a problem of session-reset severity in an UPDATE';
  if (!Buffer.isBuffer(d.attrKey)) return 'attrKey is not a Buffer';
  for (const k of [...d.withdrawn.keys, ...d.nlri.keys, ...(d.mpReach?.nlri.keys ?? []), ...(d.mpUnreach?.nlri.keys ?? [])]) formatPrefixKey(k);
  return undefined;
}

describe('robustness', () => {
  test('20,000 random mutations of valid UPDATE bodies: decodeUpdate never throws', () => {
    const base = corpus();
    const r = new Rng(0xbadbeef);
    const failures: string[] = [];
    let errors = 0;
    let updates = 0;
    for (let i = 0; i < 20000; i++) {
      const body = mutate(r, r.pick(base));
      const ctx: DecodeContext = { fourOctetAs: r.bool(), ebgp: r.bool(), addPathV4: r.bool(0.3), addPathV6: r.bool(0.3) };
      let d: Update | BgpError;
      try {
        d = decodeUpdate(body, ctx);
      } catch (e) {
        failures.push(`#${i} threw ${(e as Error).message} on ${body.toString('hex')} ctx ${JSON.stringify(ctx)}`);
        continue;
      }
      let bad: string | undefined;
      try {
        bad = checkShape(d);
      } catch (e) {
        bad = `result does not print: ${(e as Error).message}`;
      }
      if (bad) failures.push(`#${i} ${bad} on ${body.toString('hex')}`);
      if ('code' in d) errors++;
      else updates++;
    }
    assert.ok(errors > 1000 && updates > 1000, `the mutations reach both outcomes (${errors} errors, ${updates} updates)`);
    assert.equal(failures.length, 0, `${failures.length} failures, first ones:\n${failures.slice(0, 5).join('\n')}`);
  });
});
