// The validation engine over a fake set of received routes: states and events as routes and
// sessions come and go, and re-validation limited to what a change can affect; after a start the
// stored states and looks are the baseline, and a gate holds prefixes back until their sessions
// had their chance.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PathAttributes } from '../src/bgp/wire/attributes/types.js';
import { parsePrefix } from '../src/net/prefix.js';
import { parsePrefixKey } from '../src/net/prefix-key.js';
import { ValidationEngine, type WatchedPrefix } from '../src/validation/engine.js';
import type { SessionView } from '../src/validation/prefix-state.js';
import { defaultServiceCommunity } from '../src/validation/route-checks.js';

const checks = { community: defaultServiceCommunity(64500), maxPathLength: 3 };
const good: PathAttributes = { origin: 0, asPath: [{ type: 2, asns: [64501, 64496] }], nextHop: '192.0.2.1', communities: [64500 * 65536 + 8007] };
const s = (peerAddress: string, router: string, pop: string): SessionView => ({ peerAddress, router, pop });
const [ams1, ams2, fra1] = [s('127.0.1.2', 'ams-r1', 'AMS'), s('127.0.1.6', 'ams-r2', 'AMS'), s('127.0.2.2', 'fra-r1', 'FRA')];

test('states and events follow routes and sessions; unrelated changes cost nothing', () => {
  const routes = new Map<string, PathAttributes>();
  const states: string[] = [];
  const events: string[] = [];
  let lookups = 0;
  const engine = new ValidationEngine(
    (session, prefix) => {
      lookups++;
      const a = routes.get(`${session.peerAddress}|${prefix}`);
      return a && { attrs: a };
    },
    { state: (p, r) => states.push(`${p.id} ${r.state}${r.message ? `: ${r.message}` : ''}`), event: (p, e) => events.push(`${p.id} ${e.type}`) },
    () => '2026-11-25T12:00:00.000Z',
  );
  const reg: WatchedPrefix = { kind: 'registered-prefix', id: 'nordlink/ams-ps/contoso', prefix: '198.51.100.0/24', primary: [ams1, ams2], backup: null };
  const cust: WatchedPrefix = { kind: 'customer-prefix', id: 'contoso/web', prefix: '198.51.100.0/24', primary: [ams1, ams2], backup: [fra1] };
  engine.setView({ checks, prefixes: [reg, cust] });
  assert.deepEqual(states.splice(0), [
    'nordlink/ams-ps/contoso Failed: Prefix not received from IP 127.0.1.2, 127.0.1.6',
    'contoso/web Failed: Prefix is not announced by the service provider.',
  ]);
  assert.deepEqual(events.splice(0), []);

  for (const peer of ['127.0.1.2', '127.0.1.6', '127.0.2.2']) routes.set(`${peer}|198.51.100.0/24`, good);
  engine.routesChanged([parsePrefixKey('198.51.100.0/24')!]);
  assert.deepEqual(states.splice(0), ['nordlink/ams-ps/contoso Verified', 'contoso/web Verified']);
  assert.ok(events.includes('contoso/web PrefixBackupRouteAnnouncementEvent'));
  assert.ok(!events.some((e) => e.endsWith('PrefixRestoredEvent')), 'never Verified before: nothing is restored');
  events.splice(0);

  // The first primary session goes down: its routes are gone.
  routes.delete('127.0.1.2|198.51.100.0/24');
  engine.sessionChanged('127.0.1.2');
  assert.deepEqual(states.splice(0), [
    'nordlink/ams-ps/contoso Warning: Prefix not received from IP 127.0.1.2',
    'contoso/web Warning: Not receiving prefix advertisement from IP 127.0.1.2 for prefix 198.51.100.0/24',
  ]);
  assert.deepEqual(events.splice(0), [
    'nordlink/ams-ps/contoso PrefixWithdrawalEvent',
    'nordlink/ams-ps/contoso PrefixActivePath',
    'contoso/web PrefixWithdrawalEvent',
    'contoso/web PrefixActivePath',
  ]);
  routes.set('127.0.1.2|198.51.100.0/24', good);
  engine.sessionChanged('127.0.1.2');
  assert.deepEqual(states.splice(0), ['nordlink/ams-ps/contoso Verified', 'contoso/web Verified']);
  assert.ok(events.includes('contoso/web PrefixRestoredEvent'));
  events.splice(0);

  // A route for another prefix, or a session that carries nothing watched: no work at all.
  lookups = 0;
  engine.routesChanged([parsePrefixKey('203.0.113.0/24')!]);
  engine.sessionChanged('127.0.9.9');
  assert.equal(lookups, 0);
  // Nothing changed: revalidating says nothing.
  engine.routesChanged([parsePrefixKey('198.51.100.0/24')!]);
  assert.deepEqual([states, events], [[], []]);

  // A prefix leaves the registry: forgotten, and a later return starts afresh.
  engine.setView({ checks, prefixes: [reg] });
  assert.equal(engine.result('customer-prefix', 'contoso/web'), undefined);
  assert.equal(engine.result('registered-prefix', reg.id)?.state, 'Verified');
});

test('the registry state is the baseline; origin memory is learned once, and a rejected route explains the state', () => {
  const routes = new Map<string, { attrs: PathAttributes; rejected?: string }>();
  const states: string[] = [];
  const origins: string[] = [];
  const engine = new ValidationEngine((session, prefix) => routes.get(`${session.peerAddress}|${prefix}`), {
    state: (p, r) => states.push(`${p.id} ${r.state}${r.message ? `: ${r.message}` : ''}`),
    event: () => {},
    origin: (p, asn) => origins.push(`${p.id} AS${asn}`),
  });
  for (const peer of ['127.0.1.2', '127.0.1.6']) routes.set(`${peer}|198.51.100.0/24`, { attrs: good });
  const view = (stored: WatchedPrefix['stored'], originAs?: number): WatchedPrefix => ({
    kind: 'registered-prefix',
    id: 'nordlink/ams-ps/contoso',
    prefix: '198.51.100.0/24',
    primary: [ams1, ams2],
    backup: null,
    stored,
    ...(originAs !== undefined ? { originAs } : {}),
  });
  // The registry already says Verified (a restart): nothing to write; the origin is learned.
  engine.setView({ checks, prefixes: [view({ state: 'Verified', message: null })] });
  assert.deepEqual(states.splice(0), []);
  assert.deepEqual(origins.splice(0), ['nordlink/ams-ps/contoso AS64496']);
  assert.equal(engine.expectedOrigin(parsePrefixKey('198.51.100.0/24')!), 64496);
  // A re-validation request set it to Pending in the registry: the same result is written again.
  engine.setView({ checks, prefixes: [view({ state: 'Pending', message: null }, 64496)] }, { validate: false });
  assert.equal(engine.expectedOrigin(parsePrefixKey('198.51.100.0/24')!), 64496, 'memory from the view');
  assert.deepEqual(states.splice(0), [], 'validate: false defers validation');
  engine.revalidateAll();
  assert.deepEqual(states.splice(0), ['nordlink/ams-ps/contoso Verified']);
  assert.deepEqual(origins.splice(0), [], 'remembered already');
  // The import policy rejected one session's route as a hijack: the prefix fails with that reason.
  routes.set('127.0.1.6|198.51.100.0/24', { attrs: { ...good, asPath: [{ type: 2, asns: [64501, 64499] }] }, rejected: 'hijack: another origin' });
  assert.equal(
    engine.revalidateWhere((p) => p.prefix === '198.51.100.0/24'),
    1,
  );
  assert.deepEqual(states.splice(0), ['nordlink/ams-ps/contoso Failed: Route from IP 127.0.1.6 rejected: hijack: another origin']);
  assert.equal(
    engine.revalidateWhere(() => false),
    0,
  );
});

test('after a start: the stored look is the baseline, a gate holds judged prefixes back, covering lookups', () => {
  const routes = new Map<string, PathAttributes>();
  const states: string[] = [];
  const events: string[] = [];
  const looks: string[] = [];
  const engine = new ValidationEngine(
    (session, prefix) => {
      const a = routes.get(`${session.peerAddress}|${prefix}`);
      return a && { attrs: a };
    },
    { state: (p, r) => states.push(`${p.id} ${r.state}`), event: (p, e) => events.push(`${p.id} ${e.type}`), look: (p, l) => looks.push(`${p.id} ${l.state}`) },
  );
  const stored = '{"s":"Verified","p":{"127.0.1.2":[64496,"64501 64496"],"127.0.1.6":[64496,"64501 64496"]}}';
  const reg: WatchedPrefix = {
    kind: 'registered-prefix',
    id: 'nordlink/ams-ps/contoso',
    prefix: '198.51.100.0/23',
    primary: [ams1, ams2],
    backup: null,
    stored: { state: 'Verified', message: null },
    remembered: { look: stored, alerts: null },
  };
  const cust: WatchedPrefix = {
    kind: 'customer-prefix',
    id: 'contoso/eu/web',
    prefix: '198.51.100.0/24',
    primary: [ams1, ams2],
    backup: null,
    stored: { state: 'Pending', message: null },
  };
  const ready = new Set<string>();
  engine.setGate((p) => p.primary.every((x) => ready.has(x.peerAddress)));
  engine.setView({ checks, prefixes: [reg, cust] });
  // The Pending prefix is judged at once; the Verified one waits for its sessions.
  assert.deepEqual(states.splice(0), ['contoso/eu/web Failed']);
  assert.equal(engine.waiting, 1);
  routes.set('127.0.1.2|198.51.100.0/23', good);
  ready.add('127.0.1.2');
  engine.sessionChanged('127.0.1.2');
  assert.deepEqual([states, engine.waiting], [[], 1], 'one session is not enough');
  routes.set('127.0.1.6|198.51.100.0/23', good);
  ready.add('127.0.1.6');
  engine.sessionChanged('127.0.1.6');
  // Judged once against the stored state and look: the same, so nothing is written or raised.
  assert.deepEqual(
    [states.splice(0), events.splice(0).filter((e) => e.startsWith('nordlink')), looks.splice(0).filter((l) => l.startsWith('nordlink')), engine.waiting],
    [[], [], [], 0],
  );
  // From now on changes are changes.
  routes.delete('127.0.1.6|198.51.100.0/23');
  engine.sessionChanged('127.0.1.6');
  assert.deepEqual(states.splice(0), ['nordlink/ams-ps/contoso Warning']);
  assert.deepEqual(events.splice(0), ['nordlink/ams-ps/contoso PrefixWithdrawalEvent']);
  assert.deepEqual(looks.splice(0), ['nordlink/ams-ps/contoso Warning']);
  assert.equal(engine.look(reg)?.lost, true);

  // A prefix the gate held back is judged when settling ends.
  const other: WatchedPrefix = { ...reg, id: 'nordlink/ams-ps/other', prefix: '203.0.113.0/24', primary: [fra1] };
  // (a reload reads back what was stored meanwhile)
  const now = (p: WatchedPrefix): WatchedPrefix => ({
    ...p,
    stored: { state: engine.result(p.kind, p.id)!.state, message: engine.result(p.kind, p.id)!.message },
  });
  engine.setView({ checks, prefixes: [now(reg), now(cust), other] });
  assert.equal(engine.waiting, 1);
  engine.setGate(undefined);
  assert.equal(engine.validateDeferred(), 1);
  assert.deepEqual(states.splice(0), ['nordlink/ams-ps/other Failed']);
  assert.ok(events.includes('nordlink/ams-ps/other PrefixWithdrawalEvent'), 'its stored routes are gone');

  // What covers a more-specific: the customer prefix and the registered prefix, inside a given prefix only.
  const ids = (ps: WatchedPrefix[]) => ps.map((p) => p.id).sort();
  assert.deepEqual(ids(engine.watchedCovering(parsePrefix('198.51.100.0/25')!)), ['contoso/eu/web', 'nordlink/ams-ps/contoso']);
  assert.deepEqual(ids(engine.watchedCovering(parsePrefix('198.51.101.0/24')!)), ['nordlink/ams-ps/contoso']);
  assert.deepEqual(ids(engine.watchedCovering(parsePrefix('198.51.100.0/25')!, parsePrefix('198.51.100.0/24')!)), ['contoso/eu/web']);
});

test('watches(): exactly the watched prefixes, also for keys that share a bit of the IPv4 filter', () => {
  const engine = new ValidationEngine(() => undefined, { state: () => {}, event: () => {} });
  const watched = ['198.51.100.0/24', '203.0.113.0/25', '2001:db8::/32'];
  engine.setView(
    { checks, prefixes: watched.map((prefix, i) => ({ kind: 'registered-prefix', id: `p/q/${i}`, prefix, primary: [], backup: null })) },
    { validate: false },
  );
  for (const p of watched) assert.equal(engine.watches(parsePrefixKey(p)!), true, p);
  const v4 = parsePrefixKey('198.51.100.0/24') as number;
  // keys one filter period apart land on the same bit: the map decides
  for (const k of [v4 + 1048573, v4 - 1048573, v4 + 2 * 1048573]) assert.equal(engine.watches(k), false, String(k));
  for (const p of ['198.51.100.0/23', '198.51.101.0/24', '203.0.113.0/24', '2001:db8::/33', '0.0.0.0/0'])
    assert.equal(engine.watches(parsePrefixKey(p)!), false, p);
  engine.setView({ checks, prefixes: [] }, { validate: false });
  assert.equal(engine.watches(v4), false, 'a new view forgets the old filter');
});
