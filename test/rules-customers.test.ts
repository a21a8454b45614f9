// Registry rules through the HTTP API (issue 2 §3): peering services, customer prefixes and the
// catalog (countries, locations, providers, availability within 1000 miles).

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startServer, type TestServer } from './helpers/server.js';
import { buildWorld, conn, KEYS } from './helpers/world.js';
import { expectError, expectOk, miles, startsWith } from './rules-common.js';

const SVC = (customer: string, name: string) => `/v1/customers/${customer}/peering-services/${name}`;
const PFX = (customer: string, service: string, name: string) => `${SVC(customer, service)}/prefixes/${name}`;
const NL = { country: 'NL', region: 'Utrecht', lat: 52.09, lon: 5.12 };

describe('Peering services', () => {
  let s: TestServer;
  let contoso: string;
  before(async () => {
    s = await startServer();
    await buildWorld(s);
    contoso = await s.key('customer', 'contoso');
  });
  after(async () => {
    await s.close();
  });

  test('an unknown provider is refused (422 "Peering service provider not found")', async () => {
    expectError(
      await s.api('PUT', SVC('contoso', 'x'), { provider: 'nosuch', location: NL, primaryPop: 'ams' }, contoso),
      422,
      'Peering service provider not found',
      'provider',
    );
  });

  test('the backup PoP must differ from the primary (422)', async () => {
    expectError(
      await s.api('PUT', SVC('contoso', 'x'), { provider: 'nordlink', location: NL, primaryPop: 'ams', backupPop: 'ams' }, contoso),
      422,
      /backupPop must differ from primaryPop/,
      'backupPop',
    );
  });

  test('the provider must peer at the primary and the backup PoP (422)', async () => {
    expectError(
      await s.api('PUT', SVC('contoso', 'x'), { provider: 'nordlink', location: NL, primaryPop: 'sin' }, contoso),
      422,
      /Provider nordlink has no peering at pop sin/,
      'primaryPop',
      'primary',
    );
    expectError(
      await s.api('PUT', SVC('contoso', 'x'), { provider: 'nordlink', location: NL, primaryPop: 'ams', backupPop: 'sin' }, contoso),
      422,
      /Provider nordlink has no peering at pop sin/,
      'backupPop',
      'backup',
    );
    expectError(
      await s.api('PUT', SVC('contoso', 'x'), { provider: 'apex-ix', location: NL, primaryPop: 'fra', backupPop: 'ams' }, contoso),
      422,
      /Provider apex-ix has no peering at pop ams/,
      'backupPop',
      'apex backup',
    );
  });

  test('an unknown PoP is refused (422) naming the field', async () => {
    expectError(
      await s.api('PUT', SVC('contoso', 'x'), { provider: 'nordlink', location: NL, primaryPop: 'atl' }, contoso),
      422,
      /Pop atl not found/,
      'primaryPop',
      'primary',
    );
    expectError(
      await s.api('PUT', SVC('contoso', 'x'), { provider: 'nordlink', location: NL, primaryPop: 'ams', backupPop: 'atl' }, contoso),
      422,
      /Pop atl not found/,
      'backupPop',
      'backup',
    );
  });

  test('location is validated: lat and lon together, in range, a country code', async () => {
    expectError(
      await s.api('PUT', SVC('contoso', 'x'), { provider: 'nordlink', location: { country: 'NL', lat: 52 }, primaryPop: 'ams' }, contoso),
      400,
      /location needs both lat and lon/,
      'location/lon',
    );
    expectError(
      await s.api('PUT', SVC('contoso', 'x'), { provider: 'nordlink', location: { country: 'NL', lat: 91, lon: 5 }, primaryPop: 'ams' }, contoso),
      400,
      /^location\/lat must be <= 90$/,
      'location/lat',
    );
    expectError(
      await s.api('PUT', SVC('contoso', 'x'), { provider: 'nordlink', location: { region: 'Utrecht' }, primaryPop: 'ams' }, contoso),
      400,
      /^location\/country is required$/,
      'location/country',
    );
  });

  test('a valid service without backup is created; the provider cannot change (409)', async () => {
    const svc = expectOk(
      await s.api('PUT', SVC('contoso', 'contoso-de'), { provider: 'apex-ix', location: { country: 'DE', region: 'Hesse' }, primaryPop: 'fra' }, contoso),
      201,
    );
    assert.equal(svc.backupPop, null);
    assert.equal(svc.provider, 'apex-ix');
    expectError(
      await s.api('PUT', SVC('contoso', 'contoso-eu'), { provider: 'apex-ix', location: NL, primaryPop: 'fra' }, contoso),
      409,
      /provider of peering service contoso-eu cannot change \(is nordlink\)/,
      'provider',
    );
    // Other fields may change: dropping the backup is an update.
    const upd = await s.api('PUT', SVC('contoso', 'contoso-eu'), { provider: 'nordlink', location: NL, primaryPop: 'ams' }, contoso);
    expectOk(upd, 200);
    assert.equal(upd.headers.get('openpeering-change'), 'updated');
    assert.equal(upd.body.backupPop, null);
  });
});

describe('Customer prefixes', () => {
  let s: TestServer;
  let contoso: string;
  let fabrikam: string;
  before(async () => {
    s = await startServer();
    await buildWorld(s);
    contoso = await s.key('customer', 'contoso');
    fabrikam = await s.key('customer', 'fabrikam');
  });
  after(async () => {
    await s.close();
  });

  test('a key the provider issued for a covering registered prefix gives Pending', async () => {
    const p = expectOk(await s.api('PUT', PFX('contoso', 'contoso-eu', 'branch'), { prefix: '45.66.1.0/24', key: KEYS.nordlinkAms }, contoso), 201);
    assert.equal(p.state, 'Pending');
    assert.equal(p.errorMessage, null);
    assert.equal(p.prefix, '45.66.1.0/24');
  });

  test("the key of the provider's registered ASN gives Pending", async () => {
    const p = expectOk(await s.api('PUT', PFX('fabrikam', 'fabrikam-eu', 'lab'), { prefix: '176.124.202.0/24', key: KEYS.apexAsn }, fabrikam), 201);
    assert.equal(p.state, 'Pending');
    assert.equal(p.errorMessage, null);
  });

  test('a key that does not match gives Failed with a message', async () => {
    const cases: Array<[string, string, string]> = [
      ['rogue', '185.20.0.0/24', randomUUID()], // unknown key
      ['other-provider', '185.21.0.0/24', KEYS.apexAsn], // apex-ix's key on a nordlink service
      ['not-covered', '185.22.0.0/24', KEYS.nordlinkAms], // nordlink's key for 45.66.0.0/23 only
    ];
    for (const [name, prefix, key] of cases) {
      const p = expectOk(await s.api('PUT', PFX('contoso', 'contoso-eu', name), { prefix, key }, contoso), 201, name);
      assert.equal(p.state, 'Failed', name);
      assert.match(p.errorMessage, /prefix key does not match/i, name);
      assert.equal(expectOk(await s.api('GET', PFX('contoso', 'contoso-eu', name), undefined, contoso), 200).state, 'Failed');
    }
  });

  test('a private or special range gives state Invalid with "Invalid IP prefix ..."', async () => {
    for (const [name, prefix] of [
      ['lan', '192.168.1.0/24'],
      ['ten', '10.0.0.0/8'],
      ['doc', '192.0.2.0/24'],
      ['doc6', '2001:db8::/48'],
    ]) {
      const p = expectOk(await s.api('PUT', PFX('contoso', 'contoso-eu', name!), { prefix, key: KEYS.nordlinkAms }, contoso), 201, prefix);
      assert.equal(p.state, 'Invalid', prefix);
      assert.match(p.errorMessage, startsWith(`Invalid IP prefix ${prefix}`), prefix);
    }
    const hb = expectOk(await s.api('PUT', PFX('contoso', 'contoso-eu', 'hostbits'), { prefix: '45.66.1.1/24', key: KEYS.nordlinkAms }, contoso), 201);
    assert.equal(hb.state, 'Invalid');
    assert.match(hb.errorMessage, /^Invalid IP prefix 45\.66\.1\.1\/24: host bits/);
  });

  test('malformed text is refused (400); the key must be a UUID (400)', async () => {
    for (const prefix of ['not-a-prefix', '45.66.1.0', '45.66.1.0/', '45.66.1.0/40']) {
      expectError(
        await s.api('PUT', PFX('contoso', 'contoso-eu', 'junk'), { prefix, key: KEYS.nordlinkAms }, contoso),
        400,
        /^Invalid Peering Service prefix .*valid format/,
        'prefix',
        prefix,
      );
    }
    expectError(
      await s.api('PUT', PFX('contoso', 'contoso-eu', 'junk'), { prefix: '45.66.1.0/24', key: 'abc' }, contoso),
      400,
      /^key must be a UUID$/,
      'key',
      'key not a uuid',
    );
    expectError(await s.api('PUT', PFX('contoso', 'contoso-eu', 'junk'), { prefix: '45.66.1.0/24' }, contoso), 400, /^key is required$/, 'key', 'no key');
    expectError(await s.api('GET', PFX('contoso', 'contoso-eu', 'junk'), undefined, contoso), 404, /not found/, undefined);
  });

  test('an overlapping prefix is refused (409 "Prefix overlaps with an existing prefix")', async () => {
    for (const [name, prefix] of [
      ['sub', '45.66.0.0/25'],
      ['super', '45.66.0.0/23'],
      ['same', '45.66.0.0/24'],
    ]) {
      expectError(
        await s.api('PUT', PFX('contoso', 'contoso-eu', name!), { prefix, key: KEYS.nordlinkAms }, contoso),
        409,
        'Prefix overlaps with an existing prefix',
        'prefix',
        prefix,
      );
    }
    // Across peering services too: one prefix, one provider.
    expectError(
      await s.api('PUT', PFX('fabrikam', 'fabrikam-eu', 'dup'), { prefix: '176.124.200.128/25', key: KEYS.apexAsn }, fabrikam),
      409,
      'Prefix overlaps with an existing prefix',
      'prefix',
      'inside fabrikam office',
    );
  });

  test('a prefix is immutable: a different prefix or key is refused (409); the same body is unchanged (200)', async () => {
    const before = expectOk(await s.api('GET', PFX('contoso', 'contoso-eu', 'hq'), undefined, contoso), 200);
    expectError(
      await s.api('PUT', PFX('contoso', 'contoso-eu', 'hq'), { prefix: '45.66.1.128/25', key: KEYS.nordlinkAms }, contoso),
      409,
      /An existing prefix cannot be modified; delete prefix hq and re-create it/,
      'prefix',
      'other prefix',
    );
    expectError(
      await s.api('PUT', PFX('contoso', 'contoso-eu', 'hq'), { prefix: '45.66.0.0/24', key: randomUUID() }, contoso),
      409,
      /An existing prefix cannot be modified/,
      'key',
      'other key',
    );
    const same = await s.api('PUT', PFX('contoso', 'contoso-eu', 'hq'), { prefix: '45.66.0.0/24', key: KEYS.nordlinkAms }, contoso);
    expectOk(same, 200, 'same body');
    assert.equal(same.headers.get('openpeering-change'), 'unchanged');
    assert.deepEqual(same.body, before);
    // Delete and re-create is the way to change it.
    expectOk(await s.api('DELETE', PFX('contoso', 'contoso-eu', 'hq'), undefined, contoso), 204);
    const again = expectOk(await s.api('PUT', PFX('contoso', 'contoso-eu', 'hq'), { prefix: '45.66.0.0/25', key: KEYS.nordlinkAms }, contoso), 201);
    assert.equal(again.state, 'Pending');
  });
});

describe('Catalog', () => {
  let s: TestServer;
  let customer: string;
  const AMS = { lat: 52.37, lon: 4.9 };
  /** A point `d` miles due north of Amsterdam: farther still from Frankfurt. */
  const northOfAms = (d: number) => ({ country: 'NO', lat: AMS.lat + d / ((2 * Math.PI * 3958.8) / 360), lon: AMS.lon });
  before(async () => {
    s = await startServer();
    await buildWorld(s);
    customer = await s.key('customer', 'contoso');
    // quietnet peers at sin, but nothing is Active yet.
    expectOk(await s.api('PUT', '/v1/partners/quietnet', { kind: 'sdci', displayName: 'Quiet Net' }), 201);
    expectOk(await s.api('PUT', '/v1/partners/quietnet/asns/64498', { name: 'Quiet', contacts: [{ role: 'Noc', email: 'noc@quiet.example' }] }), 201);
    expectOk(await s.api('POST', '/v1/partners/quietnet/asns/64498/approval', { state: 'approved' }), 200);
    expectOk(
      await s.api('PUT', '/v1/partners/quietnet/peerings/quiet-sin', {
        type: 'exchange',
        pop: 'sin',
        asn: 64498,
        connections: [conn('q1', 'sin-er1', '127.50.0.0/31')],
      }),
      201,
    );
  });
  after(async () => {
    await s.close();
  });

  test('countries and locations (optionally for one country)', async () => {
    const c = expectOk(await s.api('GET', '/v1/catalog/countries', undefined, customer), 200);
    assert.deepEqual(
      c.items.map((x: any) => x.code),
      ['DE', 'NL', 'SG'],
    );
    const all = expectOk(await s.api('GET', '/v1/catalog/locations', undefined, customer), 200);
    assert.deepEqual(
      all.items.map((l: any) => l.country),
      ['DE', 'NL', 'SG'],
    );
    const nl = expectOk(await s.api('GET', '/v1/catalog/locations?country=NL', undefined, customer), 200);
    assert.deepEqual(nl.items, [{ country: 'NL', region: '', lat: 52.37, lon: 4.9 }]);
    assert.deepEqual(expectOk(await s.api('GET', '/v1/catalog/locations?country=nl', undefined, customer), 200).items, nl.items);
    assert.deepEqual(expectOk(await s.api('GET', '/v1/catalog/locations?country=FR', undefined, customer), 200).items, []);
    expectError(await s.api('GET', '/v1/catalog/locations?country=NLD', undefined, customer), 400, /country must match pattern/, 'country');
  });

  test('providers: only partners with an Active peering, with the PoPs where they peer', async () => {
    const p = expectOk(await s.api('GET', '/v1/catalog/providers', undefined, customer), 200);
    assert.deepEqual(
      p.items.map((x: any) => x.name),
      ['apex-ix', 'nordlink'],
    );
    const nordlink = p.items.find((x: any) => x.name === 'nordlink');
    assert.equal(nordlink.displayName, 'NordLink Telecom');
    assert.deepEqual(
      nordlink.pops.map((x: any) => x.code),
      ['ams', 'fra'],
    );
    assert.deepEqual(nordlink.pops[0], { code: 'ams', metro: 'Amsterdam', country: 'NL', region: '' });
    assert.deepEqual(
      p.items.find((x: any) => x.name === 'apex-ix').pops.map((x: any) => x.code),
      ['fra'],
    );
  });

  test('availability: Available within 1000 miles of an Active-peering PoP, Unavailable beyond', async () => {
    const near = northOfAms(900);
    const far = northOfAms(1100);
    assert.ok(Math.abs(miles(near.lat, near.lon, AMS.lat, AMS.lon) - 900) < 1);
    assert.ok(miles(far.lat, far.lon, 50.11, 8.68) > 1100, 'Frankfurt is farther');
    const a = expectOk(await s.api('POST', '/v1/catalog/availability', { provider: 'nordlink', location: near }, customer), 200);
    assert.equal(a.availability, 'Available');
    assert.equal(a.nearestPop, 'ams');
    assert.ok(Math.abs(a.distanceMiles - 900) <= 5, `distance ${a.distanceMiles}`);
    const u = expectOk(await s.api('POST', '/v1/catalog/availability', { provider: 'nordlink', location: far }, customer), 200);
    assert.equal(u.availability, 'Unavailable');
    assert.equal(u.nearestPop, 'ams');
    assert.ok(Math.abs(u.distanceMiles - 1100) <= 5, `distance ${u.distanceMiles}`);
    // apex-ix only peers (Active) at fra.
    const apexNear = expectOk(
      await s.api('POST', '/v1/catalog/availability', { provider: 'apex-ix', location: { country: 'DE', lat: 48.14, lon: 11.58 } }, customer),
      200,
    );
    assert.deepEqual([apexNear.availability, apexNear.nearestPop], ['Available', 'fra']);
    const apexFar = expectOk(
      await s.api('POST', '/v1/catalog/availability', { provider: 'apex-ix', location: { country: 'SG', lat: 1.35, lon: 103.82 } }, customer),
      200,
    );
    assert.equal(apexFar.availability, 'Unavailable');
    // A catalog location without coordinates stands at its PoPs' centre.
    const byName = expectOk(await s.api('POST', '/v1/catalog/availability', { provider: 'nordlink', location: { country: 'NL' } }, customer), 200);
    assert.deepEqual([byName.availability, byName.nearestPop, byName.distanceMiles], ['Available', 'ams', 0]);
  });

  test('a provider with no Active peering is Unavailable; an unknown provider is refused (422)', async () => {
    const q = expectOk(
      await s.api('POST', '/v1/catalog/availability', { provider: 'quietnet', location: { country: 'SG', lat: 1.35, lon: 103.82 } }, customer),
      200,
    );
    assert.deepEqual([q.availability, q.nearestPop, q.distanceMiles], ['Unavailable', null, null]);
    expectError(
      await s.api('POST', '/v1/catalog/availability', { provider: 'nosuch', location: NL }, customer),
      422,
      'Peering service provider not found',
      'provider',
    );
    expectError(await s.api('POST', '/v1/catalog/availability', { provider: 'nordlink' }, customer), 400, /^location is required$/, 'location');
  });
});
