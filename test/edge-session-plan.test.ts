// The session plan without speakers or sockets: which routers and sessions the registry's facts
// call for, and what a change stops, restarts, keeps and adds.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffSessions, planSessions, type RunningRouter, type SessionPlan } from '../src/edge/session-plan.js';
import type { FactPeering, FactSession } from '../src/registry/validation-facts.js';

const session = (router: string, peerAddress: string, extra: Partial<FactSession> = {}): FactSession => ({
  peering: 'nordlink/nordlink-ams',
  connection: `c-${peerAddress}`,
  router,
  routerId: router === 'ams-er1' ? '10.255.1.1' : '10.255.1.2',
  pop: 'ams',
  family: 4,
  families: [4],
  operatorAddress: '127.74.1.0',
  peerAddress,
  maxPrefixes: 0,
  ...extra,
});

const peering = (sessions: FactSession[], extra: Partial<FactPeering> = {}): FactPeering => ({
  id: 'nordlink/nordlink-ams',
  partner: 'nordlink',
  name: 'nordlink-ams',
  type: 'peering-service',
  pop: 'ams',
  asn: 64501,
  sessions,
  ...extra,
});

/** What would run after applying a plan. */
const runningAfter = (plan: SessionPlan): Map<string, RunningRouter> =>
  new Map([...plan].map(([router, r]) => [router, { routerId: r.routerId, sessions: new Map([...r.sessions].map(([peer, s]) => [peer, s.signature])) }]));

test('the plan: one router per edge router with sessions, its router id from the registry', () => {
  const plan = planSessions([peering([session('ams-er1', '127.74.1.1'), session('ams-er2', '127.74.1.3'), session('ams-er1', '127.74.1.5')])]);
  assert.deepEqual([...plan.keys()], ['ams-er1', 'ams-er2']);
  assert.equal(plan.get('ams-er1')!.routerId, ((10 << 24) | (255 << 16) | (1 << 8) | 1) >>> 0);
  assert.deepEqual([...plan.get('ams-er1')!.sessions.keys()], ['127.74.1.1', '127.74.1.5']);
  assert.equal(plan.get('ams-er2')!.sessions.get('127.74.1.3')!.peering.id, 'nordlink/nordlink-ams');
});

test('from nothing: every router is fresh and every session added', () => {
  const plan = planSessions([peering([session('ams-er1', '127.74.1.1'), session('ams-er2', '127.74.1.3')])]);
  const diff = diffSessions(new Map(), plan);
  assert.deepEqual(diff.stop, []);
  assert.deepEqual(
    diff.routers.map((r) => [r.router, r.fresh, r.add.map((s) => s.peer), r.keep.length, r.remove]),
    [
      ['ams-er1', true, ['127.74.1.1'], 0, []],
      ['ams-er2', true, ['127.74.1.3'], 0, []],
    ],
  );
});

test('the same plan again: everything is kept, nothing stops or starts', () => {
  const facts = [peering([session('ams-er1', '127.74.1.1'), session('ams-er2', '127.74.1.3')])];
  const diff = diffSessions(runningAfter(planSessions(facts)), planSessions(facts));
  assert.deepEqual(diff.stop, []);
  for (const r of diff.routers) {
    assert.equal(r.fresh, false);
    assert.deepEqual(r.remove, []);
    assert.deepEqual(r.add, []);
    assert.equal(r.keep.length, 1);
  }
});

test('a changed session restarts (removed, then added); a new one is added; a gone one removed', () => {
  const before = planSessions([peering([session('ams-er1', '127.74.1.1'), session('ams-er1', '127.74.1.5'), session('ams-er1', '127.74.1.7')])]);
  const after = planSessions([
    peering([session('ams-er1', '127.74.1.1', { maxPrefixes: 100 }), session('ams-er1', '127.74.1.5'), session('ams-er1', '127.74.1.9')]),
  ]);
  const [r] = diffSessions(runningAfter(before), after).routers;
  assert.equal(r!.fresh, false);
  assert.deepEqual(r!.remove.sort(), ['127.74.1.1', '127.74.1.7']);
  assert.deepEqual(
    r!.keep.map((s) => s.peer),
    ['127.74.1.5'],
  );
  assert.deepEqual(
    r!.add.map((s) => s.peer),
    ['127.74.1.1', '127.74.1.9'],
  );
});

test('a new MD5 key restarts the session, and the signature keeps only its digest', () => {
  const before = planSessions([peering([session('ams-er1', '127.74.1.1', { md5Key: 'old secret' })])]);
  const after = planSessions([peering([session('ams-er1', '127.74.1.1', { md5Key: 'new secret' })])]);
  const [r] = diffSessions(runningAfter(before), after).routers;
  assert.deepEqual(r!.remove, ['127.74.1.1']);
  assert.deepEqual(
    r!.add.map((s) => s.peer),
    ['127.74.1.1'],
  );
  assert.ok(!after.get('ams-er1')!.sessions.get('127.74.1.1')!.signature.includes('new secret'));
});

test('a router without sessions stops; a router with a new router id stops and starts fresh', () => {
  const before = planSessions([peering([session('ams-er1', '127.74.1.1'), session('ams-er2', '127.74.1.3')])]);
  const after = planSessions([peering([session('ams-er1', '127.74.1.1', { routerId: '10.255.9.9' })])]);
  const diff = diffSessions(runningAfter(before), after);
  assert.deepEqual(diff.stop, [
    { router: 'ams-er2', why: 'no sessions left' },
    { router: 'ams-er1', why: 'new router id' },
  ]);
  const [r] = diff.routers;
  assert.equal(r!.fresh, true);
  assert.deepEqual(r!.remove, [], 'a fresh speaker has nothing to remove');
  assert.deepEqual(
    r!.add.map((s) => s.peer),
    ['127.74.1.1'],
  );
});
