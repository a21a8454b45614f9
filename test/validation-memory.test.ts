// What validation remembers across a restart, without BGP: settling waits for every expected
// session's End-of-RIB per family (a family the session did not negotiate needs none), for the
// first VRPs when an RPKI source is configured, or for the grace time; ongoing rejections are
// raised once per prefix, forgotten with their route or session, and those from before a restart
// that did not come back are dropped when settling ends.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RejectionMemory } from '../src/validation/hijack-memory.js';
import { Settling } from '../src/validation/settling.js';

test('settling: End-of-RIB from every expected session and family, the first VRPs, or the grace time', async () => {
  const done: string[] = [];
  const s = new Settling({ graceMs: 3_600_000, rpkiPending: true, onSettled: (why) => done.push(why) });
  s.expect([
    ['127.60.1.1', [4, 6]],
    ['127.60.1.3', [4]],
  ]);
  s.established('127.60.1.1', [4, 6], [4]); // no IPv6 negotiated: none will come
  assert.equal(s.isReady('127.60.1.1', 6), false, 'nothing is ready before the first VRPs');
  s.endOfRib('127.60.1.1', 4);
  s.endOfRib('127.60.1.3', 4);
  assert.deepEqual(done, []);
  s.rpkiLoaded();
  assert.deepEqual([done, s.done, s.isReady('127.60.9.9', 4)], [['every session sent End-of-RIB'], true, true]);

  const graced = await new Promise<string>((resolve) => {
    const g = new Settling({ graceMs: 1, onSettled: resolve });
    g.expect([['127.60.1.1', [4]]]);
  });
  assert.equal(graced, 'the grace time of 0 s passed');
});

test('ongoing rejections: raised once per prefix, forgotten with their route or session, unconfirmed ones dropped', () => {
  const m = new RejectionMemory();
  const hq = 'customer-prefix:contoso/eu/hq';
  const reg = 'registered-prefix:nordlink/ams/contoso';
  // From before a restart: one hijack that comes back, one that does not.
  m.load(
    hq,
    JSON.stringify([
      ['127.60.3.100', '45.66.0.0/25', 64666, 'hijack'],
      ['127.60.4.100', '45.66.0.0/25', 64666, 'hijack'],
    ]),
  );
  m.load(hq, null); // read once only
  assert.equal(m.note(hq, { peer: '127.60.3.100', prefix: '45.66.0.0/25', originAs: 64666, kind: 'hijack' }), false, 'going on');
  assert.equal(m.note(reg, { peer: '127.60.3.100', prefix: '45.66.0.0/25', originAs: 64666, kind: 'hijack' }), true, 'new for this prefix');
  assert.equal(m.note(reg, { peer: '127.60.3.100', prefix: '45.66.0.0/25', originAs: 64667, kind: 'hijack' }), true, 'another origin is a new one');
  assert.deepEqual(m.dropUnconfirmed(), [hq]);
  assert.equal(m.encode(hq), '[["127.60.3.100","45.66.0.0/25",64666,"hijack"]]');
  assert.deepEqual(m.forgetRoute('127.60.3.100', '45.66.0.0/25').sort(), [hq, reg].sort());
  assert.deepEqual([m.encode(hq), m.has('127.60.3.100')], [null, false]);
  m.note(hq, { peer: '127.60.3.100', prefix: '45.66.1.0/24', originAs: null, kind: 'rpki-invalid' });
  assert.deepEqual(m.forgetPeer('127.60.3.100'), [hq]);
  assert.equal(m.note(hq, { peer: '127.60.3.100', prefix: '45.66.1.0/24', originAs: null, kind: 'rpki-invalid' }), true, 'raised again once back');
});
