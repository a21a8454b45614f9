// A prefix's first judgement waits for sessions still sending their initial table (edge/table-loads.ts):
// judged once, when its last route arrives or when the table of the session without it is complete,
// not once per session on the way (through Failed and Warning, with an event for each step).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PathAttributes } from '../src/bgp/wire/attributes/types.js';
import { TableLoads } from '../src/edge/table-loads.js';
import { type PrefixKey, parsePrefixKey } from '../src/net/prefix-key.js';
import { ValidationEngine, type WatchedPrefix } from '../src/validation/engine.js';
import type { SessionView } from '../src/validation/prefix-state.js';
import { defaultServiceCommunity } from '../src/validation/route-checks.js';
import { until } from './helpers/until.js';

const checks = { community: defaultServiceCommunity(64500), maxPathLength: 3 };
const good: PathAttributes = { origin: 0, asPath: [{ type: 2, asns: [64501, 64496] }], nextHop: '192.0.2.1', communities: [64500 * 65536 + 8007] };
const s = (peerAddress: string, router: string): SessionView => ({ peerAddress, router, pop: 'AMS' });
const [a, b] = [s('127.0.1.2', 'ams-r1'), s('127.0.1.6', 'ams-r2')];
const PREFIX = '198.51.100.0/24';
const KEY = parsePrefixKey(PREFIX)!;

function world() {
  const routes = new Map<string, PathAttributes>();
  const states: string[] = [];
  const events: string[] = [];
  const loading = new Set<string>();
  const engine = new ValidationEngine(
    (session, prefix) => {
      const r = routes.get(`${session.peerAddress}|${prefix}`);
      return r && { attrs: r };
    },
    { state: (p, r) => states.push(`${p.id} ${r.state}`), event: (p, e) => events.push(`${p.id} ${e.type}`) },
    () => '2026-12-03T12:00:00.000Z',
  );
  engine.setTableWait((session, key: PrefixKey) => loading.has(session.peerAddress) && !routes.has(`${session.peerAddress}|${key === KEY ? PREFIX : '?'}`));
  const reg: WatchedPrefix = {
    kind: 'registered-prefix',
    id: 'nordlink/ams-ps/contoso',
    prefix: PREFIX,
    primary: [a, b],
    backup: null,
    stored: { state: 'Pending', message: null },
  };
  return { routes, states, events, loading, engine, reg };
}

test('a prefix never judged waits for a loading session without its route, then is judged once', () => {
  const w = world();
  w.loading.add(a.peerAddress).add(b.peerAddress);
  w.engine.setView({ checks, prefixes: [w.reg] });
  assert.deepEqual([w.states, w.engine.waiting], [[], 1], 'both sessions are loading: no "not received" on the way');
  w.routes.set(`${a.peerAddress}|${PREFIX}`, good);
  w.engine.routesChanged([KEY]);
  assert.deepEqual([w.states, w.events], [[], []], 'one of two routes: still waiting for the other session');
  w.routes.set(`${b.peerAddress}|${PREFIX}`, good);
  w.engine.routesChanged([KEY]);
  assert.deepEqual(w.states.splice(0), ['nordlink/ams-ps/contoso Verified'], 'judged once, when the last route came');
  assert.deepEqual(w.events.splice(0), [
    'nordlink/ams-ps/contoso PrefixAnnouncementEvent',
    'nordlink/ams-ps/contoso PrefixAnnouncementEvent',
    'nordlink/ams-ps/contoso PrefixActivePath',
  ]);
  assert.equal(w.engine.waiting, 0);
  // Once judged, a prefix never waits again: a withdrawal counts at once, loading sessions or not.
  w.routes.delete(`${b.peerAddress}|${PREFIX}`);
  w.engine.routesChanged([KEY]);
  assert.deepEqual(w.states.splice(0), ['nordlink/ams-ps/contoso Warning']);
});

test("a session's table complete without the prefix: what waited is judged then", () => {
  const w = world();
  w.loading.add(b.peerAddress);
  w.routes.set(`${a.peerAddress}|${PREFIX}`, good);
  w.engine.setView({ checks, prefixes: [w.reg] });
  assert.deepEqual(w.states, []);
  w.loading.delete(b.peerAddress);
  w.engine.sessionReady(b.peerAddress);
  assert.deepEqual(w.states.splice(0), ['nordlink/ams-ps/contoso Warning']);
  // A session that is not loading (down, or never up) is not waited for.
  const x = world();
  x.engine.setView({ checks, prefixes: [x.reg] });
  assert.deepEqual(x.states.splice(0), ['nordlink/ams-ps/contoso Failed']);
});

test('table loads: End-of-RIB per family, quiet for routers without it, a session that never comes up, down', async () => {
  const loaded: string[] = [];
  const t = new TableLoads({ quietMs: 60, connectMs: 120, onLoaded: (peer, why) => loaded.push(`${peer} ${why}`) });
  try {
    t.expect([
      ['p1', [4, 6]],
      ['p2', [4]],
      ['p3', [4]],
      ['p4', [4]],
    ]);
    assert.deepEqual([t.isLoading('p1', 4), t.isLoading('p1', 6), t.isLoading('p9', 4), t.size], [true, true, false, 4], 'configured: loading until up');
    // p1 negotiated only IPv4: End-of-RIB for IPv4 completes its table.
    t.established('p1', [4]);
    assert.equal(t.isLoading('p1', 6), false);
    t.endOfRib('p1', 4);
    assert.deepEqual([t.isLoading('p1', 4), loaded], [false, []], 'End-of-RIB ends the load; the caller hears it from the speaker');
    // Both families: each End-of-RIB ends its own family's load.
    t.established('p5', [4, 6]);
    t.endOfRib('p5', 4);
    assert.deepEqual([t.isLoading('p5', 4), t.isLoading('p5', 6)], [false, true]);
    t.endOfRib('p5', 6);
    assert.equal(t.isLoading('p5', 6), false);
    // p3 comes up and goes down: it loads nothing after, and nothing is announced for it.
    t.established('p3', [4]);
    t.down('p3');
    assert.equal(t.isLoading('p3', 4), false);
    // p2 sends UPDATEs and never End-of-RIB: complete once quiet, not while it sends.
    t.established('p2', [4]);
    const sending = setInterval(() => t.update('p2'), 10);
    await new Promise((r) => setTimeout(r, 150));
    clearInterval(sending);
    assert.ok(!loaded.includes('p2 quiet'), 'still sending: still loading');
    await until(
      () => loaded.includes('p2 quiet') && loaded.includes('p4 not up'),
      () => `loaded: ${loaded.join(', ')}`,
      2000,
      10,
    );
    assert.deepEqual(loaded.sort(), ['p2 quiet', 'p4 not up']);
    assert.equal(t.size, 0);
    // A session that comes back loads again; one configured before is not "new" again.
    t.expect([
      ['p1', [4]],
      ['p2', [4]],
    ]);
    assert.equal(t.isLoading('p1', 4), false);
    t.established('p1', [4]);
    assert.equal(t.isLoading('p1', 4), true);
  } finally {
    t.stop();
  }
});

test('a customer prefix whose provider lacks the sessions is judged at once: no route can change that', () => {
  const w = world();
  w.loading.add(a.peerAddress);
  const cust: WatchedPrefix = { kind: 'customer-prefix', id: 'contoso/eu/office', prefix: PREFIX, primary: [a], backup: null };
  w.engine.setView({ checks, prefixes: [cust] });
  assert.deepEqual(w.states, ['contoso/eu/office Failed']);
});
