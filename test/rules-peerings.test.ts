// Registry rules through the HTTP API (issue 2 §3): peerings and their connections, the
// connection lifecycle, deletion guards and type changes.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServer, type TestServer } from './helpers/server.js';
import { activate, buildWorld, conn } from './helpers/world.js';
import { expectError, expectOk, single } from './rules-common.js';

/** A third partner, zeta (isp, ASN 64496 approved), with no peerings yet. */
async function addZeta(s: TestServer): Promise<void> {
  expectOk(await s.api('PUT', '/v1/partners/zeta', { kind: 'isp', displayName: 'Zeta Networks' }), 201);
  expectOk(await s.api('PUT', '/v1/partners/zeta/asns/64496', { name: 'Zeta', contacts: [{ role: 'Noc', email: 'noc@zeta.example' }] }), 201);
  expectOk(await s.api('POST', '/v1/partners/zeta/asns/64496/approval', { state: 'approved' }), 200);
}

const opConn = (name: string, router: string, extra: Record<string, unknown> = {}) => ({
  name,
  router,
  bandwidthMbps: 10000,
  sessionAddressProvider: 'operator',
  bfd: true,
  ...extra,
});

const REDUNDANCY = /needs at least two connections on two different routers of pop sin/;

describe('Peerings: creation rules', () => {
  let s: TestServer;
  let zeta: string;
  before(async () => {
    s = await startServer();
    await buildWorld(s);
    await addZeta(s);
    zeta = await s.key('partner', 'zeta');
  });
  after(async () => {
    await s.close();
  });

  test('one peering per (partner, type, PoP): a second one is refused (409); another type at the same PoP is fine', async () => {
    expectError(
      await s.api('PUT', '/v1/partners/nordlink/peerings/nordlink-ams-b', {
        type: 'peering-service',
        pop: 'ams',
        asn: 64501,
        connections: [conn('b1', 'ams-er1', '127.20.0.0/31'), conn('b2', 'ams-er2', '127.20.0.2/31')],
      }),
      409,
      /nordlink already has a peering-service peering at pop ams \(nordlink-ams\); one peering per partner, type and location/,
      'type',
    );
    const p = expectOk(
      await s.api('PUT', '/v1/partners/nordlink/peerings/nordlink-ams-x', {
        type: 'exchange',
        pop: 'ams',
        asn: 64501,
        connections: [conn('x1', 'ams-er1', '127.20.0.4/31')],
      }),
      201,
      'exchange at ams',
    );
    assert.equal(p.type, 'exchange');
  });

  test('peering-service and communications need two connections on two different routers (422)', async () => {
    const one = { type: 'peering-service', pop: 'sin', asn: 64496, connections: [conn('s1', 'sin-er1', '127.20.1.0/31')] };
    expectError(await s.api('PUT', '/v1/partners/zeta/peerings/zeta-sin', one, zeta), 422, REDUNDANCY, 'connections', 'one connection');
    const sameRouter = { ...one, connections: [conn('s1', 'sin-er1', '127.20.1.0/31'), conn('s2', 'sin-er1', '127.20.1.2/31')] };
    expectError(await s.api('PUT', '/v1/partners/zeta/peerings/zeta-sin', sameRouter, zeta), 422, REDUNDANCY, 'connections/1/router', 'same router');
    expectError(
      await s.api('PUT', '/v1/partners/zeta/peerings/zeta-sin-c', {
        type: 'communications',
        pop: 'sin',
        asn: 64496,
        connections: [opConn('c1', 'sin-er1')],
      }),
      422,
      REDUNDANCY,
      'connections',
      'communications with one connection',
    );
    expectError(
      await s.api('PUT', '/v1/partners/zeta/peerings/zeta-sin-c', {
        type: 'communications',
        pop: 'sin',
        asn: 64496,
        connections: [opConn('c1', 'sin-er1'), opConn('c2', 'sin-er1')],
      }),
      422,
      REDUNDANCY,
      'connections/1/router',
      'communications on one router',
    );
    // exchange and exchange-route-server need one.
    expectOk(
      await s.api(
        'PUT',
        '/v1/partners/zeta/peerings/zeta-sin-x',
        {
          type: 'exchange',
          pop: 'sin',
          asn: 64496,
          connections: [conn('x1', 'sin-er1', '127.20.1.4/31')],
        },
        zeta,
      ),
      201,
      'exchange with one connection',
    );
    expectError(
      await s.api(
        'PUT',
        '/v1/partners/zeta/peerings/zeta-sin-rs',
        {
          type: 'exchange-route-server',
          pop: 'sin',
          asn: 64496,
          connections: [],
        },
        zeta,
      ),
      422,
      /needs at least one connection/,
      'connections',
      'route server with none',
    );
  });

  test('communications needs operator-provided session addresses and BFD (422)', async () => {
    const base = { type: 'communications', pop: 'sin', asn: 64496 };
    expectError(
      await s.api('PUT', '/v1/partners/zeta/peerings/zeta-sin-c', {
        ...base,
        connections: [opConn('c1', 'sin-er1', { sessionAddressProvider: 'peer' }), opConn('c2', 'sin-er2')],
      }),
      422,
      /communications peerings need operator-provided session addresses/,
      'connections/0/sessionAddressProvider',
      'peer addresses',
    );
    expectError(
      await s.api('PUT', '/v1/partners/zeta/peerings/zeta-sin-c', {
        ...base,
        connections: [opConn('c1', 'sin-er1'), opConn('c2', 'sin-er2', { bfd: false })],
      }),
      422,
      /communications peerings need BGP over BFD/,
      'connections/1/bfd',
      'bfd false',
    );
    const { bfd: _b, ...noBfd } = opConn('c2', 'sin-er2');
    expectError(
      await s.api('PUT', '/v1/partners/zeta/peerings/zeta-sin-c', {
        ...base,
        connections: [opConn('c1', 'sin-er1'), noBfd],
      }),
      422,
      /BFD/,
      'connections/1/bfd',
      'bfd left out',
    );
    const ok = expectOk(
      await s.api('PUT', '/v1/partners/zeta/peerings/zeta-sin-c', {
        ...base,
        connections: [opConn('c1', 'sin-er1', { sessionPrefixV4: '127.20.2.0/31' }), opConn('c2', 'sin-er2', { sessionPrefixV4: '127.20.2.2/31' })],
      }),
      201,
      'valid communications',
    );
    assert.deepEqual(
      ok.connections.map((c: any) => [c.sessionAddressProvider, c.bfd, c.state]),
      [
        ['operator', true, 'PendingApproval'],
        ['operator', true, 'PendingApproval'],
      ],
    );
    // A connection added later follows the same rules; the target names its field in the request.
    const { name: _n, ...c3 } = opConn('c3', 'sin-er2', { bfd: false });
    expectError(
      await s.api('PUT', '/v1/partners/zeta/peerings/zeta-sin-c/connections/c3', c3),
      422,
      /communications peerings need BGP over BFD/,
      'bfd',
      'single connection without bfd',
    );
  });

  test('a partner may not set session addresses when the operator provides them (422)', async () => {
    expectError(
      await s.api(
        'PUT',
        '/v1/partners/zeta/peerings/zeta-fra-c',
        {
          type: 'communications',
          pop: 'fra',
          asn: 64496,
          connections: [opConn('c1', 'fra-er1', { sessionPrefixV4: '127.20.3.0/31' }), opConn('c2', 'fra-er2')],
        },
        zeta,
      ),
      422,
      /operator assigns sessionPrefixV4/,
      'connections/0/sessionPrefixV4',
    );
  });

  test('exchange-route-server needs peer-provided session addresses (422)', async () => {
    expectError(
      await s.api('PUT', '/v1/partners/zeta/peerings/zeta-ams-rs', {
        type: 'exchange-route-server',
        pop: 'ams',
        asn: 64496,
        connections: [{ name: 'rs1', router: 'ams-er1', bandwidthMbps: 10000, sessionAddressProvider: 'operator' }],
      }),
      422,
      /exchange-route-server peerings need peer-provided session addresses/,
      'connections/0/sessionAddressProvider',
    );
  });

  test('all connections of a peering have equal bandwidth (422), also when one is added later', async () => {
    expectError(
      await s.api(
        'PUT',
        '/v1/partners/zeta/peerings/zeta-fra',
        {
          type: 'peering-service',
          pop: 'fra',
          asn: 64496,
          connections: [conn('f1', 'fra-er1', '127.20.4.0/31'), conn('f2', 'fra-er2', '127.20.4.2/31', { bandwidthMbps: 100000 })],
        },
        zeta,
      ),
      422,
      /equal bandwidth \(f1 10000 Mbps, f2 100000 Mbps\)/,
      'connections/1/bandwidthMbps',
      'unequal at creation',
    );
    expectOk(
      await s.api(
        'PUT',
        '/v1/partners/zeta/peerings/zeta-fra',
        {
          type: 'peering-service',
          pop: 'fra',
          asn: 64496,
          connections: [conn('f1', 'fra-er1', '127.20.4.0/31'), conn('f2', 'fra-er2', '127.20.4.2/31')],
        },
        zeta,
      ),
      201,
    );
    expectError(
      await s.api('PUT', '/v1/partners/zeta/peerings/zeta-fra/connections/f3', single('fra-er1', '127.20.4.4/31', { bandwidthMbps: 1000 }), zeta),
      422,
      /equal bandwidth/,
      'bandwidthMbps',
      'unequal connection added (single-connection route: no connections field)',
    );
  });

  test('session addresses lie inside their session prefix (422); prefixes are well-formed (400)', async () => {
    const body = (c0: Record<string, unknown>) => ({
      type: 'peering-service',
      pop: 'ams',
      asn: 64496,
      connections: [c0, conn('a2', 'ams-er2', '127.20.5.8/31')],
    });
    // Session prefixes wider than a /30 (/126) are for exchange LANs (tenant-safety-registry.test.ts has the sizes).
    const lan = (c0: Record<string, unknown>) => ({ type: 'exchange', pop: 'ams', asn: 64496, connections: [c0] });
    expectError(
      await s.api(
        'PUT',
        '/v1/partners/zeta/peerings/zeta-ams',
        body(conn('a1', 'ams-er1', '127.20.5.0/30', { operatorAddressV4: '127.20.5.1', peerAddressV4: '127.20.5.5' })),
      ),
      422,
      /peerAddressV4 127\.20\.5\.5 is not inside sessionPrefixV4 127\.20\.5\.0\/30/,
      'connections/0/peerAddressV4',
      'peer outside',
    );
    expectError(
      await s.api(
        'PUT',
        '/v1/partners/zeta/peerings/zeta-ams',
        body(conn('a1', 'ams-er1', '127.20.5.0/30', { operatorAddressV4: '127.20.6.1', peerAddressV4: '127.20.5.2' })),
      ),
      422,
      /operatorAddressV4 127\.20\.6\.1 is not inside sessionPrefixV4/,
      'connections/0/operatorAddressV4',
      'operator outside',
    );
    expectError(
      await s.api(
        'PUT',
        '/v1/partners/zeta/peerings/zeta-ams-x',
        lan(
          conn('a1', 'ams-er1', '127.20.5.0/24', {
            sessionPrefixV6: '2a0c:9a40:5::/64',
            operatorAddressV4: '127.20.5.1',
            peerAddressV4: '127.20.5.2',
            operatorAddressV6: '2a0c:9a40:6::1',
            peerAddressV6: '2a0c:9a40:5::2',
          }),
        ),
      ),
      422,
      /operatorAddressV6 2a0c:9a40:6::1 is not inside sessionPrefixV6/,
      'connections/0/operatorAddressV6',
      'v6 outside',
    );
    expectError(
      await s.api('PUT', '/v1/partners/zeta/peerings/zeta-ams', body(conn('a1', 'ams-er1', '127.20.5.1/31'))),
      400,
      /sessionPrefixV4 127\.20\.5\.1\/31 has host bits set/,
      'connections/0/sessionPrefixV4',
      'host bits',
    );
    expectError(
      await s.api('PUT', '/v1/partners/zeta/peerings/zeta-ams', body(conn('a1', 'ams-er1', '2a0c:9a40:5::/127'))),
      400,
      /sessionPrefixV4 2a0c:9a40:5::\/127 is not an IPv4 prefix/,
      'connections/0/sessionPrefixV4',
      'v6 prefix as v4',
    );
    expectError(
      await s.api('PUT', '/v1/partners/zeta/peerings/zeta-ams-x', lan(conn('a1', 'ams-er1', '127.20.5.0/24'))),
      422,
      /operatorAddressV4 and peerAddressV4 are required when sessionPrefixV4 is wider than \/30/,
      'connections/0/operatorAddressV4',
      'wide prefix without addresses',
    );
  });

  test('session addresses are derived from a /31 and a /127', async () => {
    const p = expectOk(
      await s.api(
        'PUT',
        '/v1/partners/zeta/peerings/zeta-ams',
        {
          type: 'peering-service',
          pop: 'ams',
          asn: 64496,
          connections: [conn('a1', 'ams-er1', '127.20.7.0/31', { sessionPrefixV6: '2A0C:9A40:7:0::/127' }), conn('a2', 'ams-er2', '127.20.7.2/31')],
        },
        zeta,
      ),
      201,
    );
    const a1 = p.connections.find((c: any) => c.name === 'a1');
    assert.deepEqual(
      [a1.sessionPrefixV4, a1.operatorAddressV4, a1.peerAddressV4, a1.sessionPrefixV6, a1.operatorAddressV6, a1.peerAddressV6],
      ['127.20.7.0/31', '127.20.7.0', '127.20.7.1', '2a0c:9a40:7::/127', '2a0c:9a40:7::', '2a0c:9a40:7::1'],
    );
    const a2 = p.connections.find((c: any) => c.name === 'a2');
    assert.deepEqual([a2.operatorAddressV4, a2.peerAddressV4, a2.sessionPrefixV6], ['127.20.7.2', '127.20.7.3', null]);
  });

  test('a session address is used once per router (409), within a peering and across peerings', async () => {
    expectError(
      await s.api('PUT', '/v1/partners/apex-ix/peerings/apex-ams', {
        type: 'exchange-route-server',
        pop: 'ams',
        asn: 64502,
        connections: [conn('rs1', 'ams-er1', '127.11.1.0/31')],
      }),
      409,
      /Session address 127\.11\.1\.0 is already used on router ams-er1/,
      'connections',
      'clash with nordlink-ams',
    );
    expectError(
      await s.api('PUT', '/v1/partners/zeta/peerings/zeta-sin-x', {
        type: 'exchange',
        pop: 'sin',
        asn: 64496,
        connections: [conn('x2', 'sin-er1', '127.20.1.4/31')],
      }),
      409,
      /Session address 127\.20\.1\.4 is used twice on router sin-er1 \(connections x1 and x2\)/,
      'connections',
      'clash inside a peering',
    );
    // The same address on another router is fine: uniqueness is per router.
    const ok = expectOk(
      await s.api('PUT', '/v1/partners/apex-ix/peerings/apex-ams', {
        type: 'exchange-route-server',
        pop: 'ams',
        asn: 64502,
        connections: [conn('rs1', 'ams-er2', '127.11.1.0/31')],
      }),
      201,
      'same address on ams-er2',
    );
    assert.equal(ok.connections[0].operatorAddressV4, '127.11.1.0');
  });

  test('type, pop and asn of a peering are fixed (409); restating it unchanged is a no-op', async () => {
    expectOk(await s.api('PUT', '/v1/partners/nordlink/asns/64499', { name: 'NordLink B', contacts: [{ role: 'Noc', email: 'noc@nordlink.example' }] }), 201);
    expectOk(await s.api('POST', '/v1/partners/nordlink/asns/64499/approval', { state: 'approved' }), 200);
    const same = { type: 'peering-service', pop: 'ams', asn: 64501, connections: [] };
    expectError(
      await s.api('PUT', '/v1/partners/nordlink/peerings/nordlink-ams', { ...same, type: 'exchange' }),
      409,
      /^type of peering nordlink-ams cannot change after creation \(is peering-service\).*change-type/,
      'type',
    );
    expectError(
      await s.api('PUT', '/v1/partners/nordlink/peerings/nordlink-ams', { ...same, pop: 'fra' }),
      409,
      /^pop of peering nordlink-ams cannot change after creation \(is ams\)/,
      'pop',
    );
    expectError(
      await s.api('PUT', '/v1/partners/nordlink/peerings/nordlink-ams', { ...same, asn: 64499 }),
      409,
      /^asn of peering nordlink-ams cannot change after creation \(is 64501\)/,
      'asn',
    );
    const r = await s.api('PUT', '/v1/partners/nordlink/peerings/nordlink-ams', same);
    expectOk(r, 200, 'unchanged');
    assert.equal(r.headers.get('openpeering-change'), 'unchanged');
    assert.equal(r.body.connections.length, 2, 'connections left out are kept');
    // A connection's router is fixed too.
    expectError(
      await s.api('PUT', '/v1/partners/nordlink/peerings/nordlink-ams', { ...same, connections: [conn('ams-1', 'ams-er2', '127.11.1.0/31')] }),
      409,
      /router of connection ams-1 cannot change/,
      'connections/0/router',
    );
  });

  test('an unknown field is refused (400) naming it', async () => {
    expectError(
      await s.api('PUT', '/v1/partners/zeta/peerings/zeta-x', {
        type: 'exchange',
        pop: 'fra',
        asn: 64496,
        colour: 'blue',
        connections: [conn('x1', 'fra-er1', '127.20.8.0/31')],
      }),
      400,
      /^colour is not a known field$/,
      'colour',
      'top level',
    );
    expectError(
      await s.api('PUT', '/v1/partners/zeta/peerings/zeta-x', {
        type: 'exchange',
        pop: 'fra',
        asn: 64496,
        connections: [conn('x1', 'fra-er1', '127.20.8.0/31', { speed: 10 })],
      }),
      400,
      /^connections\/0\/speed is not a known field$/,
      'connections/0/speed',
      'in a connection',
    );
    expectError(
      await s.api('PUT', '/v1/partners/zeta/peerings/zeta-x', {
        type: 'exchange',
        pop: 'fra',
        connections: [],
      }),
      400,
      /^asn is required$/,
      'asn',
      'missing field',
    );
  });

  test('an enum violation is refused (400) listing the allowed values', async () => {
    expectError(
      await s.api('PUT', '/v1/partners/zeta/peerings/zeta-x', {
        type: 'transit',
        pop: 'fra',
        asn: 64496,
        connections: [],
      }),
      400,
      /^type must be one of "peering-service", "communications", "exchange-route-server", "exchange"$/,
      'type',
    );
    expectError(
      await s.api('PUT', '/v1/partners/zeta/peerings/zeta-x', {
        type: 'exchange',
        pop: 'fra',
        asn: 64496,
        connections: [conn('x1', 'fra-er1', '127.20.8.0/31', { sessionAddressProvider: 'Microsoft' })],
      }),
      400,
      /^connections\/0\/sessionAddressProvider must be one of "operator", "peer"$/,
      'connections/0/sessionAddressProvider',
    );
  });

  test('the MD5 key is write-only: never returned, md5KeySet true', async () => {
    const secret = 'md5-s3cret-value';
    const created = await s.api(
      'PUT',
      '/v1/partners/zeta/peerings/zeta-fra-x',
      {
        type: 'exchange',
        pop: 'fra',
        asn: 64496,
        connections: [conn('m1', 'fra-er1', '127.20.9.0/31', { md5Key: secret })],
      },
      zeta,
    );
    expectOk(created, 201);
    const reads = [
      created.body,
      expectOk(await s.api('GET', '/v1/partners/zeta/peerings/zeta-fra-x', undefined, zeta), 200),
      expectOk(await s.api('GET', '/v1/partners/zeta/peerings', undefined, zeta), 200),
      expectOk(await s.api('GET', '/v1/partners/zeta/peerings/zeta-fra-x/connections/m1'), 200),
    ];
    for (const body of reads) assert.ok(!JSON.stringify(body).includes(secret), `md5 key leaked: ${JSON.stringify(body)}`);
    const c = created.body.connections[0];
    assert.equal(c.md5KeySet, true);
    assert.ok(!('md5Key' in c));
    assert.equal(reads[3].md5KeySet, true);
    // Restating the connection without md5Key keeps it; null clears it.
    const kept = expectOk(await s.api('PUT', '/v1/partners/zeta/peerings/zeta-fra-x/connections/m1', single('fra-er1', '127.20.9.0/31')), 200);
    assert.equal(kept.md5KeySet, true);
    const cleared = expectOk(
      await s.api('PUT', '/v1/partners/zeta/peerings/zeta-fra-x/connections/m1', single('fra-er1', '127.20.9.0/31', { md5Key: null })),
      200,
    );
    assert.equal(cleared.md5KeySet, false);
  });
});

describe('Connection lifecycle', () => {
  let s: TestServer;
  const path = (c: string) => `/v1/partners/nordlink/peerings/nordlink-sin/connections/${c}`;
  const go = (c: string, state: string, message?: string) => s.api('POST', `${path(c)}/state`, { state, ...(message ? { message } : {}) });
  before(async () => {
    s = await startServer();
    await buildWorld(s);
    expectOk(
      await s.api('PUT', '/v1/partners/nordlink/peerings/nordlink-sin', {
        type: 'peering-service',
        pop: 'sin',
        asn: 64501,
        connections: [conn('s1', 'sin-er1', '127.21.0.0/31'), conn('s2', 'sin-er2', '127.21.0.2/31'), conn('s3', 'sin-er1', '127.21.0.4/31')],
      }),
      201,
    );
  });
  after(async () => {
    await s.close();
  });

  test('the legal path PendingApproval → Approved → ProvisioningStarted → ProvisioningCompleted → Validating → Active', async () => {
    const first = expectOk(await s.api('GET', path('s1')), 200);
    assert.equal(first.state, 'PendingApproval');
    for (const state of ['Approved', 'ProvisioningStarted', 'ProvisioningCompleted', 'Validating', 'Active']) {
      const c = expectOk(await go('s1', state), 200, `s1 -> ${state}`);
      assert.equal(c.state, state);
      assert.equal(c.errorMessage, null);
    }
    assert.equal(expectOk(await s.api('GET', path('s1')), 200).state, 'Active');
  });

  test('only the operator moves a connection along its lifecycle (a partner key gets 403)', async () => {
    const partner = await s.key('partner', 'nordlink');
    expectError(await s.api('POST', `${path('s2')}/state`, { state: 'Approved' }, partner), 403, /partner key may not POST/, undefined);
    assert.equal(expectOk(await s.api('GET', path('s2'), undefined, partner), 200).state, 'PendingApproval');
  });

  test('an illegal jump is refused (409) with the allowed next states', async () => {
    expectError(
      await go('s2', 'Active'),
      409,
      /Connection s2 cannot go from PendingApproval to Active; allowed next states: Approved, ProvisioningFailed$/,
      'state',
      'PendingApproval -> Active',
    );
    expectError(
      await go('s1', 'ProvisioningStarted'),
      409,
      /cannot go from Active to ProvisioningStarted; allowed next states: Decommissioning$/,
      'state',
      'Active -> ProvisioningStarted',
    );
    expectError(await go('s2', 'Bogus'), 400, /^state must be one of "PendingApproval",/, 'state', 'unknown state');
    assert.equal(expectOk(await s.api('GET', path('s2')), 200).state, 'PendingApproval');
  });

  test('ProvisioningFailed needs a message and is retried through ProvisioningStarted', async () => {
    expectOk(await go('s2', 'Approved'), 200);
    expectOk(await go('s2', 'ProvisioningStarted'), 200);
    expectError(await go('s2', 'ProvisioningFailed'), 422, /ProvisioningFailed needs a message/, 'message', 'no message');
    const failed = expectOk(await go('s2', 'ProvisioningFailed', 'LOA expired'), 200);
    assert.equal(failed.state, 'ProvisioningFailed');
    assert.equal(failed.errorMessage, 'LOA expired');
    expectError(await go('s2', 'Active'), 409, /allowed next states: ProvisioningStarted, Decommissioning$/, 'state', 'failed -> Active');
    const retried = expectOk(await go('s2', 'ProvisioningStarted'), 200);
    assert.equal(retried.errorMessage, null);
    for (const st of ['ProvisioningCompleted', 'Validating', 'Active']) expectOk(await go('s2', st), 200, `s2 -> ${st}`);
  });

  test('Active → Decommissioning → Decommissioned, and a decommissioned connection can be deleted', async () => {
    await activate(s, 'nordlink', 'nordlink-sin', 's3');
    expectOk(await go('s3', 'Decommissioning'), 200);
    expectError(await s.api('DELETE', path('s3')), 409, /Connection s3 cannot be deleted while Decommissioning/, undefined, 'delete while decommissioning');
    const done = expectOk(await go('s3', 'Decommissioned'), 200);
    assert.equal(done.state, 'Decommissioned');
    expectError(await go('s3', 'Active'), 409, /allowed next states: none$/, 'state', 'nothing after Decommissioned');
    expectOk(await s.api('DELETE', path('s3')), 204);
    expectError(await s.api('GET', path('s3')), 404, /Connection s3 not found/, undefined);
  });

  test('deleting an Active connection or a peering with one is refused (409)', async () => {
    expectError(await s.api('DELETE', path('s1')), 409, /Connection s1 cannot be deleted while Active; decommission it first/, undefined);
    expectError(
      await s.api('DELETE', '/v1/partners/nordlink/peerings/nordlink-sin'),
      409,
      /Peering nordlink-sin cannot be deleted while connection s1 is Active; decommission it first/,
      undefined,
    );
    expectError(await s.api('DELETE', '/v1/partners/nordlink/peerings/nordlink-ams'), 409, /cannot be deleted while connection ams-1 is Active/, undefined);
  });

  test('a connection being provisioned cannot be deleted (409)', async () => {
    expectOk(
      await s.api('PUT', '/v1/partners/apex-ix/peerings/apex-sin-x', {
        type: 'exchange',
        pop: 'sin',
        asn: 64502,
        connections: [conn('e1', 'sin-er2', '127.21.2.0/31')],
      }),
      201,
    );
    for (const st of ['Approved', 'ProvisioningStarted'])
      expectOk(await s.api('POST', '/v1/partners/apex-ix/peerings/apex-sin-x/connections/e1/state', { state: st }), 200);
    expectError(
      await s.api('DELETE', '/v1/partners/apex-ix/peerings/apex-sin-x/connections/e1'),
      409,
      /cannot be deleted while ProvisioningStarted/,
      undefined,
    );
    expectError(
      await s.api('DELETE', '/v1/partners/apex-ix/peerings/apex-sin-x'),
      409,
      /cannot be deleted while connection e1 is ProvisioningStarted/,
      undefined,
    );
  });

  test('deleting one of the two connections of a peering-service peering is refused (422)', async () => {
    expectOk(
      await s.api('PUT', '/v1/partners/apex-ix/peerings/apex-sin', {
        type: 'peering-service',
        pop: 'sin',
        asn: 64502,
        connections: [conn('p1', 'sin-er1', '127.21.1.0/31'), conn('p2', 'sin-er2', '127.21.1.2/31')],
      }),
      201,
    );
    expectError(
      await s.api('DELETE', '/v1/partners/apex-ix/peerings/apex-sin/connections/p2'),
      422,
      /needs at least two connections on two different routers.*deleting connection p2 would break that/,
      'name',
    );
    // The peering as a whole can go while nothing is provisioned.
    expectOk(await s.api('DELETE', '/v1/partners/apex-ix/peerings/apex-sin'), 204);
  });
});

describe('Peering type change', () => {
  let s: TestServer;
  const x = '/v1/partners/nordlink/peerings/nordlink-ams-x';
  before(async () => {
    s = await startServer();
    await buildWorld(s);
    expectOk(
      await s.api('PUT', `${x}`, {
        type: 'exchange',
        pop: 'ams',
        asn: 64501,
        connections: [conn('x1', 'ams-er1', '127.22.0.0/31'), conn('x2', 'ams-er2', '127.22.0.2/31')],
      }),
      201,
    );
  });
  after(async () => {
    await s.close();
  });

  const changeType = (path: string, type: string) => s.api('POST', `${path}/change-type`, { type });

  test('preconditions: a different type, at least two connections, every one Active', async () => {
    expectError(
      await changeType('/v1/partners/nordlink/peerings/nordlink-fra', 'peering-service'),
      422,
      /Peering nordlink-fra is already of type peering-service/,
      'type',
      'same type',
    );
    expectError(
      await changeType('/v1/partners/apex-ix/peerings/apex-fra', 'exchange'),
      422,
      /A type change needs at least two connections/,
      'type',
      'one connection',
    );
    expectError(await changeType(x, 'exchange-route-server'), 422, /A type change needs every connection Active; x1 is PendingApproval/, 'type', 'not Active');
    expectError(await changeType(x, 'voice'), 400, /^type must be one of /, 'type', 'unknown type');
  });

  test("preconditions: the new type's rules, one peering per type and PoP, compatible registrations", async () => {
    await activate(s, 'nordlink', 'nordlink-ams-x', 'x1');
    await activate(s, 'nordlink', 'nordlink-ams-x', 'x2');
    expectError(await changeType(x, 'communications'), 422, /communications peerings need operator-provided session addresses/, 'type', 'communications rules');
    expectError(
      await changeType(x, 'peering-service'),
      409,
      /nordlink already has a peering-service peering at pop ams \(nordlink-ams\)/,
      'type',
      'duplicate type at pop',
    );
    expectError(
      await changeType('/v1/partners/nordlink/peerings/nordlink-ams', 'exchange-route-server'),
      422,
      /Peering nordlink-ams has registered prefixes/,
      'type',
      'registered prefixes',
    );
    expectError(
      await s.api('POST', `${x}/connections/x1/state`, { state: 'TypeChangeRequested' }),
      422,
      /change-type/,
      'state',
      'TypeChangeRequested set directly',
    );
    const p = expectOk(await s.api('GET', x), 200);
    assert.equal(p.requestedType, null);
    assert.deepEqual(
      p.connections.map((c: any) => c.state),
      ['Active', 'Active'],
    );
  });

  test('completion: every connection TypeChangeRequested → TypeChangeInProgress → Active, then the type changes', async () => {
    const req = expectOk(await changeType(x, 'exchange-route-server'), 200, 'request');
    assert.equal(req.type, 'exchange');
    assert.equal(req.requestedType, 'exchange-route-server');
    assert.deepEqual(
      req.connections.map((c: any) => c.state),
      ['TypeChangeRequested', 'TypeChangeRequested'],
    );
    expectError(await changeType(x, 'exchange-route-server'), 409, /already has a type change to exchange-route-server in progress/, 'type', 'second request');
    expectError(
      await s.api('POST', `${x}/connections/x1/state`, { state: 'Decommissioning' }),
      409,
      /cannot go from TypeChangeRequested to Decommissioning; allowed next states: TypeChangeInProgress, Active$/,
      'state',
    );

    expectOk(await s.api('POST', `${x}/connections/x1/state`, { state: 'TypeChangeInProgress' }), 200);
    expectOk(await s.api('POST', `${x}/connections/x1/state`, { state: 'Active' }), 200);
    let p = expectOk(await s.api('GET', x), 200);
    assert.equal(p.type, 'exchange', 'type unchanged while a connection is still waiting');
    assert.equal(p.requestedType, 'exchange-route-server');
    assert.deepEqual(
      p.connections.map((c: any) => c.state),
      ['Active', 'TypeChangeRequested'],
    );

    expectOk(await s.api('POST', `${x}/connections/x2/state`, { state: 'TypeChangeInProgress' }), 200);
    p = expectOk(await s.api('GET', x), 200);
    assert.equal(p.type, 'exchange');
    expectOk(await s.api('POST', `${x}/connections/x2/state`, { state: 'Active' }), 200);
    p = expectOk(await s.api('GET', x), 200);
    assert.equal(p.type, 'exchange-route-server');
    assert.equal(p.requestedType, null);
    assert.deepEqual(
      p.connections.map((c: any) => c.state),
      ['Active', 'Active'],
    );
  });

  test('declining: a requested connection back to Active drops the request', async () => {
    const fra = '/v1/partners/nordlink/peerings/nordlink-fra';
    expectOk(await changeType(fra, 'exchange'), 200);
    expectOk(await s.api('POST', `${fra}/connections/fra-1/state`, { state: 'Active' }), 200);
    const p = expectOk(await s.api('GET', fra), 200);
    assert.equal(p.type, 'peering-service');
    assert.equal(p.requestedType, null);
    assert.deepEqual(
      p.connections.map((c: any) => c.state),
      ['Active', 'Active'],
    );
  });
});
