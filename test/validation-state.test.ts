// Prefix states from sessions and received routes: Verified, Warning naming the missing session,
// Failed with the reference's messages (no sessions, not announced, a failed check).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PathAttributes } from '../src/bgp/wire/attributes/types.js';
import { customerPrefixState, type RouteLookup, registeredPrefixState, type SessionView } from '../src/validation/prefix-state.js';
import { defaultServiceCommunity } from '../src/validation/route-checks.js';

const checks = { community: defaultServiceCommunity(64500), maxPathLength: 3 };
const good: PathAttributes = { origin: 0, asPath: [{ type: 2, asns: [64501, 64496] }], nextHop: '192.0.2.1', communities: [64500 * 65536 + 8007] };
const s = (peerAddress: string, router: string, pop: string): SessionView => ({ peerAddress, router, pop });
const ams1 = s('127.0.1.2', 'ams-r1', 'AMS');
const ams2 = s('127.0.1.6', 'ams-r2', 'AMS');
const fra1 = s('127.0.2.2', 'fra-r1', 'FRA');
const P = '198.51.100.0/24';
/** Routes per session address. */
const lookup =
  (routes: Record<string, PathAttributes | undefined>): RouteLookup =>
  (session, prefix) => {
    const a = prefix === P ? routes[session.peerAddress] : undefined;
    return a && { attrs: a };
  };

describe('registered prefixes', () => {
  test('Verified when every session of the peering carries a good route', () => {
    assert.deepEqual(registeredPrefixState(P, [ams1, ams2], lookup({ '127.0.1.2': good, '127.0.1.6': good }), checks), {
      state: 'Verified',
      message: null,
      carriedBy: [ams1, ams2],
    });
  });
  test('Warning naming the session that does not carry it; Failed naming all when none does', () => {
    const w = registeredPrefixState(P, [ams1, ams2], lookup({ '127.0.1.2': good }), checks);
    assert.equal(w.state, 'Warning');
    assert.equal(w.message, 'Prefix not received from IP 127.0.1.6');
    const f = registeredPrefixState(P, [ams1, ams2], lookup({}), checks);
    assert.deepEqual([f.state, f.message], ['Failed', 'Prefix not received from IP 127.0.1.2, 127.0.1.6']);
    const none = registeredPrefixState(P, [], lookup({}), checks);
    assert.deepEqual([none.state, none.message], ['Failed', 'The peering has no Active session that can carry this prefix']);
  });
  test('a route failing a check fails the prefix with the reference message', () => {
    const r = registeredPrefixState(P, [ams1, ams2], lookup({ '127.0.1.2': good, '127.0.1.6': { ...good, communities: [] } }), checks);
    assert.deepEqual([r.state, r.message], ['Failed', 'Advertisement missing MAPS community']);
    const long = { ...good, asPath: [{ type: 2, asns: [64501, 64496, 64497, 64498] }] };
    assert.equal(registeredPrefixState(P, [ams1], lookup({ '127.0.1.2': long }), checks).message, "AS path isn't correct");
  });
});

describe('customer prefixes', () => {
  test('the provider needs two routers in the primary location and a session in the backup one', () => {
    const all = lookup({ '127.0.1.2': good, '127.0.1.6': good, '127.0.2.2': good });
    assert.equal(customerPrefixState(P, [ams1], [fra1], all, checks).message, 'Provider has fewer than two sessions in its primary location');
    assert.equal(
      customerPrefixState(P, [ams1, s('127.0.1.10', 'ams-r1', 'AMS')], null, all, checks).message,
      'Provider has fewer than two sessions in its primary location',
      'two sessions on one router do not count',
    );
    assert.equal(customerPrefixState(P, [ams1, ams2], [], all, checks).message, 'Provider has no sessions in its backup location');
    assert.deepEqual(customerPrefixState(P, [ams1, ams2], [fra1], all, checks).state, 'Verified');
    assert.deepEqual(customerPrefixState(P, [ams1, ams2], null, all, checks).state, 'Verified', 'no backup location chosen');
  });
  test('a lost session turns the prefix Warning, naming it; nothing received fails it', () => {
    const w = customerPrefixState(P, [ams1, ams2], [fra1], lookup({ '127.0.1.2': good, '127.0.2.2': good }), checks);
    assert.deepEqual([w.state, w.message], ['Warning', 'Not receiving prefix advertisement from IP 127.0.1.6 for prefix 198.51.100.0/24']);
    assert.deepEqual(w.carriedBy, [ams1, fra1]);
    const f = customerPrefixState(P, [ams1, ams2], [fra1], lookup({}), checks);
    assert.deepEqual([f.state, f.message], ['Failed', 'Prefix is not announced by the service provider.']);
  });
  test('a bad route gives the customer message for its first problem', () => {
    const priv = { ...good, asPath: [{ type: 2, asns: [64501, 65000] }] };
    const r = customerPrefixState(P, [ams1, ams2], null, lookup({ '127.0.1.2': good, '127.0.1.6': priv }), checks);
    assert.deepEqual([r.state, r.message], ['Failed', "AS path for prefix 198.51.100.0/24 shouldn't have any private ASN"]);
    const rpki: RouteLookup = (session, prefix) => (prefix === P ? { attrs: good, rpkiInvalid: session.router === 'ams-r2' } : undefined);
    assert.equal(customerPrefixState(P, [ams1, ams2], null, rpki, checks).message, 'Received route for prefix 198.51.100.0/24 is RPKI invalid');
  });
});
