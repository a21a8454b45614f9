// A legal route whose attributes no longer fit one message once re-encoded for a peer (issue 11:
// 1,100 4-octet ASNs are 4,400 bytes of AS_PATH, over the 4,096-byte limit of a peer without
// Extended Messages) is not sent to that peer; the session, the other routes and the process stay.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Speaker } from '../src/bgp/speaker.js';
import { SegmentType } from '../src/bgp/wire/constants.js';
import { formatPrefixKey, parsePrefixKey } from '../src/net/prefix-key.js';
import { acceptAll, ip, peerOptions } from './helpers/peer-options.js';
import { RawPeer } from './helpers/raw-peer.js';
import { rig } from './helpers/speaker-rig.js';
import { attr, updateBody } from './helpers/update-body.js';

const S = '127.70.51.1';
const R = '127.70.51.2';

test('a route too large for the peer is not sent; the others are, and the session stays up', async () => {
  const s = new Speaker({ asn: 65001, routerId: ip('192.0.2.1'), listen: { host: S, port: 17001 } });
  const problems: string[] = [];
  s.on('problem', (_peer, text) => problems.push(text));
  s.addPeer(peerOptions({ address: R, asn: 65002, port: 17001, localAddress: S, families: ['ipv4'] }), acceptAll);
  const long = Array.from({ length: 1100 }, (_, i) => 4_200_000_000 + i);
  s.announce([
    { key: parsePrefixKey('198.51.100.0/24')!, attrs: { origin: 0, asPath: [{ type: SegmentType.AS_SEQUENCE, asns: long }] } },
    { key: parsePrefixKey('203.0.113.0/24')!, attrs: { origin: 0, asPath: [{ type: SegmentType.AS_SEQUENCE, asns: [4_200_000_001] }] } },
  ]);
  await s.start();
  const raw = new RawPeer({ asn: 65002, bgpId: ip('192.0.2.2'), connect: { host: S, port: 17001, localAddress: R } });
  after(async () => {
    await raw.stop();
    await s.stop();
  });
  await raw.start();
  const announced = () => raw.updates.flatMap((u) => u.nlri.keys.map((k) => formatPrefixKey(k)));
  await raw.until(() => announced().includes('203.0.113.0/24'), 10_000, 'the route that fits');
  await raw.until(() => problems.some((p) => /1 route\(s\) not sent: .*198\.51\.100\.0\/24/.test(p)), 10_000, 'the problem logged');
  assert.ok(!announced().includes('198.51.100.0/24'), 'the oversized route is not sent');
  assert.equal(s.unsent.get(R), 1);
  assert.equal(raw.notification, undefined, 'no NOTIFICATION: the session stays');
  assert.equal(raw.established, true);
});

// Issue 11's other crash reproductions: one speaker per case, each peer a scripted peer with the
// capabilities the case needs.

test('700 ASNs to a peer without 4-octet AS numbers: 2-octet AS_PATH plus AS4_PATH do not fit, so it alone is not sent there', async () => {
  const OLD = '127.70.51.12';
  const NEW = '127.70.51.13';
  const long = Array.from({ length: 700 }, (_, i) => 4_200_000_000 + i);
  const r = await rig(
    '127.70.51.11',
    [
      { addr: OLD, asn: 65012, caps: { fourOctetAs: undefined } },
      { addr: NEW, asn: 65013 },
    ],
    [
      { key: parsePrefixKey('198.51.100.0/24')!, attrs: { origin: 0, asPath: [{ type: SegmentType.AS_SEQUENCE, asns: long }] } },
      { key: parsePrefixKey('203.0.113.0/24')!, attrs: { origin: 0, asPath: [{ type: SegmentType.AS_SEQUENCE, asns: [4_200_000_001] }] } },
    ],
  );
  await r.raws.get(OLD)!.until(() => r.raws.get(OLD)!.counts.endOfRib >= 2, 10_000, 'End-of-RIB at the 2-octet peer');
  await r.raws.get(NEW)!.until(() => r.got(NEW).includes('198.51.100.0/24'), 10_000, 'the long path at the 4-octet peer (2,804 bytes fit)');
  assert.deepEqual(r.got(OLD), ['203.0.113.0/24'], 'the 2-octet peer gets only the route that fits');
  // What it got is a 2-octet AS_PATH with AS_TRANS and the true path in AS4_PATH (RFC 6793).
  assert.deepEqual(r.raws.get(OLD)!.updates.find((u) => u.nlri.keys.length)!.attrs.asPath, [{ type: SegmentType.AS_SEQUENCE, asns: [65001, 4_200_000_001] }]);
  assert.equal(r.s.unsent.get(OLD), 1);
  assert.ok(r.problems.some((p) => /1 route\(s\) not sent: .*198\.51\.100\.0\/24/.test(p)));
  r.intact();
});

test('1,011 communities received within 4,096 bytes no longer fit once our AS is prepended: not forwarded, the rest is', async () => {
  const SRC = '127.70.51.22';
  const DST = '127.70.51.23';
  const r = await rig('127.70.51.21', [
    { addr: SRC, asn: 65022 },
    { addr: DST, asn: 65023 },
  ]);
  const comms = Buffer.alloc(1011 * 4);
  for (let i = 0; i < 1011; i++) comms.writeUInt32BE(65022 * 65536 + i, i * 4);
  const big = updateBody([65022], [attr(0xc0, 8, comms)], ['198.51.100.0/24']);
  assert.ok(big.length + 19 <= 4096, `the received UPDATE is legal (${big.length + 19} bytes)`);
  r.raws.get(SRC)!.sendUpdateBody(big);
  r.raws.get(SRC)!.sendUpdateBody(updateBody([65022], [], ['203.0.113.0/24']));
  await r.raws.get(DST)!.until(() => r.got(DST).includes('203.0.113.0/24'), 10_000, 'the small route forwarded');
  await r.raws.get(DST)!.until(() => (r.s.unsent.get(DST) ?? 0) === 1, 10_000, 'the large one counted as unsent');
  assert.ok(!r.got(DST).includes('198.51.100.0/24'));
  assert.equal(r.s.adjRibIn(SRC)!.acceptedV4, 2, 'both routes are in the Adj-RIB-In');
  r.intact();
});

test('a 4,900-byte unknown transitive attribute from an Extended Messages peer goes to Extended Messages peers only', async () => {
  const SRC = '127.70.51.32';
  const EXT = '127.70.51.33';
  const STD = '127.70.51.34';
  const r = await rig('127.70.51.31', [
    { addr: SRC, asn: 65032, caps: { extendedMessage: true } },
    { addr: EXT, asn: 65033, caps: { extendedMessage: true } },
    { addr: STD, asn: 65034 },
  ]);
  const big = updateBody([65032], [attr(0xc0, 0xf0, Buffer.alloc(4900, 0x5a))], ['198.51.100.0/24']);
  assert.ok(big.length + 19 > 4096, 'only an Extended Messages session carries it');
  r.raws.get(SRC)!.sendUpdateBody(big);
  r.raws.get(SRC)!.sendUpdateBody(updateBody([65032], [], ['203.0.113.0/24']));
  await r.raws
    .get(EXT)!
    .until(() => r.got(EXT).includes('198.51.100.0/24') && r.got(EXT).includes('203.0.113.0/24'), 10_000, 'both routes at the Extended Messages peer');
  const u = r.raws.get(EXT)!.updates.find((x) => x.nlri.keys.some((k) => formatPrefixKey(k) === '198.51.100.0/24'))!;
  assert.equal(u.attrs.unknown?.[0]?.value.length, 4900, 'passed on whole, with the Partial bit');
  await r.raws.get(STD)!.until(() => r.got(STD).includes('203.0.113.0/24'), 10_000, 'the small route at the other peer');
  await r.raws.get(STD)!.until(() => (r.s.unsent.get(STD) ?? 0) === 1, 10_000, 'the large one counted as unsent');
  assert.ok(!r.got(STD).includes('198.51.100.0/24'));
  r.intact();
});
