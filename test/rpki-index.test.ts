// The VrpTable's flat lookup index (src/rpki/rov-index.ts) against a brute-force scan: random
// batches of adds and removes (RTR serial updates), full replacements and single changes, with
// the edge cases of the layout: VRPs shorter than /16 (IPv4) or /32 (IPv6), /0, /32, /128,
// emptied buckets, one bucket with thousands of VRPs, growth, compaction and full rebuilds.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePrefix } from '../src/net/prefix.js';
import { Dir32, HashA } from '../src/rpki/rov-index.js';
import { ROV_STATES, type RovCode, VrpTable } from '../src/rpki/table.js';
import { VrpList } from '../src/rpki/vrp-list.js';

// A small seeded PRNG (xorshift32).
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
  return { f: next, n: (k: number) => Math.floor(next() * k), pick: <T>(a: readonly T[]): T => a[Math.floor(next() * a.length)]! };
}

const mask = (len: number) => (len === 0 ? 0 : len >= 32 ? -1 : ~(-1 >>> len));
const words6 = (w: ArrayLike<number>, len: number): number[] =>
  [0, 1, 2, 3].map((i) => (len >= 32 * (i + 1) ? w[i]! >>> 0 : len <= 32 * i ? 0 : (w[i]! & mask(len - 32 * i)) >>> 0));

interface Model {
  v4: Map<string, [number, number, number, number]>;
  v6: Map<string, [number[], number, number, number]>;
}

const key4 = (a: number, l: number, m: number, asn: number) => `${a >>> 0}/${l}-${m}:${asn}`;
const key6 = (w: number[], l: number, m: number, asn: number) => `${w.join('.')}/${l}-${m}:${asn}`;

function brute4(model: Model, addr: number, len: number, origin: number): RovCode {
  let covered = false;
  for (const [a, l, m, asn] of model.v4.values()) {
    if (l > len || ((addr ^ a) & mask(l)) !== 0) continue;
    covered = true;
    if (origin > 0 && asn === origin && len <= m) return 1;
  }
  return covered ? 2 : 0;
}

function brute6(model: Model, w: number[], len: number, origin: number): RovCode {
  let covered = false;
  for (const [p, l, m, asn] of model.v6.values()) {
    if (l > len) continue;
    const rw = words6(w, l);
    if (rw.some((x, i) => x !== p[i])) continue;
    covered = true;
    if (origin > 0 && asn === origin && len <= m) return 1;
  }
  return covered ? 2 : 0;
}

// Prefixes crowd a few /8s, /16s and /32s so that buckets fill up, empty out and share space.
const LENS4 = [0, 1, 4, 8, 12, 15, 16, 16, 17, 20, 22, 23, 24, 24, 24, 25, 28, 31, 32, 32];
const LENS6 = [0, 3, 12, 16, 19, 29, 31, 32, 32, 33, 36, 44, 48, 48, 48, 56, 63, 64, 65, 96, 100, 127, 128, 128];
const ASNS = [0, 1, 2, 3, 64500, 65000, 2 ** 31 + 5, 4294967295];

function randomV4(r: ReturnType<typeof rng>): [number, number, number, number] {
  const len = r.pick(LENS4);
  const hi = r.pick([10, 11, 192, 255]);
  const a = ((hi << 24) | (r.n(3) << 16) | (r.n(4) << 8) | r.n(256)) >>> 0;
  const addr = (a & mask(len)) >>> 0;
  const maxLen = Math.min(32, len + r.pick([0, 0, 0, 1, 2, 8, 32]));
  return [addr, len, maxLen, r.pick(ASNS)];
}

function randomV6(r: ReturnType<typeof rng>): [number[], number, number, number] {
  const len = r.pick(LENS6);
  const w = [
    r.pick([0x20010db8, 0x20010db9, 0x2a020000, 0xffffffff]) + r.n(2),
    r.pick([0, 0x10000, 0xffff0000, r.n(2 ** 32)]),
    r.pick([0, r.n(2 ** 32)]),
    r.pick([0, 1, r.n(2 ** 32)]),
  ];
  const maxLen = Math.min(128, len + r.pick([0, 0, 0, 1, 8, 16, 128]));
  return [words6(w, len), len, maxLen, r.pick(ASNS)];
}

/** Route near a stored VRP (same, longer, shorter) or anywhere in the crowded space. */
function route4(r: ReturnType<typeof rng>, model: Model): [number, number, number] {
  const vs = [...model.v4.values()];
  if (vs.length > 0 && r.f() < 0.7) {
    const [a, l, , asn] = r.pick(vs);
    const len = Math.max(0, Math.min(32, l + r.pick([0, 0, 1, 3, 8, -1, -9, 32])));
    const addr = ((a | (r.n(2 ** 32) & ~mask(l))) & mask(len)) >>> 0;
    return [addr, len, r.f() < 0.6 ? asn : r.pick(ASNS)];
  }
  const [a, l] = randomV4(r);
  const len = Math.min(32, l + r.n(9));
  return [((a | (r.n(2 ** 32) & ~mask(l))) & mask(len)) >>> 0, len, r.pick(ASNS)];
}

function route6(r: ReturnType<typeof rng>, model: Model): [number[], number, number] {
  const vs = [...model.v6.values()];
  if (vs.length > 0 && r.f() < 0.7) {
    const [p, l, , asn] = r.pick(vs);
    const len = Math.max(0, Math.min(128, l + r.pick([0, 0, 1, 16, 64, -1, -17, 128])));
    const w = p.map((x, i) => (x | (r.n(2 ** 32) & ~mask(Math.max(0, Math.min(32, l - 32 * i))))) >>> 0);
    return [words6(w, len), len, r.f() < 0.6 ? asn : r.pick(ASNS)];
  }
  const [p, l] = randomV6(r);
  const len = Math.min(128, l + r.n(20));
  return [
    words6(
      p.map((x) => (x | r.n(2 ** 32)) >>> 0),
      len,
    ),
    len,
    r.pick(ASNS),
  ];
}

function check(t: VrpTable, model: Model, r: ReturnType<typeof rng>, n: number, ctx: string): void {
  for (let i = 0; i < n; i++) {
    const [a, l, o] = route4(r, model);
    const got = t.validateV4(a, l, o),
      want = brute4(model, a, l, o);
    if (got !== want)
      assert.fail(
        `${ctx}: ${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}/${l} AS${o}: ${ROV_STATES[got]}, brute force says ${ROV_STATES[want]}`,
      );
    const [w, l6, o6] = route6(r, model);
    const g6 = t.validateV6(new Uint32Array(w), l6, o6),
      w6 = brute6(model, w, l6, o6);
    if (g6 !== w6) assert.fail(`${ctx}: ${w.map((x) => x.toString(16)).join(':')}/${l6} AS${o6}: ${ROV_STATES[g6]}, brute force says ${ROV_STATES[w6]}`);
  }
}

/** The table holds exactly the model's VRPs. */
function sameContent(t: VrpTable, model: Model, ctx: string): void {
  const have = new Set<string>();
  const l = t.toList();
  l.forEachV4((a, len, m, asn) => {
    have.add(key4(a, len, m, asn));
  });
  l.forEachV6((w, o, len, m, asn) => {
    have.add(key6([...w.slice(o, o + 4)], len, m, asn));
  });
  const want = new Set([...model.v4.keys(), ...model.v6.keys()]);
  assert.deepEqual(
    [...have].filter((k) => !want.has(k)),
    [],
    `${ctx}: in the table only`,
  );
  assert.deepEqual(
    [...want].filter((k) => !have.has(k)),
    [],
    `${ctx}: in the model only`,
  );
  assert.equal(t.size, want.size, `${ctx}: size`);
}

function randomBatch(r: ReturnType<typeof rng>, model: Model, adds: number, removes: number): [VrpList, VrpList] {
  const ann = new VrpList(),
    wd = new VrpList();
  for (let i = 0; i < adds; i++) {
    if (r.f() < 0.7) {
      const [a, l, m, asn] = randomV4(r);
      ann.pushV4(a, l, m, asn);
    } else {
      const [w, l, m, asn] = randomV6(r);
      ann.pushV6(w, 0, l, m, asn);
    }
  }
  const v4 = [...model.v4.values()],
    v6 = [...model.v6.values()];
  for (let i = 0; i < removes; i++) {
    if (r.f() < 0.1) {
      const [a, l, m, asn] = randomV4(r);
      wd.pushV4(a, l, m, asn);
      continue;
    } // often unknown
    if (r.f() < 0.7 && v4.length) {
      const [a, l, m, asn] = r.pick(v4);
      wd.pushV4(a, l, m, asn);
    } else if (v6.length) {
      const [w, l, m, asn] = r.pick(v6);
      wd.pushV6(w, 0, l, m, asn);
    }
  }
  return [ann, wd];
}

/** The model after table.update(ann, wd): withdrawals first, then announcements. */
function applyBatch(model: Model, ann: VrpList, wd: VrpList): void {
  wd.forEachV4((a, l, m, asn) => {
    model.v4.delete(key4(a, l, m, asn));
  });
  wd.forEachV6((w, o, l, m, asn) => {
    model.v6.delete(key6([...w.slice(o, o + 4)], l, m, asn));
  });
  ann.forEachV4((a, l, m, asn) => {
    model.v4.set(key4(a, l, m, asn), [a >>> 0, l, m, asn]);
  });
  ann.forEachV6((w, o, l, m, asn) => {
    const p = [...w.slice(o, o + 4)];
    model.v6.set(key6(p, l, m, asn), [p, l, m, asn]);
  });
}

test('index: random batches of adds and removes answer like a brute-force scan', () => {
  const r = rng(42);
  const t = new VrpTable();
  const model: Model = { v4: new Map(), v6: new Map() };
  check(t, model, r, 200, 'empty table');
  for (let round = 0; round < 60; round++) {
    const [ann, wd] = randomBatch(r, model, r.n(round < 10 ? 120 : 40), r.n(30));
    applyBatch(model, ann, wd);
    t.update(ann, wd, `serial ${round}`);
    sameContent(t, model, `round ${round}`);
    check(t, model, r, 150, `round ${round}`);
  }
  // Remove everything in batches: buckets empty out (and the short chains go away).
  while (model.v4.size + model.v6.size > 0) {
    const wd = new VrpList();
    for (const [a, l, m, asn] of [...model.v4.values()].slice(0, 50)) wd.pushV4(a, l, m, asn);
    for (const [w, l, m, asn] of [...model.v6.values()].slice(0, 20)) wd.pushV6(w, 0, l, m, asn);
    applyBatch(model, new VrpList(), wd);
    t.update(new VrpList(), wd, 'drain');
    check(t, model, r, 60, `draining, ${model.v4.size + model.v6.size} left`);
  }
  assert.equal(t.size, 0);
  check(t, model, r, 100, 'drained');
});

test('index: single adds and removes between lookups, and full replacements', () => {
  const r = rng(7);
  const t = new VrpTable();
  const model: Model = { v4: new Map(), v6: new Map() };
  for (let i = 0; i < 3000; i++) {
    const x = r.f();
    if (x < 0.35) {
      const [a, l, m, asn] = randomV4(r);
      if (t.addV4(a, l, m, asn)) model.v4.set(key4(a, l, m, asn), [a, l, m, asn]);
    } else if (x < 0.5) {
      const [w, l, m, asn] = randomV6(r);
      if (t.addV6(w, 0, l, m, asn)) model.v6.set(key6(w, l, m, asn), [w, l, m, asn]);
    } else if (x < 0.65 && model.v4.size) {
      const [a, l, m, asn] = r.pick([...model.v4.values()]);
      assert.ok(t.removeV4(a, l, m, asn));
      model.v4.delete(key4(a, l, m, asn));
    } else if (x < 0.72 && model.v6.size) {
      const [w, l, m, asn] = r.pick([...model.v6.values()]);
      assert.ok(t.removeV6(w, 0, l, m, asn));
      model.v6.delete(key6(w, l, m, asn));
    } else if (x < 0.73) {
      // Full replacement with a fresh random set.
      const list = new VrpList();
      model.v4.clear();
      model.v6.clear();
      for (let k = r.n(300); k > 0; k--) {
        const [a, l, m, asn] = randomV4(r);
        list.pushV4(a, l, m, asn);
        model.v4.set(key4(a, l, m, asn), [a, l, m, asn]);
      }
      for (let k = r.n(100); k > 0; k--) {
        const [w, l, m, asn] = randomV6(r);
        list.pushV6(w, 0, l, m, asn);
        model.v6.set(key6(w, l, m, asn), [w, l, m, asn]);
      }
      t.replace(list, 'reload');
    }
    if (i % 7 === 0) check(t, model, r, 5, `step ${i}`);
  }
  assert.equal(t.size, model.v4.size + model.v6.size);
  check(t, model, r, 500, 'end');
});

test('index: /0, /32, /128 and VRPs shorter than the buckets', () => {
  const t = new VrpTable();
  const l = (...v: Array<[string, number, number]>) => {
    const list = new VrpList();
    for (const [p, m, asn] of v) list.push({ prefix: parsePrefix(p)!, maxLength: m, asn });
    return list;
  };
  t.update(
    l(['0.0.0.0/0', 0, 1], ['::/0', 128, 2], ['203.0.113.7/32', 32, 3], ['2001:db8::1/128', 128, 4], ['10.0.0.0/8', 15, 5], ['2001:db8::/30', 31, 6]),
    new VrpList(),
    'a',
  );
  assert.equal(t.validate('0.0.0.0/0', 1), 'valid');
  assert.equal(t.validate('1.0.0.0/8', 1), 'invalid', 'the /0 covers everything, maxLength 0');
  assert.equal(t.validate('203.0.113.7/32', 3), 'valid');
  assert.equal(t.validate('203.0.113.6/32', 3), 'invalid', 'only the /0 covers it');
  assert.equal(t.validate('203.0.113.0/24', 3), 'invalid');
  assert.equal(t.validate('10.0.0.0/15', 5), 'valid');
  assert.equal(t.validate('10.2.0.0/16', 5), 'invalid', 'longer than maxLength 15');
  assert.equal(t.validate('10.2.0.0/16', 1), 'invalid');
  assert.equal(t.validate('2001:db8::1/128', 4), 'valid');
  assert.equal(t.validate('2001:db8::1/128', 2), 'valid', '::/0 with maxLength 128');
  assert.equal(t.validate('2001:db8::/31', 6), 'valid');
  assert.equal(t.validate('2001:db9::/32', 6), 'invalid', '/30 maxLength 31');
  assert.equal(t.validate('2001:db8::/29', 6), 'invalid', 'only ::/0 covers a /29');
  assert.equal(t.validate('2001:db8::/29', 2), 'valid');
  // Withdraw the /0s: what they alone covered becomes NotFound.
  t.update(new VrpList(), l(['0.0.0.0/0', 0, 1], ['::/0', 128, 2]), 'b');
  assert.equal(t.validate('1.0.0.0/8', 1), 'not-found');
  assert.equal(t.validate('203.0.113.6/32', 3), 'not-found');
  assert.equal(t.validate('2001:db8::/29', 2), 'not-found');
  assert.equal(t.validate('2001:db8::1/128', 2), 'invalid', 'the /30 still covers it');
  // Removing the last VRP of a bucket.
  t.update(new VrpList(), l(['203.0.113.7/32', 32, 3], ['2001:db8::1/128', 128, 4]), 'c');
  assert.equal(t.validate('203.0.113.7/32', 3), 'not-found');
  assert.equal(t.validate('2001:db8::1/128', 4), 'invalid');
  assert.equal(t.validate('2001:db8::1/128', 6), 'invalid');
  assert.equal(t.validateV4(0xcb007107, 32, 3), 0);
});

test('index: thousands of VRPs in one bucket, grown and shrunk in batches (relocation, compaction, rebuilds)', () => {
  const r = rng(99);
  const t = new VrpTable();
  const model: Model = { v4: new Map(), v6: new Map() };
  check(t, model, r, 10, 'empty');
  for (let round = 0; round < 12; round++) {
    const ann = new VrpList(),
      wd = new VrpList();
    // Everything in 10.1.0.0/16 and 2001:db8::/32 (plus a few /8s and /29s above them).
    for (let k = 0; k < 700; k++) {
      const len = r.pick([16, 17, 20, 23, 24, 24, 24, 26, 32]);
      const a = ((0x0a010000 | r.n(65536)) & mask(len)) >>> 0;
      ann.pushV4(a, len, Math.min(32, len + r.n(3)), 1 + r.n(50));
      const l6 = r.pick([32, 40, 48, 48, 64, 128]);
      ann.pushV6(words6([0x20010db8, r.n(2 ** 32), r.n(2 ** 32), r.n(2 ** 32)], l6), 0, l6, Math.min(128, l6 + r.n(3)), 1 + r.n(50));
    }
    if (round % 3 === 0) {
      ann.pushV4(0x0a000000, 8, 24, 7);
      ann.pushV6([0x20010db8, 0, 0, 0], 0, 29, 48, 7);
    }
    const v4 = [...model.v4.values()],
      v6 = [...model.v6.values()];
    for (let k = 0; k < (round > 6 ? 1500 : 300); k++) {
      if (v4.length) {
        const [a, l, m, asn] = v4[r.n(v4.length)]!;
        wd.pushV4(a, l, m, asn);
      }
      if (v6.length) {
        const [w, l, m, asn] = v6[r.n(v6.length)]!;
        wd.pushV6(w, 0, l, m, asn);
      }
    }
    applyBatch(model, ann, wd);
    t.update(ann, wd, `round ${round}`);
    sameContent(t, model, `round ${round}`);
    for (let k = 0; k < 300; k++) {
      const a = (0x0a010000 | r.n(65536)) >>> 0,
        len = 16 + r.n(17),
        o = r.pick([7, 1 + r.n(50)]);
      const m = (a & mask(len)) >>> 0;
      assert.equal(t.validateV4(m, len, o), brute4(model, m, len, o), `round ${round}: ${m.toString(16)}/${len} AS${o}`);
      const l6 = 29 + r.n(100);
      const w = words6([0x20010db8, r.n(2 ** 32), r.n(2 ** 32), r.n(2 ** 32)], l6);
      assert.equal(t.validateV6(new Uint32Array(w), l6, o), brute6(model, w, l6, o), `round ${round}: ${w.join(':')}/${l6} AS${o}`);
    }
    check(t, model, r, 50, `round ${round}`);
  }
});

test('index: a large batch (full rebuild path) and the tables the RTR client stages', () => {
  const r = rng(5);
  const t = new VrpTable();
  const model: Model = { v4: new Map(), v6: new Map() };
  const [ann] = randomBatch(r, model, 300, 0);
  applyBatch(model, ann, new VrpList());
  t.update(ann, new VrpList(), 'small');
  check(t, model, r, 100, 'small');
  // More than 4096 + size/8 changes at once: the index is rebuilt rather than merged.
  const big = new VrpList();
  for (let k = 0; k < 20000; k++) {
    const len = 16 + r.n(17);
    big.pushV4(((((1 + r.n(200)) << 24) | r.n(2 ** 24)) & mask(len)) >>> 0, len, Math.min(32, len + r.n(4)), 1 + r.n(1000));
  }
  applyBatch(model, big, new VrpList());
  t.update(big, new VrpList(), 'big');
  check(t, model, r, 300, 'big');
  // A staging table filled one VRP at a time, handed over with replaceWith().
  const staging = new VrpTable();
  const model2: Model = { v4: new Map(), v6: new Map() };
  for (let k = 0; k < 2000; k++) {
    const [a, l, m, asn] = randomV4(r);
    if (staging.addV4(a, l, m, asn)) model2.v4.set(key4(a, l, m, asn), [a, l, m, asn]);
    const [w, l6, m6, asn6] = randomV6(r);
    if (staging.addV6(w, 0, l6, m6, asn6)) model2.v6.set(key6(w, l6, m6, asn6), [w, l6, m6, asn6]);
  }
  const change = t.replaceWith(staging, 'reset');
  assert.equal(change.full, true);
  assert.equal(t.size, model2.v4.size + model2.v6.size);
  check(t, model2, r, 400, 'after replaceWith');
  check(staging, { v4: new Map(), v6: new Map() }, r, 20, 'the emptied staging table');
});

test('many VRPs of one prefix added one by one (the chain outgrows its arrays mid-add)', () => {
  const t = new VrpTable();
  for (let asn = 1; asn <= 3000; asn++) assert.ok(t.addV4(0xc0000200, 24, 24, asn));
  for (let asn = 1; asn <= 300; asn++) assert.ok(t.addV6([0x20010db8, 0, 0, 0], 0, 32, 48, asn));
  assert.equal(t.size, 3300);
  assert.equal(t.toList().size, 3300);
  for (let asn = 1; asn <= 3000; asn += 37) assert.ok(t.hasV4(0xc0000200, 24, 24, asn), `AS${asn}`);
  assert.equal(t.validate('192.0.2.0/24', 2999), 'valid');
  assert.equal(t.validate('192.0.2.0/24', 3001), 'invalid');
  assert.equal(t.validate('2001:db8:1::/48', 300), 'valid');
});

test('index: listeners see the batch already applied', () => {
  const t = VrpTable.from(VrpList.from([{ prefix: parsePrefix('192.0.2.0/24')!, maxLength: 24, asn: 1 }]));
  const seen: string[] = [];
  t.onChange(() => seen.push(t.validate('192.0.2.0/24', 2)));
  const l = new VrpList();
  l.push({ prefix: parsePrefix('192.0.2.0/24')!, maxLength: 24, asn: 2 });
  t.update(l, new VrpList(), 'x');
  t.update(new VrpList(), l, 'y');
  assert.deepEqual(seen, ['valid', 'invalid']);
});

test('index builds do not depend on the visiting order (a tree walk is only the fast path)', () => {
  const r = rng(3);
  const v4: Array<[number, number, number, number]> = [];
  const v6: Array<[number[], number, number, number]> = [];
  const model: Model = { v4: new Map(), v6: new Map() };
  for (let i = 0; i < 2000; i++) {
    const a = randomV4(r);
    if (!model.v4.has(key4(...a))) {
      model.v4.set(key4(...a), a);
      v4.push(a);
    }
    const b = randomV6(r);
    if (!model.v6.has(key6(...b))) {
      model.v6.set(key6(...b), b);
      v6.push(b);
    }
  }
  const d4 = new Dir32(),
    d6s = new Dir32(),
    h6 = new HashA();
  d4.build((visit) => {
    for (const [a, l, m, asn] of v4) visit(a, l, m, asn);
  });
  d6s.build((visit) => {
    for (const [w, l, m, asn] of v6) if (l < 32) visit(w[0]!, l, m, asn);
  });
  h6.build((visit) => {
    for (const [w, l, m, asn] of v6) if (l >= 32) visit(w, l, m, asn);
  });
  for (let i = 0; i < 3000; i++) {
    const [a, l, o] = route4(r, model);
    const oo = o > 0 ? o : -1;
    assert.equal(d4.lookup(a, l, oo), brute4(model, a, l, o));
    const [w, l6, o6] = route6(r, model);
    const x = o6 > 0 ? o6 : -1;
    const s = d6s.lookup(w[0]!, l6, x);
    const got = l6 < 32 ? s : ((g: number) => (g === 1 ? 1 : s !== 0 ? s : g))(h6.lookup(w[0]!, w[1]!, w[2]!, w[3]!, l6, x));
    assert.equal(got, brute6(model, w, l6, o6), `${w.map((z) => z.toString(16)).join(':')}/${l6} AS${o6}`);
  }
});
