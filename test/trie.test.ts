// Tests for PrefixTrie (src/net/trie.ts and the per-family trees): unit cases plus a seeded
// differential test against a naive list of prefixes checked with `covers` from prefix.ts.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Address, parseAddress } from '../src/net/address.js';
import { formatV4Prefix, formatV6Prefix, v6FromPrefix } from '../src/net/compact.js';
import { covers, formatPrefix, type Prefix, parsePrefix } from '../src/net/prefix.js';
import { prefixToKey, v4Key } from '../src/net/prefix-key.js';
import { PrefixTrie, type TrieEntry, TrieV4 } from '../src/net/trie.js';
import { V4Blocks } from '../src/net/v4-blocks.js';
import { mulberry32 } from './helpers/rng.js';

const P = (s: string): Prefix => {
  const p = parsePrefix(s);
  assert.ok(p, `fixture ${s} must parse`);
  return p;
};
const A = (s: string): Address => {
  const a = parseAddress(s);
  assert.ok(a, `fixture ${s} must parse`);
  return a;
};
const texts = <T>(es: Array<TrieEntry<T>>): string[] => es.map((e) => formatPrefix(e.prefix));

function trieOf(...ps: string[]): PrefixTrie<string> {
  const t = new PrefixTrie<string>();
  for (const p of ps) t.set(P(p), p);
  return t;
}

describe('PrefixTrie unit cases', () => {
  test('set, get, has, delete, size across both families', () => {
    const t = trieOf('10.0.0.0/8', '10.1.0.0/16', '2001:db8::/32');
    assert.equal(t.size, 3);
    assert.equal(t.get(P('10.1.0.0/16')), '10.1.0.0/16');
    assert.equal(t.get(P('10.2.0.0/16')), undefined);
    assert.equal(t.get(P('10.0.0.0/9')), undefined, 'a covered length is not an exact match');
    assert.equal(t.has(P('2001:db8::/32')), true);
    assert.equal(t.has(P('2001:db8::/33')), false);
    t.set(P('10.1.0.0/16'), 'again');
    assert.equal(t.size, 3, 'overwriting keeps the size');
    assert.equal(t.get(P('10.1.0.0/16')), 'again');
    assert.equal(t.delete(P('10.1.0.0/16')), true);
    assert.equal(t.delete(P('10.1.0.0/16')), false);
    assert.equal(t.delete(P('2001:db8::/48')), false);
    assert.equal(t.size, 2);
    t.clear();
    assert.equal(t.size, 0);
    assert.equal(t.longestMatch(A('10.1.2.3')), undefined);
  });

  test('a stored undefined value still counts as present', () => {
    const t = new PrefixTrie<undefined>();
    t.set(P('192.0.2.0/24'), undefined);
    assert.equal(t.has(P('192.0.2.0/24')), true);
    assert.equal(t.longestMatch(A('192.0.2.1'))?.prefix.length, 24);
  });

  test('longest match for addresses and prefixes, /0 and host routes', () => {
    const t = trieOf('0.0.0.0/0', '10.0.0.0/8', '10.1.0.0/16', '10.1.2.3/32', '::/0', '2001:db8::/32', '2001:db8::1/128');
    const lm = (x: Address | Prefix) => {
      const m = t.longestMatch(x);
      return m && formatPrefix(m.prefix);
    };
    assert.equal(lm(A('10.1.2.3')), '10.1.2.3/32');
    assert.equal(lm(A('10.1.2.4')), '10.1.0.0/16');
    assert.equal(lm(A('10.2.0.0')), '10.0.0.0/8');
    assert.equal(lm(A('192.0.2.1')), '0.0.0.0/0');
    assert.equal(lm(P('10.1.0.0/16')), '10.1.0.0/16', 'a prefix matches itself');
    assert.equal(lm(P('10.0.0.0/15')), '10.0.0.0/8', 'a shorter prefix is not covered by a longer one');
    assert.equal(lm(A('2001:db8::1')), '2001:db8::1/128');
    assert.equal(lm(A('2001:db8::2')), '2001:db8::/32');
    assert.equal(lm(A('2001:db9::')), '::/0');
    assert.equal(t.longestMatch(A('10.1.2.3'))?.value, '10.1.2.3/32');
    t.delete(P('0.0.0.0/0'));
    assert.equal(lm(A('192.0.2.1')), undefined);
  });

  test('covering: least specific first; moreSpecifics: address order, exact optional', () => {
    const t = trieOf('0.0.0.0/0', '10.0.0.0/8', '10.0.0.0/16', '10.0.128.0/17', '10.0.0.0/24', '10.0.1.0/24', '11.0.0.0/8');
    assert.deepEqual(texts(t.covering(P('10.0.1.0/24'))), ['0.0.0.0/0', '10.0.0.0/8', '10.0.0.0/16', '10.0.1.0/24']);
    assert.deepEqual(texts(t.covering(A('10.0.200.1'))), ['0.0.0.0/0', '10.0.0.0/8', '10.0.0.0/16', '10.0.128.0/17']);
    assert.deepEqual(texts(t.moreSpecifics(P('10.0.0.0/8'))), ['10.0.0.0/16', '10.0.0.0/24', '10.0.1.0/24', '10.0.128.0/17']);
    assert.deepEqual(texts(t.moreSpecifics(P('10.0.0.0/16'), true)), ['10.0.0.0/16', '10.0.0.0/24', '10.0.1.0/24', '10.0.128.0/17']);
    assert.deepEqual(
      texts(t.moreSpecifics(P('10.0.0.0/15'))),
      ['10.0.0.0/16', '10.0.0.0/24', '10.0.1.0/24', '10.0.128.0/17'],
      'works from a length with no node',
    );
    assert.deepEqual(texts(t.moreSpecifics(P('12.0.0.0/8'))), []);
    assert.equal(t.moreSpecifics(P('0.0.0.0/0'), true).length, 7);
    assert.deepEqual(texts([...t.entries()]), ['0.0.0.0/0', '10.0.0.0/8', '10.0.0.0/16', '10.0.0.0/24', '10.0.1.0/24', '10.0.128.0/17', '11.0.0.0/8']);
  });

  test('deleting internal nodes keeps the rest reachable; re-insertion works', () => {
    const t = trieOf('10.0.0.0/8', '10.0.0.0/16', '10.128.0.0/16', '10.0.0.0/24');
    assert.equal(t.delete(P('10.0.0.0/8')), true, 'node with two children becomes glue');
    assert.equal(t.delete(P('10.0.0.0/16')), true, 'node with one child is spliced out');
    assert.deepEqual(texts([...t]), ['10.0.0.0/24', '10.128.0.0/16']);
    assert.equal(t.longestMatch(A('10.0.0.9'))?.value, '10.0.0.0/24');
    assert.equal(t.v4.nodeCount, 3, 'two leaves and one glue');
    t.set(P('10.0.0.0/8'), 'back');
    assert.deepEqual(texts(t.covering(P('10.0.0.0/24'))), ['10.0.0.0/8', '10.0.0.0/24']);
    assert.equal(t.v4.nodeCount, 3, 'the glue node took the value');
    for (const p of ['10.0.0.0/8', '10.128.0.0/16', '10.0.0.0/24']) t.delete(P(p));
    assert.equal(t.size, 0);
    assert.equal(t.v4.nodeCount, 0, 'no nodes left behind');
  });

  test('bad lengths are refused', () => {
    const t = new PrefixTrie<number>();
    assert.throws(() => t.set({ family: 4, value: 0n, length: 33 }, 1), RangeError);
    assert.throws(() => t.set({ family: 6, value: 0n, length: -1 }, 1), RangeError);
    assert.throws(() => t.v4.set(0, 1.5, 1), RangeError);
  });

  test('values may change during a walk, the structure may not', () => {
    const t = trieOf('10.0.0.0/8', '10.1.0.0/16', '2001:db8::/32', '2001:db8:1::/48');
    t.coveringV4(0x0a010000, 16, (a, l) => t.v4.set(a, l, 'seen'));
    assert.equal(t.get(P('10.0.0.0/8')), 'seen');
    assert.throws(() => t.coveringV4(0x0a010000, 16, () => t.set(P('10.1.2.0/24'), 'x')), /changed/);
    assert.throws(() => t.v6.forEach(() => t.delete(P('2001:db8::/32'))), /changed/);
    assert.throws(() => {
      for (const e of t) t.delete(e.prefix);
    }, /changed/);
  });

  test('IPv4 fast paths: numbers in, handles out, no bigint', () => {
    const t = new PrefixTrie<number>();
    t.v4.set(0x0a000000, 8, 1);
    t.v4.set(0x0a010000, 16, 2);
    t.v4.set(0x0a010203, 32, 3);
    assert.equal(t.longestMatchV4(0x0a010203), 3);
    assert.equal(t.longestMatchV4(0x0a010204), 2);
    assert.equal(t.longestMatchV4(0x0a010204, 8), 1);
    assert.equal(t.longestMatchV4(0x0b000000), undefined);
    const seen: string[] = [];
    t.coveringV4(0x0a010203, 32, (a, l, v) => seen.push(`${formatV4Prefix(a, l)}=${v}`));
    assert.deepEqual(seen, ['10.0.0.0/8=1', '10.1.0.0/16=2', '10.1.2.3/32=3']);
    const out = new Int32Array(33);
    const k = t.v4.coveringNodes(0x0a0102ff, 32, out);
    assert.deepEqual(
      [...out.subarray(0, k)].map((h) => v4Key(t.v4.addrAt(h), t.v4.lengthAt(h))),
      [v4Key(0x0a000000, 8), v4Key(0x0a010000, 16)],
    );
    const h = t.v4.longest(0xffffffff);
    assert.equal(h, 0, 'no match is handle 0');
    const ms: string[] = [];
    t.moreSpecificsV4(0x0a000000, 8, false, (a, l) => ms.push(formatV4Prefix(a, l)));
    assert.deepEqual(ms, ['10.1.0.0/16', '10.1.2.3/32']);
    // Addresses at the top of the range stay unsigned on the way out.
    t.v4.set(0xfffffffe, 31, 4);
    assert.deepEqual([...t.v4.entries()].at(-1), [0xfffffffe, 31, 4]);
  });

  test('IPv6 fast paths take 4 words', () => {
    const t = trieOf('2001:db8::/32', '2001:db8:ffff::/48', 'ffff::/16');
    const w = v6FromPrefix(P('2001:db8:ffff:1::/64'));
    assert.equal(t.longestMatchV6(w), '2001:db8:ffff::/48');
    assert.equal(t.longestMatchV6(w, 40), '2001:db8::/32');
    const seen: string[] = [];
    t.coveringV6(w, 128, (ws, l) => seen.push(formatV6Prefix(ws, l)));
    assert.deepEqual(seen, ['2001:db8::/32', '2001:db8:ffff::/48']);
    const ms: string[] = [];
    t.moreSpecificsV6(v6FromPrefix(P('::/0')), 0, false, (ws, l) => ms.push(formatV6Prefix(ws, l)));
    assert.deepEqual(ms, ['2001:db8::/32', '2001:db8:ffff::/48', 'ffff::/16']);
    const out = new Int32Array(129);
    assert.equal(t.v6.coveringNodes(w, 64, out), 2);
    assert.equal(t.v6.lengthAt(out[1]!), 48);
  });

  test('jump table: short prefixes, /0 and /16 boundaries stay exact through changes', () => {
    const t = new PrefixTrie<string>({ v4: { jumpFromNodes: 0 } });
    const lm = (a: string) => t.longestMatch(A(a))?.value;
    const cov = (p: string) => t.covering(P(p)).map((e) => e.value);
    for (const p of ['10.0.0.0/8', '10.0.0.0/12', '10.1.0.0/16', '10.1.2.0/24', '10.2.0.0/15']) t.set(P(p), p);
    assert.deepEqual(cov('10.1.2.0/24'), ['10.0.0.0/8', '10.0.0.0/12', '10.1.0.0/16', '10.1.2.0/24']);
    assert.deepEqual(cov('10.3.0.0/16'), ['10.0.0.0/8', '10.0.0.0/12', '10.2.0.0/15']);
    t.set(P('0.0.0.0/0'), 'default');
    assert.equal(lm('192.0.2.1'), 'default');
    assert.deepEqual(cov('10.3.0.0/16'), ['default', '10.0.0.0/8', '10.0.0.0/12', '10.2.0.0/15']);
    t.delete(P('10.0.0.0/12'));
    assert.deepEqual(cov('10.1.2.0/24'), ['default', '10.0.0.0/8', '10.1.0.0/16', '10.1.2.0/24']);
    t.delete(P('0.0.0.0/0'));
    assert.equal(lm('192.0.2.1'), undefined);
    assert.equal(lm('10.1.9.9'), '10.1.0.0/16');
    t.delete(P('10.1.0.0/16'));
    assert.equal(lm('10.1.9.9'), '10.0.0.0/8');
    t.optimize();
    assert.equal(lm('10.1.2.200'), '10.1.2.0/24');
    assert.deepEqual(cov('10.3.0.0/16'), ['10.0.0.0/8', '10.2.0.0/15']);
    const out = new Int32Array(33);
    const k = t.v4.coveringNodes(0x0a010203, 32, out);
    assert.deepEqual(
      [...out.subarray(0, k)].map((h) => t.v4.valueAt(h)),
      ['10.0.0.0/8', '10.1.2.0/24'],
    );
    // A glue node shorter than /16 that gains and loses a value, with stored prefixes under it.
    for (const p of ['20.0.0.0/12', '20.16.0.0/12', '20.0.0.0/14', '20.1.0.0/16']) t.set(P(p), p);
    assert.deepEqual(cov('20.1.0.0/16'), ['20.0.0.0/12', '20.0.0.0/14', '20.1.0.0/16']);
    t.set(P('20.0.0.0/11'), '20.0.0.0/11');
    assert.deepEqual(cov('20.1.0.0/16'), ['20.0.0.0/11', '20.0.0.0/12', '20.0.0.0/14', '20.1.0.0/16']);
    assert.deepEqual(cov('20.2.0.0/16'), ['20.0.0.0/11', '20.0.0.0/12', '20.0.0.0/14']);
    t.set(P('0.0.0.0/0'), 'default');
    assert.deepEqual(cov('20.17.0.0/16'), ['default', '20.0.0.0/11', '20.16.0.0/12']);
    t.delete(P('20.0.0.0/11'));
    assert.deepEqual(cov('20.1.0.0/16'), ['default', '20.0.0.0/12', '20.0.0.0/14', '20.1.0.0/16']);
    assert.deepEqual(cov('20.17.0.0/16'), ['default', '20.16.0.0/12']);
  });

  test('TrieV4 can be used on its own', () => {
    const t = new TrieV4<string>();
    t.set(0, 0, 'default');
    t.set(0xc0000200, 24, 'doc');
    assert.equal(t.longestValue(0xc0000201), 'doc');
    assert.equal(t.longestValue(0x01020304), 'default');
    assert.equal(t.size, 2);
  });
});

// ---------------------------------------------------------------------------------------------
// Differential test: random operations on the trie and on a naive list, compared after each one.

interface Gen {
  prefix(): Prefix;
}

/** Prefixes near a few base addresses, so that they share leading bits and the tree gets deep. */
function generator(r: () => number, family: 4 | 6): Gen {
  const bits = family === 4 ? 32 : 128;
  const rand = (): bigint => {
    let v = 0n;
    for (let i = 0; i < bits / 32; i++) v = (v << 32n) | BigInt(r());
    return v;
  };
  const bases = Array.from({ length: 6 }, rand);
  const all = (1n << BigInt(bits)) - 1n;
  return {
    prefix(): Prefix {
      const base = bases[r() % bases.length]!;
      // Keep the base's leading bits, randomize only the bits after a random depth.
      const keep = r() % (bits + 1);
      const value = (base & (all ^ (all >> BigInt(keep)))) | (rand() & (all >> BigInt(keep)));
      const x = r() % 100;
      // Lengths: mostly near the kept depth, with /0 and host routes in the mix.
      const length = x < 3 ? 0 : x < 10 ? bits : Math.min(bits, Math.max(0, keep + (r() % 9) - 4));
      const m = length === 0 ? 0n : all ^ (all >> BigInt(length));
      return { family, value: value & m, length };
    },
  };
}

const byAddress = (a: Prefix, b: Prefix): number => (a.value < b.value ? -1 : a.value > b.value ? 1 : a.length - b.length);

interface Variant {
  /** TrieV4 jump table from this many nodes (0: from the start). */
  jumpFromNodes?: number;
  /** Call optimize() every this many operations. */
  optimizeEvery?: number;
}

function runDifferential(family: 4 | 6, seed: number, ops: number, variant: Variant = {}): void {
  const r = mulberry32(seed);
  const gen = generator(r, family);
  const trie = new PrefixTrie<number>({ v4: { jumpFromNodes: variant.jumpFromNodes } });
  const ref = new Map<string, { prefix: Prefix; value: number }>();
  const refList = () => [...ref.values()];
  const show = (es: Array<{ prefix: Prefix; value: number }>) => es.map((e) => `${formatPrefix(e.prefix)}=${e.value}`);
  const stored = (): Prefix | undefined => {
    const l = refList();
    return l.length === 0 ? undefined : l[r() % l.length]!.prefix;
  };

  for (let i = 0; i < ops; i++) {
    const op = r() % 100;
    const p = op % 2 === 0 ? (stored() ?? gen.prefix()) : gen.prefix();
    const ctx = `op ${i} (${op}) on ${formatPrefix(p)}`;
    if (op < 40) {
      trie.set(p, i);
      ref.set(formatPrefix(p), { prefix: p, value: i });
    } else if (op < 60) {
      assert.equal(trie.delete(p), ref.delete(formatPrefix(p)), ctx);
    } else if (op < 70) {
      assert.equal(trie.get(p), ref.get(formatPrefix(p))?.value, ctx);
      assert.equal(trie.has(p), ref.has(formatPrefix(p)), ctx);
    } else if (op < 82) {
      const want = refList()
        .filter((e) => covers(e.prefix, p))
        .sort((a, b) => a.prefix.length - b.prefix.length);
      assert.deepEqual(show(trie.covering(p)), show(want), ctx);
      const lm = trie.longestMatch(p);
      assert.deepEqual(lm && show([lm]), want.length ? show([want.at(-1)!]) : undefined, ctx);
      // By key: the same answer, through every delete, overwrite and relayout (it keeps entries per node).
      const byKey = trie.longestMatchKey(prefixToKey(p));
      assert.deepEqual(byKey && show([byKey]), want.length ? show([want.at(-1)!]) : undefined, `${ctx} by key`);
      if (byKey && family === 4) assert.equal(trie.longestMatchKey(prefixToKey(p)), byKey, `${ctx}: a prefix found again is the same entry`);
      if (family === 4) {
        assert.equal(trie.longestMatchV4(Number(p.value), p.length), want.at(-1)?.value, ctx);
        const fast: number[] = [];
        trie.coveringV4(Number(p.value), p.length, (_a, _l, v) => fast.push(v));
        assert.deepEqual(
          fast,
          want.map((e) => e.value),
          ctx,
        );
        const handles = new Int32Array(33);
        const k = trie.v4.coveringNodes(Number(p.value), p.length, handles);
        assert.deepEqual(
          [...handles.subarray(0, k)].map((h) => trie.v4.valueAt(h)),
          fast,
          ctx,
        );
      } else {
        assert.equal(trie.longestMatchV6(v6FromPrefix(p), p.length), want.at(-1)?.value, ctx);
      }
    } else if (op < 92) {
      const exact = op % 2 === 1;
      const want = refList()
        .filter((e) => covers(p, e.prefix) && (exact || e.prefix.length !== p.length))
        .sort((a, b) => byAddress(a.prefix, b.prefix));
      assert.deepEqual(show(trie.moreSpecifics(p, exact)), show(want), ctx);
    } else {
      // Address lookups: a host inside p (p's bits plus random host bits).
      const bits = family === 4 ? 32 : 128;
      const host = gen.prefix().value & ((1n << BigInt(bits - p.length)) - 1n);
      const a: Address = { family, value: p.value | host };
      const want = refList().filter((e) => covers(e.prefix, { family, value: a.value, length: bits }));
      const best = want.sort((x, y) => x.prefix.length - y.prefix.length).at(-1);
      assert.deepEqual(trie.longestMatch(a)?.value, best?.value, ctx);
    }
    assert.equal(trie.size, ref.size, ctx);
    if (variant.optimizeEvery && i % variant.optimizeEvery === 0) trie.optimize();
    if (i % 250 === 0 || i === ops - 1) {
      assert.deepEqual(show([...trie.entries()]), show(refList().sort((a, b) => byAddress(a.prefix, b.prefix))), ctx);
      const tree = family === 4 ? trie.v4 : trie.v6;
      // Glue nodes always have two children, so there are fewer of them than stored prefixes.
      assert.ok(tree.nodeCount <= Math.max(0, 2 * tree.size - 1), `${ctx}: ${tree.nodeCount} nodes for ${tree.size}`);
    }
  }
}

describe('longestMatchKey on a big tree', () => {
  test('V4Blocks marks the /24 blocks a prefix covers or lies in, and only those', () => {
    const b = new V4Blocks();
    const ip = (t: string) => Number(A(t).value);
    b.add(ip('10.0.0.0'), 8);
    b.add(ip('192.0.2.0'), 20);
    b.add(ip('198.51.100.128'), 25);
    for (const [t, want] of [
      ['10.0.0.0', true],
      ['10.255.255.0', true],
      ['11.0.0.0', false],
      ['9.255.255.0', false],
      ['192.0.0.0', true],
      ['192.0.15.0', true],
      ['192.0.16.0', false],
      ['191.255.255.0', false],
      ['198.51.100.0', true],
      ['198.51.101.0', false],
    ] as const)
      assert.equal(b.mayCover(ip(t)), want, t);
    const all = new V4Blocks();
    all.add(0, 0);
    assert.equal(all.mayCover(ip('255.255.255.255')), true, '/0 marks every block');
    assert.equal(all.mayCover(0), true);
  });
  test('the block filter it makes answers as the walk does, before and after the tree changes', () => {
    const r = mulberry32(77);
    const trie = new PrefixTrie<string>();
    const stored: Prefix[] = [];
    const randomPrefix = (): Prefix => {
      const x = r() % 100;
      // Mostly /16-/24, a few short (/10-/19: whole words of blocks; /20-/23: part of one) and some longer than /24.
      const length = x < 1 ? 10 + (r() % 10) : x < 10 ? 20 + (r() % 4) : x < 85 ? 16 + (r() % 9) : 25 + (r() % 8);
      const value = length === 0 ? 0 : (r() >>> 0) & Number(BigInt.asUintN(32, ~((1n << BigInt(32 - length)) - 1n)));
      return { family: 4, value: BigInt(value >>> 0), length };
    };
    const add = (p: Prefix) => {
      trie.set(p, formatPrefix(p));
      stored.push(p);
    };
    for (let i = 0; i < 6000; i++) add(randomPrefix());
    const probe = (): Prefix => {
      const x = r() % 3;
      if (x === 0) return randomPrefix();
      // A stored prefix or a more-specific of it (found by the walk).
      const p = stored[r() % stored.length]!;
      const length = x === 1 ? p.length : Math.min(32, p.length + (r() % 9));
      const host = length === 32 ? 0n : BigInt(r() >>> 0) & ((1n << BigInt(32 - p.length)) - 1n) & ~((1n << BigInt(32 - length)) - 1n);
      return { family: 4, value: p.value | host, length };
    };
    const check = (n: number, when: string) => {
      let found = 0;
      for (let i = 0; i < n; i++) {
        const p = probe();
        const want = trie.longestMatch(p);
        const got = trie.longestMatchKey(prefixToKey(p));
        assert.equal(got && formatPrefix(got.prefix), want && formatPrefix(want.prefix), `${when}: ${formatPrefix(p)}`);
        assert.equal(got?.value, want?.value, `${when}: ${formatPrefix(p)}`);
        if (got) found++;
      }
      assert.ok(found > n / 3 && found < n, `${when}: ${found} of ${n} probes found something (both kinds asked)`);
    };
    check(20_000, 'before and after the filter is made');
    for (let i = 0; i < 300; i++) {
      const [gone] = stored.splice(r() % stored.length, 1);
      trie.delete(gone!);
    }
    for (let i = 0; i < 300; i++) add(randomPrefix());
    check(20_000, 'after deletes and new prefixes');
    trie.optimize();
    check(5_000, 'after a relayout');
  });
});

describe('PrefixTrie against a naive reference', () => {
  for (const seed of [1, 2, 3]) {
    test(`IPv4, seed ${seed}`, () => runDifferential(4, seed, 6000));
    test(`IPv6, seed ${seed}`, () => runDifferential(6, 100 + seed, 6000));
  }
  test('IPv4 with the jump table from the first node', () => runDifferential(4, 11, 6000, { jumpFromNodes: 0 }));
  test('IPv4 with the jump table built mid-way', () => runDifferential(4, 12, 6000, { jumpFromNodes: 300 }));
  test('IPv4, jump table and optimize() every 700 operations', () => runDifferential(4, 13, 6000, { jumpFromNodes: 0, optimizeEvery: 700 }));
  test('IPv6 with optimize() every 700 operations', () => runDifferential(6, 14, 6000, { optimizeEvery: 700 }));

  test('fill up and drain completely, twice', () => {
    for (const family of [4, 6] as const) {
      const r = mulberry32(family);
      const gen = generator(r, family);
      const trie = new PrefixTrie<number>({ v4: { jumpFromNodes: 1000 } });
      for (let round = 0; round < 2; round++) {
        const ps = new Map<string, Prefix>();
        for (let i = 0; i < 3000; i++) {
          const p = gen.prefix();
          ps.set(formatPrefix(p), p);
          trie.set(p, i);
        }
        assert.equal(trie.size, ps.size);
        const order = [...ps.values()];
        for (let i = order.length - 1; i > 0; i--) {
          const j = r() % (i + 1);
          [order[i], order[j]] = [order[j]!, order[i]!];
        }
        for (const p of order) assert.equal(trie.delete(p), true, formatPrefix(p));
        assert.equal(trie.size, 0);
        const tree = family === 4 ? trie.v4 : trie.v6;
        assert.equal(tree.nodeCount, 0, 'every node released');
      }
    }
  });
});
