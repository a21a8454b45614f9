// Tenants never read each other's names: the live side on loopback (127.60.0.0/16) with partner
// routers (openpeering speakers) for nordlink's four sessions and apex-ix's two route servers,
// which announce a more-specific of contoso's prefix (a hijack) and fabrikam's "squat" inside
// nordlink's registration. Received-routes reasons, prefix messages and stored events name no
// other partner, peering or session address for a partner or customer key (another partner's ASN
// at most); the operator's received routes and the events' internal facts do. The hijacked
// more-specific reaches contoso's customer prefix around it, with the event's prefix set to it;
// an ongoing hijack is raised once, and again only once withdrawn and announced anew.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildServer } from '../src/api/server.js';
import type { Speaker } from '../src/bgp/speaker.js';
import { parseCommunity } from '../src/bgp/wire/attributes/communities.js';
import { EdgeDaemon } from '../src/edge/edge-daemon.js';
import type { AnnouncedRoute } from '../src/lab/routers/index.js';
import { parsePrefixKey } from '../src/net/prefix-key.js';
import type { PrefixEvent } from '../src/validation/events.js';
import { partnerSpeaker } from './helpers/partner-speaker.js';
import { startServer } from './helpers/server.js';
import { until } from './helpers/until.js';
import { APEX_ROUTES, buildWorld60, NORDLINK_ROUTES, PREFIXES60, SESSIONS60 } from './helpers/world-60.js';

const PORT = 17921;

/** A partner router: our own speaker on the partner's session address, announcing `routes`. */
const partnerRouter = (address: string, asn: number, operatorAddress: string, routes: AnnouncedRoute[]): Promise<Speaker> =>
  partnerSpeaker({
    address,
    asn,
    operatorAddress,
    port: PORT,
    nextHopV4: address,
    routes: routes.map((r) => ({
      prefix: r.prefix,
      attrs: { origin: 0, asPath: [{ type: 2, asns: r.asPath ?? [] }], communities: (r.communities ?? []).map((c) => parseCommunity(c)!) },
    })),
  });

test("partner and customer keys never read another partner's names; the operator does", async (t) => {
  const srv = await startServer();
  t.after(() => srv.close());
  await buildWorld60((m, p, b) =>
    srv.api(m, p, b).then((r) => {
      if (r.status >= 300) throw new Error(`${m} ${p}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    }),
  );
  const log: string[] = [];
  const daemon = new EdgeDaemon(srv.registry, { port: PORT, connectRetry: 1, log: (l) => log.push(l) });
  const events: Array<{ subject: string; e: PrefixEvent }> = [];
  daemon.on('event', (p, e) => events.push({ subject: p.id, e }));
  await daemon.start();
  const routers: Speaker[] = [];
  t.after(async () => {
    for (const r of routers) await r.stop();
    await daemon.stop();
  });
  for (const c of ['ams-1', 'ams-2', 'fra-1', 'fra-2'] as const) routers.push(await partnerRouter(SESSIONS60[c][0], 64501, SESSIONS60[c][1], NORDLINK_ROUTES));
  for (const c of ['rs-1', 'rs-2'] as const) routers.push(await partnerRouter(SESSIONS60[c][0], 64502, SESSIONS60[c][1], APEX_ROUTES));

  const get = async (path: string, key = srv.operatorKey) => {
    const r = await srv.api('GET', path, undefined, key);
    assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const state = async (path: string) => {
    const p = await get(path);
    return `${p.state} ${p.errorMessage ?? ''}`.trim();
  };
  const expected = [
    'Verified',
    'Verified',
    'Verified',
    'Failed Route for prefix 45.66.1.0/24 from IP 127.60.3.100 rejected: hijack: 45.66.1.0/24 is registered by another partner (AS64501), not apex-ix',
  ];
  const states = () => Promise.all(PREFIXES60.map(state));
  await until(
    async () => JSON.stringify(await states()) === JSON.stringify(expected),
    () => `the states (log: ${log.slice(-20).join(' | ')})`,
  );
  await until(
    () => events.filter((x) => x.e.type === 'PrefixHijackEvent' && x.subject === 'contoso/contoso-eu/hq').length === 2,
    () => 'the hijack events',
  );

  // Received routes: apex-ix reads the owner by its ASN, the operator by its names.
  const live = await buildServer(srv.registry, { live: daemon });
  t.after(() => live.close());
  const apexKey = await srv.key('partner', 'apex-ix');
  const received = async (key: string) => {
    const r = await live.inject({
      method: 'GET',
      url: '/v1/partners/apex-ix/peerings/apex-fra/received-routes?prefix=45.66.0.0/25&connection=rs-1',
      headers: { authorization: `Bearer ${key}` },
    });
    assert.equal(r.statusCode, 200, r.body);
    return r.json().items[0].reason as string;
  };
  assert.equal(await received(apexKey), 'hijack: 45.66.0.0/25 is registered by another partner (AS64501), not apex-ix');
  assert.equal(await received(srv.operatorKey), 'hijack: 45.66.0.0/25 is registered by partner nordlink (peering nordlink/nordlink-ams), not apex-ix');

  // An ongoing hijack raises nothing again; withdrawn and announced anew, it is a new one.
  const rs1 = routers[4]!;
  const moreSpecific = parsePrefixKey('45.66.0.0/25')!;
  const hqHijacks = () => events.filter((x) => x.e.type === 'PrefixHijackEvent' && x.subject === 'contoso/contoso-eu/hq').length;
  const attrs = { origin: 0, asPath: [{ type: 2, asns: [64666] }], communities: [parseCommunity('64500:8007')!] };
  rs1.withdraw([moreSpecific]);
  const rib = () => daemon.speakers.get('fra-er1')!.adjRibIn('127.60.3.100')!;
  await until(
    () => rib().get(moreSpecific) === undefined,
    () => 'the withdrawal',
  );
  rs1.announce([{ key: moreSpecific, attrs: { ...attrs, med: 5 } }]);
  await until(
    () => hqHijacks() === 3,
    () => 'a hijack announced anew',
  );
  // (sent again with other attributes but the same origin: still the same hijack)
  rs1.announce([{ key: moreSpecific, attrs: { ...attrs, med: 7 } }]);
  await until(
    () => rib().get(moreSpecific)?.attrs.med === 7,
    () => 'the route sent again',
  );
  assert.equal(hqHijacks(), 3);
  await daemon.stop(); // every event stored

  // Prefix messages, as the owners read them, name no other partner.
  const contoso = await srv.key('customer', 'contoso');
  const fabrikam = await srv.key('customer', 'fabrikam');
  const nordlink = await srv.key('partner', 'nordlink');
  assert.doesNotMatch(JSON.stringify(await get('/v1/customers/fabrikam/peering-services/fabrikam-eu/prefixes', fabrikam)), /nordlink/);
  assert.doesNotMatch(JSON.stringify(await get('/v1/customers/contoso/peering-services/contoso-eu/prefixes', contoso)), /apex|127\.60\.[34]\./);
  assert.doesNotMatch(JSON.stringify(await get('/v1/partners/nordlink/peerings/nordlink-ams/registered-prefixes', nordlink)), /apex|127\.60\.[34]\./);

  // Stored events: summaries and details name apex-ix by its ASN only, for contoso and nordlink.
  const forContoso = (await get('/v1/customers/contoso/events?limit=1000', contoso)).items as Array<{
    type: string;
    subject: string;
    summary: string;
    details: Record<string, unknown>;
  }>;
  const forNordlink = (await get('/v1/partners/nordlink/events?limit=1000', nordlink)).items as typeof forContoso;
  const forFabrikam = (await get('/v1/customers/fabrikam/events?limit=1000', fabrikam)).items as typeof forContoso;
  for (const e of [...forContoso, ...forNordlink]) assert.doesNotMatch(JSON.stringify([e.summary, e.details]), /apex|127\.60\.[34]\./, JSON.stringify(e));
  for (const e of forFabrikam) assert.doesNotMatch(JSON.stringify([e.summary, e.details]), /nordlink|127\.60\.[12]\./, JSON.stringify(e));
  // The more-specific's hijack reached contoso's customer prefix around it (and nordlink's registration).
  const hijacks = forContoso.filter((e) => e.type === 'PrefixHijackEvent');
  assert.deepEqual(
    hijacks.map((e) => [e.subject, e.details.prefix, e.details.peerAs, e.details.originAs]),
    [
      ['contoso/contoso-eu/hq', '45.66.0.0/25', 64502, 64666],
      ['contoso/contoso-eu/hq', '45.66.0.0/25', 64502, 64666],
      ['contoso/contoso-eu/hq', '45.66.0.0/25', 64502, 64666],
    ],
  );
  assert.equal(hijacks[0]!.summary, '45.66.0.0/25 from another partner (AS64502) rejected as a hijack of registered prefix 45.66.0.0/23');
  assert.ok(forNordlink.some((e) => e.type === 'PrefixHijackEvent' && e.subject === 'nordlink/nordlink-ams/contoso' && e.details.prefix === '45.66.0.0/25'));
  assert.ok(forNordlink.some((e) => e.type === 'PrefixHijackEvent' && e.subject === 'nordlink/nordlink-ams/contoso' && e.details.prefix === '45.66.1.0/24'));
  // fabrikam reads its own provider's session that sent the squat, and the owner by its ASN.
  const squat = forFabrikam.find((e) => e.type === 'PrefixHijackEvent' && e.subject === 'fabrikam/fabrikam-eu/squat')!;
  assert.equal(squat.summary, '45.66.1.0/24 from 127.60.3.100 rejected: hijack: 45.66.1.0/24 is registered by another partner (AS64501), not apex-ix');

  // The events as raised carry their prefix and, for the operator only, the names and addresses.
  const raised = events.filter((x) => x.e.type === 'PrefixHijackEvent' && x.subject === 'contoso/contoso-eu/hq').map((x) => x.e);
  assert.deepEqual(
    raised.map((e) => [e.prefix, e.internal?.partner, e.internal?.peering, e.internal?.owner]),
    Array(3).fill(['45.66.0.0/25', 'apex-ix', 'apex-ix/apex-fra', 'nordlink/nordlink-ams']),
  );
  assert.deepEqual(raised.map((e) => e.internal?.peer).sort(), ['127.60.3.100', '127.60.3.100', '127.60.4.100']);
  assert.match(
    String(raised[0]!.internal?.summary),
    /^45\.66\.0\.0\/25 from 127\.60\.[34]\.100 \(apex-ix\/apex-fra, AS64502\) rejected: hijack: 45\.66\.0\.0\/25 is registered by partner nordlink \(peering nordlink\/nordlink-ams\), not apex-ix$/,
  );
});
