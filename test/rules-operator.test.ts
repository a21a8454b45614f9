// Registry rules through the HTTP API (issue 2 §3): PoPs and routers, peer ASNs, paging,
// the error shape and authentication.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServer, type TestServer } from './helpers/server.js';
import { buildWorld, conn } from './helpers/world.js';
import { expectError, expectOk, single, walk } from './rules-common.js';

const AMS = { metro: 'Amsterdam', country: 'NL', lat: 52.37, lon: 4.9 };

describe('PoPs and routers', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer();
    await buildWorld(s);
  });
  after(async () => {
    await s.close();
  });

  test('PoP fields are validated: lat/lon ranges, required metro, country code', async () => {
    expectError(await s.api('PUT', '/v1/pops/bad', { ...AMS, lat: 95 }), 400, /^lat must be <= 90$/, 'lat', 'lat 95');
    expectError(await s.api('PUT', '/v1/pops/bad', { ...AMS, lat: -90.5 }), 400, /^lat must be >= -90$/, 'lat', 'lat -90.5');
    expectError(await s.api('PUT', '/v1/pops/bad', { ...AMS, lon: -181 }), 400, /^lon must be >= -180$/, 'lon', 'lon -181');
    const { metro: _m, ...noMetro } = AMS;
    expectError(await s.api('PUT', '/v1/pops/bad', noMetro), 400, /^metro is required$/, 'metro', 'no metro');
    expectError(await s.api('PUT', '/v1/pops/bad', { ...AMS, country: 'NLD' }), 400, /^country must match pattern/, 'country', 'country NLD');
    expectError(
      await s.api('PUT', '/v1/pops/bad', {
        ...AMS,
        facilities: [
          { id: 1, name: 'A', address: 'x' },
          { id: 1, name: 'B', address: 'y' },
        ],
      }),
      400,
      /facility id 1 appears twice/,
      'facilities/1/id',
      'duplicate facility',
    );
    expectError(await s.api('GET', '/v1/pops/bad'), 404, /bad not found/, undefined, 'nothing was stored');
    const ok = expectOk(await s.api('PUT', '/v1/pops/lon', { metro: 'London', country: 'gb', lat: 51.51, lon: -0.13 }), 201, 'valid pop');
    assert.equal(ok.country, 'GB');
  });

  test('router ID must be a dotted quad and unique; addresses valid and unique across routers', async () => {
    expectError(
      await s.api('PUT', '/v1/pops/ams/routers/ams-er3', { routerId: '10.255.1', addresses: [] }),
      400,
      /routerId .*dotted-quad/,
      'routerId',
      'bad router id',
    );
    expectError(
      await s.api('PUT', '/v1/pops/ams/routers/ams-er3', { routerId: '10.255.1.3', addresses: ['127.1.1.300'] }),
      400,
      /not an IPv4 or IPv6 address/,
      'addresses/0',
      'bad address',
    );
    expectError(
      await s.api('PUT', '/v1/pops/ams/routers/ams-er3', { routerId: '10.255.1.1', addresses: ['127.1.1.3'] }),
      409,
      /Router ID 10\.255\.1\.1 is already used by router ams-er1/,
      'routerId',
      'duplicate router id',
    );
    expectError(
      await s.api('PUT', '/v1/pops/ams/routers/ams-er3', { routerId: '10.255.1.3', addresses: ['127.1.1.1'] }),
      409,
      /Address 127\.1\.1\.1 is already used by router ams-er1/,
      'addresses',
      'duplicate address',
    );
    // Addresses compare in canonical form.
    expectOk(
      await s.api('PUT', '/v1/pops/fra/routers/fra-er1', { routerId: '10.255.2.1', addresses: ['127.1.2.1', '2a0c:9a40:ff::1'] }),
      200,
      'add v6 to fra-er1',
    );
    expectError(
      await s.api('PUT', '/v1/pops/ams/routers/ams-er3', { routerId: '10.255.1.3', addresses: ['2A0C:9A40:FF:0:0::1'] }),
      409,
      /Address 2a0c:9a40:ff::1 is already used by router fra-er1/,
      'addresses',
      'duplicate v6 address in another spelling',
    );
    // Router names are unique across PoPs.
    expectError(
      await s.api('PUT', '/v1/pops/fra/routers/ams-er1', { routerId: '10.255.2.9', addresses: [] }),
      409,
      /Router ams-er1 already exists in pop ams/,
      'name',
      'router name in another pop',
    );
    const r = expectOk(await s.api('PUT', '/v1/pops/ams/routers/ams-er3', { routerId: '10.255.1.3', addresses: ['127.1.1.3'] }), 201, 'valid router');
    assert.equal(r.pop, 'ams');
  });

  test("a connection's router must be an edge router of the peering's PoP", async () => {
    const r = await s.api('PUT', '/v1/partners/nordlink/peerings/nordlink-sin', {
      type: 'peering-service',
      pop: 'sin',
      asn: 64501,
      connections: [conn('s1', 'sin-er1', '127.30.0.0/31'), conn('s2', 'fra-er2', '127.30.0.2/31')],
    });
    expectError(r, 422, /Router fra-er2 is not an edge router of pop sin/, 'connections/1/router');
    // Adding a connection to an existing peering: the target names the connection in the request body.
    expectError(
      await s.api('PUT', '/v1/partners/nordlink/peerings/nordlink-ams', {
        type: 'peering-service',
        pop: 'ams',
        asn: 64501,
        connections: [conn('ams-3', 'fra-er1', '127.30.1.0/31')],
      }),
      422,
      /Router fra-er1 is not an edge router of pop ams/,
      'connections/0/router',
      'connection added to an existing peering',
    );
    expectError(
      await s.api('PUT', '/v1/partners/nordlink/peerings/nordlink-ams/connections/ams-9', single('nope-er1', '127.30.1.0/31')),
      422,
      /Router nope-er1 is not an edge router of pop ams/,
      'router',
      'single-connection route',
    );
  });

  test('deleting a PoP that still has routers, or a router that carries connections, is refused (409)', async () => {
    expectError(await s.api('DELETE', '/v1/pops/sin'), 409, /Pop sin still has routers \(sin-er1, sin-er2\)/, undefined, 'delete pop with routers');
    expectError(await s.api('DELETE', '/v1/pops/ams/routers/ams-er1'), 409, /Router ams-er1 still carries 1 connection/, undefined, 'delete busy router');
    expectOk(await s.api('GET', '/v1/pops/sin'), 200, 'pop kept');
    // Once empty, a PoP can go.
    expectOk(await s.api('PUT', '/v1/pops/tmp', { metro: 'Tmp', country: 'FR', lat: 48.85, lon: 2.35 }), 201);
    expectOk(await s.api('PUT', '/v1/pops/tmp/routers/tmp-er1', { routerId: '10.255.9.1', addresses: [] }), 201);
    expectError(await s.api('DELETE', '/v1/pops/tmp'), 409, /still has routers \(tmp-er1\)/, undefined);
    expectOk(await s.api('DELETE', '/v1/pops/tmp/routers/tmp-er1'), 204);
    expectOk(await s.api('DELETE', '/v1/pops/tmp'), 204);
  });

  test('deleting a PoP that a peering service uses is refused (409)', async () => {
    expectOk(await s.api('PUT', '/v1/pops/par', { metro: 'Paris', country: 'FR', lat: 48.85, lon: 2.35 }), 201);
    expectOk(await s.api('PUT', '/v1/pops/par/routers/par-er1', { routerId: '10.255.8.1', addresses: [] }), 201);
    expectOk(
      await s.api('PUT', '/v1/partners/nordlink/peerings/nordlink-par', {
        type: 'exchange',
        pop: 'par',
        asn: 64501,
        connections: [conn('p1', 'par-er1', '127.30.8.0/31')],
      }),
      201,
    );
    expectOk(
      await s.api('PUT', '/v1/customers/contoso/peering-services/contoso-par', {
        provider: 'nordlink',
        location: { country: 'FR' },
        primaryPop: 'par',
      }),
      201,
    );
    expectOk(await s.api('DELETE', '/v1/partners/nordlink/peerings/nordlink-par'), 204);
    expectOk(await s.api('DELETE', '/v1/pops/par/routers/par-er1'), 204);
    expectError(await s.api('DELETE', '/v1/pops/par'), 409, /Pop par is the primary or backup location of 1 peering service/, undefined);
  });
});

describe('Peer ASNs', () => {
  let s: TestServer;
  let nordlink: string;
  let apex: string;
  before(async () => {
    s = await startServer();
    await buildWorld(s);
    nordlink = await s.key('partner', 'nordlink');
    apex = await s.key('partner', 'apex-ix');
  });
  after(async () => {
    await s.close();
  });

  const contacts = [{ role: 'Noc', email: 'noc@nordlink.example' }];

  test('private and reserved ASNs are refused (400)', async () => {
    for (const asn of [64512, 65000, 65534, 4200000000, 4294967294]) {
      expectError(
        await s.api('PUT', `/v1/partners/nordlink/asns/${asn}`, { name: 'NordLink', contacts }, nordlink),
        400,
        new RegExp(`^ASN ${asn} is a private ASN`),
        'asn',
        `private ${asn}`,
      );
    }
    for (const asn of [23456, 65535, 65552]) {
      expectError(
        await s.api('PUT', `/v1/partners/nordlink/asns/${asn}`, { name: 'NordLink', contacts }, nordlink),
        400,
        new RegExp(`^ASN ${asn} is reserved`),
        'asn',
        `reserved ${asn}`,
      );
    }
  });

  test('a new ASN is pending, and a pending ASN cannot be used in a peering (422)', async () => {
    const a = expectOk(await s.api('PUT', '/v1/partners/nordlink/asns/64496', { name: 'NordLink Two', contacts }, nordlink), 201, 'register');
    assert.equal(a.state, 'pending');
    assert.equal(a.errorMessage, null);
    const peering = {
      type: 'exchange',
      pop: 'sin',
      asn: 64496,
      connections: [conn('x1', 'sin-er1', '127.31.0.0/31')],
    };
    expectError(
      await s.api('PUT', '/v1/partners/nordlink/peerings/nordlink-sin-x', peering, nordlink),
      422,
      /Peer ASN 64496 is not approved \(state: pending\); only an approved ASN can be used in a peering/,
      'asn',
      'pending asn',
    );
    // The partner cannot approve its own ASN; the operator does.
    expectError(
      await s.api('POST', '/v1/partners/nordlink/asns/64496/approval', { state: 'approved' }, nordlink),
      403,
      /partner key may not .*operator/,
      undefined,
      'partner approves',
    );
    const ok = expectOk(await s.api('POST', '/v1/partners/nordlink/asns/64496/approval', { state: 'approved' }), 200, 'operator approves');
    assert.equal(ok.state, 'approved');
    const p = expectOk(await s.api('PUT', '/v1/partners/nordlink/peerings/nordlink-sin-x', peering, nordlink), 201, 'peering with approved asn');
    assert.equal(p.asn, 64496);
  });

  test('failing an ASN needs a message; a failed ASN cannot be used in a peering', async () => {
    expectOk(await s.api('PUT', '/v1/partners/nordlink/asns/64497', { name: 'NordLink Three', contacts }, nordlink), 201);
    expectError(
      await s.api('POST', '/v1/partners/nordlink/asns/64497/approval', { state: 'failed' }),
      422,
      /failed ASN needs a message/,
      'message',
      'fail without message',
    );
    expectError(
      await s.api('POST', '/v1/partners/nordlink/asns/64497/approval', { state: 'rejected' }),
      400,
      /^state must be one of "approved", "failed"$/,
      'state',
      'unknown verdict',
    );
    const f = expectOk(await s.api('POST', '/v1/partners/nordlink/asns/64497/approval', { state: 'failed', message: 'PeeringDB record not found' }), 200);
    assert.equal(f.state, 'failed');
    assert.equal(f.errorMessage, 'PeeringDB record not found');
    const g = expectOk(await s.api('GET', '/v1/partners/nordlink/asns/64497', undefined, nordlink), 200);
    assert.equal(g.errorMessage, 'PeeringDB record not found');
    expectError(
      await s.api('PUT', '/v1/partners/nordlink/peerings/nordlink-fra-x', {
        type: 'exchange',
        pop: 'fra',
        asn: 64497,
        connections: [conn('x1', 'fra-er1', '127.31.1.0/31')],
      }),
      422,
      /Peer ASN 64497 is not approved \(state: failed\)/,
      'asn',
      'failed asn in a peering',
    );
  });

  test('an ASN used by a peering cannot be failed (409)', async () => {
    expectError(
      await s.api('POST', '/v1/partners/nordlink/asns/64501/approval', { state: 'failed', message: 'no' }),
      409,
      /ASN 64501 is used by peering\(s\) .*nordlink-ams.*must stay approved/,
      'state',
    );
  });

  test('an ASN owned by another partner is refused (409) without naming that partner', async () => {
    const r = await s.api('PUT', '/v1/partners/apex-ix/asns/64501', { name: 'Apex', contacts }, apex);
    expectError(r, 409, /^ASN 64501 is already registered by another partner/, 'asn');
    assert.doesNotMatch(r.body.error.message, /nordlink/i);
    // Nor can a partner peer with another partner's ASN.
    expectError(
      await s.api(
        'PUT',
        '/v1/partners/apex-ix/peerings/apex-ams',
        {
          type: 'exchange',
          pop: 'ams',
          asn: 64501,
          connections: [conn('x1', 'ams-er1', '127.31.2.0/31')],
        },
        apex,
      ),
      422,
      /Peer ASN 64501 is not registered to partner apex-ix/,
      'asn',
      "other partner's asn in a peering",
    );
  });
});

describe('Paging', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer();
  });
  after(async () => {
    await s.close();
  });

  test('PoP list: limit and cursor walk every item once, in order', async () => {
    const codes = ['p01', 'p02', 'p03', 'p04', 'p05', 'p06', 'p07'];
    for (const [i, c] of [...codes].reverse().entries()) {
      expectOk(await s.api('PUT', `/v1/pops/${c}`, { metro: `M${i}`, country: 'NL', lat: 50 + i / 10, lon: 5 }), 201);
    }
    const { items, sizes } = await walk(s, '/v1/pops', 3);
    assert.deepEqual(sizes, [3, 3, 1]);
    assert.deepEqual(
      items.map((p) => p.code),
      codes,
    );
    const exact = await walk(s, '/v1/pops', 7);
    assert.deepEqual(exact.sizes, [7], 'exactly limit items: one page, nextCursor null');
  });

  test('partner and peer-ASN lists page the same way (string and numeric keys)', async () => {
    const names = ['pa', 'pb', 'pc', 'pd', 'pe'];
    for (const n of names) expectOk(await s.api('PUT', `/v1/partners/${n}`, { kind: 'isp', displayName: n.toUpperCase() }), 201);
    const partners = await walk(s, '/v1/partners', 2);
    assert.deepEqual(partners.sizes, [2, 2, 1]);
    assert.deepEqual(
      partners.items.map((p) => p.name),
      names,
    );
    const asns = [64496, 64497, 64498, 64499, 64500, 64501];
    for (const a of [...asns].reverse()) {
      expectOk(await s.api('PUT', `/v1/partners/pa/asns/${a}`, { name: 'PA', contacts: [{ role: 'Noc', email: 'noc@pa.example' }] }), 201);
    }
    const listed = await walk(s, '/v1/partners/pa/asns', 4);
    assert.deepEqual(listed.sizes, [4, 2]);
    assert.deepEqual(
      listed.items.map((a) => a.asn),
      asns,
    );
  });

  test('a bad cursor or limit is refused (400) naming it', async () => {
    expectError(await s.api('GET', '/v1/pops?cursor=garbage'), 400, /cursor/, 'cursor', 'garbage cursor');
    const obj = Buffer.from(JSON.stringify({ a: 1 })).toString('base64url');
    expectError(await s.api('GET', `/v1/pops?cursor=${obj}`), 400, /cursor/, 'cursor', 'cursor of the wrong type');
    expectError(await s.api('GET', '/v1/partners?limit=0'), 400, /limit must be >= 1/, 'limit', 'limit 0');
    expectError(await s.api('GET', '/v1/partners?limit=1001'), 400, /limit must be <= 1000/, 'limit', 'limit 1001');
    expectError(await s.api('GET', '/v1/partners?limit=ten'), 400, /limit/, 'limit', 'limit not a number');
    expectError(await s.api('GET', '/v1/partners?page=2'), 400, /page is not a known field/, 'page', 'unknown query parameter');
  });
});

describe('Errors and authentication', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer();
    expectOk(await s.api('PUT', '/v1/pops/ams', AMS), 201);
    expectOk(await s.api('PUT', '/v1/partners/nordlink', { kind: 'isp', displayName: 'NordLink' }), 201);
    expectOk(await s.api('PUT', '/v1/partners/apex-ix', { kind: 'ixp', displayName: 'Apex IX' }), 201);
    expectOk(await s.api('PUT', '/v1/customers/contoso', { displayName: 'Contoso' }), 201);
  });
  after(async () => {
    await s.close();
  });

  test('no key, an unknown key or a malformed header get 401 with the error shape', async () => {
    expectError(await s.api('GET', '/v1/pops', undefined, null), 401, /API key/, undefined, 'no key');
    expectError(await s.api('GET', '/v1/pops', undefined, 'opk_000000000000_wrong'), 401, /unknown or revoked API key/, undefined, 'wrong key');
    expectError(await s.api('PUT', '/v1/pops/x', AMS, null), 401, /API key/, undefined, 'write without key');
    const res = await fetch(`${s.url}/v1/pops`, { headers: { authorization: `Basic ${s.operatorKey}` } });
    const body = await res.json();
    expectError({ status: res.status, body, headers: res.headers }, 401, /Bearer/, undefined, 'Basic scheme');
    // A revoked key stops working.
    const created = expectOk(await s.api('POST', '/v1/api-keys', { name: 'temp', role: 'operator' }), 201);
    expectOk(await s.api('GET', '/v1/pops', undefined, created.secret), 200);
    expectOk(await s.api('DELETE', `/v1/api-keys/${created.key.id}`), 204);
    expectError(await s.api('GET', '/v1/pops', undefined, created.secret), 401, /unknown or revoked API key/, undefined, 'revoked key');
    // Health needs no key.
    expectOk(await s.api('GET', '/healthz', undefined, null), 200);
  });

  test('roles: a partner key may see PoPs but not write them (403); a customer key gets 404', async () => {
    const partner = await s.key('partner', 'nordlink');
    const customer = await s.key('customer', 'contoso');
    expectOk(await s.api('GET', '/v1/pops/ams', undefined, partner), 200);
    expectError(await s.api('PUT', '/v1/pops/xyz', AMS, partner), 403, /partner key may not PUT/, undefined, 'partner writes pop');
    expectError(await s.api('PUT', '/v1/pops/xyz', AMS, customer), 404, /not found/, undefined, 'customer writes pop');
    expectError(await s.api('GET', '/v1/partners/apex-ix', undefined, partner), 404, /not found/, undefined, 'other partner');
  });

  test('unknown routes and malformed JSON keep the error shape', async () => {
    expectError(await s.api('GET', '/v1/nothing-here'), 404, /no route GET \/v1\/nothing-here/, undefined);
    const res = await fetch(`${s.url}/v1/pops/ams`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${s.operatorKey}`, 'content-type': 'application/json' },
      body: '{"metro":',
    });
    const body = await res.json();
    expectError({ status: res.status, body, headers: res.headers }, 400, /JSON/i, undefined, 'malformed JSON');
  });
});
