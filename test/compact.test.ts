// Tests for the compact address forms (src/net/compact.ts: masks, IPv4 numbers, IPv6 words)
// against the bigint Prefix of prefix.ts. The prefix keys built on them: prefix-key.test.ts.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatIPv4 } from '../src/net/address.js';
import {
  formatV4,
  formatV4Prefix,
  formatV6Prefix,
  v4AddrFromWire,
  v4FromPrefix,
  v4Mask,
  v4Network,
  v4ToPrefix,
  v6FromPrefix,
  v6MaskInPlace,
  v6MaskWord,
  v6ToPrefix,
  v6WordsFromBigint,
  v6WordsFromWire,
  v6WordsToBigint,
} from '../src/net/compact.js';
import { formatPrefix } from '../src/net/prefix.js';
import { nlri, P, randomPrefix } from './helpers/prefixes.js';
import { mulberry32 } from './helpers/rng.js';

describe('IPv4 compact form', () => {
  test('masks and network addresses', () => {
    assert.equal(v4Mask(0), 0);
    assert.equal(v4Mask(8), 0xff000000);
    assert.equal(v4Mask(31), 0xfffffffe);
    assert.equal(v4Mask(32), 0xffffffff);
    assert.equal(v4Network(0xc0000201, 24), 0xc0000200);
    assert.equal(v4Network(0xffffffff, 0), 0);
  });

  test('conversions agree with prefix.ts over random prefixes', () => {
    const r = mulberry32(4);
    for (let i = 0; i < 5000; i++) {
      const p = randomPrefix(r, 4);
      const text = formatPrefix(p);
      assert.deepEqual(v4ToPrefix(v4FromPrefix(p), p.length), p);
      assert.equal(formatV4Prefix(Number(p.value), p.length), text);
      assert.equal(formatV4(Number(p.value)), formatIPv4(p.value));
    }
    assert.throws(() => v4FromPrefix(P('2001:db8::/32')), RangeError);
  });

  test('addresses from the wire match the prefix, trailing bits ignored', () => {
    const r = mulberry32(44);
    for (let i = 0; i < 3000; i++) {
      const p = randomPrefix(r, 4);
      const lead = r() % 5;
      const buf = nlri(p, r, lead);
      assert.equal(v4AddrFromWire(buf, lead + 1, p.length), Number(p.value));
    }
  });
});

describe('IPv6 compact form', () => {
  test('word masks', () => {
    assert.deepEqual(
      [0, 1, 2, 3].map((i) => v6MaskWord(0, i) >>> 0),
      [0, 0, 0, 0],
    );
    assert.deepEqual(
      [0, 1, 2, 3].map((i) => v6MaskWord(48, i) >>> 0),
      [0xffffffff, 0xffff0000, 0, 0],
    );
    assert.deepEqual(
      [0, 1, 2, 3].map((i) => v6MaskWord(128, i) >>> 0),
      [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
    );
    const w = Uint32Array.from([0x20010db8, 0x12345678, 1, 2]);
    v6MaskInPlace(w, 40);
    assert.deepEqual([...w], [0x20010db8, 0x12000000, 0, 0]);
  });

  test('words and bigint convert both ways', () => {
    const p = P('2001:db8:1234:5678::/64');
    const w = v6FromPrefix(p);
    assert.deepEqual([...w], [0x20010db8, 0x12345678, 0, 0]);
    assert.equal(v6WordsToBigint(w), p.value);
    assert.deepEqual(v6ToPrefix(w, 64), p);
    assert.equal(formatV6Prefix(w, 64), '2001:db8:1234:5678::/64');
    const out = new Uint32Array(8);
    v6WordsFromBigint(p.value, out, 4);
    assert.deepEqual([...out.subarray(4)], [...w]);
    assert.throws(() => v6FromPrefix(P('192.0.2.0/24')), RangeError);
  });

  test('words from the wire match the prefix, trailing bits ignored', () => {
    const r = mulberry32(66);
    const out = new Uint32Array(8);
    for (let i = 0; i < 3000; i++) {
      const p = randomPrefix(r, 6);
      const lead = r() % 5;
      const buf = nlri(p, r, lead);
      assert.equal(v6WordsFromWire(buf, lead + 1, p.length, out, 4), true);
      assert.deepEqual([...out.subarray(4)], [...v6FromPrefix(p)], formatPrefix(p));
    }
    const buf = Buffer.from([48, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0xff, 0xff]);
    assert.equal(v6WordsFromWire(buf, 1, 129, out), false);
  });
});
