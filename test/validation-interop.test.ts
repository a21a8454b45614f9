// Live validation with real partner routers: BIRD 2 (then GoBGP) runs nordlink's four routers (one
// process per session address) and the other one the route server of apex-ix, against the daemon
// on the test world.
// Each bad announcement gives its exact message, fixing it turns the prefix Verified again (with
// a restored event), and another partner announcing the prefix is rejected as a hijack.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { buildServer } from '../src/api/server.js';
import { EdgeDaemon } from '../src/edge/edge-daemon.js';
import { type AnnouncedRoute, type Daemon, type DaemonKind, startDaemon } from '../src/lab/routers/index.js';
import { parsePrefixKey } from '../src/net/prefix-key.js';
import { openRpkiSource } from '../src/rpki/source.js';
import { startServer } from './helpers/server.js';
import { until } from './helpers/until.js';
import { buildWorld, conn, must } from './helpers/world.js';

for (const [kind, other, PORT] of [
  ['bird', 'gobgp', 1792],
  ['gobgp', 'bird', 1793],
] as Array<[DaemonKind, DaemonKind, number]>) {
  test(`${kind} partner routers: every route check gives its message; a hijack from a ${other} route server is rejected`, async (t) => {
    const srv = await startServer();
    t.after(() => srv.close());
    await buildWorld(srv);
    // RPKI from a VRP file the test rewrites (read again within 100 ms, as serve --rpki-vrps does).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'op-vrps-'));
    const vrpFile = path.join(dir, 'vrps.json');
    const writeVrps = (asn: number) => {
      fs.writeFileSync(`${vrpFile}.new`, JSON.stringify({ roas: [{ asn, prefix: '45.66.0.0/23', maxLength: 24, ta: 'test' }] }));
      fs.renameSync(`${vrpFile}.new`, vrpFile); // as rpki-client replaces its output
    };
    writeVrps(64496);
    const rpki = openRpkiSource({ vrps: vrpFile, pollMs: 100 });
    t.after(() => {
      rpki.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    const daemonLog: string[] = [];
    const daemon = new EdgeDaemon(srv.registry, {
      port: PORT,
      connectRetry: 1,
      rpki: rpki.table,
      log: (l) => daemonLog.push(`${new Date().toISOString()} ${l}`),
    });
    const events: string[] = [];
    daemon.on('event', (p, e) => events.push(`${p.id} ${e.type}`));
    const stateLog: string[] = [];
    daemon.on('state', (p, r) => stateLog.push(`${new Date().toISOString()} ${p.id} ${r.state} ${r.message ?? ''}`));
    await daemon.start();
    // The API with the live side (received routes, session states), as serve builds it.
    const live = await buildServer(srv.registry, { live: daemon });
    t.after(() => live.close());
    const liveGet = async (url: string): Promise<any> => {
      const r = await live.inject({ method: 'GET', url, headers: { authorization: `Bearer ${srv.operatorKey}` } });
      assert.equal(r.statusCode, 200, `${url}: ${r.body}`);
      return r.json();
    };
    const routers: Daemon[] = [];
    t.after(async () => {
      await daemon.stop();
      for (const r of routers) await r.stop();
    });

    const good = (prefix: string, extra: Partial<AnnouncedRoute> = {}): AnnouncedRoute => ({ prefix, asPath: [64496], communities: ['64500:8007'], ...extra });
    // nordlink: ams-1, ams-2 (primary location of contoso-eu), fra-1, fra-2 (backup).
    const sessions = [
      ['127.11.1.1', '127.11.1.0'],
      ['127.11.1.3', '127.11.1.2'],
      ['127.11.2.1', '127.11.2.0'],
      ['127.11.2.3', '127.11.2.2'],
    ] as const;
    for (const [address, operator] of sessions) {
      routers.push(
        await startDaemon({
          kind,
          address,
          port: PORT,
          asn: 64501,
          routerId: address,
          peers: [{ address: operator, port: PORT, asn: 64500, families: ['ipv4'] }],
          routes: [good('45.66.0.0/24'), good('45.66.0.0/23')],
        }),
      );
    }
    const hq = () => must(srv, 'GET', '/v1/customers/contoso/peering-services/contoso-eu/prefixes/hq');
    const logs = () => routers.map((r) => r.logs().slice(-800)).join('\n---\n');
    await until(async () => (await hq()).state === 'Verified', 'hq Verified').catch((e) => {
      throw new Error(`${e.message}\n${logs()}`);
    });

    // One router at a time sends a bad announcement; each gives its message, and fixing it restores.
    const ams2 = routers[1]!;
    const cases: Array<[Partial<AnnouncedRoute>, string]> = [
      [{ communities: [] }, 'Received route for prefix 45.66.0.0/24 should have the MAPS community 64500:8007'],
      // (the bad paths keep the verified origin AS64496: another origin is a hijack, below)
      [{ asPath: [64497, 64498, 64496] }, 'AS path length for prefix 45.66.0.0/24 should be <=3'],
      [{ asPath: [65000, 64496] }, "AS path for prefix 45.66.0.0/24 shouldn't have any private ASN"],
      [{ asPath: [64501, 64496] }, "AS path for prefix 45.66.0.0/24 shouldn't have any AS prepending"],
    ];
    for (const [bad, message] of cases) {
      await ams2.announce!([good('45.66.0.0/24', bad)]);
      await until(async () => (await hq()).errorMessage === message, message);
      assert.equal((await hq()).state, 'Failed');
      await ams2.announce!([good('45.66.0.0/24')]);
      await until(async () => (await hq()).state === 'Verified', `Verified again after: ${message}`);
    }
    assert.ok(events.filter((e) => e === 'contoso/contoso-eu/hq PrefixRestoredEvent').length >= cases.length);

    // Not announced on one session: Warning naming it.
    await ams2.withdraw!(['45.66.0.0/24']);
    await until(async () => (await hq()).state === 'Warning', 'Warning');
    assert.equal((await hq()).errorMessage, 'Not receiving prefix advertisement from IP 127.11.1.3 for prefix 45.66.0.0/24');
    await ams2.announce!([good('45.66.0.0/24')]);
    await until(async () => (await hq()).state === 'Verified', 'Verified again');

    // The registered prefix was verified with origin AS64496: another origin on the partner's own
    // session is a hijack (rejected, Critical events), and the old origin restores it.
    const registered = () => must(srv, 'GET', '/v1/partners/nordlink/peerings/nordlink-ams/registered-prefixes/contoso');
    assert.equal((await registered()).verifiedOriginAs, 64496);
    await ams2.announce!([good('45.66.0.0/24', { asPath: [64499] })]);
    const hijackReason = 'hijack: 45.66.0.0/24 originated by AS64499, registered prefix 45.66.0.0/23 is originated by AS64496';
    await until(async () => (await hq()).state === 'Failed', 'Failed on another origin');
    assert.equal((await hq()).errorMessage, `Route for prefix 45.66.0.0/24 from IP 127.11.1.3 rejected: ${hijackReason}`);
    const ams2Rib = () => daemon.speakers.get('ams-er2')!.adjRibIn('127.11.1.3')!;
    assert.equal(ams2Rib().rejected(parsePrefixKey('45.66.0.0/24')!), hijackReason);
    assert.ok(events.includes('contoso/contoso-eu/hq PrefixHijackEvent'), events.join('\n'));
    assert.ok(events.includes('contoso/contoso-eu/hq PrefixOriginAsChangeEvent'), events.join('\n'));
    await ams2.announce!([good('45.66.0.0/24')]);
    await until(async () => (await hq()).state === 'Verified', 'Verified with the verified origin again');

    // A partner that really moves the prefix to another origin asks for validation again: the
    // origin memory is cleared and the new origin becomes the verified one.
    const moved = (p: string) => good(p, { asPath: [64499] });
    writeVrps(64499); // its ROA moves too
    for (const r of routers.slice(0, 2)) await r.announce!([moved('45.66.0.0/23')]);
    await until(async () => (await registered()).state === 'Failed', 'registered prefix Failed on the new origin');
    const revalidated = await must(srv, 'POST', '/v1/partners/nordlink/peerings/nordlink-ams/registered-prefixes/contoso/validate');
    assert.deepEqual([revalidated.state, revalidated.verifiedOriginAs], ['Pending', null]);
    await daemon.reload(); // serve reloads after every API write
    await until(async () => (await registered()).state === 'Verified', 'registered prefix Verified on the new origin');
    assert.equal((await registered()).verifiedOriginAs, 64499);
    // (back to the first origin the same way, for the cases below)
    writeVrps(64496);
    for (const r of routers.slice(0, 2)) await r.announce!([good('45.66.0.0/23')]);
    await must(srv, 'POST', '/v1/partners/nordlink/peerings/nordlink-ams/registered-prefixes/contoso/validate');
    await daemon.reload();
    await until(async () => (await registered()).verifiedOriginAs === 64496 && (await registered()).state === 'Verified', 'back on AS64496');

    // RPKI: the VRP now names another origin; every route of 45.66.0.0/24 turns Invalid and is
    // rejected, the prefix fails with the reference-style message and an RPKI invalid event;
    // the right VRP restores it.
    writeVrps(64511);
    await until(async () => (await hq()).state === 'Failed', 'Failed on RPKI invalid');
    assert.equal((await hq()).errorMessage, 'Received route for prefix 45.66.0.0/24 is RPKI invalid');
    assert.equal(ams2Rib().rejected(parsePrefixKey('45.66.0.0/24')!), 'Received route for prefix 45.66.0.0/24 is RPKI invalid');
    assert.ok(events.includes('contoso/contoso-eu/hq PrefixRpkiInvalidEvent'), events.join('\n'));
    const invalid = await liveGet('/v1/partners/nordlink/peerings/nordlink-ams/received-routes?prefix=45.66.0.0/24&rpkiValidationState=Invalid');
    assert.equal(invalid.items.length, 2);
    writeVrps(64496);
    await until(async () => (await hq()).state === 'Verified', 'Verified on RPKI valid');
    const valid = await liveGet('/v1/partners/nordlink/peerings/nordlink-ams/received-routes?rpkiValidationState=Valid&originAsValidationState=Valid');
    assert.deepEqual(
      valid.items.map((r: { prefix: string; connection: string }) => `${r.prefix} ${r.connection}`),
      ['45.66.0.0/23 ams-1', '45.66.0.0/23 ams-2', '45.66.0.0/24 ams-1', '45.66.0.0/24 ams-2'],
    );

    // A partner router that stops: Warning naming its session, then restored when it is back.
    const spec = {
      kind,
      address: '127.11.1.3',
      port: PORT,
      asn: 64501,
      routerId: '127.11.1.3',
      peers: [{ address: '127.11.1.2', port: PORT, asn: 64500, families: ['ipv4' as const] }],
      routes: [good('45.66.0.0/24'), good('45.66.0.0/23')],
    };
    await ams2.stop();
    await until(async () => (await hq()).state === 'Warning', 'Warning on a stopped router');
    assert.equal((await hq()).errorMessage, 'Not receiving prefix advertisement from IP 127.11.1.3 for prefix 45.66.0.0/24');
    const down = await liveGet('/v1/partners/nordlink/peerings/nordlink-ams/connections/ams-2');
    assert.equal(down.bgp.length, 1);
    assert.notEqual(down.bgp[0].state, 'Established');
    routers[1] = await startDaemon(spec);
    await until(async () => (await hq()).state === 'Verified', 'Verified when the router is back');
    const up = (await liveGet('/v1/partners/nordlink/peerings/nordlink-ams/connections/ams-2')).bgp[0];
    assert.deepEqual([up.state, up.peerAddress, up.prefixesReceived, up.prefixesAccepted], ['Established', '127.11.1.3', 2, 2]);

    const ams2Conn = (maxPrefixesV4: number) => {
      const { name: _, ...body } = conn('ams-2', 'ams-er2', '127.11.1.2/31', { maxPrefixesV4 });
      return body;
    };
    // The session's max-prefix: a limit of 1 with 2 prefixes announced tears the session down
    // (Warning naming it); the usual limit brings it back.
    await must(srv, 'PUT', '/v1/partners/nordlink/peerings/nordlink-ams/connections/ams-2', ams2Conn(1));
    await daemon.reload();
    const ams2Session = async () => (await liveGet('/v1/partners/nordlink/peerings/nordlink-ams/connections/ams-2')).bgp[0];
    await until(async () => /prefixes 2 exceed the limit 1/.test((await ams2Session()).lastError?.message ?? ''), 'the max-prefix teardown');
    await until(async () => (await hq()).state === 'Warning', 'Warning over the max-prefix limit');
    assert.equal(
      (await hq()).errorMessage,
      'Not receiving prefix advertisement from IP 127.11.1.3 for prefix 45.66.0.0/24',
      [...stateLog.slice(-10), ...daemonLog.slice(-25)].join('\n'),
    );
    await must(srv, 'PUT', '/v1/partners/nordlink/peerings/nordlink-ams/connections/ams-2', ams2Conn(2000));
    await daemon.reload();
    await until(async () => (await hq()).state === 'Verified', 'Verified under the usual limit');

    // The route server announces contoso's prefix and a more-specific of it: hijacks.
    const rs = await startDaemon({
      kind: other,
      address: '127.12.2.100',
      port: PORT,
      asn: 64502,
      routerId: '127.12.2.100',
      peers: [{ address: '127.12.2.1', port: PORT, asn: 64500, families: ['ipv4'] }],
      routes: [
        good('45.66.0.0/24', { asPath: [64666] }),
        good('45.66.0.128/25', { asPath: [64666] }),
        // fabrikam's prefix from its registered ASN, and a prefix from an ASN nobody registered
        good('176.124.200.0/24', { asPath: [65540] }),
        good('203.0.113.0/24', { asPath: [64666] }),
      ],
    });
    routers.push(rs);
    const rib = () => daemon.speakers.get('fra-er1')!.adjRibIn('127.12.2.100')!;
    await until(async () => rib().size === 4, "the route server's routes received").catch((e) => {
      throw new Error(`${e.message}\n${rs.logs().slice(-2000)}`);
    });
    // (the RIB keeps what apex-ix may read: the owner by its ASN; the operator's received routes name it)
    assert.equal(rib().rejected(parsePrefixKey('45.66.0.0/24')!), 'hijack: 45.66.0.0/24 is registered by another partner (AS64501), not apex-ix');
    assert.equal(rib().rejected(parsePrefixKey('45.66.0.128/25')!), 'hijack: 45.66.0.128/25 is registered by another partner (AS64501), not apex-ix');
    const rsRoutes = await liveGet('/v1/partners/apex-ix/peerings/apex-fra/received-routes?prefix=45.66.0.128/25');
    assert.equal(rsRoutes.items[0].reason, 'hijack: 45.66.0.128/25 is registered by partner nordlink (peering nordlink/nordlink-ams), not apex-ix');
    assert.equal(rib().rejected(parsePrefixKey('176.124.200.0/24')!), undefined, 'a registered origin is accepted from the route server');
    assert.equal(rib().rejected(parsePrefixKey('203.0.113.0/24')!), 'origin AS64666 is not registered on peering apex-ix/apex-fra');
    assert.equal(rib().acceptedV4, 1);
    // fabrikam's provider has one route-server session in Frankfurt: not the two routers asked for.
    const office = await must(srv, 'GET', '/v1/customers/fabrikam/peering-services/fabrikam-eu/prefixes/office');
    assert.deepEqual([office.state, office.errorMessage], ['Failed', 'Provider has fewer than two sessions in its primary location']);
    assert.equal((await hq()).state, 'Verified');
    // The hijack events reach the registered prefix and the customer prefix it touches, stored.
    assert.ok(events.includes('nordlink/nordlink-ams/contoso PrefixHijackEvent'), events.join('\n'));
    assert.ok(events.includes('contoso/contoso-eu/hq PrefixHijackEvent'));
    await daemon.stop();
    const stored = await srv.registry.events.listForCustomer('contoso', { limit: 1000 });
    // What contoso reads names apex-ix by its ASN only (its names and session address are internal).
    const hijack = stored.items.find((e) => e.type === 'PrefixHijackEvent' && e.details.prefix === '45.66.0.0/24' && e.details.peerAs === 64502)!;
    assert.equal(hijack.level, 'Critical');
    assert.deepEqual([hijack.details.originAs, hijack.details.registeredPrefix, hijack.details.peer], [64666, '45.66.0.0/23', undefined]);
    assert.doesNotMatch(JSON.stringify([hijack.summary, hijack.details]), /apex|127\.12\./);
    // The more-specific reaches contoso's prefix around it too.
    assert.ok(stored.items.some((e) => e.type === 'PrefixHijackEvent' && e.subject === 'contoso/contoso-eu/hq' && e.details.prefix === '45.66.0.128/25'));
  });
}
