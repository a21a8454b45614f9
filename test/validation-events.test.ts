// Prefix events from two looks at a prefix's routes: announcements and withdrawals on active and
// backup sessions, active and backup path changes, origin changes, restored; hijack and RPKI
// invalid events from import-policy verdicts.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { PathAttributes } from '../src/bgp/wire/attributes/types.js';
import { diffLooks, rejectionEvent, type PrefixLook } from '../src/validation/events.js';

const T = '2026-11-25T12:00:00.000Z';
const P = '198.51.100.0/24';
const r = (...asns: number[]): PathAttributes => ({ origin: 0, asPath: [{ type: 2, asns }], nextHop: '192.0.2.1' });
const look = (state: PrefixLook['state'], primary: Record<string, PathAttributes>, backup: Record<string, PathAttributes> = {}): PrefixLook =>
  ({ state, primary: new Map(Object.entries(primary)), backup: new Map(Object.entries(backup)) });
const types = (evs: Array<{ type: string }>) => evs.map((e) => e.type);

describe('diffLooks', () => {
  test('first look: announcements, then the active and backup paths', () => {
    const evs = diffLooks(P, undefined, look('Verified', { '127.0.1.2': r(64501, 64496), '127.0.1.6': r(64501, 64496) }, { '127.0.2.2': r(64501, 64496) }), T);
    assert.deepEqual(types(evs), ['PrefixAnnouncementEvent', 'PrefixAnnouncementEvent', 'PrefixActivePath', 'PrefixBackupRouteAnnouncementEvent', 'PrefixBackupPath']);
    assert.equal(evs[0]!.level, 'Information');
    assert.equal(evs[2]!.summary, 'active path for 198.51.100.0/24 via 127.0.1.2: 64501 64496');
    assert.deepEqual(evs[0]!.details, { prefix: P, peer: '127.0.1.2', asPath: '64501 64496', originAs: 64496, nextHop: '192.0.2.1' });
  });
  test('a lost session: a withdrawal (Warning) and a new active path; its return: an announcement and restored', () => {
    const full = look('Verified', { '127.0.1.2': r(64501, 64496), '127.0.1.6': r(64501, 64496) });
    const lost = look('Warning', { '127.0.1.6': r(64501, 64496) });
    const down = diffLooks(P, full, lost, T);
    assert.deepEqual(types(down), ['PrefixWithdrawalEvent', 'PrefixActivePath']);
    assert.equal(down[0]!.level, 'Warning');
    assert.equal(down[0]!.summary, '198.51.100.0/24 withdrawn by 127.0.1.2');
    const up = diffLooks(P, lost, full, T);
    assert.deepEqual(types(up), ['PrefixAnnouncementEvent', 'PrefixActivePath', 'PrefixRestoredEvent']);
    assert.equal(up[2]!.summary, '198.51.100.0/24 is Verified again (was Warning)');
  });
  test('origin changes: Critical on the active route, Error on the backup route', () => {
    const before = look('Verified', { '127.0.1.2': r(64501, 64496) }, { '127.0.2.2': r(64501, 64496) });
    const after = look('Verified', { '127.0.1.2': r(64501, 64666) }, { '127.0.2.2': r(64501, 64667) });
    const evs = diffLooks(P, before, after, T);
    assert.deepEqual(evs.map((e) => [e.type, e.level]), [
      ['PrefixOriginAsChangeEvent', 'Critical'], ['PrefixActivePath', 'Information'],
      ['PrefixBackupRouteOriginAsChangeEvent', 'Error'], ['PrefixBackupPath', 'Information'],
    ]);
    assert.equal(evs[0]!.summary, '198.51.100.0/24 origin changed from AS64496 to AS64666 on the active route from 127.0.1.2');
  });
  test('nothing changed: no events', () => {
    const a = look('Verified', { '127.0.1.2': r(64501, 64496) });
    assert.deepEqual(diffLooks(P, a, look('Verified', { '127.0.1.2': r(64501, 64496) }), T), []);
  });
});

describe('rejectionEvent', () => {
  test('hijacks and RPKI invalid routes raise events; plain filtering does not', () => {
    const h = rejectionEvent(P, '127.0.3.2', { accept: false, kind: 'hijack', reason: 'hijack: x', owner: 'nordlink/ams-ps' }, r(64502, 64666), T);
    assert.deepEqual([h?.type, h?.level, h?.details.owner], ['PrefixHijackEvent', 'Critical', 'nordlink/ams-ps']);
    const i = rejectionEvent(P, '127.0.1.2', { accept: false, kind: 'route-problem', reason: 'x', problems: ['rpki-invalid'] }, r(64501), T);
    assert.equal(i?.type, 'PrefixRpkiInvalidEvent');
    assert.equal(rejectionEvent(P, '127.0.1.2', { accept: false, kind: 'not-registered', reason: 'x' }, r(64501), T), undefined);
    assert.equal(rejectionEvent(P, '127.0.1.2', { accept: true, registered: undefined }, r(64501), T), undefined);
  });
});
