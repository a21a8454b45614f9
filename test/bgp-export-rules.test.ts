// What the speaker may send to whom, whatever the export policy says, against scripted peers and a
// real BIRD: RFC 4271 §9.2 (no iBGP route to another iBGP peer: we are no route reflector); route-
// server clients (RFC 7947) get our own routes with our NEXT_HOP and AS and their peers' routes
// unchanged, all marked OTC (RFC 9234 §5 egress), and an OTC route from an RS-client is a leak
// (§5 ingress); no IPv6 route goes out without a usable next hop, and the speaker file refuses a
// configuration that would need one it cannot give.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { routes } from '../src/bgp/status.js';
import { SegmentType } from '../src/bgp/wire/constants.js';
import { parseSpeakerFile } from '../src/cli/speaker-config.js';
import { BIN, startDaemon, stopAll } from '../src/lab/routers/index.js';
import { parsePrefixKey } from '../src/net/prefix-key.js';
import { acceptAll } from './helpers/peer-options.js';
import { PORT, rig } from './helpers/speaker-rig.js';
import { attr, otc, updateBody } from './helpers/update-body.js';

after(async () => {
  await stopAll();
});
const LOCAL_PREF_100 = attr(0x40, 5, Buffer.from([0, 0, 0, 100]));
const own = (prefix: string, extra: object = {}) => ({ key: parsePrefixKey(prefix)!, attrs: { origin: 0, ...extra } });

test('RFC 4271 §9.2: a route learned from an iBGP peer goes to eBGP peers, not to another iBGP peer', async () => {
  const I1 = '127.70.52.2';
  const I2 = '127.70.52.3';
  const E = '127.70.52.4';
  const r = await rig(
    '127.70.52.1',
    [
      { addr: I1, asn: 65001 },
      { addr: I2, asn: 65001 },
      { addr: E, asn: 65004 },
    ],
    [own('203.0.113.0/24')],
  );
  r.peer(I1).sendUpdateBody(updateBody([64999], [LOCAL_PREF_100], ['198.51.100.0/24'], '192.0.2.2'));
  await r.peer(E).until(() => r.got(E).includes('198.51.100.0/24'), 10_000, 'the iBGP route at the eBGP peer');
  // Later than the iBGP route, so it is a sync point: once it is at I2, so would the other be.
  r.peer(E).sendUpdateBody(updateBody([65004], [], ['198.51.101.0/24'], '192.0.2.4'));
  await r
    .peer(I2)
    .until(() => r.got(I2).includes('198.51.101.0/24') && r.got(I2).includes('203.0.113.0/24'), 10_000, 'eBGP-learned and own routes at the iBGP peer');
  assert.ok(!r.got(I2).includes('198.51.100.0/24'), 'the iBGP-learned route is not sent to the other iBGP peer');
  assert.equal(r.s.rib.loc.get(parsePrefixKey('198.51.100.0/24')!)?.source, I1, 'it is still our best path');
  r.intact();
});

test("route-server clients get our routes with our NEXT_HOP and AS, the other clients' routes unchanged, all with OTC = our AS", async () => {
  const C1 = '127.70.52.12';
  const C2 = '127.70.52.13';
  const rs = { options: { routeServerClient: true } };
  const r = await rig(
    '127.70.52.11',
    [
      { addr: C1, asn: 65012, ...rs },
      { addr: C2, asn: 65013, ...rs },
    ],
    [own('203.0.113.0/24', { med: 5 })],
  );
  r.peer(C1).sendUpdateBody(updateBody([65012], [], ['198.51.100.0/24'], '192.0.2.12'));
  await r.peer(C2).until(() => r.got(C2).includes('198.51.100.0/24') && r.got(C2).includes('203.0.113.0/24'), 10_000, 'both routes at C2');
  const mine = r.last(C2, '203.0.113.0/24')!.attrs;
  assert.equal(mine.nextHop, '127.70.52.11', 'our own route carries our next hop (it had none)');
  assert.deepEqual(mine.asPath, [{ type: SegmentType.AS_SEQUENCE, asns: [65001] }], 'and our AS: we originate it');
  assert.equal(mine.otc, 65001);
  const theirs = r.last(C2, '198.51.100.0/24')!.attrs;
  assert.equal(theirs.nextHop, '192.0.2.12', "a client's next hop is passed on (RFC 7947)");
  assert.deepEqual(theirs.asPath, [{ type: SegmentType.AS_SEQUENCE, asns: [65012] }], 'without our AS');
  assert.equal(theirs.otc, 65001, 'OTC added on the way to an RS-client (RFC 9234 §5)');
  r.intact();
});

test('RFC 9234 §5: a route with OTC from an RS-client is a route leak, kept as rejected; from another eBGP peer it is not', async () => {
  const C1 = '127.70.52.22';
  const C2 = '127.70.52.23';
  const N = '127.70.52.24';
  const rs = { options: { routeServerClient: true } };
  const r = await rig('127.70.52.21', [
    { addr: C1, asn: 65022, ...rs },
    { addr: C2, asn: 65023, ...rs },
    { addr: N, asn: 65024 },
  ]);
  r.peer(C1).sendUpdateBody(updateBody([65022, 64999], [otc(64999)], ['198.51.100.0/24'], '192.0.2.22'));
  r.peer(C1).sendUpdateBody(updateBody([65022], [], ['198.51.101.0/24'], '192.0.2.22'));
  r.peer(N).sendUpdateBody(updateBody([65024], [otc(65024)], ['198.51.102.0/24'], '192.0.2.24'));
  await r.peer(C2).until(() => r.got(C2).includes('198.51.101.0/24') && r.got(C2).includes('198.51.102.0/24'), 10_000, 'the clean routes at C2');
  const leak = routes(r.s, { peer: C1, prefix: '198.51.100.0/24' });
  assert.ok(!('error' in leak));
  assert.equal(leak.count, 1, 'kept in the Adj-RIB-In');
  assert.equal(leak.routes[0]!.accepted, false);
  assert.match(leak.routes[0]!.reason ?? '', /route leak: OTC 64999 from a route-server client/);
  assert.equal(r.s.rib.loc.get(parsePrefixKey('198.51.100.0/24')!), undefined, 'not selected');
  assert.ok(!r.got(C2).includes('198.51.100.0/24') && !r.got(N).includes('198.51.100.0/24'), 'not exported');
  assert.equal(r.last(C2, '198.51.102.0/24')!.attrs.otc, 65024, 'an OTC already there is kept');
  r.intact();
});

test('an IPv6 route is never sent without a usable next hop: not to an IPv4-session peer without nextHopV6', async () => {
  const P = '127.70.52.32';
  const Q = '127.70.52.33';
  const r = await rig(
    '127.70.52.31',
    [
      { addr: P, asn: 65032, options: { nextHopV6: undefined } },
      { addr: Q, asn: 65033 },
    ],
    [own('2001:db8:100::/48'), own('203.0.113.0/24')],
  );
  await r.peer(P).until(() => r.peer(P).counts.endOfRib >= 2, 10_000, 'both End-of-RIBs at P');
  await r.peer(Q).until(() => r.got(Q).includes('2001:db8:100::/48'), 10_000, 'the IPv6 route at Q');
  assert.equal(r.last(Q, '2001:db8:100::/48')!.attrs.nextHop, '2001:db8::1', 'with the configured nextHopV6');
  assert.deepEqual(r.got(P), ['203.0.113.0/24'], 'P gets the IPv4 route only, no IPv6 route with a zero next hop');
  assert.equal(r.s.unsent.get(P), 1);
  assert.ok(
    r.problems.some((p) => /not sent: no IPv6 next hop .*nextHopV6.*2001:db8:100::\/48/.test(p)),
    r.problems.join('\n'),
  );
  r.intact();
});

test('the speaker file refuses an IPv6 route over an IPv4 session without nextHopV6, naming the peer and the setting', () => {
  const file = (peer: object, route: object = { prefix: '2001:db8:100::/48' }) => ({
    asn: 65001,
    routerId: '192.0.2.1',
    listen: '127.0.0.1:1179',
    peers: [{ address: '192.0.2.7', asn: 65007, ...peer }],
    routes: [route],
  });
  assert.throws(
    () => parseSpeakerFile(file({})),
    /peers\[0\]\.nextHopV6: peer 192\.0\.2\.7 gets IPv6 routes \(routes\[0\] has no nextHop\) over an IPv4 session/,
  );
  for (const ok of [{ nextHopV6: '2001:db8::1' }, { families: ['ipv4'] }, { export: 'none' }, { localAddress: '2001:db8::1' }, { address: '2001:db8::7' }]) {
    assert.doesNotThrow(() => parseSpeakerFile(file(ok)), JSON.stringify(ok));
  }
  assert.doesNotThrow(() => parseSpeakerFile(file({}, { prefix: '2001:db8:100::/48', nextHop: '2001:db8::99' })), 'the route has its own next hop');
});

test("BIRD as a client of our route server accepts our own route (NEXT_HOP present) and the other clients' routes, with OTC", async () => {
  const S = '127.70.53.1';
  const B = '127.70.53.2';
  const C = '127.70.53.3';
  const r = await rig(S, [{ addr: C, asn: 65033, options: { routeServerClient: true } }], [own('203.0.113.0/24')]);
  r.s.addPeer(
    {
      address: B,
      asn: 65032,
      localAsn: 65001,
      port: PORT,
      passive: false,
      localAddress: S,
      routerId: 1,
      holdTime: 30,
      families: ['ipv4'],
      routeServerClient: true,
      connectRetryTime: 1,
      addPathReceive: false,
    },
    acceptAll,
  );
  r.s.peer(B)!.session.start();
  const d = await startDaemon({
    kind: 'bird',
    address: B,
    port: PORT,
    asn: 65032,
    routerId: '10.255.70.32',
    peers: [{ address: S, port: PORT, asn: 65001, passive: true, families: ['ipv4'] }],
  });
  after(async () => {
    await d.stop();
  });
  r.peer(C).sendUpdateBody(updateBody([65033], [], ['198.51.100.0/24'], '192.0.2.33'));
  const got = await d
    .waitRoutes((rs) => rs.some((x) => x.prefix === '203.0.113.0/24') && rs.some((x) => x.prefix === '198.51.100.0/24'), 20_000)
    .catch((e) => {
      throw new Error(`${(e as Error).message}\n${d.logs().slice(-2000)}`);
    });
  const mine = got.find((x) => x.prefix === '203.0.113.0/24')!;
  assert.equal(mine.nextHop, S);
  assert.equal(mine.asPath, '65001');
  const theirs = got.find((x) => x.prefix === '198.51.100.0/24')!;
  assert.equal(theirs.nextHop, '192.0.2.33');
  assert.equal(theirs.asPath, '65033');
  assert.doesNotMatch(d.logs(), /Missing mandatory NEXT_HOP|Invalid route/);
  const all = (await promisify(execFile)(BIN.birdc, ['-s', path.join(d.dir, 'bird.ctl'), 'show', 'route', 'all'])).stdout;
  assert.equal([...all.matchAll(/BGP\.otc:\s*65001/g)].length, 2, `OTC on both routes\n${all}`);
});
