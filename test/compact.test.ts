// Tests for the compact prefix forms (src/net/compact.ts) against the bigint Prefix of prefix.ts.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatIPv4 } from '../src/net/address.js';
import {
  formatV4,
  formatV4Key,
  formatV4Prefix,
  formatV6Key,
  formatV6Prefix,
  parseV4Key,
  parseV6Key,
  v4AddrFromWire,
  v4FromPrefix,
  v4Key,
  v4KeyAddr,
  v4KeyFromPrefix,
  v4KeyFromWire,
  v4KeyLen,
  v4KeyToPrefix,
  v4Mask,
  v4Network,
  v4ToPrefix,
  v6FromPrefix,
  v6Key,
  v6KeyFromPrefix,
  v6KeyFromWire,
  v6KeyLen,
  v6KeyToPrefix,
  v6KeyWords,
  v6MaskInPlace,
  v6MaskWord,
  v6ToPrefix,
  v6WordsFromBigint,
  v6WordsFromWire,
  v6WordsToBigint,
} from '../src/net/compact.js';
import { formatPrefix, type Prefix, parsePrefix } from '../src/net/prefix.js';
import { mulberry32 } from './helpers/rng.js';

const P = (s: string): Prefix => {
  const p = parsePrefix(s);
  assert.ok(p, `fixture ${s} must parse`);
  return p;
};

const bigMask = (bits: number, len: number): bigint => {
  const all = (1n << BigInt(bits)) - 1n;
  return all ^ ((1n << BigInt(bits - len)) - 1n);
};

function randomPrefix(r: () => number, family: 4 | 6): Prefix {
  const bits = family === 4 ? 32 : 128;
  const length = r() % (bits + 1);
  let v = 0n;
  for (let i = 0; i < bits / 32; i++) v = (v << 32n) | BigInt(r());
  return { family, value: v & bigMask(bits, length), length };
}

/** The NLRI encoding of p: length byte then ceil(len/8) bytes, with random bits after the prefix. */
function nlri(p: Prefix, r: () => number, lead = 0): Buffer {
  const bits = p.family === 4 ? 32 : 128;
  const n = (p.length + 7) >> 3;
  const buf = Buffer.alloc(lead + 1 + n + 3, 0xee);
  buf[lead] = p.length;
  const noise = BigInt(r()) & ((1n << BigInt(bits - p.length)) - 1n);
  const v = p.value | (p.length === bits ? 0n : noise);
  for (let i = 0; i < n; i++) buf[lead + 1 + i] = Number((v >> BigInt(bits - 8 - 8 * i)) & 0xffn);
  return buf;
}

describe('IPv4 compact form', () => {
  test('masks and network addresses', () => {
    assert.equal(v4Mask(0), 0);
    assert.equal(v4Mask(8), 0xff000000);
    assert.equal(v4Mask(31), 0xfffffffe);
    assert.equal(v4Mask(32), 0xffffffff);
    assert.equal(v4Network(0xc0000201, 24), 0xc0000200);
    assert.equal(v4Network(0xffffffff, 0), 0);
  });

  test('keys pack and unpack, clear host bits, and stay safe integers', () => {
    assert.equal(v4Key(0xc0000200, 24), 0xc0000200 * 64 + 24);
    assert.equal(v4Key(0xc00002ff, 24), v4Key(0xc0000200, 24));
    const max = v4Key(0xffffffff, 32);
    assert.ok(Number.isSafeInteger(max));
    assert.equal(v4KeyAddr(max), 0xffffffff);
    assert.equal(v4KeyLen(max), 32);
    assert.equal(v4KeyLen(v4Key(0, 0)), 0);
    assert.equal(v4Key(0, 0), 0);
  });

  test('conversions agree with prefix.ts over random prefixes', () => {
    const r = mulberry32(4);
    const seen = new Map<number, string>();
    for (let i = 0; i < 5000; i++) {
      const p = randomPrefix(r, 4);
      const text = formatPrefix(p);
      const key = v4KeyFromPrefix(p);
      assert.deepEqual(v4KeyToPrefix(key), p);
      assert.deepEqual(v4ToPrefix(v4FromPrefix(p), p.length), p);
      assert.equal(formatV4Key(key), text);
      assert.equal(formatV4Prefix(v4KeyAddr(key), p.length), text);
      assert.equal(parseV4Key(text), key);
      assert.equal(formatV4(Number(p.value)), formatIPv4(p.value));
      // Unique: one key per prefix text.
      const before = seen.get(key);
      assert.ok(before === undefined || before === text, `${text} and ${before} share key ${key}`);
      seen.set(key, text);
    }
  });

  test('text parsing is as strict as parsePrefix', () => {
    assert.equal(parseV4Key('192.0.2.0/24'), v4Key(0xc0000200, 24));
    assert.equal(parseV4Key('0.0.0.0/0'), 0);
    assert.equal(parseV4Key('192.0.2.1/24'), undefined, 'host bits');
    assert.equal(parseV4Key('192.0.2.0/33'), undefined);
    assert.equal(parseV4Key('2001:db8::/32'), undefined, 'other family');
    assert.equal(parseV4Key('nonsense'), undefined);
    assert.throws(() => v4FromPrefix(P('2001:db8::/32')), RangeError);
  });

  test('keys from the wire match keys from the prefix, trailing bits ignored', () => {
    const r = mulberry32(44);
    for (let i = 0; i < 3000; i++) {
      const p = randomPrefix(r, 4);
      const lead = r() % 5;
      const buf = nlri(p, r, lead);
      assert.equal(v4KeyFromWire(buf, lead + 1, buf[lead]!), v4KeyFromPrefix(p), formatPrefix(p));
      assert.equal(v4AddrFromWire(buf, lead + 1, p.length), Number(p.value));
    }
    const buf = Buffer.from([0, 24, 192, 0, 2, 16, 10, 33, 1, 2, 3, 4, 5]);
    assert.equal(v4KeyFromWire(buf, 1, 0), 0, '/0 reads no bytes');
    assert.equal(formatV4Key(v4KeyFromWire(buf, 2, 24)), '192.0.2.0/24');
    assert.equal(formatV4Key(v4KeyFromWire(buf, 6, 16)), '10.33.0.0/16');
    assert.equal(formatV4Key(v4KeyFromWire(buf, 6, 8)), '10.0.0.0/8', 'bytes beyond ceil(len/8) are not read');
    assert.equal(v4KeyFromWire(buf, 8, 33), -1);
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

  test('keys: one char of length plus the significant 16-bit groups', () => {
    assert.equal(v6KeyFromPrefix(P('::/0')).length, 1);
    assert.equal(v6KeyFromPrefix(P('2001:db8::/32')).length, 3);
    assert.equal(v6KeyFromPrefix(P('2001:db8:1::/48')).length, 4);
    assert.equal(v6KeyFromPrefix(P('2001:db8::/33')).length, 4);
    assert.equal(v6KeyFromPrefix(P('2001:db8::1/128')).length, 9);
    assert.equal(v6KeyLen(v6KeyFromPrefix(P('2001:db8::/33'))), 33);
    // Host bits are ignored, so both name the same prefix.
    assert.equal(v6Key([0x20010db8, 0xffffffff, 0, 1], 32), v6KeyFromPrefix(P('2001:db8::/32')));
    assert.equal(parseV6Key('2001:db8::/32'), v6KeyFromPrefix(P('2001:db8::/32')));
    assert.equal(parseV6Key('2001:db8::1/32'), undefined, 'host bits');
    assert.equal(parseV6Key('192.0.2.0/24'), undefined, 'other family');
    assert.equal(formatV6Key(parseV6Key('::ffff:0:0/96')!), '::ffff:0.0.0.0/96', 'text comes from prefix.ts');
  });

  test('keys are unique per prefix and round-trip (prefixes sharing leading bits)', () => {
    const r = mulberry32(6);
    const base = v6FromPrefix(P('2001:db8::/32'));
    const seen = new Map<string, string>();
    const distinct = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      // Half of them inside one /32 with short lengths around group boundaries, to stress masking.
      const p =
        i % 2 === 0
          ? randomPrefix(r, 6)
          : (() => {
              const w = Uint32Array.from([base[0]!, r() & 0xffff0000, r(), r()]);
              return v6ToPrefix(w, 28 + (r() % 40));
            })();
      const text = formatPrefix(p);
      const key = v6KeyFromPrefix(p);
      assert.equal(key.length, 1 + ((p.length + 15) >> 4));
      assert.deepEqual(v6KeyToPrefix(key), p);
      assert.equal(formatV6Key(key), text);
      assert.deepEqual([...v6KeyWords(key)], [...v6FromPrefix(p)]);
      const before = seen.get(key);
      assert.ok(before === undefined || before === text, `${text} and ${before} share a key`);
      seen.set(key, text);
      distinct.add(text);
    }
    assert.equal(seen.size, distinct.size, 'as many keys as distinct prefixes');
  });

  test('words and keys from the wire match the prefix, trailing bits ignored', () => {
    const r = mulberry32(66);
    const out = new Uint32Array(8);
    for (let i = 0; i < 3000; i++) {
      const p = randomPrefix(r, 6);
      const lead = r() % 5;
      const buf = nlri(p, r, lead);
      assert.equal(v6KeyFromWire(buf, lead + 1, buf[lead]!), v6KeyFromPrefix(p), formatPrefix(p));
      assert.equal(v6WordsFromWire(buf, lead + 1, p.length, out, 4), true);
      assert.deepEqual([...out.subarray(4)], [...v6FromPrefix(p)], formatPrefix(p));
    }
    const buf = Buffer.from([48, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0xff, 0xff]);
    assert.equal(formatV6Key(v6KeyFromWire(buf, 1, 48)!), '2001:db8:1::/48');
    assert.equal(formatV6Key(v6KeyFromWire(buf, 1, 0)!), '::/0');
    assert.equal(v6KeyFromWire(buf, 1, 129), undefined);
    assert.equal(v6WordsFromWire(buf, 1, 129, out), false);
  });
});
