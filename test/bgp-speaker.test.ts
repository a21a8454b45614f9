// The speaker against itself and against a scripted raw peer, on loopback: sessions, route
// exchange with attributes, withdrawals, refresh, RFC 8212 defaults, the NOTIFICATIONs for a
// wrong AS, a bad hold time, an expired hold timer and max-prefix, RFC 7606 outcomes, and peers that
// stall or flood without disturbing the other sessions.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { type PeerOptions, Speaker } from '../src/bgp/speaker.js';
import { routes, sessions } from '../src/bgp/status.js';
import { parseCommunity } from '../src/bgp/wire/attributes/communities.js';
import { SegmentType } from '../src/bgp/wire/constants.js';
import { encodeAnnouncements } from '../src/bgp/wire/update.js';
import { parsePrefixKey } from '../src/net/prefix-key.js';
import { acceptAll as all, ip, peerOptions } from './helpers/peer-options.js';
import { RawPeer } from './helpers/raw-peer.js';
import { until } from './helpers/until.js';

/** This file's peers dial unless told to be passive. */
const peer = (o: Partial<PeerOptions> & Pick<PeerOptions, 'address' | 'asn' | 'localAsn' | 'port'>): PeerOptions => peerOptions({ passive: false, ...o });

const RAW = new Map<string, RawPeer>();
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups) await c();
});

describe('speaker to speaker', () => {
  const A = '127.70.50.1';
  const B = '127.70.50.2';
  const a = new Speaker({ asn: 65001, routerId: ip('192.0.2.1'), listen: { host: A, port: 17000 } });
  const b = new Speaker({ asn: 4200000002, routerId: ip('192.0.2.2'), listen: { host: B, port: 17000 } });
  cleanups.push(
    () => a.stop(),
    () => b.stop(),
  );

  test('sessions come up, one side active and one passive', async () => {
    a.addPeer(peer({ address: B, asn: 4200000002, localAsn: 65001, port: 17000, localAddress: A }), all);
    b.addPeer(
      peer({ address: A, asn: 65001, localAsn: 4200000002, port: 17000, localAddress: B, passive: true, routerId: ip('192.0.2.2'), nextHopV6: '2001:db8::2' }),
      all,
    );
    a.announce([
      {
        key: parsePrefixKey('45.66.0.0/24')!,
        attrs: {
          origin: 0,
          med: 10,
          communities: [parseCommunity('65001:100')!],
          largeCommunities: [65001, 1, 2],
          asPath: [
            { type: SegmentType.AS_SEQUENCE, asns: [4200000010] },
            { type: SegmentType.AS_SET, asns: [64511, 64512] },
          ],
        },
      },
      { key: parsePrefixKey('2a0e:8f02:2100::/48')!, attrs: { origin: 0, nextHop: '2001:db8::1' } },
    ]);
    await b.start();
    await a.start();
    await until(() => sessions(a)[0]!.state === 'Established' && sessions(b)[0]!.state === 'Established', 'Established');
  });

  test('IPv4 and IPv6 routes arrive with their attributes intact', async () => {
    await until(() => sessions(b)[0]!.accepted === 2, 'two routes at b');
    const r = routes(b, { prefix: '45.66.0.0/24' });
    assert.ok(!('error' in r));
    const v = r.routes[0]!;
    assert.equal(v.peer, A);
    assert.equal(v.asPath, '65001 4200000010 {64511,64512}');
    assert.equal(v.nextHop, A);
    assert.equal(v.med, 10, 'our own MED is sent to an external peer');
    assert.deepEqual(v.communities, ['65001:100']);
    assert.deepEqual(v.largeCommunities, ['65001:1:2']);
    assert.equal(v.best, true);
    const r6 = routes(b, { prefix: '2a0e:8f02:2100::/48' });
    assert.ok(!('error' in r6));
    assert.equal(r6.routes[0]!.nextHop, '2001:db8::1');
    assert.equal(r6.routes[0]!.asPath, '65001');
  });

  test('a withdrawal reaches the peer; a new announcement replaces the old one', async () => {
    a.withdraw([parsePrefixKey('45.66.0.0/24')!]);
    await until(() => sessions(b)[0]!.received === 1, 'withdrawal at b');
    a.announce([{ key: parsePrefixKey('45.66.0.0/24')!, attrs: { origin: 2, med: 20 } }]);
    await until(() => {
      const r = routes(b, { prefix: '45.66.0.0/24' });
      return !('error' in r) && r.routes[0]?.med === 20;
    }, 'replacement at b');
  });

  test('route refresh makes the peer send its routes again', async () => {
    const before = a.peer(B)!.session.counters.updatesOut;
    assert.equal(b.refresh(A, 4), true);
    await until(() => a.peer(B)!.session.counters.updatesOut > before, 'the refreshed routes');
    assert.equal(sessions(b)[0]!.accepted, 2);
  });
});

describe('RFC 8212 defaults', () => {
  test("without policies, an external peer's routes are kept but not accepted, and ours are still sent", async () => {
    const s = new Speaker({ asn: 65001, routerId: ip('192.0.2.1'), listen: { host: '127.70.50.11', port: 17000 } });
    cleanups.push(() => s.stop());
    s.addPeer(peer({ address: '127.70.50.12', asn: 65002, localAsn: 65001, port: 17000, passive: true, localAddress: '127.70.50.11' }));
    s.announce([{ key: parsePrefixKey('45.67.0.0/24')!, attrs: { origin: 0 } }]);
    await s.start();
    const raw = new RawPeer({ asn: 65002, bgpId: ip('192.0.2.12'), connect: { host: '127.70.50.11', port: 17000, localAddress: '127.70.50.12' } });
    cleanups.push(() => raw.stop());
    await raw.start();
    await raw.until(() => raw.established && raw.updates.some((u) => u.nlri.keys.length), 10_000, 'our route at the raw peer');
    raw.sendUpdateBody(
      update(
        [
          [0x40, 1, [0]],
          [0x40, 2, [2, 1, 0, 0, 0xfd, 0xea]],
          [0x40, 3, [192, 0, 2, 12]],
        ],
        ['185.66.0.0/24'],
      ),
    );
    await until(() => sessions(s)[0]!.received === 1, 'the route in the Adj-RIB-In');
    const r = routes(s, { peer: '127.70.50.12' });
    assert.ok(!('error' in r));
    assert.equal(r.routes[0]!.accepted, false);
    assert.match(r.routes[0]!.reason!, /RFC 8212/);
    assert.equal(sessions(s)[0]!.accepted, 0);
    assert.equal(s.rib.loc.has(parsePrefixKey('185.66.0.0/24')!), false);
  });
});

describe('families', () => {
  test('a policy change on an IPv4-only session sends nothing for IPv6, not even an End-of-RIB', async () => {
    const s = new Speaker({ asn: 65001, routerId: ip('192.0.2.1'), listen: { host: '127.70.50.61', port: 17000 } });
    cleanups.push(() => s.stop());
    s.addPeer(
      peer({ address: '127.70.50.62', asn: 65002, localAsn: 65001, port: 17000, passive: true, localAddress: '127.70.50.61', families: ['ipv4'] }),
      all,
    );
    s.announce([{ key: parsePrefixKey('45.67.0.0/24')!, attrs: { origin: 0 } }]);
    await s.start();
    const raw = new RawPeer({ asn: 65002, bgpId: ip('192.0.2.62'), connect: { host: '127.70.50.61', port: 17000, localAddress: '127.70.50.62' } });
    cleanups.push(() => raw.stop());
    await raw.start();
    const eors = () => raw.updates.filter((u) => !u.nlri.keys.length && !u.withdrawn.keys.length && !u.mpReach && !u.mpUnreach).length;
    await raw.until(() => raw.established && eors() === 1, 10_000, 'the IPv4 End-of-RIB');
    s.setPolicies('127.70.50.62', all);
    await raw.until(() => eors() === 2, 10_000, 'the IPv4 table again after the policy change');
    assert.deepEqual(
      raw.updates.filter((u) => u.mpReach || u.mpUnreach),
      [],
      'no IPv6 UPDATE of any kind',
    );
    assert.equal(raw.notification, undefined);
  });
});

/** Builds an UPDATE body: attributes as [flags, type, bytes], NLRI as IPv4 prefixes. */
function update(attrs: Array<[number, number, number[]]>, nlri: string[], withdrawn: string[] = []): Buffer {
  const pfx = (p: string) => {
    const [a, l] = p.split('/');
    const len = Number(l);
    return [
      len,
      ...a!
        .split('.')
        .map(Number)
        .slice(0, (len + 7) >> 3),
    ];
  };
  const w = withdrawn.flatMap(pfx);
  const at = attrs.flatMap(([f, t, b]) => [f, t, b.length, ...b]);
  return Buffer.from([w.length >> 8, w.length & 255, ...w, at.length >> 8, at.length & 255, ...at, ...nlri.flatMap(pfx)]);
}

const GOOD = (asn: number): Array<[number, number, number[]]> => [
  [0x40, 1, [0]],
  [0x40, 2, [2, 1, (asn >>> 24) & 255, (asn >>> 16) & 255, (asn >>> 8) & 255, asn & 255]],
  [0x40, 3, [192, 0, 2, 99]],
];

describe('NOTIFICATIONs and RFC 7606 against a raw peer', () => {
  const S = '127.70.50.21';
  const s = new Speaker({ asn: 65001, routerId: ip('192.0.2.1'), listen: { host: S, port: 17000 } });
  cleanups.push(() => s.stop());
  const add = (address: string, asn: number, extra: Partial<PeerOptions> = {}) =>
    s.addPeer(peer({ address, asn, localAsn: 65001, port: 17000, passive: true, localAddress: S, ...extra }), all);
  const connect = async (from: string, asn: number, extra: Partial<ConstructorParameters<typeof RawPeer>[0]> = {}) => {
    const raw = new RawPeer({ asn, bgpId: ip(from.replace('127.70.50.', '192.0.2.')), connect: { host: S, port: 17000, localAddress: from }, ...extra });
    cleanups.push(() => raw.stop());
    RAW.set(from, raw);
    await raw.start();
    return raw;
  };

  test('setup', async () => {
    add('127.70.50.22', 65002);
    add('127.70.50.23', 65003);
    add('127.70.50.24', 65004, { holdTime: 3 });
    add('127.70.50.25', 65005, { maxPrefix: { limit: 2, action: 'teardown', restartSeconds: 0 } });
    add('127.70.50.26', 65006);
    add('127.70.50.27', 65007);
    await s.start();
  });

  test('a wrong peer AS gets OPEN Message Error / Bad Peer AS', async () => {
    const raw = await connect('127.70.50.22', 65099);
    await raw.until(() => raw.notification !== undefined, 5000, 'a NOTIFICATION');
    assert.deepEqual([raw.notification!.code, raw.notification!.subcode], [2, 2]);
    assert.equal(raw.established, false);
  });

  test('an unacceptable hold time gets OPEN Message Error / Unacceptable Hold Time', async () => {
    const raw = await connect('127.70.50.23', 65003, { holdTime: 2 });
    await raw.until(() => raw.notification !== undefined, 5000, 'a NOTIFICATION');
    assert.deepEqual([raw.notification!.code, raw.notification!.subcode], [2, 6]);
  });

  test('a peer that goes silent gets Hold Timer Expired', async () => {
    const raw = await connect('127.70.50.24', 65004, { holdTime: 3, keepalives: false });
    await raw.until(() => raw.established, 5000, 'Established');
    await raw.until(() => raw.notification !== undefined, 8000, 'Hold Timer Expired');
    assert.equal(raw.notification!.code, 4);
    assert.match(s.peer('127.70.50.24')!.session.describeDown() ?? '', /Hold Timer Expired/);
  });

  test('max-prefix tears the session down with Cease / Maximum Number of Prefixes Reached', async () => {
    const raw = await connect('127.70.50.25', 65005);
    await raw.until(() => raw.established, 5000, 'Established');
    raw.sendUpdateBody(update(GOOD(65005), ['185.1.0.0/24', '185.2.0.0/24', '185.3.0.0/24']));
    await raw.until(() => raw.notification !== undefined, 5000, 'Cease');
    assert.deepEqual([raw.notification!.code, raw.notification!.subcode], [6, 1]);
    assert.deepEqual([...raw.notification!.data], [0, 1, 1, 0, 0, 0, 2], 'AFI 1, SAFI 1, limit 2');
    await until(() => s.peer('127.70.50.25')!.session.state === 'Idle', 'Idle after max-prefix');
  });

  test('a malformed attribute withdraws the routes and keeps the session (treat-as-withdraw)', async () => {
    const raw = await connect('127.70.50.26', 65006);
    await raw.until(() => raw.established, 5000, 'Established');
    raw.sendUpdateBody(update(GOOD(65006), ['185.6.0.0/24']));
    await until(() => sessions(s).find((x) => x.peer === '127.70.50.26')!.accepted === 1, 'the route');
    // ORIGIN of length 2: RFC 7606 §7.1.
    raw.sendUpdateBody(update([[0x40, 1, [0, 0]], ...GOOD(65006).slice(1)], ['185.6.0.0/24']));
    await until(() => sessions(s).find((x) => x.peer === '127.70.50.26')!.accepted === 0, 'the route withdrawn');
    assert.equal(s.peer('127.70.50.26')!.session.state, 'Established');
    assert.equal(raw.notification, undefined);
  });

  test('a broken message resets only its own session; the others stay up', async () => {
    const good = await connect('127.70.50.27', 65007);
    await good.until(() => good.established, 5000, 'Established');
    good.sendUpdateBody(update(GOOD(65007), ['185.7.0.0/24']));
    const transitions = s.peer('127.70.50.27')!.session.counters.establishedTransitions;
    await until(() => sessions(s).find((x) => x.peer === '127.70.50.27')!.accepted === 1, 'the good route');
    // The raw peer at .26 sends an UPDATE whose withdrawn routes length overruns the message: 3/1.
    const offender = RAW.get('127.70.50.26');
    assert.ok(offender);
    offender!.sendUpdateBody(Buffer.from([0, 50, 0, 0]));
    await offender!.until(() => offender!.notification !== undefined, 5000, 'UPDATE Message Error');
    assert.deepEqual([offender!.notification!.code, offender!.notification!.subcode], [3, 1]);
    assert.equal(s.peer('127.70.50.27')!.session.state, 'Established');
    assert.equal(s.peer('127.70.50.27')!.session.counters.establishedTransitions, transitions);
    assert.equal(sessions(s).find((x) => x.peer === '127.70.50.27')!.accepted, 1);
  });
});

describe('connection collision (RFC 4271 §6.8)', () => {
  test('two speakers dialling each other at once end with one session, kept by the higher BGP identifier', async () => {
    const A = '127.70.50.31';
    const B = '127.70.50.32';
    const a = new Speaker({ asn: 65031, routerId: ip('192.0.2.31'), listen: { host: A, port: 17000 } });
    const b = new Speaker({ asn: 65032, routerId: ip('192.0.2.32'), listen: { host: B, port: 17000 } });
    cleanups.push(
      () => a.stop(),
      () => b.stop(),
    );
    a.addPeer(peer({ address: B, asn: 65032, localAsn: 65031, port: 17000, localAddress: A, routerId: ip('192.0.2.31') }), all);
    b.addPeer(peer({ address: A, asn: 65031, localAsn: 65032, port: 17000, localAddress: B, routerId: ip('192.0.2.32') }), all);
    for (const s of [a, b]) s.on('problem', () => {});
    // Start both listeners first, then both sessions in the same tick: both connections open.
    await Promise.all([a.start(), b.start()]);
    await until(() => sessions(a)[0]!.state === 'Established' && sessions(b)[0]!.state === 'Established', 'Established');
    const ca = a.peer(B)!.session.counters.establishedTransitions;
    const cb = b.peer(A)!.session.counters.establishedTransitions;
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(a.peer(B)!.session.counters.establishedTransitions, ca, 'a stays up');
    assert.equal(b.peer(A)!.session.counters.establishedTransitions, cb, 'b stays up');
    assert.equal(ca, 1);
    // The surviving connection is the one b (the higher identifier) opened: a accepted it.
    const conns = (a.peer(B)!.session as unknown as { established: { outbound: boolean } }).established;
    assert.equal(conns.outbound, false, 'a keeps the connection b initiated');
  });
});

describe('a stalled peer', () => {
  test('a peer that stops reading does not hold back the others', async () => {
    const S = '127.70.50.41';
    const s = new Speaker({ asn: 65041, routerId: ip('192.0.2.41'), listen: { host: S, port: 17000 } });
    cleanups.push(() => s.stop());
    for (const [addr, asn] of [
      ['127.70.50.42', 65042],
      ['127.70.50.43', 65043],
    ] as const) {
      s.addPeer(peer({ address: addr, asn, localAsn: 65041, port: 17000, passive: true, localAddress: S, routerId: ip('192.0.2.41'), holdTime: 30 }), all);
    }
    await s.start();
    const stalled = new RawPeer({ asn: 65042, bgpId: ip('192.0.2.42'), connect: { host: S, port: 17000, localAddress: '127.70.50.42' } });
    const good = new RawPeer({ asn: 65043, bgpId: ip('192.0.2.43'), connect: { host: S, port: 17000, localAddress: '127.70.50.43' } });
    cleanups.push(
      () => stalled.stop(),
      () => good.stop(),
    );
    await stalled.start();
    await good.start();
    await stalled.until(() => stalled.established, 5000, 'Established');
    await good.until(() => good.established, 5000, 'Established');
    stalled.stall();
    // 50,000 routes with distinct attributes: far more than a socket buffer holds.
    const routes = Array.from({ length: 50_000 }, (_, j) => ({
      key: parsePrefixKey(`${45 + (j >> 16)}.${(j >> 8) & 255}.${j & 255}.0/24`)!,
      attrs: { origin: 0, med: j },
    }));
    s.announce(routes);
    await good.until(() => good.announced >= 50_000, 30_000, 'all routes at the good peer');
    assert.equal(s.peer('127.70.50.43')!.session.state, 'Established');
    assert.equal(s.peer('127.70.50.42')!.session.state, 'Established', 'the stalled peer is only slow, not torn down');
  });
});

describe('a flooding peer', () => {
  test('a peer that sends a full table as fast as it can does not starve another session with a 3 s hold time', async () => {
    const S = '127.70.50.51';
    const s = new Speaker({ asn: 65051, routerId: ip('192.0.2.51'), listen: { host: S, port: 17000 } });
    cleanups.push(() => s.stop());
    s.addPeer(peer({ address: '127.70.50.52', asn: 65052, localAsn: 65051, port: 17000, passive: true, localAddress: S, routerId: ip('192.0.2.51') }), all);
    // The quiet peer gets nothing exported: this is about the flood's effect on the speaker's own
    // timers, not about a peer that must digest the flood itself.
    s.addPeer(
      peer({ address: '127.70.50.53', asn: 65053, localAsn: 65051, port: 17000, passive: true, localAddress: S, routerId: ip('192.0.2.51'), holdTime: 3 }),
      { import: () => undefined, export: () => 'not exported in this test' },
    );
    // 400,000 one-prefix UPDATEs, each with its own attribute set (no decoding is skipped): one write.
    // Built before the sessions come up: building them blocks this process for seconds.
    const N = 400_000;
    const msgs: Buffer[] = [];
    for (let j = 0; j < N; j++) {
      const [m] = encodeAnnouncements(
        1,
        { origin: 0, asPath: [{ type: SegmentType.AS_SEQUENCE, asns: [65052, 64512 + (j % 500)] }], nextHop: '192.0.2.52', med: j },
        [parsePrefixKey(`${20 + (j >> 16)}.${(j >> 8) & 255}.${j & 255}.0/24`)!],
        { fourOctetAs: true },
      );
      msgs.push(m!);
    }
    const downs: string[] = [];
    s.on('down', (id, info) => downs.push(`${id}: ${info.reason}`));
    await s.start();
    const flooder = new RawPeer({ asn: 65052, bgpId: ip('192.0.2.52'), connect: { host: S, port: 17000, localAddress: '127.70.50.52' } });
    const quiet = new RawPeer({ asn: 65053, bgpId: ip('192.0.2.53'), holdTime: 3, connect: { host: S, port: 17000, localAddress: '127.70.50.53' } });
    cleanups.push(
      () => flooder.stop(),
      () => quiet.stop(),
    );
    await flooder.start();
    await quiet.start();
    await flooder.until(() => flooder.established, 5000, 'Established');
    await quiet.until(() => quiet.established, 5000, 'Established');
    const started = Date.now();
    flooder.sendRaw(Buffer.concat(msgs));
    await until(() => s.adjRibIn('127.70.50.52')!.acceptedV4 === N, 'the whole flood accepted', 60_000).catch((e) => {
      throw new Error(`${e.message}: ${s.adjRibIn('127.70.50.52')!.acceptedV4} accepted, downs: ${downs.join('; ')}`);
    });
    const took = Date.now() - started;
    // Let the quiet session's timers run a full hold time after the flood too.
    await new Promise((r) => setTimeout(r, 3500));
    assert.deepEqual(downs, [], `no session went down (the flood took ${took} ms)`);
    assert.equal(s.peer('127.70.50.53')!.session.state, 'Established');
    assert.equal(s.peer('127.70.50.52')!.session.state, 'Established');
  });
});
