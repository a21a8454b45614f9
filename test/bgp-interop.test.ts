// Interop: our speaker against real BIRD 2, GoBGP, FRR bgpd and ExaBGP processes on loopback.
// For each daemon: sessions with us active and with us passive; IPv4 and IPv6 routes both ways with
// their attributes (4-octet ASNs, AS_SET, MED, communities, large communities); withdrawals; route
// refresh; a wrong peer AS; the hold timer expiring while the daemon is frozen (SIGSTOP) and the
// session coming back; the daemon restarting; max-prefix tearing the session down.
// Addresses: 127.0.61.0/24 .. 127.0.64.0/24, one block per daemon.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { type PeerOptions, Speaker } from '../src/bgp/speaker.js';
import { routes as routeViews, sessions } from '../src/bgp/status.js';
import { parseCommunity } from '../src/bgp/wire/attributes/communities.js';
import { SegmentType } from '../src/bgp/wire/constants.js';
import {
  type AnnouncedRoute,
  type Daemon,
  type DaemonKind,
  type DaemonSpec,
  fakeNextHop,
  sortCommunities,
  startDaemon,
  stopAll,
} from '../src/lab/routers/index.js';
import { parsePrefixKey } from '../src/net/prefix-key.js';
import { acceptAll as all, ip } from './helpers/peer-options.js';
import { until } from './helpers/until.js';

const KINDS: DaemonKind[] = ['bird', 'gobgp', 'frr', 'exabgp'];
const OUR_ASN = 4200000100;

after(async () => {
  await stopAll();
});

/** Our routes: a 4-octet path with an AS_SET, MED, communities and large communities, and an IPv6 route. */
const OURS = [
  {
    key: parsePrefixKey('45.66.0.0/24')!,
    attrs: {
      origin: 0,
      med: 77,
      communities: [parseCommunity('65100:100')!, parseCommunity('65100:7')!],
      largeCommunities: [4200000100, 1, 2],
      asPath: [
        { type: SegmentType.AS_SEQUENCE, asns: [4200000001] },
        { type: SegmentType.AS_SET, asns: [64511, 64512] },
      ],
    },
  },
  { key: parsePrefixKey('2a0e:8f02:2100::/48')!, attrs: { origin: 0, med: 78, communities: [parseCommunity('65100:600')!] } },
];

for (const [i, kind] of KINDS.entries()) {
  const net = `127.0.${61 + i}`;
  const S = `${net}.1`;
  const D = `${net}.2`;
  const S2 = `${net}.3`; // a second speaker, for the daemon-active and wrong-AS sessions
  const DASN = 65201 + i;
  const canSet = kind === 'gobgp' || kind === 'exabgp';
  const theirs: AnnouncedRoute[] = [
    {
      prefix: '185.66.0.0/24',
      asPath: [4200000002, 65010],
      ...(canSet ? { asSet: [64600, 64601] } : {}),
      med: 10,
      communities: [`${DASN}:100`],
      largeCommunities: [`${DASN}:1:2`],
    },
    { prefix: '2a0e:8f02:2200::/48', asPath: [65011], med: 11, communities: [`${DASN}:600`], largeCommunities: [`${DASN}:6:6`] },
  ];
  const spec: DaemonSpec = {
    kind,
    address: D,
    port: 1790,
    asn: DASN,
    routerId: `10.255.${i}.2`,
    // The daemon waits for us (we are active) and dials the second speaker (it is passive).
    peers: [
      { address: S, port: 1790, asn: OUR_ASN, passive: true },
      { address: S2, port: 1790, asn: OUR_ASN },
    ],
    routes: theirs,
  };
  const peerOf = (local: string, extra: Partial<PeerOptions> = {}): PeerOptions => ({
    address: D,
    port: 1790,
    asn: DASN,
    localAsn: OUR_ASN,
    localAddress: local,
    routerId: ip(`192.0.2.${61 + i}`),
    holdTime: 6,
    passive: false,
    families: ['ipv4', 'ipv6'],
    routeServerClient: false,
    connectRetryTime: 1,
    addPathReceive: false,
    // GoBGP and FRR refuse loopback next hops (shared/reference/bgp-daemons.md, pitfalls 2 and 3).
    nextHopV4: `192.0.2.${61 + i}`,
    nextHopV6: `2001:db8::${61 + i}`,
    maxPrefix: { limit: 20, action: 'teardown', restartSeconds: 0 },
    ...extra,
  });

  describe(`interop with ${kind}`, { concurrency: false }, () => {
    let d: Daemon;
    const s = new Speaker({ asn: OUR_ASN, routerId: ip(`192.0.2.${61 + i}`), listen: { host: S, port: 1790 } });
    const s2 = new Speaker({ asn: OUR_ASN, routerId: ip(`192.0.2.${161 + i}`), listen: { host: S2, port: 1790 } });
    after(async () => {
      await s.stop();
      await s2.stop();
      await d?.stop();
    });
    const sess = () => s.peer(D)!.session;
    const fail = (msg: string) => `${msg}\n--- ${kind} log ---\n${d?.logs().slice(-3000)}`;

    test('session comes up with us active', async () => {
      d = await startDaemon(spec);
      s.addPeer(peerOf(S), all);
      s.announce(OURS);
      await s.start();
      await until(() => sess().isEstablished, 'Established').catch((e) => {
        throw new Error(fail(e.message));
      });
      await d.waitEstablished(S);
    });

    test('routes arrive from the daemon with their attributes', async () => {
      await until(() => sessions(s)[0]!.accepted === 2, 'two routes from the daemon').catch((e) => {
        throw new Error(fail(e.message));
      });
      const v4 = routeViews(s, { prefix: '185.66.0.0/24' });
      assert.ok(!('error' in v4));
      const r = v4.routes[0]!;
      assert.equal(r.asPath, `${DASN} 4200000002 65010${canSet ? ' {64600,64601}' : ''}`);
      assert.equal(r.nextHop, fakeNextHop(D, 'ipv4'));
      assert.equal(r.med, 10);
      assert.deepEqual(sortCommunities(r.communities), [`${DASN}:100`]);
      assert.deepEqual(r.largeCommunities, [`${DASN}:1:2`]);
      const v6 = routeViews(s, { prefix: '2a0e:8f02:2200::/48' });
      assert.ok(!('error' in v6));
      assert.equal(v6.routes[0]!.asPath, `${DASN} 65011`);
      assert.equal(v6.routes[0]!.nextHop, fakeNextHop(D, 'ipv6'));
      assert.deepEqual(v6.routes[0]!.largeCommunities, [`${DASN}:6:6`]);
    });

    test('our routes arrive at the daemon with their attributes', async () => {
      const got = await d
        .waitRoutes((rs) => rs.filter((r) => r.peer === S).length >= 2, 20_000)
        .catch((e) => {
          throw new Error(fail(e.message));
        });
      const v4 = got.find((r) => r.prefix === '45.66.0.0/24' && r.peer === S)!;
      assert.ok(v4, fail('45.66.0.0/24 missing'));
      assert.equal(v4.asPath, `${OUR_ASN} 4200000001 {64511,64512}`);
      assert.equal(v4.nextHop, `192.0.2.${61 + i}`);
      assert.equal(v4.med, 77);
      assert.deepEqual(v4.communities, ['65100:7', '65100:100']);
      assert.deepEqual(v4.largeCommunities, ['4200000100:1:2']);
      const v6 = got.find((r) => r.prefix === '2a0e:8f02:2100::/48' && r.peer === S)!;
      assert.ok(v6, fail('2a0e:8f02:2100::/48 missing'));
      assert.equal(v6.asPath, `${OUR_ASN}`);
      assert.equal(v6.nextHop, `2001:db8::${61 + i}`);
      assert.deepEqual(v6.communities, ['65100:600']);
    });

    test('withdrawals flow both ways', async () => {
      s.withdraw([parsePrefixKey('45.66.0.0/24')!]);
      await d.waitRoutes((rs) => !rs.some((r) => r.prefix === '45.66.0.0/24' && r.peer === S), 20_000);
      await d.withdraw!(['185.66.0.0/24']);
      await until(() => sessions(s)[0]!.accepted === 1, "the daemon's withdrawal");
      s.announce([OURS[0]!]);
      await d.announce!([theirs[0]!]);
      await until(() => sessions(s)[0]!.accepted === 2, 'the route back');
      await d.waitRoutes((rs) => rs.some((r) => r.prefix === '45.66.0.0/24' && r.peer === S), 20_000);
    });

    test('route refresh: the daemon sends its routes again when asked', async () => {
      const n = sess().negotiated!;
      assert.equal(n.routeRefresh, true, `${kind} negotiates route refresh`);
      const before = sess().counters.updatesIn;
      assert.equal(s.refresh(D, 4), true);
      await until(() => sess().counters.updatesIn > before, 'UPDATEs after ROUTE-REFRESH').catch((e) => {
        throw new Error(fail(e.message));
      });
      assert.equal(sessions(s)[0]!.accepted, 2);
    });

    test('the daemon connects to us (we are passive)', async () => {
      s2.addPeer(peerOf(S2, { passive: true, maxPrefix: undefined }), all);
      await s2.start();
      await until(() => s2.peer(D)!.session.isEstablished, 'Established with the daemon dialling', 40_000).catch((e) => {
        throw new Error(fail(e.message));
      });
      await until(() => sessions(s2)[0]!.accepted === 2, 'routes on the passive session');
    });

    test('a wrong peer AS gets OPEN Message Error / Bad Peer AS', async () => {
      await s2.stop();
      const s3 = new Speaker({ asn: OUR_ASN, routerId: ip(`192.0.2.${161 + i}`), listen: { host: S2, port: 1790 } });
      s3.addPeer(peerOf(S2, { asn: 64999, maxPrefix: undefined }), all);
      await s3.start();
      try {
        await until(() => s3.peer(D)!.session.lastDown?.sent !== undefined, 'our NOTIFICATION', 30_000).catch((e) => {
          throw new Error(fail(e.message));
        });
        const sent = s3.peer(D)!.session.lastDown!.sent!;
        assert.deepEqual([sent.code, sent.subcode], [2, 2]);
      } finally {
        await s3.stop();
      }
    });

    test('the hold timer expires while the daemon is frozen; the session recovers after', async () => {
      const transitions = sess().counters.establishedTransitions;
      d.freeze();
      try {
        await until(() => !sess().isEstablished, 'the hold timer to expire', 15_000);
        assert.equal(sess().lastDown?.sent?.code, 4, `Hold Timer Expired sent (${sess().describeDown()})`);
      } finally {
        d.thaw();
      }
      await until(() => sess().isEstablished && sess().counters.establishedTransitions > transitions, 'the session back', 60_000).catch((e) => {
        throw new Error(fail(e.message));
      });
      await until(() => sessions(s)[0]!.accepted === 2, 'the routes back');
    });

    test('the daemon restarts and the session recovers', async () => {
      const transitions = sess().counters.establishedTransitions;
      await d.stop();
      await until(() => !sess().isEstablished, 'the session down');
      assert.equal(sessions(s)[0]!.received, 0, 'routes of a dead session are gone');
      d = await startDaemon(spec);
      await until(() => sess().isEstablished && sess().counters.establishedTransitions > transitions, 'the session back', 60_000).catch((e) => {
        throw new Error(fail(e.message));
      });
      await until(() => sessions(s)[0]!.accepted === 2, 'the routes back');
    });

    test('max-prefix tears the session down', async () => {
      const many: AnnouncedRoute[] = Array.from({ length: 25 }, (_, j) => ({ prefix: `185.67.${j}.0/24`, asPath: [65012] }));
      await d.announce!(many);
      await until(() => !sess().isEstablished, 'the max-prefix teardown').catch((e) => {
        throw new Error(fail(e.message));
      });
      const sent = sess().lastDown?.sent;
      assert.deepEqual([sent?.code, sent?.subcode], [6, 1], sess().describeDown());
      assert.equal(sess().state, 'Idle', 'stays down (restartSeconds 0)');
    });
  });
}
