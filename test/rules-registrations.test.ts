// Registry rules through the HTTP API (issue 2 §3): registered prefixes and registered ASNs,
// with their generated prefix keys.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startServer, type TestServer } from './helpers/server.js';
import { buildWorld, conn, KEYS } from './helpers/world.js';
import { expectError, expectOk, startsWith, UUID_RE } from './rules-common.js';

const RP = (peering: string, name: string, partner = 'nordlink') => `/v1/partners/${partner}/peerings/${peering}/registered-prefixes/${name}`;
const RA = (peering: string, name: string, partner = 'apex-ix') => `/v1/partners/${partner}/peerings/${peering}/registered-asns/${name}`;

describe('Registered prefixes', () => {
  let s: TestServer;
  let nordlink: string;
  let apex: string;
  let contoso: string;
  before(async () => {
    s = await startServer();
    await buildWorld(s);
    nordlink = await s.key('partner', 'nordlink');
    apex = await s.key('partner', 'apex-ix');
    contoso = await s.key('customer', 'contoso');
  });
  after(async () => {
    await s.close();
  });

  test('a peering needs at least one Active connection before prefixes are registered (422)', async () => {
    expectOk(
      await s.api('PUT', '/v1/partners/nordlink/peerings/nordlink-sin-x', {
        type: 'exchange',
        pop: 'sin',
        asn: 64501,
        connections: [conn('x1', 'sin-er1', '127.40.0.0/31')],
      }),
      201,
    );
    expectError(
      await s.api('PUT', RP('nordlink-sin-x', 'early'), { prefix: '185.10.0.0/22' }, nordlink),
      422,
      /At least one connection of peering nordlink-sin-x must be Active before prefixes can be registered/,
      'prefix',
    );
    for (const st of ['Approved', 'ProvisioningStarted', 'ProvisioningCompleted', 'Validating', 'Active']) {
      expectOk(await s.api('POST', '/v1/partners/nordlink/peerings/nordlink-sin-x/connections/x1/state', { state: st }), 200);
    }
    expectOk(await s.api('PUT', RP('nordlink-sin-x', 'early'), { prefix: '185.10.0.0/22' }, nordlink), 201, 'once Active');
  });

  test('IPv4 and IPv6 prefixes are accepted, in canonical form, with a generated UUID key shown to the partner', async () => {
    const v4 = expectOk(await s.api('PUT', RP('nordlink-ams', 'v4'), { prefix: '185.11.0.0/22' }, nordlink), 201, 'v4');
    assert.equal(v4.prefix, '185.11.0.0/22');
    assert.equal(v4.state, 'Pending');
    assert.match(v4.key, UUID_RE);
    const v6 = expectOk(await s.api('PUT', RP('nordlink-ams', 'v6'), { prefix: '2A0C:9A40:0010:0::/48' }, nordlink), 201, 'v6');
    assert.equal(v6.prefix, '2a0c:9a40:10::/48');
    assert.match(v6.key, UUID_RE);
    assert.notEqual(v4.key, v6.key);
    // The partner reads its key back; nobody else sees the registration.
    const got = expectOk(await s.api('GET', RP('nordlink-ams', 'v4'), undefined, nordlink), 200);
    assert.equal(got.key, v4.key);
    const listed = expectOk(await s.api('GET', '/v1/partners/nordlink/peerings/nordlink-ams/registered-prefixes', undefined, nordlink), 200);
    assert.deepEqual(listed.items.map((r: any) => r.name).sort(), ['contoso', 'v4', 'v6']);
    expectError(await s.api('GET', RP('nordlink-ams', 'v4'), undefined, apex), 404, /not found/, undefined, 'other partner');
    expectError(await s.api('GET', RP('nordlink-ams', 'v4'), undefined, contoso), 404, /not found/, undefined, 'customer');
    // Restating the same registration changes nothing and keeps the key.
    const again = await s.api('PUT', RP('nordlink-ams', 'v4'), { prefix: '185.11.0.0/22' }, nordlink);
    expectOk(again, 200);
    assert.equal(again.headers.get('openpeering-change'), 'unchanged');
    assert.equal(again.body.key, v4.key);
    expectError(
      await s.api('PUT', RP('nordlink-ams', 'v4'), { prefix: '185.12.0.0/22' }, nordlink),
      409,
      /cannot change its prefix/,
      'prefix',
      'prefix of a registration changed',
    );
  });

  test('private, reserved, documentation, loopback and multicast space is refused (400 "Invalid IP prefix ...")', async () => {
    const refused = [
      '10.0.0.0/8',
      '10.1.0.0/16',
      '172.16.0.0/12',
      '172.20.0.0/16',
      '192.168.0.0/16',
      '192.168.1.0/24', // private
      '192.0.2.0/24',
      '198.51.100.0/24',
      '203.0.113.0/24',
      '2001:db8::/32',
      '2001:db8:1::/48',
      '3fff::/20', // documentation
      '127.0.0.0/8',
      '::1/128', // loopback
      '224.0.0.0/4',
      '239.1.0.0/16',
      'ff00::/8',
      'ff02::/16', // multicast
      '0.0.0.0/8',
      '0.0.0.0/0',
      '100.64.0.0/10',
      '169.254.0.0/16',
      '198.18.0.0/15',
      '240.0.0.0/4',
      '255.255.255.255/32', // special
      'fc00::/7',
      'fd12:3456::/32',
      'fe80::/10',
      '::/0',
      '::ffff:0:0/96',
      '2002::/16',
      '4000::/3', // v6 special
    ];
    for (const prefix of refused) {
      expectError(await s.api('PUT', RP('nordlink-ams', 'bad'), { prefix }, nordlink), 400, startsWith(`Invalid IP prefix ${prefix}`), 'prefix', prefix);
    }
    expectError(await s.api('GET', RP('nordlink-ams', 'bad')), 404, /not found/, undefined, 'nothing registered');
  });

  test('host bits set, bad lengths and malformed text are refused (400 "Invalid IP prefix ...")', async () => {
    expectError(
      await s.api('PUT', RP('nordlink-ams', 'bad'), { prefix: '185.13.0.1/22' }, nordlink),
      400,
      /^Invalid IP prefix 185\.13\.0\.1\/22: host bits are set/,
      'prefix',
      'host bits v4',
    );
    expectError(
      await s.api('PUT', RP('nordlink-ams', 'bad'), { prefix: '2a0c:9a40:20::1/48' }, nordlink),
      400,
      /^Invalid IP prefix 2a0c:9a40:20::1\/48: host bits are set/,
      'prefix',
      'host bits v6',
    );
    expectError(
      await s.api('PUT', RP('nordlink-ams', 'bad'), { prefix: '185.13.0.0/33' }, nordlink),
      400,
      /^Invalid IP prefix 185\.13\.0\.0\/33/,
      'prefix',
      'length 33',
    );
    for (const prefix of ['not-a-prefix', '185.13.0.0', '185.13.0/24', '']) {
      expectError(
        await s.api('PUT', RP('nordlink-ams', 'bad'), { prefix }, nordlink),
        400,
        startsWith(`Invalid IP prefix ${prefix}`),
        'prefix',
        JSON.stringify(prefix),
      );
    }
  });

  test('a prefix belongs to one peering (409 when registered on another)', async () => {
    expectError(
      await s.api('PUT', RP('nordlink-fra', 'again'), { prefix: '45.66.0.0/23' }, nordlink),
      409,
      /Prefix 45\.66\.0\.0\/23 is already registered on a peering; a prefix can be registered under only one peering/,
      'prefix',
      'other peering',
    );
    expectError(
      await s.api('PUT', RP('nordlink-ams', 'again'), { prefix: '45.66.0.0/23' }, nordlink),
      409,
      /already registered/,
      'prefix',
      'same peering, other name',
    );
    expectOk(await s.api('PUT', RP('nordlink-ams', 'v6b'), { prefix: '2a0c:9a40:30::/48' }, nordlink), 201);
    expectError(
      await s.api('PUT', RP('nordlink-fra', 'v6b'), { prefix: '2A0C:9A40:0030:0000::/48' }, nordlink),
      409,
      /Prefix 2a0c:9a40:30::\/48 is already registered/,
      'prefix',
      'v6, spelled differently',
    );
  });

  test('exchange-route-server peerings register ASNs, not prefixes (422)', async () => {
    expectError(
      await s.api('PUT', RP('apex-fra', 'p', 'apex-ix'), { prefix: '185.14.0.0/22' }, apex),
      422,
      /exchange-route-server peerings register customer ASNs, not prefixes/,
      'prefix',
    );
  });

  test('only the operator may set a key: a partner key gets 403; the operator may import a UUID', async () => {
    expectError(
      await s.api('PUT', RP('nordlink-ams', 'mine'), { prefix: '185.15.0.0/22', key: randomUUID() }, nordlink),
      403,
      /keys are generated; only the operator may import an existing key/,
      'key',
    );
    expectError(await s.api('GET', RP('nordlink-ams', 'mine')), 404, /not found/, undefined, 'nothing registered');
    expectError(await s.api('PUT', RP('nordlink-ams', 'mine'), { prefix: '185.15.0.0/22', key: 'not-a-uuid' }), 400, /key must be a UUID/, 'key');
    expectError(
      await s.api('PUT', RP('nordlink-ams', 'mine'), { prefix: '185.15.0.0/22', key: KEYS.apexAsn }),
      409,
      /key is already used by another registration/,
      'key',
      'key of another registration',
    );
    const key = randomUUID();
    const r = expectOk(await s.api('PUT', RP('nordlink-ams', 'mine'), { prefix: '185.15.0.0/22', key }), 201);
    assert.equal(r.key, key);
  });
});

describe('Registered ASNs', () => {
  let s: TestServer;
  let apex: string;
  before(async () => {
    s = await startServer();
    await buildWorld(s);
    apex = await s.key('partner', 'apex-ix');
  });
  after(async () => {
    await s.close();
  });

  test('ASNs are registered on exchange-route-server peerings only (422)', async () => {
    expectError(
      await s.api('PUT', RA('nordlink-ams', 'globex', 'nordlink'), { asn: 65541 }),
      422,
      /Customer ASNs are registered on exchange-route-server peerings; nordlink-ams is a peering-service peering/,
      'asn',
    );
  });

  test('an ASN is registered once (409)', async () => {
    expectError(
      await s.api('PUT', RA('apex-fra', 'again'), { asn: 65540 }, apex),
      409,
      /ASN 65540 is already registered; an ASN cannot be registered twice/,
      'asn',
    );
    expectError(
      await s.api('PUT', RA('apex-fra', 'fabrikam'), { asn: 65541 }, apex),
      409,
      /Registered ASN fabrikam is 65540/,
      'asn',
      'a registration cannot change its ASN',
    );
  });

  test('private and reserved ASNs are refused (400)', async () => {
    for (const asn of [64512, 65534, 4200000000]) {
      expectError(await s.api('PUT', RA('apex-fra', 'priv'), { asn }, apex), 400, new RegExp(`^ASN ${asn} is a private ASN`), 'asn', String(asn));
    }
    expectError(await s.api('PUT', RA('apex-fra', 'priv'), { asn: 23456 }, apex), 400, /^ASN 23456 is reserved/, 'asn');
    expectError(await s.api('PUT', RA('apex-fra', 'priv'), { asn: 0 }, apex), 400, /^asn must be >= 1$/, 'asn');
  });

  test('the generated key is a UUID shown to the partner; a partner may not set it (403)', async () => {
    expectError(
      await s.api('PUT', RA('apex-fra', 'globex'), { asn: 65541, key: randomUUID() }, apex),
      403,
      /only the operator may import an existing key/,
      'key',
    );
    const r = expectOk(await s.api('PUT', RA('apex-fra', 'globex'), { asn: 65541 }, apex), 201);
    assert.equal(r.asn, 65541);
    assert.match(r.key, UUID_RE);
    assert.equal(expectOk(await s.api('GET', RA('apex-fra', 'globex'), undefined, apex), 200).key, r.key);
    const other = await s.key('partner', 'nordlink');
    expectError(await s.api('GET', RA('apex-fra', 'globex'), undefined, other), 404, /not found/, undefined, 'other partner');
  });
});
