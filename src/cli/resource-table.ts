// The registry resources the CLI knows: for each, its command, the API collection it lives under,
// the parents it needs, the input schema (for --help) and the table columns of `list`.
import type { TSchema } from '@sinclair/typebox';
import * as S from '../api/schemas.js';
import { seg as P } from './client.js';
import type { Column } from './table.js';

export type Parent = 'pop' | 'partner' | 'peering' | 'customer' | 'service';
export type Flags = Partial<Record<Parent, string>> & { json?: boolean; limit?: string; cursor?: string; file?: string; data?: string };

export interface ResourceDef {
  command: string;
  what: string;
  /** plural of `what`, when adding an s is wrong */
  whats?: string;
  /** the request body's schema, to list its fields in --help */
  input: TSchema;
  parents: Parent[];
  collection: (p: Record<Parent, string>) => string;
  id: string;
  columns: Column<any>[];
  /** how `create` writes: PUT to collection/ID (default) or POST to the collection */
  create?: 'put' | 'post';
  example?: string;
}

const sessions = (c: any) =>
  [c.operatorAddressV4 && `${c.operatorAddressV4}<->${c.peerAddressV4}`, c.operatorAddressV6 && `${c.operatorAddressV6}<->${c.peerAddressV6}`]
    .filter(Boolean)
    .join(' ');

export const RESOURCES: ResourceDef[] = [
  {
    command: 'pops',
    what: 'PoP',
    input: S.PopInput,
    parents: [],
    collection: () => '/v1/pops',
    id: 'code',
    columns: [
      ['CODE', (x) => x.code],
      ['METRO', (x) => x.metro],
      ['COUNTRY', (x) => x.country],
      ['REGION', (x) => x.region],
      ['LAT', (x) => x.lat],
      ['LON', (x) => x.lon],
      ['FACILITIES', (x) => x.facilities.map((f: any) => f.name).join('; ')],
    ],
    example: 'openpeering pops create ams metro=Amsterdam country=NL lat=52.37 lon=4.90',
  },
  {
    command: 'routers',
    what: 'edge router',
    input: S.RouterInput,
    parents: ['pop'],
    collection: (p) => `/v1/pops/${P(p.pop)}/routers`,
    id: 'name',
    columns: [
      ['NAME', (x) => x.name],
      ['POP', (x) => x.pop],
      ['ROUTER-ID', (x) => x.routerId],
      ['ADDRESSES', (x) => x.addresses],
    ],
    example: 'openpeering routers create ams-er1 --pop ams routerId=10.255.1.1 \'addresses=["127.1.1.1"]\'',
  },
  {
    command: 'partners',
    what: 'partner',
    input: S.PartnerInput,
    parents: [],
    collection: () => '/v1/partners',
    id: 'name',
    columns: [
      ['NAME', (x) => x.name],
      ['KIND', (x) => x.kind],
      ['DISPLAY NAME', (x) => x.displayName],
    ],
    example: 'openpeering partners create nordlink kind=isp "displayName=NordLink Telecom"',
  },
  {
    command: 'asns',
    what: 'peer ASN',
    input: S.PeerAsnInput,
    parents: ['partner'],
    collection: (p) => `/v1/partners/${P(p.partner)}/asns`,
    id: 'asn',
    columns: [
      ['ASN', (x) => x.asn],
      ['NAME', (x) => x.name],
      ['STATE', (x) => x.state],
      ['CONTACTS', (x) => x.contacts.map((c: any) => `${c.role}:${c.email}`)],
      ['ERROR', (x) => x.errorMessage],
    ],
    example: 'openpeering asns create 64501 --partner nordlink name=NordLink \'contacts=[{"role":"Noc","email":"noc@nordlink.example"}]\'',
  },
  {
    command: 'peerings',
    what: 'peering',
    input: S.PeeringInput,
    parents: ['partner'],
    collection: (p) => `/v1/partners/${P(p.partner)}/peerings`,
    id: 'name',
    columns: [
      ['NAME', (x) => x.name],
      ['TYPE', (x) => x.type],
      ['POP', (x) => x.pop],
      ['ASN', (x) => x.asn],
      ['CONNECTIONS', (x) => x.connections.map((c: any) => `${c.name}:${c.state}`)],
    ],
    example: 'openpeering peerings create nordlink-ams --partner nordlink -f peering.yaml',
  },
  {
    command: 'connections',
    what: 'connection',
    input: S.ConnectionInput,
    parents: ['partner', 'peering'],
    collection: (p) => `/v1/partners/${P(p.partner)}/peerings/${P(p.peering)}/connections`,
    id: 'name',
    columns: [
      ['NAME', (x) => x.name],
      ['ROUTER', (x) => x.router],
      ['MBPS', (x) => x.bandwidthMbps],
      ['ADDRESSES BY', (x) => x.sessionAddressProvider],
      ['SESSIONS', sessions],
      ['BFD', (x) => (x.bfd ? 'yes' : 'no')],
      ['STATE', (x) => x.state],
      ['ERROR', (x) => x.errorMessage],
    ],
    example:
      'openpeering connections create ams-3 --partner nordlink --peering nordlink-ams router=ams-er1 bandwidthMbps=10000 sessionAddressProvider=peer sessionPrefixV4=127.11.1.8/31',
  },
  {
    command: 'registered-prefixes',
    what: 'registered prefix',
    whats: 'registered prefixes',
    input: S.RegisteredPrefixInput,
    parents: ['partner', 'peering'],
    collection: (p) => `/v1/partners/${P(p.partner)}/peerings/${P(p.peering)}/registered-prefixes`,
    id: 'name',
    columns: [
      ['NAME', (x) => x.name],
      ['PREFIX', (x) => x.prefix],
      ['STATE', (x) => x.state],
      ['KEY', (x) => x.key],
      ['ERROR', (x) => x.errorMessage],
    ],
    example: 'openpeering registered-prefixes create contoso --partner nordlink --peering nordlink-ams prefix=45.66.0.0/23',
  },
  {
    command: 'registered-asns',
    what: 'registered ASN',
    input: S.RegisteredAsnInput,
    parents: ['partner', 'peering'],
    collection: (p) => `/v1/partners/${P(p.partner)}/peerings/${P(p.peering)}/registered-asns`,
    id: 'name',
    columns: [
      ['NAME', (x) => x.name],
      ['ASN', (x) => x.asn],
      ['KEY', (x) => x.key],
    ],
    example: 'openpeering registered-asns create fabrikam --partner apex-ix --peering apex-ix-fra asn=65540',
  },
  {
    command: 'customers',
    what: 'customer',
    input: S.CustomerInput,
    parents: [],
    collection: () => '/v1/customers',
    id: 'name',
    columns: [
      ['NAME', (x) => x.name],
      ['DISPLAY NAME', (x) => x.displayName],
    ],
    example: 'openpeering customers create contoso "displayName=Contoso Ltd"',
  },
  {
    command: 'peering-services',
    what: 'peering service',
    input: S.PeeringServiceInput,
    parents: ['customer'],
    collection: (p) => `/v1/customers/${P(p.customer)}/peering-services`,
    id: 'name',
    columns: [
      ['NAME', (x) => x.name],
      ['PROVIDER', (x) => x.provider],
      ['LOCATION', (x) => [x.location.country, x.location.region].filter(Boolean).join('/')],
      ['PRIMARY', (x) => x.primaryPop],
      ['BACKUP', (x) => x.backupPop],
    ],
    example: 'openpeering peering-services create contoso-eu --customer contoso provider=nordlink location.country=NL primaryPop=ams backupPop=fra',
  },
  {
    command: 'prefixes',
    what: 'customer prefix',
    whats: 'customer prefixes',
    input: S.CustomerPrefixInput,
    parents: ['customer', 'service'],
    collection: (p) => `/v1/customers/${P(p.customer)}/peering-services/${P(p.service)}/prefixes`,
    id: 'name',
    columns: [
      ['NAME', (x) => x.name],
      ['PREFIX', (x) => x.prefix],
      ['STATE', (x) => x.state],
      ['MESSAGE', (x) => x.errorMessage],
    ],
    example: 'openpeering prefixes create hq --customer contoso --service contoso-eu prefix=45.66.0.0/24 key=<key from the provider>',
  },
  {
    command: 'api-keys',
    what: 'API key',
    input: S.ApiKeyInput,
    parents: [],
    collection: () => '/v1/api-keys',
    id: 'id',
    create: 'post',
    columns: [
      ['ID', (x) => x.id],
      ['NAME', (x) => x.name],
      ['ROLE', (x) => x.role],
      ['SCOPE', (x) => x.partner ?? x.customer],
      ['CREATED', (x) => x.createdAt],
      ['LAST USED', (x) => x.lastUsedAt],
    ],
    example: 'openpeering api-keys create name=nordlink-noc role=partner partner=nordlink',
  },
];

export const PARENT_HELP: Record<Parent, string> = {
  pop: 'PoP code',
  partner: 'partner name; a partner key defaults to its own',
  peering: 'peering name',
  customer: 'customer name; a customer key defaults to its own',
  service: 'peering service name',
};
