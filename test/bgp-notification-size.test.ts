// A peer that negotiated Extended Messages sends a 65,535-octet ROUTE-REFRESH: RFC 7313 wants the
// whole bad message echoed in the NOTIFICATION, which cannot fit one message. Found by the fuzzer:
// the length overflowed encodeMessage and the uncaught RangeError ended the process. Now the data is
// cut to fit 4,096 octets and only that session ends.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Speaker } from '../src/bgp/speaker.js';
import { MessageType } from '../src/bgp/wire/constants.js';
import { encodeMessage } from '../src/bgp/wire/header.js';
import { acceptAll, ip, peerOptions } from './helpers/peer-options.js';
import { RawPeer } from './helpers/raw-peer.js';

const S = '127.71.9.1';
const PORT = 17190;

test('a 65,535-octet ROUTE-REFRESH gets a NOTIFICATION that fits 4,096 octets; the other session stays', async () => {
  const s = new Speaker({ asn: 65001, routerId: ip('192.0.2.1'), listen: { host: S, port: PORT } });
  for (const a of ['127.71.9.2', '127.71.9.3']) {
    s.addPeer(peerOptions({ address: a, asn: 65002, port: PORT, localAddress: S, families: ['ipv4'] }), acceptAll);
  }
  await s.start();
  const peer = (a: string) =>
    new RawPeer({ asn: 65002, bgpId: ip(a), connect: { host: S, port: PORT, localAddress: a }, capabilities: { extendedMessage: true } });
  const bad = peer('127.71.9.2');
  const good = peer('127.71.9.3');
  after(async () => {
    await bad.stop();
    await good.stop();
    await s.stop();
  });
  await bad.start();
  await good.start();
  await bad.until(() => bad.established && s.peer('127.71.9.2')!.session.isEstablished, 10_000, 'Established');
  await good.until(() => good.established, 10_000, 'the other peer Established');
  // AFI 1, subtype 0, SAFI 1, then 65,512 octets too many.
  const body = Buffer.alloc(65535 - 19);
  body.writeUInt16BE(1, 0);
  body[3] = 1;
  bad.sendRaw(encodeMessage(MessageType.ROUTE_REFRESH, body));
  await bad.until(() => bad.notification !== undefined, 10_000, 'the NOTIFICATION');
  assert.equal(bad.notification!.code, 7, 'ROUTE-REFRESH Message Error (RFC 7313)');
  assert.equal(bad.notification!.subcode, 1, 'Invalid Message Length');
  assert.equal(bad.notification!.data.length, 4096 - 21, 'the echoed message is cut to fit');
  assert.equal(good.established && !good.closed, true, 'the other session stays');
  assert.equal(s.peer('127.71.9.3')!.session.isEstablished, true);
});
