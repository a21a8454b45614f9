// A world on 127.60.0.0/16 for tests that run BGP sessions next to others: operator 64500, PoPs
// ams and fra with two edge routers each; nordlink (isp, AS64501) with two sessions in each PoP,
// registered prefix 45.66.0.0/23 and customer contoso's hq 45.66.0.0/24 (primary ams, backup
// fra); apex-ix (ixp, AS64502) with two route-server sessions in fra and customer fabrikam, whose
// office is from its registered ASN and whose "squat" 45.66.1.0/24 lies in nordlink's
// registration. Built through the API, as a client would (`call` is one authenticated request).
import type { AnnouncedRoute } from '../../src/lab/routers/index.js';
import { ACTIVE_PATH, conn } from './world.js';

export type Call = (method: string, path: string, body?: unknown) => Promise<any>;

export const KEYS60 = {
  nordlink: '6b0f4a6e-2c61-4d8e-9d1e-0c8a8b3b6001',
  apexAsn: '0d2f8e8c-7a41-4c0e-8a55-2f6a3c9e6002',
};

/** Partner router address -> the operator address it peers with, per connection. */
export const SESSIONS60 = {
  'ams-1': ['127.60.1.1', '127.60.1.0'],
  'ams-2': ['127.60.1.3', '127.60.1.2'],
  'fra-1': ['127.60.2.1', '127.60.2.0'],
  'fra-2': ['127.60.2.3', '127.60.2.2'],
  'rs-1': ['127.60.3.100', '127.60.3.1'],
  'rs-2': ['127.60.4.100', '127.60.4.1'],
} as const;

export const good60 = (prefix: string, extra: Partial<AnnouncedRoute> = {}): AnnouncedRoute => ({
  prefix,
  asPath: [64496],
  communities: ['64500:8007'],
  ...extra,
});

/** What nordlink's routers announce, and apex-ix's route servers: fabrikam's office, and hijacks. */
export const NORDLINK_ROUTES = [good60('45.66.0.0/23'), good60('45.66.0.0/24')];
export const APEX_ROUTES = [
  good60('176.124.200.0/24', { asPath: [65540] }),
  // a more-specific of contoso's hq, from an origin nobody registered
  good60('45.66.0.0/25', { asPath: [64666] }),
  // fabrikam's squat: in nordlink's registered prefix
  good60('45.66.1.0/24', { asPath: [65540] }),
];

export async function buildWorld60(call: Call): Promise<void> {
  await call('PUT', '/v1/operator', { asn: 64500, name: 'Example Cloud' });
  await call('PUT', '/v1/pops/ams', { metro: 'Amsterdam', country: 'NL', lat: 52.37, lon: 4.9 });
  await call('PUT', '/v1/pops/fra', { metro: 'Frankfurt', country: 'DE', lat: 50.11, lon: 8.68 });
  for (const [pop, n] of [
    ['ams', 1],
    ['fra', 2],
  ] as const) {
    for (const r of [1, 2]) await call('PUT', `/v1/pops/${pop}/routers/${pop}-er${r}`, { routerId: `10.60.${n}.${r}`, addresses: [`127.60.25${n}.${r}`] });
  }
  await call('PUT', '/v1/partners/nordlink', { kind: 'isp', displayName: 'NordLink Telecom' });
  await call('PUT', '/v1/partners/apex-ix', { kind: 'ixp', displayName: 'Apex IX' });
  for (const [partner, asn] of [
    ['nordlink', 64501],
    ['apex-ix', 64502],
  ] as const) {
    await call('PUT', `/v1/partners/${partner}/asns/${asn}`, { name: partner, contacts: [{ role: 'Noc', email: `noc@${partner}.example` }] });
    await call('POST', `/v1/partners/${partner}/asns/${asn}/approval`, { state: 'approved' });
  }
  const activate = async (partner: string, peering: string, connection: string) => {
    for (const state of ACTIVE_PATH) await call('POST', `/v1/partners/${partner}/peerings/${peering}/connections/${connection}/state`, { state });
  };
  await call('PUT', '/v1/partners/nordlink/peerings/nordlink-ams', {
    type: 'peering-service',
    pop: 'ams',
    asn: 64501,
    connections: [conn('ams-1', 'ams-er1', '127.60.1.0/31'), conn('ams-2', 'ams-er2', '127.60.1.2/31')],
  });
  await call('PUT', '/v1/partners/nordlink/peerings/nordlink-fra', {
    type: 'peering-service',
    pop: 'fra',
    asn: 64501,
    connections: [conn('fra-1', 'fra-er1', '127.60.2.0/31'), conn('fra-2', 'fra-er2', '127.60.2.2/31')],
  });
  for (const [pe, c] of [
    ['nordlink-ams', 'ams-1'],
    ['nordlink-ams', 'ams-2'],
    ['nordlink-fra', 'fra-1'],
    ['nordlink-fra', 'fra-2'],
  ] as const)
    await activate('nordlink', pe, c);
  await call('PUT', '/v1/partners/apex-ix/peerings/apex-fra', {
    type: 'exchange-route-server',
    pop: 'fra',
    asn: 64502,
    connections: [
      conn('rs-1', 'fra-er1', '127.60.3.0/24', { operatorAddressV4: '127.60.3.1', peerAddressV4: '127.60.3.100' }),
      conn('rs-2', 'fra-er2', '127.60.4.0/24', { operatorAddressV4: '127.60.4.1', peerAddressV4: '127.60.4.100' }),
    ],
  });
  for (const c of ['rs-1', 'rs-2']) await activate('apex-ix', 'apex-fra', c);
  await call('PUT', '/v1/partners/nordlink/peerings/nordlink-ams/registered-prefixes/contoso', { prefix: '45.66.0.0/23', key: KEYS60.nordlink });
  await call('PUT', '/v1/partners/apex-ix/peerings/apex-fra/registered-asns/fabrikam', { asn: 65540, key: KEYS60.apexAsn });
  await call('PUT', '/v1/customers/contoso', { displayName: 'Contoso Ltd' });
  await call('PUT', '/v1/customers/fabrikam', { displayName: 'Fabrikam Inc' });
  await call('PUT', '/v1/customers/contoso/peering-services/contoso-eu', {
    provider: 'nordlink',
    location: { country: 'NL', region: '', lat: 52.09, lon: 5.12 },
    primaryPop: 'ams',
    backupPop: 'fra',
  });
  await call('PUT', '/v1/customers/fabrikam/peering-services/fabrikam-eu', {
    provider: 'apex-ix',
    location: { country: 'DE', region: 'Bavaria', lat: 48.14, lon: 11.58 },
    primaryPop: 'fra',
  });
  await call('PUT', '/v1/customers/contoso/peering-services/contoso-eu/prefixes/hq', { prefix: '45.66.0.0/24', key: KEYS60.nordlink });
  await call('PUT', '/v1/customers/fabrikam/peering-services/fabrikam-eu/prefixes/office', { prefix: '176.124.200.0/24', key: KEYS60.apexAsn });
  await call('PUT', '/v1/customers/fabrikam/peering-services/fabrikam-eu/prefixes/squat', { prefix: '45.66.1.0/24', key: KEYS60.apexAsn });
}

/** The prefixes of the world, as the API names them. */
export const PREFIXES60 = [
  '/v1/partners/nordlink/peerings/nordlink-ams/registered-prefixes/contoso',
  '/v1/customers/contoso/peering-services/contoso-eu/prefixes/hq',
  '/v1/customers/fabrikam/peering-services/fabrikam-eu/prefixes/office',
  '/v1/customers/fabrikam/peering-services/fabrikam-eu/prefixes/squat',
];
