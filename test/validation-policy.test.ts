// Import policies derived from the registry: what a partner session may bring in, and the kind of
// every rejection (not registered, origin not registered, route problem, hijack).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PathAttributes } from '../src/bgp/wire/attributes/types.js';
import { type Prefix, parsePrefix } from '../src/net/prefix.js';
import { parsePrefixKey } from '../src/net/prefix-key.js';
import { PrefixTrie } from '../src/net/trie.js';
import { classify, importPolicy, type PolicyPeering, type RegistrationIndex, routeOrigin } from '../src/validation/import-policy.js';
import { defaultServiceCommunity } from '../src/validation/route-checks.js';
import { Rejected, VerdictTable } from '../src/validation/verdict.js';

const P = (s: string): Prefix => parsePrefix(s)!;
const SEQ = 2;
const SET = 1;
const COMMUNITY = 64500 * 65536 + 8007;
const route = (asns: number[], extra: Partial<PathAttributes> = {}): PathAttributes => ({
  origin: 0,
  asPath: [{ type: SEQ, asns }],
  nextHop: '192.0.2.1',
  communities: [COMMUNITY],
  ...extra,
});

const nordlink: PolicyPeering = { id: 'nordlink/ams-ps', type: 'peering-service', asn: 64501 };
const apex: PolicyPeering = { id: 'apex-ix/ams-rs', type: 'exchange-route-server', asn: 64502 };
const prefixes = new PrefixTrie<string>();
prefixes.set(P('198.51.100.0/24'), nordlink.id);
prefixes.set(P('2001:db8:100::/48'), nordlink.id);
const regs: RegistrationIndex = { prefixes, asns: new Map([[apex.id, new Set([65540])]]) };
const ctx = { checks: { community: defaultServiceCommunity(64500), maxPathLength: 3 } };

describe('peering-service sessions', () => {
  test('a registered prefix, or a more-specific of it, passing the checks is accepted', () => {
    assert.deepEqual(classify(nordlink, regs, ctx, P('198.51.100.0/24'), route([64501, 64496])), { accept: true, registered: P('198.51.100.0/24') });
    assert.equal(classify(nordlink, regs, ctx, P('198.51.100.128/25'), route([64501])).accept, true);
    assert.equal(classify(nordlink, regs, ctx, P('2001:db8:100::/48'), route([64501])).accept, true);
  });
  test("the partner's other peerings (its other locations) may carry the prefix too", () => {
    const nordlinkFra: PolicyPeering = { id: 'nordlink/fra-ps', type: 'peering-service', asn: 64501 };
    assert.equal(classify(nordlinkFra, regs, ctx, P('198.51.100.0/24'), route([64501])).accept, true);
  });
  test('a prefix not registered by the partner is filtered, without an event', () => {
    const v = classify(nordlink, regs, ctx, P('203.0.113.0/24'), route([64501]));
    assert.deepEqual(v, { accept: false, kind: 'not-registered', reason: '203.0.113.0/24 is not registered by partner nordlink' });
  });
  test('a route problem rejects with the message the customer would see', () => {
    const v = classify(nordlink, regs, ctx, P('198.51.100.0/24'), route([64501], { communities: [] }));
    assert.equal(v.accept, false);
    if (v.accept) return;
    assert.equal(v.kind, 'route-problem');
    assert.equal(v.reason, 'Received route for prefix 198.51.100.0/24 should have the MAPS community 64500:8007');
    assert.deepEqual(classify(nordlink, regs, ctx, P('198.51.100.0/24'), route([64501, 64501, 64496])), {
      accept: false,
      kind: 'route-problem',
      reason: "AS path for prefix 198.51.100.0/24 shouldn't have any AS prepending",
      problems: ['prepending'],
      registered: P('198.51.100.0/24'),
    });
  });
  test('RPKI Invalid is a route problem when an RPKI source is configured', () => {
    const withRpki = { ...ctx, rpkiInvalid: (_p: Prefix, origin: number | undefined) => origin !== 64496 };
    assert.equal(classify(nordlink, regs, withRpki, P('198.51.100.0/24'), route([64501, 64496])).accept, true);
    const v = classify(nordlink, regs, withRpki, P('198.51.100.0/24'), route([64501, 64497]));
    assert.ok(!v.accept && v.kind === 'route-problem' && v.problems?.includes('rpki-invalid'));
  });
  test('another origin than the one the prefix was verified with is a hijack', () => {
    const remembered = { ...ctx, expectedOrigin: (p: Prefix) => (p.length === 24 ? 64496 : undefined) };
    assert.equal(classify(nordlink, regs, remembered, P('198.51.100.0/24'), route([64501, 64496])).accept, true);
    const v = classify(nordlink, regs, remembered, P('198.51.100.0/25'), route([64501, 64666]));
    assert.deepEqual(v, {
      accept: false,
      kind: 'hijack',
      registered: P('198.51.100.0/24'),
      owner: nordlink.id,
      reason: 'hijack: 198.51.100.0/25 originated by AS64666, registered prefix 198.51.100.0/24 is originated by AS64496',
    });
  });
});

describe('route-server sessions', () => {
  test('prefixes originated by a registered ASN are accepted; other origins are not', () => {
    assert.equal(classify(apex, regs, ctx, P('192.0.2.0/24'), route([64502, 65540])).accept, true);
    assert.equal(classify(apex, regs, ctx, P('192.0.2.0/24'), route([64502, 65540, 65540])).accept, false, 'prepending: a route problem');
    const regs2: RegistrationIndex = { prefixes, asns: new Map([[apex.id, new Set([64510])]]) };
    assert.equal(classify(apex, regs2, ctx, P('192.0.2.0/24'), route([64510])).accept, true);
    assert.deepEqual(classify(apex, regs2, ctx, P('192.0.2.0/24'), route([64511])), {
      accept: false,
      kind: 'origin-not-registered',
      reason: 'origin AS64511 is not registered on peering apex-ix/ams-rs',
    });
    const set = route([64510], {
      asPath: [
        { type: SEQ, asns: [64502] },
        { type: SET, asns: [64510, 64511] },
      ],
    });
    assert.equal(routeOrigin(set), undefined);
    assert.equal(classify(apex, regs2, ctx, P('192.0.2.0/24'), set).accept, false, 'a path ending in an AS_SET has no origin');
  });
  test("another peering's registered prefix, or a more-specific of it, is a hijack", () => {
    for (const p of ['198.51.100.0/24', '198.51.100.64/26', '2001:db8:100:8000::/49']) {
      const v = classify(apex, regs, ctx, P(p), route([64502, 64510]));
      assert.ok(!v.accept && v.kind === 'hijack' && v.owner === nordlink.id, p);
    }
  });
});

describe('as the speaker uses it', () => {
  test('the import policy takes prefix keys and lazily decoded routes', () => {
    const policy = importPolicy(nordlink, regs, ctx);
    let decoded = 0;
    const lazy = (a: PathAttributes) => ({
      get attrs() {
        decoded++;
        return a;
      },
    });
    assert.equal(policy(parsePrefixKey('198.51.100.0/24')!, lazy(route([64501]))), undefined);
    assert.equal(
      policy(parsePrefixKey('203.0.113.0/24')!, lazy(route([64501])))?.text('203.0.113.0/24'),
      '203.0.113.0/24 is not registered by partner nordlink',
    );
    assert.equal(decoded, 1, 'a prefix nobody registered is turned away without decoding its route');
  });
  test('routes rejected for one reason share one verdict, rendered per prefix for the partner and the operator', () => {
    const table = new VerdictTable();
    const apexPolicy = importPolicy(apex, { ...regs, peeringAsns: new Map([[nordlink.id, 64501]]) }, ctx, table);
    const plain = (a: PathAttributes) => ({ attrs: a });
    const judged = ['203.0.113.0/24', '203.0.113.0/25', '192.0.2.0/24'].map((p) => apexPolicy(parsePrefixKey(p)!, plain(route([64502, 64666]))));
    assert.equal(judged[0], judged[1], 'the same origin not registered: one verdict');
    assert.equal(judged[0], judged[2]);
    assert.equal(judged[0]?.notable, false, 'filtering is no event');
    const hijacks = ['198.51.100.0/25', '198.51.100.128/25'].map((p) => apexPolicy(parsePrefixKey(p)!, plain(route([64502, 64510]))));
    assert.equal(hijacks[0], hijacks[1], 'more-specifics of one registered prefix: one verdict');
    const h = hijacks[0] as Rejected;
    assert.ok(h instanceof Rejected && h.notable && h.eventful === 'hijack');
    assert.equal(h.text('198.51.100.0/25'), 'hijack: 198.51.100.0/25 is registered by another partner (AS64501), not apex-ix');
    assert.equal(h.operatorText('198.51.100.0/25'), 'hijack: 198.51.100.0/25 is registered by partner nordlink (peering nordlink/ams-ps), not apex-ix');
    assert.equal(table.size, 2);
  });
});
