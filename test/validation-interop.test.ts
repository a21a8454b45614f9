// Live validation with real partner routers: BIRD 2 (then GoBGP) runs nordlink's four routers (one
// process per session address) and the other one the route server of apex-ix, against the daemon
// on the test world.
// Each bad announcement gives its exact message, fixing it turns the prefix Verified again (with
// a restored event), and another partner announcing the prefix is rejected as a hijack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './helpers/server.js';
import { buildWorld, must } from './helpers/world.js';
import { EdgeDaemon } from '../src/daemon.js';
import { startDaemon, type Daemon, type DaemonKind, type RouteSpec } from '../src/lab/daemons/index.js';
import { textToKey } from '../src/bgp/wire/nlri.js';


async function until(cond: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

for (const [kind, other, PORT] of [['bird', 'gobgp', 1792], ['gobgp', 'bird', 1793]] as Array<[DaemonKind, DaemonKind, number]>) {
  test(`${kind} partner routers: every route check gives its message; a hijack from a ${other} route server is rejected`, async (t) => {
    const srv = await startServer();
    t.after(() => srv.close());
    await buildWorld(srv);
    const daemon = new EdgeDaemon(srv.registry, { port: PORT, connectRetry: 1 });
    const events: string[] = [];
    daemon.on('event', (p, e) => events.push(`${p.id} ${e.type}`));
    await daemon.start();
    const routers: Daemon[] = [];
    t.after(async () => { await daemon.stop(); for (const r of routers) await r.stop(); });

    const good = (prefix: string, extra: Partial<RouteSpec> = {}): RouteSpec => ({ prefix, asPath: [64496], communities: ['64500:8007'], ...extra });
    // nordlink: ams-1, ams-2 (primary location of contoso-eu), fra-1, fra-2 (backup).
    const sessions = [['127.11.1.1', '127.11.1.0'], ['127.11.1.3', '127.11.1.2'], ['127.11.2.1', '127.11.2.0'], ['127.11.2.3', '127.11.2.2']] as const;
    for (const [address, operator] of sessions) {
      routers.push(await startDaemon({
        kind, address, port: PORT, asn: 64501, routerId: address, peers: [{ address: operator, port: PORT, asn: 64500, families: ['ipv4'] }],
        routes: [good('45.66.0.0/24'), good('45.66.0.0/23')],
      }));
    }
    const hq = () => must(srv, 'GET', '/v1/customers/contoso/peering-services/contoso-eu/prefixes/hq');
    const logs = () => routers.map((r) => r.logs().slice(-800)).join('\n---\n');
    await until(async () => (await hq()).state === 'Verified', 'hq Verified').catch((e) => { throw new Error(`${e.message}\n${logs()}`); });

    // One router at a time sends a bad announcement; each gives its message, and fixing it restores.
    const ams2 = routers[1]!;
    const cases: Array<[Partial<RouteSpec>, string]> = [
      [{ communities: [] }, 'Received route for prefix 45.66.0.0/24 should have the MAPS community 64500:8007'],
      [{ asPath: [64496, 64497, 64498] }, 'AS path length for prefix 45.66.0.0/24 should be <=3'],
      [{ asPath: [65000] }, "AS path for prefix 45.66.0.0/24 shouldn't have any private ASN"],
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

    // The route server announces contoso's prefix and a more-specific of it: hijacks.
    const rs = await startDaemon({
      kind: other, address: '127.12.2.100', port: PORT, asn: 64502, routerId: '127.12.2.100',
      peers: [{ address: '127.12.2.1', port: PORT, asn: 64500, families: ['ipv4'] }],
      routes: [good('45.66.0.0/24', { asPath: [64666] }), good('45.66.0.128/25', { asPath: [64666] })],
    });
    routers.push(rs);
    const rib = () => daemon.speakers.get('fra-er1')!.rib.peers.get('127.12.2.100')!.rib;
    await until(async () => rib().size === 2, 'the hijacks received').catch((e) => { throw new Error(`${e.message}\n${rs.logs().slice(-2000)}`); });
    assert.equal(rib().rejected(textToKey('45.66.0.0/24')!), 'hijack: 45.66.0.0/24 is registered by partner nordlink (peering nordlink/nordlink-ams), not apex-ix');
    assert.equal(rib().rejected(textToKey('45.66.0.128/25')!), 'hijack: 45.66.0.128/25 is registered by partner nordlink (peering nordlink/nordlink-ams), not apex-ix');
    assert.equal(rib().acceptedV4, 0);
    assert.equal((await hq()).state, 'Verified');
    // The hijack events reach the registered prefix and the customer prefix it touches, stored.
    assert.ok(events.includes('nordlink/nordlink-ams/contoso PrefixHijackEvent'), events.join('\n'));
    assert.ok(events.includes('contoso/contoso-eu/hq PrefixHijackEvent'));
    await daemon.stop();
    const stored = await srv.registry.events.listForCustomer('contoso', { limit: 1000 });
    const hijack = stored.items.find((e) => e.type === 'PrefixHijackEvent' && e.prefix === '45.66.0.0/24')!;
    assert.equal(hijack.level, 'Critical');
    assert.deepEqual([hijack.details.peer, hijack.details.originAs, hijack.details.owner], ['127.12.2.100', 64666, 'nordlink/nordlink-ams']);
  });
}
