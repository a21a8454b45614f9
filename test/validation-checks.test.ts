// Route checks and messages of prefix validation (reference §4.7): community, AS path length,
// private ASNs, prepending, RPKI; boundaries of each rule and the exact message texts.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PathAttributes } from '../src/bgp/wire/attributes/types.js';
import { customerPrefixMessage, notReceivedFrom, registeredPrefixMessage } from '../src/validation/messages.js';
import {
  checkRoute,
  DEFAULT_MAX_PATH_LENGTH,
  defaultServiceCommunity,
  hasPrepending,
  isPrivateAsn,
  parseServiceCommunity,
} from '../src/validation/route-checks.js';

const SEQ = 2;
const SET = 1;
const cfg = { community: defaultServiceCommunity(64500), maxPathLength: DEFAULT_MAX_PATH_LENGTH };
const good = (extra: Partial<PathAttributes> = {}): PathAttributes => ({
  origin: 0,
  asPath: [{ type: SEQ, asns: [64501, 64496] }],
  nextHop: '192.0.2.1',
  communities: [64500 * 65536 + 8007],
  ...extra,
});

describe('the Peering Service community', () => {
  test('defaults to <operator ASN>:8007, a large community for a 4-octet operator ASN', () => {
    assert.deepEqual(defaultServiceCommunity(64500), { kind: 'standard', value: 64500 * 65536 + 8007, text: '64500:8007' });
    assert.deepEqual(defaultServiceCommunity(4200000001), { kind: 'large', value: [4200000001, 8007, 0], text: '4200000001:8007:0' });
  });
  test('parses either form and refuses anything else', () => {
    assert.equal(parseServiceCommunity('8075:8007')?.kind, 'standard');
    assert.equal(parseServiceCommunity('4200000001:8007:0')?.kind, 'large');
    for (const bad of ['8075', '70000:1', '1:2:3:4', 'no-export', 'a:b']) assert.equal(parseServiceCommunity(bad), undefined, bad);
  });
  test('a large community is looked for among large communities', () => {
    const c = { community: defaultServiceCommunity(4200000001), maxPathLength: 3 };
    assert.deepEqual(checkRoute(good({ communities: [], largeCommunities: [1, 2, 3, 4200000001, 8007, 0] }), c), []);
    assert.deepEqual(checkRoute(good({ largeCommunities: [4200000001, 8007, 1] }), c), ['missing-community']);
  });
});

describe('AS path rules', () => {
  test('private ASNs are exactly the RFC 6996 ranges', () => {
    for (const [asn, priv] of [
      [64511, false],
      [64512, true],
      [65534, true],
      [65535, false],
      [4199999999, false],
      [4200000000, true],
      [4294967294, true],
      [4294967295, false],
      [64500, false],
    ] as const) {
      assert.equal(isPrivateAsn(asn), priv, String(asn));
    }
  });
  test('prepending is the same ASN twice in a row in an AS_SEQUENCE', () => {
    assert.equal(hasPrepending([{ type: SEQ, asns: [64501, 64501, 64496] }]), true);
    assert.equal(hasPrepending([{ type: SEQ, asns: [64501, 64496, 64501] }]), false, 'not in a row: a loop, not prepending');
    assert.equal(hasPrepending([{ type: SET, asns: [64501, 64501] }]), false);
  });
  test('length counts an AS_SET as one: three hops pass, four fail', () => {
    assert.deepEqual(checkRoute(good({ asPath: [{ type: SEQ, asns: [64501, 64496, 64497] }] }), cfg), []);
    assert.deepEqual(
      checkRoute(
        good({
          asPath: [
            { type: SEQ, asns: [64501, 64496] },
            { type: SET, asns: [64497, 64498, 64499] },
          ],
        }),
        cfg,
      ),
      [],
    );
    assert.deepEqual(checkRoute(good({ asPath: [{ type: SEQ, asns: [64501, 64496, 64497, 64498] }] }), cfg), ['path-too-long']);
  });
  test('every problem is reported, in check order', () => {
    const a = good({ communities: [], asPath: [{ type: SEQ, asns: [64501, 64501, 65000, 64496] }] });
    assert.deepEqual(checkRoute(a, cfg, true), ['missing-community', 'path-too-long', 'private-asn', 'prepending', 'rpki-invalid']);
  });
});

describe('messages', () => {
  test('registered prefixes use the reference texts', () => {
    assert.equal(registeredPrefixMessage('missing-community'), 'Advertisement missing MAPS community');
    assert.equal(registeredPrefixMessage('path-too-long'), "AS path isn't correct");
    assert.equal(registeredPrefixMessage('private-asn'), "AS path isn't correct");
    assert.equal(notReceivedFrom(['127.0.1.2', '127.0.1.6']), 'Prefix not received from IP 127.0.1.2, 127.0.1.6');
  });
  test('customer prefixes name the prefix and the operator community', () => {
    assert.equal(
      customerPrefixMessage('missing-community', '198.51.100.0/24', cfg),
      'Received route for prefix 198.51.100.0/24 should have the MAPS community 64500:8007',
    );
    assert.equal(customerPrefixMessage('path-too-long', '198.51.100.0/24', cfg), 'AS path length for prefix 198.51.100.0/24 should be <=3');
    assert.equal(customerPrefixMessage('private-asn', '198.51.100.0/24', cfg), "AS path for prefix 198.51.100.0/24 shouldn't have any private ASN");
  });
});
