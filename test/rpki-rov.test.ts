// Route origin validation (RFC 6811 §2) over the VRP table, and the table's change events.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatPrefix, parsePrefix } from '../src/net/prefix.js';
import { explainRoute, routeOriginAs } from '../src/rpki/rov.js';
import { ROV_INVALID, ROV_NOT_FOUND, ROV_VALID, type VrpChange, VrpTable } from '../src/rpki/table.js';
import type { Vrp } from '../src/rpki/vrp.js';
import { VrpList } from '../src/rpki/vrp-list.js';

const vrp = (prefix: string, maxLength: number, asn: number, ta?: string): Vrp => ({ prefix: parsePrefix(prefix)!, maxLength, asn, ...(ta ? { ta } : {}) });
const table = (...v: Vrp[]) => VrpTable.from(VrpList.from(v));

test('RFC 6811: a covering VRP with the same origin and a long enough maxLength makes the route Valid', () => {
  const t = table(vrp('192.0.2.0/24', 24, 64500));
  assert.equal(t.validate('192.0.2.0/24', 64500), 'valid');
  assert.equal(t.validate('192.0.2.0/24', 64501), 'invalid', 'other origin');
  assert.equal(t.validate('192.0.2.0/25', 64500), 'invalid', 'longer than maxLength');
  assert.equal(t.validate('192.0.0.0/16', 64500), 'not-found', 'less specific than the VRP: not covered');
  assert.equal(t.validate('198.51.100.0/24', 64500), 'not-found');
});

test('maxLength: more specifics up to maxLength are Valid, beyond it Invalid', () => {
  const t = table(vrp('10.0.0.0/8', 16, 65001));
  assert.equal(t.validate('10.0.0.0/8', 65001), 'valid');
  assert.equal(t.validate('10.20.0.0/16', 65001), 'valid');
  assert.equal(t.validate('10.20.30.0/24', 65001), 'invalid');
  assert.equal(t.validate('10.20.30.4/32', 65001), 'invalid');
});

test('AS0 VRPs cover but never match (RFC 6483 §4, RFC 7607)', () => {
  const t = table(vrp('203.0.113.0/24', 32, 0));
  assert.equal(t.validate('203.0.113.0/24', 64500), 'invalid');
  assert.equal(t.validate('203.0.113.128/25', 0), 'invalid', 'a route "from AS0" does not match an AS0 VRP');
  const t2 = table(vrp('203.0.113.0/24', 32, 0), vrp('203.0.113.0/24', 24, 64500));
  assert.equal(t2.validate('203.0.113.0/24', 64500), 'valid', 'an AS0 VRP does not override a matching one');
});

test('origin NONE (AS_SET at the end of the path) is never Valid, only Invalid or NotFound', () => {
  const t = table(vrp('192.0.2.0/24', 24, 64500));
  assert.equal(t.validate('192.0.2.0/24', null), 'invalid');
  assert.equal(t.validate('198.51.100.0/24', null), 'not-found');
  const r = explainRoute(t, '192.0.2.0/24', null);
  assert.match(r.vrps[0]!.reason, /NONE/);
});

test('routeOriginAs follows RFC 6811 §2 (sequence, set, confederation, empty path)', () => {
  assert.equal(routeOriginAs([{ type: 2, asns: [64500, 64501] }], 65000), 64501);
  assert.equal(
    routeOriginAs(
      [
        { type: 2, asns: [64500] },
        { type: 1, asns: [1, 2] },
      ],
      65000,
    ),
    null,
  );
  assert.equal(routeOriginAs([], 65000), 65000);
  assert.equal(routeOriginAs([{ type: 3, asns: [65100] }], 65000), 65000);
  assert.equal(
    routeOriginAs(
      [
        { type: 1, asns: [1] },
        { type: 2, asns: [64502] },
      ],
      65000,
    ),
    64502,
  );
});

test('IPv6 VRPs', () => {
  const t = table(vrp('2001:db8::/32', 48, 64500), vrp('2001:db8:ff00::/40', 40, 64999));
  assert.equal(t.validate('2001:db8:1::/48', 64500), 'valid');
  assert.equal(t.validate('2001:db8:1:1::/64', 64500), 'invalid');
  assert.equal(t.validate('2001:db8:ff00::/40', 64999), 'valid');
  assert.equal(t.validate('2001:db8:ff00::/40', 64500), 'valid', 'the /32 VRP covers it too');
  assert.equal(t.validate('2001:db9::/32', 64500), 'not-found');
  assert.equal(t.validate('192.0.2.0/24', 64500), 'not-found', 'families do not mix');
});

test('several covering VRPs: Valid when any one matches, and explain() says which and why', () => {
  const t = table(
    vrp('192.0.0.0/16', 16, 64496, 'ripe'),
    vrp('192.0.2.0/23', 24, 64497, 'arin'),
    vrp('192.0.2.0/24', 24, 64498, 'apnic'),
    vrp('192.0.2.0/24', 25, 0),
  );
  assert.equal(t.validate('192.0.2.0/24', 64497), 'valid');
  assert.equal(t.validate('192.0.2.0/24', 64496), 'invalid');
  const r = explainRoute(t, '192.0.2.0/24', 64497);
  assert.equal(r.state, 'valid');
  assert.deepEqual(
    r.vrps.map((c) => [formatPrefix(c.vrp.prefix), c.vrp.asn, c.matches]),
    [
      ['192.0.0.0/16', 64496, false],
      ['192.0.2.0/23', 64497, true],
      ['192.0.2.0/24', 64498, false],
      ['192.0.2.0/24', 0, false],
    ],
  );
  assert.match(r.vrps[0]!.reason, /origin AS64497 is not AS64496; \/24 is longer than maxLength 16/);
  assert.equal(r.vrps[1]!.vrp.ta, 'arin');
  assert.equal(explainRoute(t, '10.0.0.0/8', 1).state, 'not-found');
});

test('hot paths agree with validate()', () => {
  const t = table(vrp('10.0.0.0/8', 24, 65001), vrp('2001:db8::/32', 48, 65002));
  assert.equal(t.validateV4(0x0a010200, 24, 65001), ROV_VALID);
  assert.equal(t.validateV4(0x0a010200, 25, 65001), ROV_INVALID);
  assert.equal(t.validateV4(0x0b000000, 8, 65001), ROV_NOT_FOUND);
  assert.equal(t.validateV6(new Uint32Array([0x20010db8, 0x00010000, 0, 0]), 48, 65002), ROV_VALID);
});

test('duplicates (same prefix, maxLength, AS; any TA) are stored once', () => {
  const t = table(vrp('10.0.0.0/8', 8, 1, 'a'), vrp('10.0.0.0/8', 8, 1, 'b'), vrp('10.0.0.0/8', 9, 1));
  assert.equal(t.size, 2);
});

test('change events: one per batch with exactly what was added and removed, and the affected prefixes', () => {
  const t = new VrpTable();
  const seen: VrpChange[] = [];
  t.onChange((c) => seen.push(c));
  t.replace(VrpList.from([vrp('10.0.0.0/8', 8, 1), vrp('192.0.2.0/24', 24, 2), vrp('2001:db8::/32', 32, 3)]), 'load 1');
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.full, true);
  assert.equal(seen[0]!.added.size, 3);
  // Reload: one kept, one changed maxLength, one gone, one new.
  t.replace(VrpList.from([vrp('10.0.0.0/8', 8, 1), vrp('192.0.2.0/24', 25, 2), vrp('198.51.100.0/24', 24, 4)]), 'load 2');
  const c = seen[1]!;
  assert.deepEqual(
    c.added
      .toArray()
      .map((v) => `${formatPrefix(v.prefix)}-${v.maxLength}`)
      .sort(),
    ['192.0.2.0/24-25', '198.51.100.0/24-24'],
  );
  assert.deepEqual(
    c.removed
      .toArray()
      .map((v) => `${formatPrefix(v.prefix)}-${v.maxLength}`)
      .sort(),
    ['192.0.2.0/24-24', '2001:db8::/32-32'],
  );
  assert.deepEqual(c.affectedPrefixes().map(formatPrefix).sort(), ['192.0.2.0/24', '198.51.100.0/24', '2001:db8::/32']);
  // Incremental update; a no-op batch emits nothing.
  t.update(VrpList.from([vrp('203.0.113.0/24', 24, 5)]), VrpList.from([vrp('10.0.0.0/8', 8, 1)]), 'serial 3');
  assert.equal(seen.length, 3);
  assert.equal(seen[2]!.full, false);
  assert.equal(seen[2]!.cause, 'serial 3');
  t.update(new VrpList(), new VrpList(), 'nothing');
  assert.equal(seen.length, 3);
  assert.equal(t.validate('10.1.0.0/16', 1), 'not-found');
  assert.equal(t.validate('203.0.113.0/24', 5), 'valid');
});

test('a table of many VRPs answers like a brute-force scan', () => {
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  const vrps: Vrp[] = [];
  for (let i = 0; i < 3000; i++) {
    const len = 8 + rnd(17);
    const addr = (((rnd(64) + 1) << 24) | (rnd(4) << 16) | (rnd(256) << 8)) >>> 0;
    const masked = len === 0 ? 0 : (addr & (-1 << (32 - len))) >>> 0;
    vrps.push({ prefix: { family: 4, value: BigInt(masked), length: len }, maxLength: len + rnd(33 - len), asn: rnd(20) });
  }
  const t = table(...vrps);
  for (let i = 0; i < 3000; i++) {
    const len = 8 + rnd(25);
    const addr = (((rnd(64) + 1) << 24) | (rnd(4) << 16) | (rnd(256) << 8) | rnd(256)) >>> 0;
    const masked = (addr & (-1 << (32 - len))) >>> 0;
    const origin = rnd(20);
    const cover = vrps.filter(
      (v) => v.prefix.length <= len && ((masked ^ Number(v.prefix.value)) & (v.prefix.length === 0 ? 0 : -1 << (32 - v.prefix.length))) === 0,
    );
    const want = cover.length === 0 ? 'not-found' : cover.some((v) => v.asn === origin && v.asn !== 0 && len <= v.maxLength) ? 'valid' : 'invalid';
    assert.equal(t.validate({ family: 4, value: BigInt(masked), length: len }, origin), want);
  }
});
