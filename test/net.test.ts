// Unit tests for the pure address, prefix, special-purpose and ASN modules (src/net).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type Address,
  canonicalAddress,
  type Family,
  familyBits,
  formatAddress,
  formatIPv4,
  formatIPv6,
  parseAddress,
  parseIPv4,
  parseIPv6,
} from '../src/net/address.js';
import { isPrivateAsn, isReservedAsn, MAX_ASN } from '../src/net/asn.js';
import { addressAt, containsAddress, covers, formatPrefix, overlaps, type Prefix, parsePrefix, parsePrefixStrict, prefixSize } from '../src/net/prefix.js';
import { specialPurpose } from '../src/net/special.js';
import { mulberry32 } from './helpers/rng.js';

// ---------------------------------------------------------------------------------------------
// Helpers

const u32 = (r: () => number): bigint => BigInt(r());

/** A random 128-bit value; with `zeroBias`, each 16-bit group is zero with that probability. */
function u128(r: () => number, zeroBias = 0): bigint {
  let v = 0n;
  for (let i = 0; i < 8; i++) {
    const zero = zeroBias > 0 && r() / 2 ** 32 < zeroBias;
    v = (v << 16n) | (zero ? 0n : BigInt(r() & 0xffff));
  }
  return v;
}

const P = (s: string): Prefix => {
  const p = parsePrefix(s);
  assert.ok(p, `test fixture ${s} must parse as a prefix`);
  return p;
};
const A = (s: string): Address => {
  const a = parseAddress(s);
  assert.ok(a, `test fixture ${s} must parse as an address`);
  return a;
};
const maskValue = (family: Family, value: bigint, length: number): bigint => {
  const bits = BigInt(familyBits(family));
  const all = (1n << bits) - 1n;
  return value & (all ^ ((1n << (bits - BigInt(length))) - 1n));
};

/**
 * Independent RFC 5952 §4 check of a formatted IPv6 text: lowercase hex, no leading zeros,
 * at most one "::", which stands for the longest (first of equal) run of two or more zero groups.
 */
function assertRfc5952(text: string, v: bigint): void {
  assert.match(text, /^[0-9a-f:]+$/, `${text}: only lowercase hex and colons`);
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  // Longest run of zero groups, first one on ties.
  let runAt = -1;
  let runLen = 0;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > runLen) {
      runAt = i;
      runLen = j - i;
    }
  }
  const hex = groups.map((g) => g.toString(16));
  const expected = runLen >= 2 ? `${hex.slice(0, runAt).join(':')}::${hex.slice(runAt + runLen).join(':')}` : hex.join(':');
  assert.equal(text, expected, `RFC 5952 text of 0x${v.toString(16)}`);
  // Structural checks that do not depend on the construction above.
  assert.ok(text.split('::').length <= 2, `${text}: at most one "::"`);
  for (const g of text.split(':').filter((x) => x !== '')) {
    assert.ok(g.length <= 4 && (g === '0' || !g.startsWith('0')), `${text}: group ${g} has no leading zeros`);
  }
}

// ---------------------------------------------------------------------------------------------
// IPv4

describe('parseIPv4', () => {
  test('accepts dotted quads', () => {
    assert.equal(parseIPv4('0.0.0.0'), 0n);
    assert.equal(parseIPv4('255.255.255.255'), 0xffffffffn);
    assert.equal(parseIPv4('192.0.2.1'), 0xc0000201n);
    assert.equal(parseIPv4('10.0.0.1'), 0x0a000001n);
    assert.equal(parseIPv4('1.2.3.4'), 0x01020304n);
    assert.equal(parseIPv4('100.64.0.0'), 0x64400000n);
    assert.equal(parseIPv4('249.199.99.9'), 0xf9c76309n);
  });

  test('refuses leading zeros', () => {
    for (const s of ['01.2.3.4', '1.02.3.4', '1.2.003.4', '1.2.3.00', '00.0.0.0', '010.0.0.1']) {
      assert.equal(parseIPv4(s), undefined, s);
    }
  });

  test('refuses out-of-range octets', () => {
    for (const s of ['256.0.0.0', '1.2.3.256', '1.300.3.4', '999.1.1.1', '1.2.3.1000', '-1.2.3.4']) {
      assert.equal(parseIPv4(s), undefined, s);
    }
  });

  test('refuses the wrong number of parts and empty parts', () => {
    for (const s of ['1.2.3', '1.2.3.4.5', '1', '', '.', '...', '1..3.4', '.1.2.3', '1.2.3.', '1.2.3.4.']) {
      assert.equal(parseIPv4(s), undefined, JSON.stringify(s));
    }
  });

  test('refuses spaces, signs, hex, other digits and suffixes', () => {
    for (const s of [
      ' 1.2.3.4',
      '1.2.3.4 ',
      '1. 2.3.4',
      '1.2.3.4\n',
      '+1.2.3.4',
      '0x1.2.3.4',
      '1.2.3.0xa',
      '1.2.3.4/24',
      '1.2.3.4:80',
      '1.2.3.a',
      '1e1.2.3.4',
      '\u0661.2.3.4',
    ]) {
      assert.equal(parseIPv4(s), undefined, JSON.stringify(s));
    }
  });

  test('parseAddress: "1.2.3.4/24" is a prefix, not an address', () => {
    assert.equal(parseAddress('1.2.3.4/24'), undefined);
    assert.equal(canonicalAddress('1.2.3.4/24'), undefined);
    assert.deepEqual(parseAddress('1.2.3.4'), { family: 4, value: 0x01020304n });
  });
});

describe('formatIPv4', () => {
  test('dotted quad without leading zeros', () => {
    assert.equal(formatIPv4(0n), '0.0.0.0');
    assert.equal(formatIPv4(0xffffffffn), '255.255.255.255');
    assert.equal(formatIPv4(0xc0000201n), '192.0.2.1');
    assert.equal(formatIPv4(0x0a00000an), '10.0.0.10');
  });

  test('round trip of random 32-bit values (seeded)', () => {
    const r = mulberry32(0x5eed4);
    for (let i = 0; i < 4000; i++) {
      const v = u32(r);
      const text = formatIPv4(v);
      assert.equal(parseIPv4(text), v, text);
      assert.deepEqual(parseAddress(text), { family: 4, value: v });
      assert.equal(canonicalAddress(text), text);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// IPv6

describe('parseIPv6', () => {
  test('full form, upper and lower case, with and without leading zeros', () => {
    const v = 0x20010db8000000000000000000000001n;
    assert.equal(parseIPv6('2001:0db8:0000:0000:0000:0000:0000:0001'), v);
    assert.equal(parseIPv6('2001:db8:0:0:0:0:0:1'), v);
    assert.equal(parseIPv6('2001:DB8:0:0:0:0:0:1'), v);
    assert.equal(parseIPv6('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'), (1n << 128n) - 1n);
    assert.equal(parseIPv6('1:2:3:4:5:6:7:8'), 0x00010002000300040005000600070008n);
  });

  test('"::" compression at the start, middle and end', () => {
    assert.equal(parseIPv6('::'), 0n);
    assert.equal(parseIPv6('::1'), 1n);
    assert.equal(parseIPv6('::2:3:4:5:6:7:8'), 0x00000002000300040005000600070008n);
    assert.equal(parseIPv6('2001:db8::1'), 0x20010db8000000000000000000000001n);
    assert.equal(parseIPv6('2001:db8::'), 0x20010db8000000000000000000000000n);
    assert.equal(parseIPv6('1::'), 1n << 112n);
    assert.equal(parseIPv6('1:2:3:4:5:6:7::'), 0x00010002000300040005000600070000n);
    assert.equal(parseIPv6('1::8'), (1n << 112n) | 8n);
    assert.equal(parseIPv6('1:2::7:8'), 0x00010002000000000000000000070008n);
    assert.equal(parseIPv6('fe80::1:2'), 0xfe800000000000000000000000010002n);
  });

  test('embedded IPv4 tails', () => {
    assert.equal(parseIPv6('::ffff:192.0.2.1'), 0x00000000000000000000ffffc0000201n);
    assert.equal(parseIPv6('64:ff9b::192.0.2.33'), 0x0064ff9b0000000000000000c0000221n);
    assert.equal(parseIPv6('0:0:0:0:0:ffff:192.0.2.1'), 0x00000000000000000000ffffc0000201n);
    assert.equal(parseIPv6('1:2:3:4:5:6:1.2.3.4'), 0x00010002000300040005000601020304n);
    assert.equal(parseIPv6('::ffff:0.0.0.0'), 0xffff00000000n);
    assert.equal(parseIPv6('::FFFF:255.255.255.255'), 0xffffffffffffn);
    assert.deepEqual(parseAddress('::ffff:192.0.2.1'), { family: 6, value: 0xffffc0000201n });
  });

  test('refuses malformed text', () => {
    const bad = [
      '',
      ':',
      ':::',
      '::::',
      '1::2::3',
      '::1::',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7:8::',
      '::1:2:3:4:5:6:7:8',
      '1:2:3:4::5:6:7:8',
      '12345::1',
      '1:2:3:4:5:6:7:10000',
      '2001:db8::g',
      'g::',
      '2001:db8::-1',
      '2001:db8::+1',
      '0x1::',
      '1:2:3:4:5:6:7:',
      '1:2:3:4:5:6:7:8:',
      '1::2:',
      ':1:2:3:4:5:6:7:8',
      ':1::2',
      '1:2:3:4:5:6:7',
      ' ::1',
      '::1 ',
      ':: 1',
      '::1%eth0',
      '2001:db8::/32',
      '2001:db8::1/128',
      '1.2.3.4::',
      '::1.2.3.4:5',
    ];
    for (const s of bad) {
      assert.equal(parseIPv6(s), undefined, JSON.stringify(s));
      assert.equal(parseAddress(s), undefined, JSON.stringify(s));
    }
  });

  test('refuses IPv4 tails with bad octets or in the wrong place', () => {
    const bad = [
      '::ffff:256.0.0.1',
      '::ffff:1.2.3',
      '::ffff:1.2.3.4.5',
      '::ffff:01.2.3.4',
      '::ffff:1.2.3.',
      '::ffff:1..3.4',
      '::ffff:1.2.3.4 ',
      '1:2:3:4:5:6:7:1.2.3.4',
      '1:2:3:4:5:6:7:8:1.2.3.4',
      '::ffff:1.2.3.4:1',
      '::1.2.3.a',
    ];
    for (const s of bad) {
      assert.equal(parseIPv6(s), undefined, JSON.stringify(s));
      assert.equal(parseAddress(s), undefined, JSON.stringify(s));
    }
  });
});

describe('formatIPv6 (RFC 5952)', () => {
  const fmt = (s: string): string => {
    const v = parseIPv6(s);
    assert.notEqual(v, undefined, `fixture ${s} must parse`);
    return formatIPv6(v!);
  };

  test('RFC 5952 §4.1: leading zeros are dropped', () => {
    assert.equal(fmt('2001:0db8::0001'), '2001:db8::1');
    assert.equal(fmt('2001:db8:aaaa:bbbb:cccc:dddd:eeee:0001'), '2001:db8:aaaa:bbbb:cccc:dddd:eeee:1');
    assert.equal(fmt('2001:db8:0:0:0:0:0:0001'), '2001:db8::1');
    assert.equal(fmt('2001:0db8:0aaa:00bb:000c:dddd:eeee:0001'), '2001:db8:aaa:bb:c:dddd:eeee:1');
  });

  test('RFC 5952 §4.2.1: "::" used to its maximum', () => {
    assert.equal(fmt('2001:db8:0:0:0:0:2:1'), '2001:db8::2:1');
    assert.equal(fmt('2001:db8::0:1'), '2001:db8::1');
    assert.equal(fmt('2001:db8:0000:0:0::1'), '2001:db8::1');
  });

  test('RFC 5952 §4.2.2: a single 16-bit zero group is not compressed', () => {
    assert.equal(fmt('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1');
    assert.equal(fmt('2001:db8::1:1:1:1:1'), '2001:db8:0:1:1:1:1:1');
    assert.equal(fmt('1:0:1:0:1:0:1:0'), '1:0:1:0:1:0:1:0');
    assert.equal(fmt('0:1:1:1:1:1:1:1'), '0:1:1:1:1:1:1:1');
    assert.equal(fmt('1:1:1:1:1:1:1:0'), '1:1:1:1:1:1:1:0');
  });

  test('RFC 5952 §4.2.3: the longest run is compressed; the first of equal runs', () => {
    assert.equal(fmt('2001:0:0:1:0:0:0:1'), '2001:0:0:1::1');
    assert.equal(fmt('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
    assert.equal(fmt('1:0:0:1:1:0:0:0'), '1:0:0:1:1::');
    assert.equal(fmt('0:0:1:0:0:1:0:0'), '::1:0:0:1:0:0');
    assert.equal(fmt('0:0:0:1:0:0:0:1'), '::1:0:0:0:1');
  });

  test('RFC 5952 §4.3: lowercase', () => {
    assert.equal(fmt('2001:DB8::ABCD:EF'), '2001:db8::abcd:ef');
    assert.equal(fmt('FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF'), 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff');
  });

  test('runs at the ends and the special addresses', () => {
    assert.equal(formatIPv6(0n), '::');
    assert.equal(formatIPv6(1n), '::1');
    assert.equal(fmt('1:0:0:0:0:0:0:0'), '1::');
    assert.equal(fmt('2001:db8:0:0:0:0:0:0'), '2001:db8::');
    assert.equal(fmt('0:0:0:0:0:0:0:2'), '::2');
    assert.equal(fmt('fe80:0:0:0:0:0:0:1'), 'fe80::1');
    assert.equal(fmt('::ffff:192.0.2.1'), '::ffff:192.0.2.1'); // RFC 5952 section 5: IPv4-mapped stays dotted;
    assert.equal(fmt('64:ff9b::192.0.2.33'), '64:ff9b::c000:221');
    assert.equal(formatAddress({ family: 6, value: 0x20010db8000000000000000000000001n }), '2001:db8::1');
    assert.equal(formatAddress({ family: 4, value: 0xc0000201n }), '192.0.2.1');
  });

  test('canonicalAddress rewrites every spelling to the RFC 5952 form', () => {
    for (const s of ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::0:1', '2001:db8:0::1', '2001:DB8::1']) {
      assert.equal(canonicalAddress(s), '2001:db8::1', s);
    }
    assert.equal(canonicalAddress('0:0:0:0:0:FFFF:C000:0201'), '::ffff:192.0.2.1'); // RFC 5952 section 5: IPv4-mapped stays dotted;
    assert.equal(canonicalAddress('not an address'), undefined);
    assert.equal(canonicalAddress(''), undefined);
  });

  test('round trip of random 128-bit values, many with zero groups (seeded)', () => {
    const r = mulberry32(0x1b6);
    const biases = [0, 0.3, 0.5, 0.7, 0.9];
    for (let i = 0; i < 5000; i++) {
      const v = u128(r, biases[i % biases.length]!);
      const text = formatIPv6(v);
      assertRfc5952(text, v);
      assert.equal(parseIPv6(text), v, text);
      assert.deepEqual(parseAddress(text), { family: 6, value: v });
      assert.equal(canonicalAddress(text), text, text);
    }
  });

  test('canonicalAddress is idempotent on random non-canonical spellings (seeded)', () => {
    const r = mulberry32(0xca11);
    for (let i = 0; i < 3000; i++) {
      const v = u128(r, 0.5);
      const groups: string[] = [];
      for (let k = 7; k >= 0; k--) groups.push(((v >> BigInt(k * 16)) & 0xffffn).toString(16));
      // Full form, randomly padded with leading zeros and randomly upper-cased.
      const spelled = groups
        .map((g) => (r() & 1 ? g.padStart(4, '0') : g))
        .map((g) => (r() & 1 ? g.toUpperCase() : g))
        .join(':');
      const c = canonicalAddress(spelled);
      assert.equal(c, formatIPv6(v), spelled);
      assert.equal(canonicalAddress(c!), c, spelled);
    }
    for (let i = 0; i < 1000; i++) {
      const text = formatIPv4(u32(r));
      assert.equal(canonicalAddress(canonicalAddress(text)!), canonicalAddress(text));
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Prefixes

describe('parsePrefixStrict', () => {
  test('accepts network/length', () => {
    assert.deepEqual(parsePrefixStrict('10.0.0.0/8'), { ok: true, prefix: { family: 4, value: 0x0a000000n, length: 8 } });
    assert.deepEqual(parsePrefixStrict('2001:db8::/32'), { ok: true, prefix: { family: 6, value: 0x20010db8n << 96n, length: 32 } });
    assert.deepEqual(parsePrefix('192.0.2.1/32'), { family: 4, value: 0xc0000201n, length: 32 });
    assert.deepEqual(parsePrefix('0.0.0.0/0'), { family: 4, value: 0n, length: 0 });
    assert.deepEqual(parsePrefix('255.255.255.255/32'), { family: 4, value: 0xffffffffn, length: 32 });
    assert.deepEqual(parsePrefix('::/0'), { family: 6, value: 0n, length: 0 });
    assert.deepEqual(parsePrefix('::1/128'), { family: 6, value: 1n, length: 128 });
    assert.deepEqual(parsePrefix('2001:db8::1/128'), { family: 6, value: (0x20010db8n << 96n) | 1n, length: 128 });
    assert.deepEqual(parsePrefix('2001:DB8:0::/48'), { family: 6, value: 0x20010db8n << 96n, length: 48 });
  });

  test('syntax errors', () => {
    const bad = [
      '',
      '10.0.0.0',
      '10.0.0.0/',
      '/8',
      '10.0.0/8',
      '10.0.0.0/8/8',
      '10.0.0.0/-1',
      '10.0.0.0/+8',
      '10.0.0.0/ 8',
      '10.0.0.0 /8',
      '10.0.0.0/8 ',
      '10.0.0.0/8a',
      '10.0.0.0/1000',
      '10.0.0.0/0x8',
      '01.0.0.0/8',
      '2001:db8::',
      '2001:db8:::/32',
      '2001:db8::g/32',
      'x/8',
      '10.0.0.0\\8',
    ];
    for (const s of bad) assert.deepEqual(parsePrefixStrict(s), { ok: false, reason: 'syntax' }, JSON.stringify(s));
    for (const s of bad) assert.equal(parsePrefix(s), undefined, JSON.stringify(s));
  });

  test('length beyond the family', () => {
    for (const s of ['0.0.0.0/33', '10.0.0.0/64', '10.0.0.0/128', '10.0.0.0/999', '::/129', '2001:db8::/200']) {
      assert.deepEqual(parsePrefixStrict(s), { ok: false, reason: 'length' }, s);
    }
  });

  test('host bits set', () => {
    for (const s of [
      '10.0.0.1/8',
      '11.0.0.0/7',
      '192.0.2.1/31',
      '1.0.0.0/0',
      '0.0.0.1/0',
      '45.66.1.0/23',
      '2001:db8::1/64',
      '2001:db8::/28',
      '::1/127',
      '8000::/0',
      '2001:db8:0:1::/63',
    ]) {
      assert.deepEqual(parsePrefixStrict(s), { ok: false, reason: 'host-bits' }, s);
    }
  });

  test('formatPrefix', () => {
    assert.equal(formatPrefix(P('10.0.0.0/8')), '10.0.0.0/8');
    assert.equal(formatPrefix(P('2001:0DB8:0000::/32')), '2001:db8::/32');
    assert.equal(formatPrefix(P('::/0')), '::/0');
    assert.equal(formatPrefix(P('0.0.0.0/0')), '0.0.0.0/0');
  });

  test('round trip of random prefixes (seeded)', () => {
    const r = mulberry32(0xbe7);
    for (let i = 0; i < 4000; i++) {
      const family: Family = i % 2 ? 4 : 6;
      const bits = familyBits(family);
      const length = r() % (bits + 1);
      const value = maskValue(family, family === 4 ? u32(r) : u128(r, 0.4), length);
      const p: Prefix = { family, value, length };
      const text = formatPrefix(p);
      assert.deepEqual(parsePrefixStrict(text), { ok: true, prefix: p }, text);
      if (length < bits) {
        // Any host bit set makes it a host-bits refusal.
        const hostBit = 1n << BigInt(r() % (bits - length));
        const withHost = `${formatAddress({ family, value: value | hostBit })}/${length}`;
        assert.deepEqual(parsePrefixStrict(withHost), { ok: false, reason: 'host-bits' }, withHost);
      }
    }
  });
});

describe('prefix relations', () => {
  test('covers: equal, nested, disjoint, other family', () => {
    assert.equal(covers(P('10.0.0.0/8'), P('10.0.0.0/8')), true);
    assert.equal(covers(P('10.0.0.0/8'), P('10.1.0.0/16')), true);
    assert.equal(covers(P('10.0.0.0/8'), P('10.255.255.255/32')), true);
    assert.equal(covers(P('10.1.0.0/16'), P('10.0.0.0/8')), false);
    assert.equal(covers(P('10.0.0.0/8'), P('11.0.0.0/8')), false);
    assert.equal(covers(P('10.0.0.0/8'), P('11.0.0.0/16')), false);
    assert.equal(covers(P('0.0.0.0/0'), P('203.0.113.0/24')), true);
    assert.equal(covers(P('8.0.0.0/6'), P('10.0.0.0/8')), true);
    assert.equal(covers(P('2001:db8::/32'), P('2001:db8:1::/48')), true);
    assert.equal(covers(P('2001:db8:1::/48'), P('2001:db8::/32')), false);
    assert.equal(covers(P('::/0'), P('2001:db8::/32')), true);
    // different families never
    assert.equal(covers(P('0.0.0.0/0'), P('::/0')), false);
    assert.equal(covers(P('::/0'), P('0.0.0.0/0')), false);
    assert.equal(covers(P('::/0'), P('10.0.0.0/8')), false);
    assert.equal(covers(P('0.0.0.0/0'), P('::ffff:0:0/96')), false);
  });

  test('overlaps: symmetric; equal and nested overlap, disjoint and cross-family do not', () => {
    const cases: Array<[string, string, boolean]> = [
      ['10.0.0.0/8', '10.0.0.0/8', true],
      ['10.0.0.0/8', '10.1.0.0/16', true],
      ['8.0.0.0/6', '10.0.0.0/8', true],
      ['10.0.0.0/8', '11.0.0.0/8', false],
      ['10.0.0.0/9', '10.128.0.0/9', false],
      ['192.0.2.0/25', '192.0.2.128/25', false],
      ['0.0.0.0/0', '255.255.255.255/32', true],
      ['2001:db8::/32', '2001:db8:ffff::/48', true],
      ['2001:db8::/32', '2001:db9::/32', false],
      ['::/0', '0.0.0.0/0', false],
      ['::/0', '10.0.0.0/8', false],
      ['::ffff:0:0/96', '0.0.0.0/0', false],
      ['::/128', '0.0.0.0/32', false],
    ];
    for (const [a, b, want] of cases) {
      assert.equal(overlaps(P(a), P(b)), want, `${a} ~ ${b}`);
      assert.equal(overlaps(P(b), P(a)), want, `${b} ~ ${a}`);
    }
  });

  test('overlaps on random prefix pairs agrees with range intersection (seeded)', () => {
    const r = mulberry32(0x0e1a);
    for (let i = 0; i < 3000; i++) {
      const family: Family = i % 3 ? 4 : 6;
      const bits = familyBits(family);
      const mk = (): Prefix => {
        const length = r() % (bits + 1);
        // Share a random-length common head so that overlaps actually occur.
        const value = maskValue(family, family === 4 ? u32(r) & 0xe0e00000n : u128(r, 0.8), length);
        return { family, value, length };
      };
      const a = mk();
      const b = mk();
      const end = (p: Prefix) => p.value + prefixSize(p) - 1n;
      const want = a.value <= end(b) && b.value <= end(a);
      assert.equal(overlaps(a, b), want, `${formatPrefix(a)} ~ ${formatPrefix(b)}`);
      const wantCovers = a.length <= b.length && a.value <= b.value && end(b) <= end(a);
      assert.equal(covers(a, b), wantCovers, `${formatPrefix(a)} covers ${formatPrefix(b)}`);
    }
  });

  test('containsAddress', () => {
    assert.equal(containsAddress(P('10.0.0.0/8'), A('10.0.0.0')), true);
    assert.equal(containsAddress(P('10.0.0.0/8'), A('10.255.255.255')), true);
    assert.equal(containsAddress(P('10.0.0.0/8'), A('11.0.0.0')), false);
    assert.equal(containsAddress(P('10.0.0.0/8'), A('9.255.255.255')), false);
    assert.equal(containsAddress(P('0.0.0.0/0'), A('203.0.113.7')), true);
    assert.equal(containsAddress(P('192.0.2.1/32'), A('192.0.2.1')), true);
    assert.equal(containsAddress(P('192.0.2.1/32'), A('192.0.2.2')), false);
    assert.equal(containsAddress(P('2001:db8::/32'), A('2001:db8:ffff::1')), true);
    assert.equal(containsAddress(P('2001:db8::/32'), A('2001:db9::')), false);
    assert.equal(containsAddress(P('::/0'), A('::1')), true);
    // different families never
    assert.equal(containsAddress(P('::/0'), A('10.0.0.1')), false);
    assert.equal(containsAddress(P('0.0.0.0/0'), A('::1')), false);
    assert.equal(containsAddress(P('::ffff:0:0/96'), A('192.0.2.1')), false);
  });

  test('addressAt', () => {
    assert.deepEqual(addressAt(P('192.0.2.0/31'), 0n), A('192.0.2.0'));
    assert.deepEqual(addressAt(P('192.0.2.0/31'), 1n), A('192.0.2.1'));
    assert.deepEqual(addressAt(P('10.0.0.0/8'), 0x010203n), A('10.1.2.3'));
    assert.deepEqual(addressAt(P('2001:db8::/127'), 0n), A('2001:db8::'));
    assert.deepEqual(addressAt(P('2001:db8::/127'), 1n), A('2001:db8::1'));
    assert.deepEqual(addressAt(P('2001:db8:1::/48'), 0x10000n), A('2001:db8:1::1:0'));
    const p = P('198.51.100.0/24');
    for (const off of [0n, 1n, 128n, 255n]) assert.equal(containsAddress(p, addressAt(p, off)), true);
  });

  test('prefixSize', () => {
    assert.equal(prefixSize(P('0.0.0.0/0')), 1n << 32n);
    assert.equal(prefixSize(P('10.0.0.0/8')), 1n << 24n);
    assert.equal(prefixSize(P('192.0.2.0/24')), 256n);
    assert.equal(prefixSize(P('192.0.2.0/31')), 2n);
    assert.equal(prefixSize(P('192.0.2.1/32')), 1n);
    assert.equal(prefixSize(P('::/0')), 1n << 128n);
    assert.equal(prefixSize(P('2001:db8::/32')), 1n << 96n);
    assert.equal(prefixSize(P('2001:db8::/64')), 1n << 64n);
    assert.equal(prefixSize(P('2001:db8::/127')), 2n);
    assert.equal(prefixSize(P('::1/128')), 1n);
  });
});

// ---------------------------------------------------------------------------------------------
// Special-purpose space

describe('specialPurpose', () => {
  test('refuses IPv4 special-purpose space, its more-specifics and its covering prefixes', () => {
    const refused = [
      '10.0.0.0/8',
      '10.1.0.0/16',
      '10.255.255.0/24',
      '8.0.0.0/6',
      '8.0.0.0/5',
      '0.0.0.0/1',
      '0.0.0.0/0',
      '0.0.0.0/8',
      '192.168.0.0/16',
      '192.168.1.0/24',
      '192.0.0.0/2',
      '172.16.0.0/12',
      '172.31.255.0/24',
      '100.64.0.0/10',
      '100.127.0.0/16',
      '127.0.0.0/8',
      '127.0.0.1/32',
      '169.254.0.0/16',
      '169.254.1.0/24',
      '192.0.0.0/24',
      '192.0.2.0/24',
      '192.0.2.128/25',
      '192.88.99.0/24',
      '198.18.0.0/15',
      '198.19.0.0/16',
      '198.51.100.0/24',
      '203.0.113.0/24',
      '203.0.112.0/23',
      '224.0.0.0/4',
      '224.0.0.0/3',
      '239.1.2.0/24',
      '240.0.0.0/4',
      '255.255.255.255/32',
      '128.0.0.0/1',
    ];
    for (const s of refused) assert.notEqual(specialPurpose(P(s)), undefined, s);
  });

  test('names the range', () => {
    assert.equal(specialPurpose(P('10.1.0.0/16')), 'private');
    assert.equal(specialPurpose(P('8.0.0.0/6')), 'private');
    assert.equal(specialPurpose(P('192.0.2.0/24')), 'documentation');
    assert.equal(specialPurpose(P('224.0.0.0/4')), 'multicast');
    assert.equal(specialPurpose(P('2001:db8:1::/48')), 'documentation');
    assert.equal(specialPurpose(P('3fff::/20')), 'documentation');
    assert.equal(specialPurpose(P('fc00::/7')), 'unique local');
    assert.equal(specialPurpose(P('fe80::/10')), 'link-local');
    assert.equal(specialPurpose(P('ff00::/8')), 'multicast');
    assert.equal(specialPurpose(P('::1/128')), 'loopback');
    assert.equal(typeof specialPurpose(P('::/0')), 'string');
  });

  test('refuses IPv6 special-purpose and non-global-unicast space', () => {
    const refused = [
      '2001:db8::/32',
      '2001:db8::/48',
      '2001:db8:1234::/48',
      '2001:db8::1/128',
      '2001:d00::/24',
      '2000::/3',
      'fc00::/7',
      'fd12:3456:789a::/48',
      'fe80::/10',
      'fe80::/64',
      'ff00::/8',
      'ff02::1/128',
      '::/0',
      '::/1',
      '::/128',
      '::1/128',
      '::ffff:0:0/96',
      '64:ff9b::/96',
      '64:ff9b:1::/48',
      '100::/64',
      '2001::/23',
      '2001::/32',
      '2001:2::/48',
      '2001:1ff::/32',
      '2002::/16',
      '3fff::/20',
      '3fff:abc::/32',
      '3fff:fff::/32',
      '4000::/3',
      '8000::/1',
      'e000::/4',
      '2001::/16',
    ];
    for (const s of refused) assert.notEqual(specialPurpose(P(s)), undefined, s);
  });

  test('accepts ordinary public space', () => {
    const accepted = [
      '45.66.0.0/23',
      '8.8.8.0/24',
      '1.1.1.0/24',
      '11.0.0.0/8',
      '9.0.0.0/8',
      '172.15.0.0/16',
      '172.32.0.0/16',
      '100.128.0.0/10',
      '100.63.0.0/16',
      '169.253.0.0/16',
      '192.0.1.0/24',
      '192.0.3.0/24',
      '192.169.0.0/16',
      '198.17.0.0/16',
      '198.20.0.0/16',
      '198.51.99.0/24',
      '198.51.101.0/24',
      '203.0.114.0/24',
      '223.255.255.0/24',
      '126.0.0.0/8',
      '128.0.0.0/8',
      '2a0e:8f02:2100::/48',
      '2001:4860::/32',
      '2001:200::/32',
      '2001:200::/23',
      '2001:db9::/32',
      '2001:db7::/32',
      '2003::/19',
      '2600::/12',
      '2c0f:f000::/20',
      '3fff:1000::/20',
      '2a00::/12',
      '2001:470::/32',
    ];
    for (const s of accepted) assert.equal(specialPurpose(P(s)), undefined, s);
  });
});

// ---------------------------------------------------------------------------------------------
// ASNs

describe('ASNs', () => {
  test('private ranges (RFC 6996)', () => {
    for (const a of [64512, 64513, 65000, 65534, 4200000000, 4200000001, 4294967294]) {
      assert.equal(isPrivateAsn(a), true, String(a));
      assert.equal(isReservedAsn(a), false, String(a));
    }
    for (const a of [64511, 65535, 65536, 4199999999, 4294967295, 0]) assert.equal(isPrivateAsn(a), false, String(a));
  });

  test('reserved numbers (RFC 7300, RFC 6793, IANA)', () => {
    assert.equal(MAX_ASN, 4294967295);
    for (const a of [0, 23456, 65535, 4294967295, 65552, 65553, 100000, 131071]) {
      assert.equal(isReservedAsn(a), true, String(a));
      assert.equal(isPrivateAsn(a), false, String(a));
    }
    for (const a of [1, 23455, 23457, 65534, 65551, 131072, 4294967294]) assert.equal(isReservedAsn(a), false, String(a));
  });

  test('public and documentation numbers are not flagged', () => {
    // 64496-64511 and 65536-65551 are documentation ASNs (RFC 5398): neither private nor reserved here.
    for (const a of [1, 3320, 13335, 15169, 64496, 64511, 65536, 65551, 131072, 196608, 399999, 4199999999]) {
      assert.equal(isPrivateAsn(a), false, String(a));
      assert.equal(isReservedAsn(a), false, String(a));
    }
  });
});
