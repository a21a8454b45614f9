// A small world built through the API for tests: operator 64500, PoPs ams and fra with two
// routers each, partners nordlink (isp, ASN 64501) and apex-ix (ixp, ASN 64502) with Active
// peerings, a registered prefix and ASN, a customer with a peering service.
import type { EventSubject } from '../../src/registry/prefix-events.js';
import { expectStatus, type TestServer } from './server.js';

export const KEYS = {
  nordlinkAms: '6b0f4a6e-2c61-4d8e-9d1e-0c8a8b3b5f01',
  apexAsn: '0d2f8e8c-7a41-4c0e-8a55-2f6a3c9e1b02',
};

/** The event subjects of the world's prefixes. */
export const SUBJECTS = {
  /** nordlink's registered prefix */
  nordlinkRp: { kind: 'registered-prefix', id: 'nordlink/nordlink-ams/contoso', prefix: '45.66.0.0/23', partner: 'nordlink', customer: null },
  /** contoso's prefix, through nordlink */
  contosoHq: { kind: 'customer-prefix', id: 'contoso/contoso-eu/hq', prefix: '45.66.0.0/24', partner: 'nordlink', customer: 'contoso' },
  /** fabrikam's prefix, through apex-ix */
  fabrikamOffice: { kind: 'customer-prefix', id: 'fabrikam/fabrikam-eu/office', prefix: '176.124.200.0/24', partner: 'apex-ix', customer: 'fabrikam' },
} satisfies Record<string, EventSubject>;

/** API keys (their secrets) of the world's tenants: the partners nordlink and apex-ix, the customers contoso and fabrikam. */
export interface TenantKeys {
  nordlink: string;
  apex: string;
  contoso: string;
  fabrikam: string;
}

export async function tenantKeys(s: TestServer): Promise<TenantKeys> {
  return {
    nordlink: await s.key('partner', 'nordlink'),
    apex: await s.key('partner', 'apex-ix'),
    contoso: await s.key('customer', 'contoso'),
    fabrikam: await s.key('customer', 'fabrikam'),
  };
}

/** The states a new connection goes through to Active. */
export const ACTIVE_PATH = ['Approved', 'ProvisioningStarted', 'ProvisioningCompleted', 'Validating', 'Active'];

export async function activate(s: TestServer, partner: string, peering: string, connection: string): Promise<void> {
  for (const state of ACTIVE_PATH) {
    expectStatus(
      await s.api('POST', `/v1/partners/${partner}/peerings/${peering}/connections/${connection}/state`, { state }),
      200,
      `${connection} -> ${state}`,
    );
  }
}

export async function must(s: TestServer, method: string, path: string, body?: unknown, status?: number): Promise<any> {
  const r = await s.api(method, path, body);
  if (status !== undefined) expectStatus(r, status, `${method} ${path}`);
  else if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export const conn = (name: string, router: string, prefix: string, extra: Record<string, unknown> = {}) => ({
  name,
  router,
  bandwidthMbps: 10000,
  sessionAddressProvider: 'peer',
  sessionPrefixV4: prefix,
  ...extra,
});

export async function buildWorld(s: TestServer): Promise<void> {
  await must(s, 'PUT', '/v1/operator', { asn: 64500, name: 'Example Cloud' });
  await must(s, 'PUT', '/v1/pops/ams', {
    metro: 'Amsterdam',
    country: 'NL',
    lat: 52.37,
    lon: 4.9,
    facilities: [{ id: 18, name: 'Equinix AM7', address: 'Science Park 610' }],
  });
  await must(s, 'PUT', '/v1/pops/fra', { metro: 'Frankfurt', country: 'DE', lat: 50.11, lon: 8.68 });
  await must(s, 'PUT', '/v1/pops/sin', { metro: 'Singapore', country: 'SG', lat: 1.35, lon: 103.82 });
  for (const [pop, n] of [
    ['ams', 1],
    ['fra', 2],
    ['sin', 3],
  ] as const) {
    for (const r of [1, 2]) await must(s, 'PUT', `/v1/pops/${pop}/routers/${pop}-er${r}`, { routerId: `10.255.${n}.${r}`, addresses: [`127.1.${n}.${r}`] });
  }
  await must(s, 'PUT', '/v1/partners/nordlink', { kind: 'isp', displayName: 'NordLink Telecom' });
  await must(s, 'PUT', '/v1/partners/apex-ix', { kind: 'ixp', displayName: 'Apex IX' });
  await must(s, 'PUT', '/v1/partners/nordlink/asns/64501', { name: 'NordLink', contacts: [{ role: 'Noc', email: 'noc@nordlink.example' }] });
  await must(s, 'PUT', '/v1/partners/apex-ix/asns/64502', { name: 'Apex', contacts: [{ role: 'Noc', email: 'noc@apex.example' }] });
  await must(s, 'POST', '/v1/partners/nordlink/asns/64501/approval', { state: 'approved' });
  await must(s, 'POST', '/v1/partners/apex-ix/asns/64502/approval', { state: 'approved' });

  await must(
    s,
    'PUT',
    '/v1/partners/nordlink/peerings/nordlink-ams',
    {
      type: 'peering-service',
      pop: 'ams',
      asn: 64501,
      connections: [conn('ams-1', 'ams-er1', '127.11.1.0/31'), conn('ams-2', 'ams-er2', '127.11.1.2/31')],
    },
    201,
  );
  await must(
    s,
    'PUT',
    '/v1/partners/nordlink/peerings/nordlink-fra',
    {
      type: 'peering-service',
      pop: 'fra',
      asn: 64501,
      connections: [conn('fra-1', 'fra-er1', '127.11.2.0/31'), conn('fra-2', 'fra-er2', '127.11.2.2/31')],
    },
    201,
  );
  for (const [pe, c] of [
    ['nordlink-ams', 'ams-1'],
    ['nordlink-ams', 'ams-2'],
    ['nordlink-fra', 'fra-1'],
    ['nordlink-fra', 'fra-2'],
  ]) {
    await activate(s, 'nordlink', pe!, c!);
  }
  await must(
    s,
    'PUT',
    '/v1/partners/apex-ix/peerings/apex-fra',
    {
      type: 'exchange-route-server',
      pop: 'fra',
      asn: 64502,
      connections: [conn('rs-1', 'fra-er1', '127.12.2.0/24', { operatorAddressV4: '127.12.2.1', peerAddressV4: '127.12.2.100' })],
    },
    201,
  );
  await activate(s, 'apex-ix', 'apex-fra', 'rs-1');

  await must(s, 'PUT', '/v1/partners/nordlink/peerings/nordlink-ams/registered-prefixes/contoso', { prefix: '45.66.0.0/23', key: KEYS.nordlinkAms }, 201);
  await must(s, 'PUT', '/v1/partners/apex-ix/peerings/apex-fra/registered-asns/fabrikam', { asn: 65540, key: KEYS.apexAsn }, 201);

  await must(s, 'PUT', '/v1/customers/contoso', { displayName: 'Contoso Ltd' });
  await must(s, 'PUT', '/v1/customers/fabrikam', { displayName: 'Fabrikam Inc' });
  await must(
    s,
    'PUT',
    '/v1/customers/contoso/peering-services/contoso-eu',
    {
      provider: 'nordlink',
      location: { country: 'NL', region: '', lat: 52.09, lon: 5.12 },
      primaryPop: 'ams',
      backupPop: 'fra',
    },
    201,
  );
  await must(
    s,
    'PUT',
    '/v1/customers/fabrikam/peering-services/fabrikam-eu',
    {
      provider: 'apex-ix',
      location: { country: 'DE', region: 'Bavaria', lat: 48.14, lon: 11.58 },
      primaryPop: 'fra',
    },
    201,
  );
  await must(s, 'PUT', '/v1/customers/contoso/peering-services/contoso-eu/prefixes/hq', { prefix: '45.66.0.0/24', key: KEYS.nordlinkAms }, 201);
  await must(s, 'PUT', '/v1/customers/fabrikam/peering-services/fabrikam-eu/prefixes/office', { prefix: '176.124.200.0/24', key: KEYS.apexAsn }, 201);
}
