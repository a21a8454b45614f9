// Registry changes reach the live side one at a time, and whole: reloads asked for together run
// one after the other, and route and session events that come while a reload is applied (a
// flapping route, the sessions of a restarting speaker going down) are judged against the old
// registry view or the whole new one, never half of it (the new watched prefix with the old import
// policy would fail the prefix as "rejected: not registered"). Both tests fail on the daemon
// before src/edge (6025f03): "peer configured twice", and that Failed state.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCommunity } from '../src/bgp/wire/attributes/communities.js';
import { EdgeDaemon } from '../src/edge/edge-daemon.js';
import { parsePrefixKey } from '../src/net/prefix-key.js';
import { partnerSpeaker } from './helpers/partner-speaker.js';
import { startServer, type TestServer } from './helpers/server.js';
import { until } from './helpers/until.js';
import { activate, conn, must } from './helpers/world.js';

const PORT = 17401;
const KEY = '6b0f4a6e-2c61-4d8e-9d1e-0c8a8b3b5f74';
const good = { origin: 0, asPath: [{ type: 2, asns: [64496] }], communities: [parseCommunity('64500:8007')!] };

/**
 * Operator 64500 with two edge routers in ams; nordlink's peering with a connection on each, only
 * ams-1 (ams-er1, 127.74.n.0/31) Active: ams-0 (ams-er2, 127.74.n.2/31) comes later.
 */
async function world(srv: TestServer, n: number): Promise<void> {
  await must(srv, 'PUT', '/v1/operator', { asn: 64500, name: 'Example Cloud' });
  await must(srv, 'PUT', '/v1/pops/ams', { metro: 'Amsterdam', country: 'NL', lat: 52.37, lon: 4.9 });
  for (const r of [1, 2]) await must(srv, 'PUT', `/v1/pops/ams/routers/ams-er${r}`, { routerId: `10.255.74.${r}`, addresses: [`127.74.0.${r}`] });
  await must(srv, 'PUT', '/v1/partners/nordlink', { kind: 'isp', displayName: 'NordLink Telecom' });
  await must(srv, 'PUT', '/v1/partners/nordlink/asns/64501', { name: 'NordLink', contacts: [{ role: 'Noc', email: 'noc@nordlink.example' }] });
  await must(srv, 'POST', '/v1/partners/nordlink/asns/64501/approval', { state: 'approved' });
  await must(
    srv,
    'PUT',
    '/v1/partners/nordlink/peerings/nordlink-ams',
    {
      type: 'peering-service',
      pop: 'ams',
      asn: 64501,
      connections: [conn('ams-0', 'ams-er2', `127.74.${n}.2/31`), conn('ams-1', 'ams-er1', `127.74.${n}.0/31`)],
    },
    201,
  );
  await activate(srv, 'nordlink', 'nordlink-ams', 'ams-1');
}

/** The second connection turns Active: it sorts first, so its (fresh) speaker is set up first. */
const addConnection = (srv: TestServer) => activate(srv, 'nordlink', 'nordlink-ams', 'ams-0');

test('reloads asked for together run one after the other: a new session is configured once', async (t) => {
  const srv = await startServer();
  t.after(() => srv.close());
  await world(srv, 1);
  const log: string[] = [];
  const daemon = new EdgeDaemon(srv.registry, { port: PORT, connectRetry: 1, log: (l) => log.push(l) });
  t.after(() => daemon.stop());
  await daemon.start();

  await addConnection(srv);
  await Promise.all([daemon.reload(), daemon.reload(), daemon.reload()]);
  assert.equal(log.filter((l) => /session to 127\.74\.1\.3 .* configured/.test(l)).length, 1, log.join('\n'));
  assert.equal(daemon.speakers.get('ams-er2')?.peer('127.74.1.3')?.session.state !== undefined, true);
  assert.deepEqual([...daemon.speakers.keys()].sort(), ['ams-er1', 'ams-er2']);
});

test('route updates during a reload are judged against the whole new registry view', async (t) => {
  const srv = await startServer();
  t.after(() => srv.close());
  await world(srv, 2);
  await addConnection(srv);
  const daemon = new EdgeDaemon(srv.registry, { port: PORT, connectRetry: 1 });
  const states: string[] = [];
  daemon.on('state', (p, r) => {
    if (p.kind === 'registered-prefix') states.push(`${r.state} ${r.message ?? ''}`);
  });
  t.after(() => daemon.stop());
  await daemon.start();
  const partner = await partnerSpeaker({
    address: '127.74.2.1',
    asn: 64501,
    operatorAddress: '127.74.2.0',
    port: PORT,
    routes: [{ prefix: '45.66.0.0/23', attrs: good }],
    nextHopV4: '127.74.2.1',
  });
  t.after(() => partner.stop());
  const other = await partnerSpeaker({
    address: '127.74.2.3',
    asn: 64501,
    operatorAddress: '127.74.2.2',
    port: PORT,
    routes: [{ prefix: '45.66.0.0/23', attrs: good }],
    nextHopV4: '127.74.2.3',
  });
  t.after(() => other.stop());
  const rib = () => daemon.speakers.get('ams-er1')?.adjRibIn('127.74.2.1');
  const er2Up = () => daemon.speakers.get('ams-er2')?.peer('127.74.2.3')?.session.isEstablished === true;
  const key = parsePrefixKey('45.66.0.0/23')!;
  await until(
    () => rib()?.get(key) !== undefined,
    () => 'the route received',
  );
  assert.match(rib()!.rejected(key) ?? '', /not registered/, 'not registered yet: rejected');

  // The partner flaps the route on ams-er1 while the prefix is registered and deleted again, each
  // time with a new router id for ams-er2: its speaker restarts (its session going down, its
  // listener closing) on the way to ams-er1's session, which sorts after it and gets its new
  // import policy only then.
  let up = true;
  const flap = setInterval(() => {
    up = !up;
    if (up) partner.announce([{ key, attrs: good }]);
    else partner.withdraw([key]);
  }, 1);
  t.after(() => clearInterval(flap));
  let updates = 0;
  daemon.speakers.get('ams-er1')!.on('routes', () => {
    updates++;
  });
  await until(
    () => updates > 20,
    () => 'the flapping under way',
  );
  const registration = '/v1/partners/nordlink/peerings/nordlink-ams/registered-prefixes/contoso';
  let routerId = 10;
  const newRouterId = () => must(srv, 'PUT', '/v1/pops/ams/routers/ams-er2', { routerId: `10.255.74.${routerId++}`, addresses: ['127.74.0.2'] });
  for (let round = 0; round < 3; round++) {
    await until(er2Up, () => 'the session on ams-er2 up');
    await must(srv, 'PUT', registration, { prefix: '45.66.0.0/23', key: KEY }, 201);
    await newRouterId();
    await daemon.reload();
    await must(srv, 'DELETE', registration);
    await newRouterId();
    await daemon.reload();
  }
  await must(srv, 'PUT', registration, { prefix: '45.66.0.0/23', key: KEY }, 201);
  await daemon.reload();
  clearInterval(flap);
  partner.announce([{ key, attrs: good }]);
  await until(
    () => rib()?.get(key) !== undefined && rib()!.rejected(key) === undefined,
    () => 'the route accepted',
  );
  await until(
    () => states.at(-1) === 'Verified ',
    () => `the prefix judged with both sessions (states: ${states.join(' | ')})`,
  );
  assert.deepEqual(
    states.filter((s) => / rejected: /.test(s)),
    [],
    'no state from the new prefix and the old policy',
  );
});
