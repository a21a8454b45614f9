// The registry's facts for validation, read from a real store built through the API, and the
// view built from them: sessions per peering, watched prefixes with their primary and backup
// sessions, registrations for the import policies; states written back show in the API.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { parsePrefix } from '../src/net/prefix.js';
import { ValidationFacts } from '../src/registry/validation-facts.js';
import { buildView } from '../src/validation/view.js';
import { startServer } from './helpers/server.js';
import { buildWorld, must } from './helpers/world.js';

test('facts and view of the test world', async () => {
  const s = await startServer();
  after(() => s.close());
  await buildWorld(s);
  // A customer prefix whose key no provider issued fails whatever the routes say.
  await must(s, 'PUT', '/v1/customers/contoso/peering-services/contoso-eu/prefixes/bad-key', {
    prefix: '45.66.1.0/24',
    key: '00000000-0000-4000-8000-000000000000',
  });
  const facts = await new ValidationFacts(s.registry.store).load();
  assert.equal(facts.operatorAsn, 64500);
  const ams = facts.peerings.find((p) => p.id === 'nordlink/nordlink-ams')!;
  // No IPv6 session addresses: the IPv4 sessions carry IPv6 routes too, with the IPv6 limit.
  assert.deepEqual(
    ams.sessions.map((x) => [x.connection, x.router, x.pop, x.family, x.families, x.peerAddress, x.maxPrefixes, x.maxPrefixesV6]),
    [
      ['ams-1', 'ams-er1', 'ams', 4, [4, 6], '127.11.1.1', 2000, 500],
      ['ams-2', 'ams-er2', 'ams', 4, [4, 6], '127.11.1.3', 2000, 500],
    ],
  );
  assert.deepEqual(facts.registeredPrefixes, [
    {
      id: 'nordlink/nordlink-ams/contoso',
      peering: 'nordlink/nordlink-ams',
      prefix: '45.66.0.0/23',
      stored: { state: 'Pending', message: null },
      originAs: null,
      remembered: { look: null, alerts: null },
    },
  ]);
  assert.deepEqual(facts.registeredAsns, [{ peering: 'apex-ix/apex-fra', asn: 65540 }]);
  assert.deepEqual(facts.customerPrefixes.map((c) => [c.id, c.keyMismatch ?? null]).sort(), [
    ['contoso/contoso-eu/bad-key', 'The prefix key does not match a key that provider nordlink issued for prefix 45.66.1.0/24'],
    ['contoso/contoso-eu/hq', null],
    ['fabrikam/fabrikam-eu/office', null],
  ]);

  const view = buildView(facts);
  assert.equal(view.checks.community.text, '64500:8007');
  assert.equal(view.registrations.prefixes.get(parsePrefix('45.66.0.0/23')!), 'nordlink/nordlink-ams');
  assert.ok(view.registrations.asns.get('apex-ix/apex-fra')?.has(65540));
  const hq = view.engine.prefixes.find((p) => p.id === 'contoso/contoso-eu/hq')!;
  assert.deepEqual(
    hq.primary.map((x) => x.peerAddress),
    ['127.11.1.1', '127.11.1.3'],
  );
  assert.deepEqual(
    hq.backup?.map((x) => x.peerAddress),
    ['127.11.2.1', '127.11.2.3'],
  );
  const badKey = view.engine.prefixes.find((p) => p.id === 'contoso/contoso-eu/bad-key')!;
  assert.deepEqual(
    [badKey.fixed, badKey.stored],
    [
      { state: 'Failed', message: 'The prefix key does not match a key that provider nordlink issued for prefix 45.66.1.0/24' },
      { state: 'Failed', message: 'The prefix key does not match a key that provider nordlink issued for prefix 45.66.1.0/24' },
    ],
  );
  const office = view.engine.prefixes.find((p) => p.id === 'fabrikam/fabrikam-eu/office')!;
  assert.deepEqual([office.primary.map((x) => x.peerAddress), office.backup], [['127.12.2.100'], null]);

  const facts2 = new ValidationFacts(s.registry.store);
  await facts2.setState('customer-prefix', 'contoso/contoso-eu/hq', 'Warning', 'Not receiving prefix advertisement from IP 127.11.1.3 for prefix 45.66.0.0/24');
  await facts2.setState('registered-prefix', 'nordlink/nordlink-ams/contoso', 'Verified', null);
  const cp = await must(s, 'GET', '/v1/customers/contoso/peering-services/contoso-eu/prefixes/hq');
  assert.deepEqual([cp.state, cp.errorMessage], ['Warning', 'Not receiving prefix advertisement from IP 127.11.1.3 for prefix 45.66.0.0/24']);
  const rp = await must(s, 'GET', '/v1/partners/nordlink/peerings/nordlink-ams/registered-prefixes/contoso');
  assert.deepEqual([rp.state, rp.errorMessage], ['Verified', null]);

  // What validation keeps beside the state is written without touching the prefix's updated_at.
  await facts2.write([
    { kind: 'customer-prefix', id: 'contoso/contoso-eu/hq', look: '{"s":"Warning","p":{}}', alerts: '[["127.12.2.100","45.66.0.0/25",64666,"hijack"]]' },
    { kind: 'registered-prefix', id: 'nordlink/nordlink-ams/contoso', look: '{"s":"Verified","p":{}}' },
  ]);
  const again = await facts2.load();
  assert.deepEqual(again.customerPrefixes.find((c) => c.id === 'contoso/contoso-eu/hq')!.remembered, {
    look: '{"s":"Warning","p":{}}',
    alerts: '[["127.12.2.100","45.66.0.0/25",64666,"hijack"]]',
  });
  assert.deepEqual(again.registeredPrefixes[0]!.remembered, { look: '{"s":"Verified","p":{}}', alerts: null });
  assert.equal((await must(s, 'GET', '/v1/customers/contoso/peering-services/contoso-eu/prefixes/hq')).updatedAt, cp.updatedAt);
  assert.deepEqual(
    buildView(again).engine.prefixes.find((p) => p.id === 'contoso/contoso-eu/hq')!.remembered,
    again.customerPrefixes.find((c) => c.id === 'contoso/contoso-eu/hq')!.remembered,
  );
});
