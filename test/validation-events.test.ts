// Prefix events from two looks at a prefix's routes: announcements and withdrawals on active and
// backup sessions, active and backup path changes, origin changes, restored (only after a real
// loss of Verified); hijack and RPKI invalid events from import-policy verdicts, naming another
// partner only by its ASN (names and addresses are internal). The stored look round-trips.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PathAttributes } from '../src/bgp/wire/attributes/types.js';
import { parsePrefix } from '../src/net/prefix.js';
import { diffLooks, lostVerified, type PrefixLook, rejectionEvent, seenRoute } from '../src/validation/events.js';
import { decodeLook, encodeLook, sameLook } from '../src/validation/stored-look.js';

const T = '2026-11-25T12:00:00.000Z';
const P = '198.51.100.0/24';
const r = (...asns: number[]): PathAttributes => ({ origin: 0, asPath: [{ type: 2, asns }], nextHop: '192.0.2.1' });
const look = (state: PrefixLook['state'], primary: Record<string, PathAttributes>, backup: Record<string, PathAttributes> = {}, lost = false): PrefixLook => ({
  state,
  lost,
  primary: new Map(Object.entries(primary).map(([k, a]) => [k, seenRoute(a)])),
  backup: new Map(Object.entries(backup).map(([k, a]) => [k, seenRoute(a)])),
});
const types = (evs: Array<{ type: string }>) => evs.map((e) => e.type);

describe('diffLooks', () => {
  test('first look: announcements, then the active and backup paths', () => {
    const evs = diffLooks(P, undefined, look('Verified', { '127.0.1.2': r(64501, 64496), '127.0.1.6': r(64501, 64496) }, { '127.0.2.2': r(64501, 64496) }), T);
    assert.deepEqual(types(evs), [
      'PrefixAnnouncementEvent',
      'PrefixAnnouncementEvent',
      'PrefixActivePath',
      'PrefixBackupRouteAnnouncementEvent',
      'PrefixBackupPath',
    ]);
    assert.equal(evs[0]!.level, 'Information');
    assert.equal(evs[2]!.summary, 'active path for 198.51.100.0/24 via 127.0.1.2: 64501 64496');
    assert.deepEqual(evs[0]!.details, { prefix: P, peer: '127.0.1.2', asPath: '64501 64496', originAs: 64496, nextHop: '192.0.2.1' });
  });
  test('a lost session: a withdrawal (Warning) and a new active path; its return: an announcement and restored', () => {
    const full = look('Verified', { '127.0.1.2': r(64501, 64496), '127.0.1.6': r(64501, 64496) });
    const lost = look('Warning', { '127.0.1.6': r(64501, 64496) }, {}, lostVerified(full, 'Warning'));
    assert.equal(lost.lost, true);
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
    assert.deepEqual(
      evs.map((e) => [e.type, e.level]),
      [
        ['PrefixOriginAsChangeEvent', 'Critical'],
        ['PrefixActivePath', 'Information'],
        ['PrefixBackupRouteOriginAsChangeEvent', 'Error'],
        ['PrefixBackupPath', 'Information'],
      ],
    );
    assert.equal(evs[0]!.summary, '198.51.100.0/24 origin changed from AS64496 to AS64666 on the active route from 127.0.1.2');
  });
  test('restored only after a real loss of Verified, however many looks it takes', () => {
    // A fresh start: sessions come up one by one, Pending -> Failed -> Warning -> Verified.
    let before: PrefixLook | undefined;
    const steps: Array<[PrefixLook['state'], Record<string, PathAttributes>]> = [
      ['Failed', {}],
      ['Warning', { '127.0.1.2': r(64501, 64496) }],
      ['Verified', { '127.0.1.2': r(64501, 64496), '127.0.1.6': r(64501, 64496) }],
    ];
    const seen: string[] = [];
    for (const [state, routes] of steps) {
      const after = look(state, routes, {}, lostVerified(before, state));
      seen.push(...types(diffLooks(P, before, after, T)));
      before = after;
    }
    assert.ok(!seen.includes('PrefixRestoredEvent'), seen.join());
    // Verified -> Failed -> Warning -> Verified: one restore, at the end.
    const failed = look('Failed', {}, {}, lostVerified(before, 'Failed'));
    const warning = look('Warning', { '127.0.1.2': r(64501, 64496) }, {}, lostVerified(failed, 'Warning'));
    const verified = look('Verified', { '127.0.1.2': r(64501, 64496), '127.0.1.6': r(64501, 64496) }, {}, lostVerified(warning, 'Verified'));
    assert.ok(!types(diffLooks(P, failed, warning, T)).includes('PrefixRestoredEvent'));
    assert.deepEqual(
      diffLooks(P, warning, verified, T)
        .filter((e) => e.type === 'PrefixRestoredEvent')
        .map((e) => e.summary),
      ['198.51.100.0/24 is Verified again (was Warning)'],
    );
    assert.equal(verified.lost, false);
  });
  test('the stored look round-trips (next hops aside) and compares equal', () => {
    const a = look('Warning', { '127.0.1.2': r(64501, 64496) }, { '127.0.2.2': { origin: 0, asPath: [{ type: 1, asns: [64496, 64497] }] } }, true);
    const b = decodeLook(encodeLook(a))!;
    assert.ok(sameLook(a, b));
    assert.deepEqual(
      [b.state, b.lost, b.primary.get('127.0.1.2'), b.backup.get('127.0.2.2')],
      ['Warning', true, { originAs: 64496, asPath: '64501 64496' }, { originAs: null, asPath: '{64496,64497}' }],
    );
    assert.deepEqual(diffLooks(P, b, a, T), [], 'a restart compares with the stored look: nothing new');
    assert.equal(decodeLook('not json'), undefined);
    assert.ok(!sameLook(a, look('Warning', { '127.0.1.2': r(64501, 64497) }, {}, true)));
  });
  test('nothing changed: no events', () => {
    const a = look('Verified', { '127.0.1.2': r(64501, 64496) });
    assert.deepEqual(diffLooks(P, a, look('Verified', { '127.0.1.2': r(64501, 64496) }), T), []);
  });
});

describe('rejectionEvent', () => {
  const apex = { partner: 'apex-ix', peering: 'apex-ix/apex-fra', asn: 64502 };
  const nordlink = { partner: 'nordlink', peering: 'nordlink/ams-ps', asn: 64501 };
  const hijack = {
    accept: false as const,
    kind: 'hijack' as const,
    registered: parsePrefix('198.51.100.0/23')!,
    owner: 'nordlink/ams-ps',
    reason: 'hijack: 198.51.100.0/24 is registered by another partner (AS64501), not apex-ix',
    operatorReason: 'hijack: 198.51.100.0/24 is registered by partner nordlink (peering nordlink/ams-ps), not apex-ix',
  };
  test("another partner's hijack: named by its ASN only; names and addresses are internal", () => {
    const h = rejectionEvent({ prefix: P, peer: '127.0.3.2', from: apex, verdict: hijack, attrs: r(64502, 64666) }, 'nordlink', T)!;
    assert.deepEqual([h.type, h.level, h.prefix], ['PrefixHijackEvent', 'Critical', P]);
    assert.equal(h.summary, '198.51.100.0/24 from another partner (AS64502) rejected as a hijack of registered prefix 198.51.100.0/23');
    assert.deepEqual(h.details, {
      prefix: P,
      registeredPrefix: '198.51.100.0/23',
      peerAs: 64502,
      asPath: '64502 64666',
      originAs: 64666,
      reason: 'hijack: 198.51.100.0/24 falls under registered prefix 198.51.100.0/23; another partner (AS64502) may not announce it',
    });
    const shown = JSON.stringify([h.summary, h.details]);
    for (const name of ['apex', '127.0.3.2', '192.0.2.1', 'nordlink']) assert.ok(!shown.includes(name), `${name} in ${shown}`);
    assert.deepEqual(h.internal, {
      summary: `198.51.100.0/24 from 127.0.3.2 (apex-ix/apex-fra, AS64502) rejected: ${hijack.operatorReason}`,
      reason: hijack.operatorReason,
      peer: '127.0.3.2',
      nextHop: '192.0.2.1',
      partner: 'apex-ix',
      peering: 'apex-ix/apex-fra',
      owner: 'nordlink/ams-ps',
    });
  });
  test("a hijack on the partner's own session (another origin) names that session", () => {
    const own = {
      ...hijack,
      reason: 'hijack: 198.51.100.0/24 originated by AS64666, registered prefix 198.51.100.0/23 is originated by AS64496',
      operatorReason: undefined,
    };
    const h = rejectionEvent({ prefix: P, peer: '127.0.1.2', from: nordlink, verdict: own, attrs: r(64501, 64666) }, 'nordlink', T)!;
    assert.equal(h.summary, `198.51.100.0/24 from 127.0.1.2 rejected: ${own.reason}`);
    assert.equal(h.details.peer, '127.0.1.2');
  });
  test('RPKI invalid routes raise events; plain filtering does not', () => {
    const invalid = { accept: false as const, kind: 'route-problem' as const, reason: 'x', problems: ['rpki-invalid' as const] };
    const i = rejectionEvent({ prefix: P, peer: '127.0.1.2', from: nordlink, verdict: invalid, attrs: r(64501) }, 'nordlink', T);
    assert.deepEqual([i?.type, i?.summary], ['PrefixRpkiInvalidEvent', '198.51.100.0/24 from 127.0.1.2 is RPKI invalid']);
    const other = rejectionEvent({ prefix: P, peer: '127.0.3.2', from: apex, verdict: invalid, attrs: r(64502) }, 'nordlink', T);
    assert.deepEqual(
      [other?.summary, other?.details.peer, other?.internal?.peer],
      ['198.51.100.0/24 from another partner (AS64502) is RPKI invalid', undefined, '127.0.3.2'],
    );
    assert.equal(
      rejectionEvent(
        { prefix: P, peer: '127.0.1.2', from: nordlink, verdict: { accept: false, kind: 'not-registered', reason: 'x' }, attrs: r(64501) },
        'nordlink',
        T,
      ),
      undefined,
    );
    assert.equal(
      rejectionEvent({ prefix: P, peer: '127.0.1.2', from: nordlink, verdict: { accept: true, registered: undefined }, attrs: r(64501) }, 'nordlink', T),
      undefined,
    );
  });
});
