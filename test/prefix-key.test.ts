// Tests for prefix keys (src/net/prefix-key.ts) against the bigint Prefix of prefix.ts and the
// NLRI bytes of the wire.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { v6FromPrefix, v6ToPrefix } from '../src/net/compact.js';
import { formatPrefix, type Prefix } from '../src/net/prefix.js';
import {
  formatPrefixKey,
  keyToPrefix,
  type PrefixKey,
  parsePrefixKey,
  prefixKeyFamily,
  prefixKeyLength,
  prefixKeyOctet,
  prefixToKey,
  v4Key,
  v4KeyAddr,
  v4KeyFromWire,
  v4KeyLen,
  v6Key,
  v6KeyFromWire,
  v6KeyLen,
  v6KeyWords,
} from '../src/net/prefix-key.js';
import { nlri, P, randomPrefix } from './helpers/prefixes.js';
import { mulberry32 } from './helpers/rng.js';

const LENGTHS = [0, 1, 7, 8, 15, 16, 17, 31, 32, 48, 64, 127, 128];

/** The key of a prefix text of one family, undefined for the other (the family-specific parse these tests began with). */
const parseIn = (family: 4 | 6, text: string): PrefixKey | undefined => {
  const k = parsePrefixKey(text);
  return k !== undefined && prefixKeyFamily(k) === family ? k : undefined;
};

/** The key as the NLRI decoder builds it from bytes (the length byte at `lead`). */
const fromWire = (family: 4 | 6, buf: Uint8Array, lead: number): PrefixKey | undefined =>
  family === 4 ? v4KeyFromWire(buf, lead + 1, buf[lead]!) : v6KeyFromWire(buf, lead + 1, buf[lead]!);

describe('prefix keys of both families', () => {
  test('round trips through Prefix, text and the wire at the edge lengths', () => {
    const r = mulberry32(12);
    for (const family of [4, 6] as const) {
      for (const len of LENGTHS.filter((l) => l <= (family === 4 ? 32 : 128))) {
        for (let i = 0; i < 50; i++) {
          const p = randomPrefix(r, family, len);
          const text = formatPrefix(p);
          const key = prefixToKey(p);
          const where = `${text} (IPv${family} /${len})`;
          assert.equal(typeof key, family === 4 ? 'number' : 'string', where);
          assert.equal(prefixKeyFamily(key), family, where);
          assert.equal(prefixKeyLength(key), len, where);
          assert.deepEqual(keyToPrefix(key), p, where);
          assert.equal(formatPrefixKey(key), text, where);
          assert.equal(parsePrefixKey(text), key, where);
          const lead = r() % 3;
          const buf = nlri(p, r, lead);
          assert.equal(fromWire(family, buf, lead), parsePrefixKey(text), `${where}: the wire decodes to the key of the text`);
          const octets = Array.from({ length: (len + 7) >> 3 }, (_, j) => prefixKeyOctet(key, j));
          assert.deepEqual(
            octets,
            [...buf.subarray(lead + 1, lead + 1 + octets.length)].map((b, j) => (j === octets.length - 1 && len & 7 ? b & (0xff << (8 - (len & 7))) : b)),
            `${where}: octets`,
          );
        }
      }
    }
  });

  test('host bits are masked: from words, addresses and the wire', () => {
    assert.equal(v4Key(0xc00002ff, 24), parsePrefixKey('192.0.2.0/24'));
    assert.equal(v4Key(0xffffffff, 0), parsePrefixKey('0.0.0.0/0'));
    assert.equal(v4Key(0xffffffff, 1), parsePrefixKey('128.0.0.0/1'));
    assert.equal(v4Key(0xc00002ff, 31), parsePrefixKey('192.0.2.254/31'));
    assert.equal(v6Key([0x20010db8, 0xffffffff, 0, 1], 32), parsePrefixKey('2001:db8::/32'));
    assert.equal(v6Key([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], 0), parsePrefixKey('::/0'));
    assert.equal(v6Key([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], 17), parsePrefixKey('ffff:8000::/17'));
    assert.equal(v6Key([0x20010db8, 0x12345678, 0xffffffff, 0xffffffff], 127), parsePrefixKey('2001:db8:1234:5678:ffff:ffff:ffff:fffe/127'));
    // Every trailing bit on the wire set.
    const ff = Buffer.alloc(17, 0xff);
    for (const len of LENGTHS) {
      ff[0] = len;
      const all = (family: 4 | 6) => formatPrefixKey(fromWire(family, ff, 0)!);
      if (len <= 32) assert.equal(all(4), formatPrefix(keyToPrefix(v4Key(0xffffffff, len))), `/${len}`);
      assert.equal(all(6), formatPrefixKey(v6Key([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], len)), `/${len}`);
      assert.equal(keyToPrefix(fromWire(6, ff, 0)!).value, (((1n << BigInt(len)) - 1n) << BigInt(128 - len)) & ((1n << 128n) - 1n), `/${len}`);
    }
    assert.equal(parsePrefixKey('192.0.2.1/24'), undefined, 'text with host bits is refused, as parsePrefix does');
    assert.equal(parsePrefixKey('2001:db8::1/32'), undefined, 'text with host bits is refused, as parsePrefix does');
  });

  test('text is RFC 5952 through prefix.ts, and bad text has no key', () => {
    assert.equal(formatPrefixKey(parsePrefixKey('2001:0DB8:0:0::/32')!), '2001:db8::/32');
    assert.equal(formatPrefixKey(parsePrefixKey('::ffff:0:0/96')!), '::ffff:0.0.0.0/96');
    assert.equal(formatPrefixKey(parsePrefixKey('2001:db8:0:0:1:0:0:0/80')!), '2001:db8:0:0:1::/80', 'the longest run of zeros');
    assert.equal(formatPrefixKey(parsePrefixKey('2001:db8:0:0:1:0:0:1/128')!), '2001:db8::1:0:0:1/128', 'the first of equal runs');
    for (const bad of ['nonsense', '192.0.2.0/33', '2001:db8::/129', '192.0.2.0', '', '10.0.0.0/08']) assert.equal(parsePrefixKey(bad), undefined, bad);
  });

  test('IPv6 keys whose chars look like text, "#", "/" or lone surrogates are keys all the same', () => {
    const texts = ['23:2f00::/24', '2001:23::/32', '2f2f:2f2f::/32', 'd800::/16', 'dc00:d800::/32', '3a3a:3a3a:2323::/48'];
    const keys = texts.map((t) => parsePrefixKey(t)!);
    assert.equal(new Set(keys).size, texts.length);
    assert.deepEqual(keys.map(formatPrefixKey), texts);
    assert.deepEqual(
      keys.map((k) => keyToPrefix(k)),
      texts.map(P),
    );
  });
});

describe('IPv4 keys', () => {
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
    const seen = new Map<PrefixKey, string>();
    for (let i = 0; i < 5000; i++) {
      const p = randomPrefix(r, 4);
      const text = formatPrefix(p);
      const key = prefixToKey(p);
      assert.deepEqual(keyToPrefix(key), p);
      assert.equal(formatPrefixKey(key), text);
      assert.equal(v4KeyAddr(key as number), Number(p.value));
      assert.equal(parseIn(4, text), key);
      // Unique: one key per prefix text.
      const before = seen.get(key);
      assert.ok(before === undefined || before === text, `${text} and ${before} share key ${key}`);
      seen.set(key, text);
    }
  });

  test('text parsing is as strict as parsePrefix', () => {
    assert.equal(parseIn(4, '192.0.2.0/24'), v4Key(0xc0000200, 24));
    assert.equal(parseIn(4, '0.0.0.0/0'), 0);
    assert.equal(parseIn(4, '192.0.2.1/24'), undefined, 'host bits');
    assert.equal(parseIn(4, '192.0.2.0/33'), undefined);
    assert.equal(parseIn(4, '2001:db8::/32'), undefined, 'other family');
    assert.equal(parseIn(4, 'nonsense'), undefined);
  });

  test('keys from the wire match keys from the prefix, trailing bits ignored', () => {
    const r = mulberry32(44);
    for (let i = 0; i < 3000; i++) {
      const p = randomPrefix(r, 4);
      const lead = r() % 5;
      const buf = nlri(p, r, lead);
      assert.equal(v4KeyFromWire(buf, lead + 1, buf[lead]!), prefixToKey(p), formatPrefix(p));
    }
    const buf = Buffer.from([0, 24, 192, 0, 2, 16, 10, 33, 1, 2, 3, 4, 5]);
    assert.equal(v4KeyFromWire(buf, 1, 0), 0, '/0 reads no bytes');
    assert.equal(formatPrefixKey(v4KeyFromWire(buf, 2, 24)), '192.0.2.0/24');
    assert.equal(formatPrefixKey(v4KeyFromWire(buf, 6, 16)), '10.33.0.0/16');
    assert.equal(formatPrefixKey(v4KeyFromWire(buf, 6, 8)), '10.0.0.0/8', 'bytes beyond ceil(len/8) are not read');
    assert.equal(v4KeyFromWire(buf, 8, 33), -1);
  });
});

describe('IPv6 keys', () => {
  test('keys: one char of length plus the significant 16-bit groups', () => {
    const key = (p: Prefix) => prefixToKey(p) as string;
    assert.equal(key(P('::/0')).length, 1);
    assert.equal(key(P('2001:db8::/32')).length, 3);
    assert.equal(key(P('2001:db8:1::/48')).length, 4);
    assert.equal(key(P('2001:db8::/33')).length, 4);
    assert.equal(key(P('2001:db8::1/128')).length, 9);
    assert.equal(v6KeyLen(key(P('2001:db8::/33'))), 33);
    // Host bits are ignored, so both name the same prefix.
    assert.equal(v6Key([0x20010db8, 0xffffffff, 0, 1], 32), key(P('2001:db8::/32')));
    assert.equal(parseIn(6, '2001:db8::/32'), key(P('2001:db8::/32')));
    assert.equal(parseIn(6, '2001:db8::1/32'), undefined, 'host bits');
    assert.equal(parseIn(6, '192.0.2.0/24'), undefined, 'other family');
    assert.equal(formatPrefixKey(parseIn(6, '::ffff:0:0/96')!), '::ffff:0.0.0.0/96', 'text comes from prefix.ts');
  });

  test('keys are unique per prefix and round-trip (prefixes sharing leading bits)', () => {
    const r = mulberry32(6);
    const base = v6FromPrefix(P('2001:db8::/32'));
    const seen = new Map<PrefixKey, string>();
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
      const key = prefixToKey(p) as string;
      assert.equal(key.length, 1 + ((p.length + 15) >> 4));
      assert.deepEqual(keyToPrefix(key), p);
      assert.equal(formatPrefixKey(key), text);
      assert.deepEqual([...v6KeyWords(key)], [...v6FromPrefix(p)]);
      const before = seen.get(key);
      assert.ok(before === undefined || before === text, `${text} and ${before} share a key`);
      seen.set(key, text);
      distinct.add(text);
    }
    assert.equal(seen.size, distinct.size, 'as many keys as distinct prefixes');
  });

  test('keys from the wire match the prefix, trailing bits ignored', () => {
    const r = mulberry32(66);
    for (let i = 0; i < 3000; i++) {
      const p = randomPrefix(r, 6);
      const lead = r() % 5;
      const buf = nlri(p, r, lead);
      assert.equal(v6KeyFromWire(buf, lead + 1, buf[lead]!), prefixToKey(p), formatPrefix(p));
    }
    const buf = Buffer.from([48, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0xff, 0xff]);
    assert.equal(formatPrefixKey(v6KeyFromWire(buf, 1, 48)!), '2001:db8:1::/48');
    assert.equal(formatPrefixKey(v6KeyFromWire(buf, 1, 0)!), '::/0');
    assert.equal(v6KeyFromWire(buf, 1, 129), undefined);
  });
});
