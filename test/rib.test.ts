// The RIB's storage: the prefix index (typed-array hash table), route tables, the attribute store
// (sets interned by raw bytes in an arena, decoded on demand), and the decision process over
// several peers. Random operations are checked against plain Maps (seeded, so failures reproduce).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { prefixOfRouteKey } from '../src/bgp/rib/adj-rib-in.js';
import { type AttrSet, AttrStore } from '../src/bgp/rib/attr-store.js';
import { Handles } from '../src/bgp/rib/handles.js';
import { PrefixIndex } from '../src/bgp/rib/prefix-index.js';
import { Changed, Rib } from '../src/bgp/rib/rib.js';
import { RouteTable } from '../src/bgp/rib/route-table.js';
import { decodeAttributes } from '../src/bgp/wire/attributes/decode.js';
import { encodeAttributes } from '../src/bgp/wire/attributes/encode.js';
import { attributesFromKey, decodeUpdate, encodeAnnouncements, encodeWithdrawals, type PathAttributes } from '../src/bgp/wire/index.js';
import { Writer } from '../src/bgp/wire/writer.js';
import { formatPrefixKey, type PrefixKey, parsePrefixKey, v6Key } from '../src/net/prefix-key.js';
import { Rng } from './helpers/rng.js';

const v4 = (rng: Rng): number => {
  const len = rng.int(33);
  const addr = len === 0 ? 0 : (rng.int(2 ** 32) >>> (32 - len)) * 2 ** (32 - len);
  return addr * 64 + len;
};
const v6 = (rng: Rng): string => v6Key([0x20010000 + rng.int(65536), 0, 0, 0], rng.int(2) ? 32 : 30);

describe('PrefixIndex', () => {
  test('random intern/ref/unref agree with a Map, indexes are reused, deleted keys are gone', () => {
    const rng = new Rng(7);
    const index = new PrefixIndex();
    const refs = new Map<PrefixKey, number>();
    const idxOf = new Map<PrefixKey, number>();
    // A small key space so that keys come back after being freed and probe chains collide.
    const pool: PrefixKey[] = [0, 63 * 0 + 32, 4294967295 * 64 + 32];
    for (let i = 0; i < 3000; i++) pool.push(v4(rng));
    for (let i = 0; i < 300; i++) pool.push(v6(rng));
    for (let step = 0; step < 60_000; step++) {
      const key = pool[rng.int(pool.length)]!;
      const n = refs.get(key) ?? 0;
      if (n === 0 || rng.float() < 0.55) {
        const idx = index.intern(key);
        if (n > 0) assert.equal(idx, idxOf.get(key), 'a live key keeps its index');
        index.ref(idx);
        refs.set(key, n + 1);
        idxOf.set(key, idx);
      } else {
        const idx = idxOf.get(key)!;
        index.unref(idx);
        if (n === 1) {
          refs.delete(key);
          idxOf.delete(key);
        } else refs.set(key, n - 1);
      }
      if (step % 5000 === 0 || step === 59_999) {
        assert.equal(index.size, refs.size);
        for (const k of pool) {
          const live = refs.has(k);
          const idx = index.find(k);
          assert.equal(idx >= 0, live, `find(${k})`);
          if (live) {
            assert.equal(idx, idxOf.get(k));
            assert.equal(index.keyOf(idx), k);
            assert.equal(index.isV4(idx), typeof k === 'number');
            assert.ok(index.live(idx));
          }
        }
      }
    }
    assert.ok(index.limit < pool.length, 'freed indexes are reused');
  });
});

describe('RouteTable', () => {
  test('set/get/delete by key and by index, sizes per family, iteration', () => {
    const index = new PrefixIndex();
    const handles = new Handles<{ n: number; handle: number }>();
    const t = new RouteTable(index, handles);
    const a = parsePrefixKey('10.0.0.0/8')!;
    const b = parsePrefixKey('2001:db8::/32')!;
    const va = { n: 1, handle: -1 };
    const vb = { n: 2, handle: -1 };
    handles.add(va);
    handles.add(vb);
    t.set(a, va);
    t.set(b, vb);
    assert.equal(t.size, 2);
    assert.equal(t.sizeV6, 1);
    assert.equal(t.get(a)?.n, 1);
    assert.deepEqual([...t.keys()].sort(), [a, b].sort());
    assert.ok(t.delete(b));
    assert.equal(t.sizeV6, 0);
    assert.equal(index.find(b), -1, 'the last holder frees the prefix');
    assert.equal(t.delete(b), false);
    t.clear();
    assert.equal(t.size, 0);
    assert.equal(index.size, 0);
  });
});

// ---------------------------------------------------------------------------------------------

const ctx = { fourOctetAs: true, ebgp: true, addPathV4: false, addPathV6: false };
const decoder = (buf: Buffer, s: number, e: number): PathAttributes => {
  const d = decodeAttributes(buf, s, e, ctx);
  if ('code' in d) throw new Error(d.reason);
  return d.attrs;
};
const bytesOf = (a: PathAttributes): Buffer => {
  const w = new Writer(256);
  encodeAttributes(w, a, { fourOctetAs: true });
  return w.finish();
};
const attrsN = (i: number, extra: Partial<PathAttributes> = {}): PathAttributes => ({
  origin: i % 3,
  asPath: [{ type: 2, asns: [65001, 64512 + (i % 1000), 4200000000 + i] }],
  nextHop: '192.0.2.1',
  med: i * 7,
  communities: [65001 * 65536 + (i % 65536)],
  ...extra,
});

describe('AttrStore', () => {
  test('equal bytes give the same set; find() sees only clean sets; decoding again gives equal attributes', () => {
    const store = new AttrStore('peer', decoder);
    const a = attrsN(1);
    const s1 = store.intern(bytesOf(a), decoder(bytesOf(a), 0, bytesOf(a).length), true);
    const s2 = store.intern(bytesOf(a), a, true);
    assert.equal(s1, s2);
    assert.equal(store.size, 1);
    const raw = Buffer.concat([Buffer.from([9, 9]), bytesOf(a), Buffer.from([7])]);
    assert.equal(store.find(raw, 2, raw.length - 1), s1, 'found where the bytes lie in a larger buffer');
    AttrStore.forget(s1);
    assert.equal(s1.cached, undefined);
    assert.deepEqual(s1.attrs, decoder(bytesOf(a), 0, bytesOf(a).length));
    const dirty = store.intern(bytesOf(attrsN(2)), attrsN(2), false);
    assert.equal(store.find(bytesOf(attrsN(2)), 0, bytesOf(attrsN(2)).length), undefined, 'not clean: never skipped');
    AttrStore.forget(dirty);
    assert.ok(dirty.cached, 'sets that are not clean keep their attributes');
  });

  test('decision values are kept without decoding', () => {
    const store = new AttrStore('peer', decoder);
    const a: PathAttributes = {
      origin: 1,
      asPath: [
        { type: 2, asns: [4200000001, 65002] },
        { type: 1, asns: [1, 2, 3] },
      ],
      nextHop: '192.0.2.1',
      med: 4294967295,
      localPref: 3000000000,
      originatorId: '203.0.113.9',
      clusterList: ['1.1.1.1', '2.2.2.2'],
    };
    const s = store.intern(bytesOf(a), a, true);
    AttrStore.forget(s);
    assert.equal(s.origin, 1);
    assert.equal(s.pathLength, 3, 'a set counts one');
    assert.equal(s.med, 4294967295);
    assert.equal(s.localPref, 3000000000);
    assert.equal(s.neighborAs, 4200000001);
    assert.equal(s.originatorId, 203 * 2 ** 24 + (113 << 8) + 9);
    assert.equal(s.clusterListLength, 2);
    assert.equal(s.cached, undefined, 'reading them decoded nothing');
  });

  test('many sets, most released: lookups stay right across table shrinkage of chains and arena compaction', () => {
    const store = new AttrStore('peer', decoder, 64512 + 5);
    const sets: AttrSet[] = [];
    for (let i = 0; i < 30_000; i++) {
      const s = store.intern(bytesOf(attrsN(i)), attrsN(i), true);
      AttrStore.ref(s);
      AttrStore.forget(s);
      sets.push(s);
    }
    assert.equal(store.size, 30_000);
    assert.ok(sets[5]!.loops && !sets[6]!.loops, 'paths through our AS are marked');
    for (let i = 0; i < sets.length; i++) if (i % 10 !== 0) AttrStore.unref(sets[i]!);
    assert.equal(store.size, 3000);
    for (let i = 0; i < sets.length; i++) {
      const b = bytesOf(attrsN(i));
      const found = store.find(b, 0, b.length);
      if (i % 10 === 0) {
        assert.equal(found, sets[i]);
        assert.deepEqual(found!.attrs.asPath, attrsN(i).asPath, `set ${i} decodes from its (moved) bytes`);
      } else assert.equal(found, undefined);
    }
  });
});

describe('decodeUpdate with known attribute sets', () => {
  test('a repeat of a clean set is recognised without decoding; an MP_UNREACH with the same other bytes is not', () => {
    const store = new AttrStore('peer', decoder);
    const a = attrsN(3);
    const [m1] = encodeAnnouncements(1, a, [parsePrefixKey('198.51.100.0/24')!], { fourOctetAs: true });
    const first = decodeUpdate(m1!.subarray(19), ctx, store);
    assert.ok(!('code' in first) && first.known === undefined && first.clean);
    if ('code' in first) return;
    const set = store.intern(first.attrKey, first.attrs, first.clean);
    const [m2] = encodeAnnouncements(1, a, [parsePrefixKey('198.51.101.0/24')!], { fourOctetAs: true });
    const second = decodeUpdate(m2!.subarray(19), ctx, store);
    assert.ok(!('code' in second));
    if ('code' in second) return;
    assert.equal(second.known, set);
    assert.equal(second.nlri.keys[0], parsePrefixKey('198.51.101.0/24'));
    // The same attributes plus an MP_UNREACH: different bytes, decoded in full, withdrawal kept.
    const [w6] = encodeWithdrawals(2, [parsePrefixKey('2001:db8::/32')!], { fourOctetAs: true });
    const unreach = w6!.subarray(19 + 4); // the MP_UNREACH attribute alone
    const body = Buffer.concat([Buffer.from([0, 0]), Buffer.alloc(2), bytesOf(a), unreach, Buffer.from([24, 198, 51, 102])]);
    body.writeUInt16BE(body.length - 4 - 4, 2);
    const third = decodeUpdate(body, ctx, store);
    assert.ok(!('code' in third));
    if ('code' in third) return;
    assert.equal(third.known, undefined);
    assert.equal(third.mp, true);
    assert.deepEqual(third.mpUnreach?.nlri.keys, [parsePrefixKey('2001:db8::/32')]);
  });
});

describe('IPv6 (MP_REACH) attribute sets', () => {
  test('the key holds the other attributes and the next hops; decoding it again gives the same attributes', () => {
    const store = new AttrStore('peer', (b, s, e) => attributesFromKey(b, s, e, ctx, true));
    const a: PathAttributes = { ...attrsN(4), nextHop: '2001:db8::1', linkLocalNextHop: 'fe80::1' };
    const keys = ['2001:db8:1::/48', '2001:db8:2::/48'].map((t) => parsePrefixKey(t)!);
    const sets = keys.map((k) => {
      const [m] = encodeAnnouncements(2, a, [k], { fourOctetAs: true });
      const u = decodeUpdate(m!.subarray(19), ctx);
      assert.ok(!('code' in u));
      if ('code' in u) throw new Error();
      assert.equal(u.mp, true);
      return store.intern(u.attrKey, u.attrs, u.problems.length === 0);
    });
    assert.equal(sets[0], sets[1], 'the NLRI inside MP_REACH does not split the set');
    const before = sets[0]!.attrs;
    AttrStore.forget(sets[0]!);
    assert.equal(sets[0]!.cached, undefined);
    assert.deepEqual(sets[0]!.attrs, before);
    assert.equal(sets[0]!.attrs.linkLocalNextHop, 'fe80::1');
  });
});

describe('decision process over several peers', () => {
  const accept = () => undefined;
  test('LOCAL_PREF, path length, origin, MED, eBGP over iBGP, router id; the next best takes over on withdrawal', () => {
    const rib = new Rib();
    const peers = [
      { id: 'a', address: '127.0.0.11', ebgp: true, bgpId: 5 },
      { id: 'b', address: '127.0.0.12', ebgp: true, bgpId: 3 },
      { id: 'c', address: '127.0.0.13', ebgp: false, bgpId: 1 },
    ];
    const stores = new Map(peers.map((p) => [p.id, rib.addPeer({ ...p }).sets]));
    for (const s of stores.values()) s.decoder = decoder;
    const key = parsePrefixKey('203.0.113.0/24')!;
    const announce = (peer: string, a: PathAttributes) => {
      const changed = new Changed();
      rib.announce(peer, [key], null, stores.get(peer)!.intern(bytesOf(a), a, true), accept, changed);
      return changed;
    };
    const bestSource = () => rib.loc.get(key)?.source;
    const path = (...asns: number[]) => [{ type: 2, asns }];
    announce('a', { origin: 0, asPath: path(1, 2, 3), nextHop: '192.0.2.1' });
    assert.equal(bestSource(), 'a');
    announce('b', { origin: 0, asPath: path(1, 2), nextHop: '192.0.2.2' });
    assert.equal(bestSource(), 'b', 'shorter AS path');
    announce('c', { origin: 0, asPath: path(1, 2, 3, 4), nextHop: '192.0.2.3', localPref: 200 });
    assert.equal(bestSource(), 'c', 'higher LOCAL_PREF beats a shorter path');
    announce('c', { origin: 0, asPath: path(1, 2), nextHop: '192.0.2.3', localPref: 100, med: 5 });
    assert.equal(bestSource(), 'b', 'same neighbour AS: lower MED (b has none, counts 0)');
    announce('b', { origin: 2, asPath: path(1, 2), nextHop: '192.0.2.2' });
    assert.equal(bestSource(), 'c', 'IGP origin beats INCOMPLETE');
    announce('c', { origin: 2, asPath: path(1, 2), nextHop: '192.0.2.3' });
    announce('a', { origin: 2, asPath: path(1, 2), nextHop: '192.0.2.1' });
    assert.equal(bestSource(), 'b', 'eBGP over iBGP, then the lowest router id (b: 3 < a: 5)');
    const changed = new Changed();
    rib.withdraw('b', [key], null, changed);
    assert.deepEqual(changed.keys, [key]);
    assert.equal(bestSource(), 'a', 'the next best takes over');
    rib.clearPeer('a', new Changed());
    assert.equal(bestSource(), 'c');
    rib.clearPeer('c', new Changed());
    assert.equal(rib.loc.get(key), undefined);
    assert.equal(rib.index.size, 0, 'nothing holds the prefix any more');
    assert.equal(rib.setHandles.size, 0, 'every attribute set was released');
    assert.equal(rib.attrSetCount, 0);
  });
});

describe('rejections stored with the routes', () => {
  test("one handle per route to the policy's rejection, rendered per prefix; notable ones reported; freed with the last route", () => {
    const rib = new Rib();
    const sets = rib.addPeer({ id: 'a', address: '127.75.0.11', ebgp: true, bgpId: 5 }).sets;
    sets.decoder = decoder;
    // Two rejections for all routes: routes share them, the prefix is filled in as they are read.
    const plain = { text: (p: string) => `${p} is not wanted` };
    const notable = { text: (p: string) => `${p} is an event`, notable: true };
    const policy = (key: PrefixKey) => ((key as number) % 2 === 0 ? plain : notable);
    const a: PathAttributes = { origin: 0, asPath: [{ type: 2, asns: [1, 2] }], nextHop: '192.0.2.1' };
    const set = sets.intern(bytesOf(a), a, true);
    const keys = ['203.0.113.0/24', '198.51.100.0/24', '192.0.2.0/24', '198.51.100.0/25'].map((t) => parsePrefixKey(t)!);
    const changed = new Changed();
    rib.announce('a', keys, null, set, policy, changed);
    const adj = rib.peers.get('a')!.rib;
    for (const k of keys) {
      assert.equal(adj.rejection(k), policy(k));
      assert.equal(adj.rejected(k), policy(k).text(formatPrefixKey(k)));
    }
    assert.equal(rib.rejections.size, 2, 'two rejections, whatever the number of routes');
    assert.deepEqual(
      changed.notable.map((n) => [n.key, n.rejection, n.route]),
      keys.filter((k) => policy(k) === notable).map((k) => [k, notable, set]),
    );
    assert.equal(changed.length, 0, 'nothing accepted: no best path changed');
    rib.reimport('a', () => undefined, changed);
    assert.equal(adj.rejection(keys[0]!), undefined);
    assert.equal(rib.rejections.size, 0, 'every rejection was released');
    assert.equal(adj.acceptedV4, keys.length);
  });
});

describe('ADD-PATH routes', () => {
  test('their route keys stay apart from plain IPv6 keys, whatever chars those hold ("#", digits)', () => {
    const rib = new Rib();
    const sets = rib.addPeer({ id: 'a', address: '127.75.0.12', ebgp: true, bgpId: 5 }).sets;
    sets.decoder = decoder;
    const a: PathAttributes = { origin: 0, asPath: [{ type: 2, asns: [1, 2] }], nextHop: '2001:db8::1' };
    const set = sets.intern(bytesOf(a), a, true);
    // IPv6 keys holding "#" (0x23) and digits among their chars, and keys of both families.
    const texts = ['2001:23::/32', '23:23::/32', '3023:2331::/48', '8000::/1', '::/0', '10.0.0.0/8', '0.0.0.0/0', '35.0.0.0/8'];
    const keys = texts.map((t) => parsePrefixKey(t)!);
    assert.ok((keys[0] as string).includes('#') && (keys[1] as string).includes('#'));
    const policy = (key: PrefixKey) => (texts.indexOf(formatPrefixKey(key)) % 2 ? { text: (p: string) => `${p} is not wanted` } : undefined);
    const changed = new Changed();
    rib.announce('a', keys, null, set, policy, changed);
    rib.announce(
      'a',
      keys,
      keys.map(() => 35),
      set,
      policy,
      changed,
    );
    rib.announce(
      'a',
      keys,
      keys.map((_, i) => 1000 + i),
      set,
      policy,
      changed,
    );
    const adj = rib.peers.get('a')!.rib;
    assert.equal(adj.size, 3 * keys.length);
    for (const [i, k] of keys.entries()) {
      const routes = adj.routesFor(k);
      assert.equal(routes.length, 3, texts[i]);
      assert.equal(routes[0]![0], k, `${texts[i]}: the plain route comes first`);
      for (const [rk, s] of routes) {
        assert.equal(s, set);
        assert.equal(prefixOfRouteKey(rk), k, texts[i]);
        assert.equal(adj.get(rk), set, texts[i]);
        assert.equal(adj.rejected(rk), i % 2 ? `${texts[i]} is not wanted` : undefined);
      }
    }
    assert.deepEqual([...adj.entries()].map(([rk]) => formatPrefixKey(prefixOfRouteKey(rk))).sort(), [...texts, ...texts, ...texts].sort());
    rib.withdraw(
      'a',
      keys,
      keys.map(() => 35),
      changed,
    );
    rib.withdraw('a', keys, null, changed);
    for (const k of keys)
      assert.deepEqual(
        adj.routesFor(k).map(([rk]) => prefixOfRouteKey(rk)),
        [k],
      );
    rib.clearPeer('a', changed);
    assert.equal(adj.size, 0);
  });
});
