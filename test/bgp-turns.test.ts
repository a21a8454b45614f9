// Issue 12: a burst of received messages is handled in bounded slices, so timers, other sessions
// and the API get turns between them; and the hold timer judges the peer's silence, not a long
// turn of ours that left its KEEPALIVEs unread in the kernel.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { turnBudget } from '../src/bgp/session/turns.js';
import { Speaker } from '../src/bgp/speaker.js';
import { MessageType } from '../src/bgp/wire/constants.js';
import { encodeMessage, KEEPALIVE } from '../src/bgp/wire/header.js';
import { ip, peerOptions } from './helpers/peer-options.js';
import { RawPeer } from './helpers/raw-peer.js';
import { updateBody } from './helpers/update-body.js';

async function established(s: string, r: string, port: number, holdTime: number, onRoute: () => void) {
  const speaker = new Speaker({ asn: 65001, routerId: ip('192.0.2.1'), listen: { host: s, port } });
  const session = speaker.addPeer(peerOptions({ address: r, asn: 65002, port, localAddress: s, families: ['ipv4'], holdTime }), {
    import: () => {
      onRoute();
      return undefined;
    },
  });
  await speaker.start();
  const raw = new RawPeer({ asn: 65002, bgpId: ip('192.0.2.2'), holdTime, connect: { host: s, port, localAddress: r } });
  after(async () => {
    await raw.stop();
    await speaker.stop();
  });
  await raw.start();
  await raw.until(() => raw.established, 10_000, 'Established');
  return { speaker, session, raw };
}

test('a burst read in one go is handled in slices: setImmediate work runs between them', async () => {
  const saved = { ...turnBudget };
  turnBudget.messages = 100;
  after(() => Object.assign(turnBudget, saved));
  const N = 500;
  let routes = 0;
  let ranAt: number | undefined;
  const { raw } = await established('127.76.0.1', '127.76.0.2', 17600, 90, () => {
    // scheduled at the first route of the burst: it runs once the handling yields
    if (routes++ === 0) setImmediate(() => (ranAt = routes));
  });
  // One write of ~40 KB: the whole burst is in the speaker's kernel buffer before it reads, so it
  // is one read, formerly handled in one go.
  const burst = Buffer.concat(
    Array.from({ length: N }, (_, i) => encodeMessage(MessageType.UPDATE, updateBody([65002], [], [`10.${i >> 8}.${i & 255}.0/24`]))),
  );
  raw.sendRaw(burst);
  await raw.until(() => routes === N, 10_000, 'every route handled');
  assert.ok(ranAt !== undefined && ranAt < N, `the setImmediate ran after ${ranAt} of ${N} routes: between two slices`);
});

test("the hold timer does not expire while a long turn of ours left the peer's KEEPALIVE unread", async () => {
  const { session, raw } = await established('127.76.0.3', '127.76.0.4', 17601, 3, () => {});
  await new Promise((r) => setTimeout(r, 200));
  raw.sendRaw(KEEPALIVE);
  // A turn longer than the hold time (3 s): the KEEPALIVE waits in the kernel, the timer is due.
  const end = Date.now() + 3500;
  while (Date.now() < end) {}
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(raw.notification, undefined, 'no NOTIFICATION (Hold Timer Expired)');
  assert.equal(session.isEstablished, true);
});
