// The live side end to end on loopback: the daemon runs the test world's edge routers, partner
// routers (openpeering speakers here) announce customer prefixes, and the registry shows the
// validation states: Verified, Warning when a session is lost, restored when it returns; a hijack
// from another partner is rejected with its reason; registry changes apply on reload without
// restarting unchanged sessions; events are stored and listed through the API.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { buildServer } from '../src/api/server.js';
import type { Speaker } from '../src/bgp/speaker.js';
import { parseCommunity } from '../src/bgp/wire/attributes/communities.js';
import type { PathAttributes } from '../src/bgp/wire/attributes/types.js';
import { EdgeDaemon } from '../src/edge/edge-daemon.js';
import { parsePrefixKey } from '../src/net/prefix-key.js';
import { partnerSpeaker } from './helpers/partner-speaker.js';
import { startServer } from './helpers/server.js';
import { until } from './helpers/until.js';
import { buildWorld, must } from './helpers/world.js';

const PORT = 1791;
const COMMUNITY = parseCommunity('64500:8007')!;

/** A partner router: one speaker on the partner's session address, announcing `routes`. */
const partnerRouter = (address: string, asn: number, operatorAddress: string, routes: Array<{ prefix: string; attrs: PathAttributes }>): Promise<Speaker> =>
  partnerSpeaker({ address, asn, operatorAddress, port: PORT, routes, nextHopV4: '192.0.2.1' });

test('prefix states follow the partner routers: Verified, Warning on a lost session, restored; hijack rejected', async () => {
  const srv = await startServer();
  after(() => srv.close());
  await buildWorld(srv);
  const log: string[] = [];
  const daemon = new EdgeDaemon(srv.registry, { port: PORT, connectRetry: 1, log: (l) => log.push(l) });
  const events: string[] = [];
  daemon.on('event', (p, e) => events.push(`${p.id} ${e.type}`));
  await daemon.start();
  const partners: Speaker[] = [];
  after(async () => {
    for (const p of partners) await p.stop();
    await daemon.stop();
  });

  const good = { origin: 0, asPath: [{ type: 2, asns: [64496] }], communities: [COMMUNITY] };
  const routes = [
    { prefix: '45.66.0.0/24', attrs: good },
    { prefix: '45.66.0.0/23', attrs: good },
  ];
  // nordlink's sessions: ams-1/ams-2 (primary location of contoso-eu), fra-1/fra-2 (backup).
  const sessions = [
    ['127.11.1.1', '127.11.1.0'],
    ['127.11.1.3', '127.11.1.2'],
    ['127.11.2.1', '127.11.2.0'],
    ['127.11.2.3', '127.11.2.2'],
  ] as const;
  for (const [addr, op] of sessions) partners.push(await partnerRouter(addr, 64501, op, routes));

  const hq = () => must(srv, 'GET', '/v1/customers/contoso/peering-services/contoso-eu/prefixes/hq');
  const reg = () => must(srv, 'GET', '/v1/partners/nordlink/peerings/nordlink-ams/registered-prefixes/contoso');
  await until(async () => (await hq()).state === 'Verified', `hq Verified (log: ${log.join(' | ')})`);
  await until(async () => (await reg()).state === 'Verified', 'the registered prefix Verified');
  assert.ok(events.includes('contoso/contoso-eu/hq PrefixActivePath'));
  assert.ok(events.includes('contoso/contoso-eu/hq PrefixBackupRouteAnnouncementEvent'));

  // The partner's second Amsterdam router goes away.
  await partners[1]!.stop();
  await until(async () => (await hq()).state === 'Warning', 'hq Warning');
  assert.equal((await hq()).errorMessage, 'Not receiving prefix advertisement from IP 127.11.1.3 for prefix 45.66.0.0/24');
  assert.equal((await reg()).errorMessage, 'Prefix not received from IP 127.11.1.3');
  assert.ok(events.includes('contoso/contoso-eu/hq PrefixWithdrawalEvent'));

  partners[1] = await partnerRouter('127.11.1.3', 64501, '127.11.1.2', routes);
  await until(async () => (await hq()).state === 'Verified', 'hq Verified again');
  assert.ok(events.includes('contoso/contoso-eu/hq PrefixRestoredEvent'));

  // Another partner (the route server in Frankfurt) announces contoso's prefix: a hijack.
  partners.push(
    await partnerRouter('127.12.2.100', 64502, '127.12.2.1', [{ prefix: '45.66.0.0/24', attrs: { ...good, asPath: [{ type: 2, asns: [64666] }] } }]),
  );
  const fra = daemon.speakers.get('fra-er1')!;
  await until(() => (fra.adjRibIn('127.12.2.100')?.size ?? 0) > 0, 'the hijack received');
  const rib = fra.adjRibIn('127.12.2.100')!;
  // The RIB keeps the reason apex-ix may read: the owner by its ASN only.
  assert.equal(rib.rejected(parsePrefixKey('45.66.0.0/24')!), 'hijack: 45.66.0.0/24 is registered by another partner (AS64501), not apex-ix');
  assert.equal((await hq()).state, 'Verified', 'the hijack does not disturb the prefix');

  // The received routes, as the API shows them to the peering's partner.
  const live = await buildServer(srv.registry, { live: daemon });
  after(() => live.close());
  const received = await live.inject({
    method: 'GET',
    url: '/v1/partners/apex-ix/peerings/apex-fra/received-routes?accepted=false',
    headers: { authorization: `Bearer ${srv.operatorKey}` },
  });
  assert.equal(received.statusCode, 200);
  assert.deepEqual(received.json().items, [
    {
      prefix: '45.66.0.0/24',
      connection: 'rs-1',
      peerAddress: '127.12.2.100',
      nextHop: '192.0.2.1',
      asPath: '64502 64666',
      originAs: 64666,
      communities: ['64500:8007'],
      largeCommunities: [],
      originAsValidationState: 'Invalid',
      rpkiValidationState: 'Unknown',
      accepted: false,
      reason: 'hijack: 45.66.0.0/24 is registered by partner nordlink (peering nordlink/nordlink-ams), not apex-ix',
    },
  ]);
  // ... and to apex-ix itself: another partner is named by its ASN only.
  const asApex = await live.inject({
    method: 'GET',
    url: '/v1/partners/apex-ix/peerings/apex-fra/received-routes?accepted=false',
    headers: { authorization: `Bearer ${await srv.key('partner', 'apex-ix')}` },
  });
  assert.equal(asApex.json().items[0].reason, 'hijack: 45.66.0.0/24 is registered by another partner (AS64501), not apex-ix');
  const nordlinkRoutes = await live.inject({
    method: 'GET',
    url: '/v1/partners/nordlink/peerings/nordlink-ams/received-routes?limit=2',
    headers: { authorization: `Bearer ${srv.operatorKey}` },
  });
  const page = nordlinkRoutes.json();
  assert.deepEqual(
    page.items.map((r: { prefix: string; connection: string; accepted: boolean }) => `${r.prefix} ${r.connection} ${r.accepted}`),
    ['45.66.0.0/23 ams-1 true', '45.66.0.0/23 ams-2 true'],
  );
  assert.ok(page.nextCursor);
  const bad = await live.inject({
    method: 'GET',
    url: '/v1/partners/nordlink/peerings/nordlink-ams/received-routes?prefix=45.66.0.1/24',
    headers: { authorization: `Bearer ${srv.operatorKey}` },
  });
  assert.equal(bad.statusCode, 400);

  // Registry changes apply live. A prefix the partner announces before it is registered is
  // filtered; once registered (and the daemon reloaded) it is accepted and verified.
  const extra = { prefix: '185.66.0.0/24', attrs: good };
  for (const p of partners.slice(0, 2)) p.announce([{ key: parsePrefixKey(extra.prefix)!, attrs: extra.attrs }]);
  const ams1 = daemon.speakers.get('ams-er1')!;
  await until(() => ams1.adjRibIn('127.11.1.1')?.get(parsePrefixKey(extra.prefix)!) !== undefined, 'the unregistered prefix received');
  assert.equal(ams1.adjRibIn('127.11.1.1')!.rejected(parsePrefixKey(extra.prefix)!), '185.66.0.0/24 is not registered by partner nordlink');
  await must(
    srv,
    'PUT',
    '/v1/partners/nordlink/peerings/nordlink-ams/registered-prefixes/extra',
    { prefix: extra.prefix, key: '7a1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d' },
    201,
  );
  const sessionBefore = ams1.peer('127.11.1.1')!.session;
  await daemon.reload();
  assert.equal(ams1.peer('127.11.1.1')!.session, sessionBefore, 'unchanged sessions stay up');
  assert.equal(ams1.adjRibIn('127.11.1.1')!.rejected(parsePrefixKey(extra.prefix)!), undefined, 're-judged with the new policy');
  const extraReg = () => must(srv, 'GET', '/v1/partners/nordlink/peerings/nordlink-ams/registered-prefixes/extra');
  await until(async () => (await extraReg()).state === 'Verified', 'the new registered prefix Verified');
  // A connection taken out of service: its session stops, the prefix loses it.
  await must(srv, 'POST', '/v1/partners/nordlink/peerings/nordlink-ams/connections/ams-2/state', { state: 'Decommissioning' });
  await daemon.reload();
  assert.equal(daemon.speakers.get('ams-er2'), undefined, 'a router left without sessions stops its speaker');
  await until(async () => (await hq()).state === 'Failed', 'hq Failed: one router left in the primary location');
  assert.equal((await hq()).errorMessage, 'Provider has fewer than two sessions in its primary location');

  // The events are stored: per prefix, per customer and per partner, oldest first, paged.
  await daemon.stop();
  const mine = await srv.registry.events.listForSubject('customer-prefix', 'contoso/contoso-eu/hq', { limit: 1000 });
  assert.deepEqual(
    mine.items.map((e) => `${e.subject} ${e.type}`),
    events.filter((e) => e.startsWith('contoso/contoso-eu/hq ')),
  );
  const withdrawal = mine.items.find((e) => e.type === 'PrefixWithdrawalEvent')!;
  assert.deepEqual([withdrawal.level, withdrawal.summary, withdrawal.details.peer], ['Warning', '45.66.0.0/24 withdrawn by 127.11.1.3', '127.11.1.3']);
  const page1 = await srv.registry.events.listForCustomer('contoso', { limit: 2 });
  assert.equal(page1.items.length, 2);
  const page2 = await srv.registry.events.listForCustomer('contoso', { limit: 2, cursor: page1.nextCursor! });
  // (ids are opaque: the second page continues where the first ended, in the list's order)
  const firstFour = (await srv.registry.events.listForCustomer('contoso', { limit: 4 })).items.map((e) => e.id);
  assert.deepEqual(
    [...page1.items, ...page2.items].map((e) => e.id),
    firstFour,
  );
  const partnerEvents = await srv.registry.events.listForPartner('nordlink', { limit: 1000 });
  assert.ok(
    partnerEvents.items.some((e) => e.subject === 'nordlink/nordlink-ams/contoso'),
    'the registered prefix events',
  );
  assert.ok(
    partnerEvents.items.some((e) => e.subject === 'contoso/contoso-eu/hq'),
    "and its customers' prefix events",
  );
  assert.equal((await srv.registry.events.listForCustomer('fabrikam', {})).items.length, 0);

  // ... and through the API, to the prefix's owners.
  const expanded = await must(srv, 'GET', '/v1/customers/contoso/peering-services/contoso-eu/prefixes/hq?expand=events');
  assert.deepEqual(
    expanded.events.map((e: { type: string }) => e.type),
    mine.items.map((e) => e.type),
  );
  assert.equal((await must(srv, 'GET', '/v1/customers/contoso/peering-services/contoso-eu/prefixes/hq')).events, undefined, 'only when asked for');
  const asCustomer = await srv.api('GET', '/v1/customers/contoso/events?limit=3', undefined, await srv.key('customer', 'contoso'));
  assert.equal(asCustomer.status, 200);
  assert.equal(asCustomer.body.items.length, 3);
  assert.ok(asCustomer.body.nextCursor);
  const asPartner = await srv.api('GET', '/v1/partners/nordlink/events', undefined, await srv.key('partner', 'nordlink'));
  assert.equal(asPartner.status, 200);
  assert.ok(
    asPartner.body.items.some((e: { type: string; subject: string }) => e.subject === 'nordlink/nordlink-ams/contoso' && e.type === 'PrefixWithdrawalEvent'),
  );
  const regExpanded = await must(srv, 'GET', '/v1/partners/nordlink/peerings/nordlink-ams/registered-prefixes/contoso?expand=events');
  assert.ok(regExpanded.events.length > 0);
});
