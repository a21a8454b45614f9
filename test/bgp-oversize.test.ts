// A legal route whose attributes no longer fit one message once re-encoded for a peer (issue 11:
// 1,100 4-octet ASNs are 4,400 bytes of AS_PATH, over the 4,096-byte limit of a peer without
// Extended Messages) is not sent to that peer; the session, the other routes and the process stay.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Speaker } from '../src/bgp/speaker.js';
import { textToKey, keyToText } from '../src/bgp/wire/nlri.js';
import { SegmentType } from '../src/bgp/wire/constants.js';
import { RawPeer } from './helpers/raw-peer.js';

const ip = (s: string) => s.split('.').reduce((a, b) => a * 256 + Number(b), 0);
const S = '127.70.51.1';
const R = '127.70.51.2';

test('a route too large for the peer is not sent; the others are, and the session stays up', async () => {
  const s = new Speaker({ asn: 65001, routerId: ip('192.0.2.1'), listen: { host: S, port: 17001 } });
  const problems: string[] = [];
  s.on('problem', (_peer, text) => problems.push(text));
  s.addPeer({
    address: R, asn: 65002, localAsn: 65001, port: 17001, passive: true, localAddress: S, routerId: ip('192.0.2.1'),
    holdTime: 90, families: ['ipv4'], routeServerClient: false, connectRetryTime: 1, addPathReceive: false,
  }, { import: () => undefined, export: () => undefined });
  const long = Array.from({ length: 1100 }, (_, i) => 4_200_000_000 + i);
  s.announce([
    { key: textToKey('198.51.100.0/24')!, attrs: { origin: 0, asPath: [{ type: SegmentType.AS_SEQUENCE, asns: long }] } },
    { key: textToKey('203.0.113.0/24')!, attrs: { origin: 0, asPath: [{ type: SegmentType.AS_SEQUENCE, asns: [4_200_000_001] }] } },
  ]);
  await s.start();
  const raw = new RawPeer({ asn: 65002, bgpId: ip('192.0.2.2'), connect: { host: S, port: 17001, localAddress: R } });
  after(async () => { await raw.stop(); await s.stop(); });
  await raw.start();
  const announced = () => raw.updates.flatMap((u) => u.nlri.keys.map((k) => keyToText(k)));
  await raw.until(() => announced().includes('203.0.113.0/24'), 10_000, 'the route that fits');
  await raw.until(() => problems.some((p) => /1 route\(s\) not sent: .*198\.51\.100\.0\/24/.test(p)), 10_000, 'the problem logged');
  assert.ok(!announced().includes('198.51.100.0/24'), 'the oversized route is not sent');
  assert.equal(s.unsent.get(R), 1);
  assert.equal(raw.notification, undefined, 'no NOTIFICATION: the session stays');
  assert.equal(raw.established, true);
});
