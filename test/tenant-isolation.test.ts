// Tenant isolation: a role-by-endpoint matrix over every route the server registers.
//
// The route list comes from the server itself (`app.routeList`), so a new route is covered the
// moment it exists: a route without a row in the tables below fails the coverage test and its own
// test, and a row for a route that no longer exists fails too.
//
// For each tenant route (under /v1/partners/:partner or /v1/customers/:customer), the path is
// filled with real resources of a tenant A, and every key that is not A's (the other tenant of the
// same kind, both tenants of the other kind) must get 404, the same answer as for a resource that
// does not exist, with nothing of A in it. The matrix runs in both directions (A = nordlink and
// apex-ix for partner routes, contoso and fabrikam for customer routes). Writes are sent with a
// body that is schema-valid and would visibly change A's data, and afterwards the operator checks
// that A's data is unchanged. The owner's and the operator's reads are the positive control.
//
// What counts as a leak (the "marks" of each tenant below): any string that identifies the tenant
// or its data: its name, ASNs, prefixes, prefix keys (UUIDs), session prefixes, contacts, the
// names of its registrations, its customers' locations. Every error message may echo the path that
// was requested, which contains A's names by construction, so every occurrence of the requested
// path is removed from the reply (body and headers) before the marks are searched, case-insensitive.
// The catalog is meant to show every key the providers (partner name and display name) and their
// PoPs: those public strings are removed before the catalog's replies are searched.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EventSubject } from '../src/registry/prefix-events.js';
import { expectStatus, type Reply, startServer, type TestServer } from './helpers/server.js';
import { activate, buildWorld, conn, KEYS, must } from './helpers/world.js';

// ---------------------------------------------------------------------------------------------
// Expectations
// ---------------------------------------------------------------------------------------------

/**
 * A number is the expected HTTP status.
 * WRITE: this key may take this action, and doing it would change the world the matrix checks,
 *        so it is not sent in the matrix; the last test sends it on a world of its own.
 * OWN:   200, and the list holds only the caller's own tenant (partner and customer lists).
 */
const WRITE = 'write';
const OWN = 'own';
type Expect = number | typeof WRITE | typeof OWN;

interface TenantRow {
  scope: 'partner' | 'customer';
  operator: Expect;
  owner: Expect;
  other: Expect;
  cross: Expect;
  anonymous: Expect;
}
interface GlobalRow {
  operator: Expect;
  partner: Expect;
  customer: Expect;
  anonymous: Expect;
}

const P = (operator: Expect, owner: Expect, other: Expect, cross: Expect, anonymous: Expect): TenantRow => ({
  scope: 'partner',
  operator,
  owner,
  other,
  cross,
  anonymous,
});
const C = (operator: Expect, owner: Expect, other: Expect, cross: Expect, anonymous: Expect): TenantRow => ({
  scope: 'customer',
  operator,
  owner,
  other,
  cross,
  anonymous,
});
const G = (operator: Expect, partner: Expect, customer: Expect, anonymous: Expect): GlobalRow => ({ operator, partner, customer, anonymous });

/**
 * Tenant routes. Columns:
 *   operator  - the operator key
 *   owner     - the key of the tenant that owns the resource in the path
 *   other     - the key of the other tenant of the same kind (apex-ix on nordlink's resources, ...)
 *   cross     - a key of either tenant of the other kind (customer keys on partner routes, ...)
 *   anonymous - no key at all
 */
const TENANT_ROUTES: Record<string, TenantRow> = {
  //                                                                                  operator  owner  other cross anonymous
  'GET /v1/partners/:partner': P(200, 200, 404, 404, 401),
  'PUT /v1/partners/:partner': P(WRITE, 403, 404, 404, 401),
  'DELETE /v1/partners/:partner': P(WRITE, 403, 404, 404, 401),
  'GET /v1/partners/:partner/events': P(200, 200, 404, 404, 401),
  'GET /v1/partners/:partner/events/stream': P(200, 200, 404, 404, 401),
  'GET /v1/partners/:partner/asns': P(200, 200, 404, 404, 401),
  'GET /v1/partners/:partner/asns/:asn': P(200, 200, 404, 404, 401),
  'PUT /v1/partners/:partner/asns/:asn': P(WRITE, WRITE, 404, 404, 401),
  'POST /v1/partners/:partner/asns/:asn/approval': P(WRITE, 403, 404, 404, 401),
  'DELETE /v1/partners/:partner/asns/:asn': P(WRITE, WRITE, 404, 404, 401),
  'GET /v1/partners/:partner/customer-prefixes': P(200, 200, 404, 404, 401),
  'GET /v1/partners/:partner/peerings': P(200, 200, 404, 404, 401),
  'GET /v1/partners/:partner/peerings/:peering': P(200, 200, 404, 404, 401),
  'GET /v1/partners/:partner/peerings/:peering/received-routes': P(200, 200, 404, 404, 401),
  'PUT /v1/partners/:partner/peerings/:peering': P(WRITE, WRITE, 404, 404, 401),
  'DELETE /v1/partners/:partner/peerings/:peering': P(WRITE, WRITE, 404, 404, 401),
  'POST /v1/partners/:partner/peerings/:peering/change-type': P(WRITE, WRITE, 404, 404, 401),
  'GET /v1/partners/:partner/peerings/:peering/connections/:connection': P(200, 200, 404, 404, 401),
  'PUT /v1/partners/:partner/peerings/:peering/connections/:connection': P(WRITE, WRITE, 404, 404, 401),
  'DELETE /v1/partners/:partner/peerings/:peering/connections/:connection': P(WRITE, WRITE, 404, 404, 401),
  'POST /v1/partners/:partner/peerings/:peering/connections/:connection/state': P(WRITE, 403, 404, 404, 401),
  'GET /v1/partners/:partner/peerings/:peering/registered-prefixes': P(200, 200, 404, 404, 401),
  'GET /v1/partners/:partner/peerings/:peering/registered-prefixes/:name': P(200, 200, 404, 404, 401),
  'PUT /v1/partners/:partner/peerings/:peering/registered-prefixes/:name': P(WRITE, WRITE, 404, 404, 401),
  'DELETE /v1/partners/:partner/peerings/:peering/registered-prefixes/:name': P(WRITE, WRITE, 404, 404, 401),
  'POST /v1/partners/:partner/peerings/:peering/registered-prefixes/:name/validate': P(WRITE, WRITE, 404, 404, 401),
  'GET /v1/partners/:partner/peerings/:peering/registered-asns': P(200, 200, 404, 404, 401),
  'GET /v1/partners/:partner/peerings/:peering/registered-asns/:name': P(200, 200, 404, 404, 401),
  'PUT /v1/partners/:partner/peerings/:peering/registered-asns/:name': P(WRITE, WRITE, 404, 404, 401),
  'DELETE /v1/partners/:partner/peerings/:peering/registered-asns/:name': P(WRITE, WRITE, 404, 404, 401),

  'GET /v1/customers/:customer': C(200, 200, 404, 404, 401),
  'PUT /v1/customers/:customer': C(WRITE, 403, 404, 404, 401),
  'DELETE /v1/customers/:customer': C(WRITE, 403, 404, 404, 401),
  'GET /v1/customers/:customer/events': C(200, 200, 404, 404, 401),
  'GET /v1/customers/:customer/events/stream': C(200, 200, 404, 404, 401),
  'GET /v1/customers/:customer/peering-services': C(200, 200, 404, 404, 401),
  'GET /v1/customers/:customer/peering-services/:service': C(200, 200, 404, 404, 401),
  'PUT /v1/customers/:customer/peering-services/:service': C(WRITE, WRITE, 404, 404, 401),
  'DELETE /v1/customers/:customer/peering-services/:service': C(WRITE, WRITE, 404, 404, 401),
  'GET /v1/customers/:customer/peering-services/:service/prefixes': C(200, 200, 404, 404, 401),
  'GET /v1/customers/:customer/peering-services/:service/prefixes/:name': C(200, 200, 404, 404, 401),
  'PUT /v1/customers/:customer/peering-services/:service/prefixes/:name': C(WRITE, WRITE, 404, 404, 401),
  'DELETE /v1/customers/:customer/peering-services/:service/prefixes/:name': C(WRITE, WRITE, 404, 404, 401),
  'POST /v1/customers/:customer/peering-services/:service/prefixes/:name/validate': C(WRITE, WRITE, 404, 404, 401),
};

/** Routes without a tenant in the path. Columns: the operator, any partner key, any customer key, no key. */
const GLOBAL_ROUTES: Record<string, GlobalRow> = {
  //                                                   operator  partner  customer  anonymous
  'GET /healthz': G(200, 200, 200, 200),
  'GET /openapi.json': G(200, 200, 200, 200),
  'GET /v1/whoami': G(200, 200, 200, 401),
  'GET /v1/operator': G(200, 200, 200, 401),
  'PUT /v1/operator': G(WRITE, 403, 403, 401),
  'GET /v1/partners': G(200, OWN, 404, 401),
  'GET /v1/customers': G(200, 404, OWN, 401),
  'GET /v1/pops': G(200, 200, 404, 401),
  'GET /v1/pops/:pop': G(200, 200, 404, 401),
  'PUT /v1/pops/:pop': G(WRITE, 403, 404, 401),
  'DELETE /v1/pops/:pop': G(WRITE, 403, 404, 401),
  'GET /v1/pops/:pop/routers': G(200, 200, 404, 401),
  'GET /v1/pops/:pop/routers/:router': G(200, 200, 404, 401),
  'PUT /v1/pops/:pop/routers/:router': G(WRITE, 403, 404, 401),
  'DELETE /v1/pops/:pop/routers/:router': G(WRITE, 403, 404, 401),
  'GET /v1/catalog/countries': G(200, 200, 200, 401),
  'GET /v1/catalog/locations': G(200, 200, 200, 401),
  'GET /v1/catalog/providers': G(200, 200, 200, 401),
  'POST /v1/catalog/availability': G(200, 200, 200, 401),
  'GET /v1/api-keys': G(200, 404, 404, 401),
  'POST /v1/api-keys': G(WRITE, 404, 404, 401),
  'GET /v1/api-keys/:id': G(200, 404, 404, 401),
  'POST /v1/api-keys/:id/rotate': G(WRITE, 404, 404, 401),
  'DELETE /v1/api-keys/:id': G(WRITE, 404, 404, 401),
};

// ---------------------------------------------------------------------------------------------
// Tenants, their resources and their marks
// ---------------------------------------------------------------------------------------------

interface Tenant {
  kind: 'partner' | 'customer';
  name: string;
  /** the tenant's API key secret (set once the keys exist) */
  secret: string;
  /**
   * Path parameter values naming real resources of the tenant. "registered-prefixes:peering"
   * overrides :peering under .../registered-prefixes (and likewise for registered-asns).
   */
  params: Record<string, string>;
  /** strings that identify the tenant or its data; none may reach another tenant's key */
  marks: string[];
  /** write bodies that fit the tenant's resources */
  bodies: Record<string, unknown>;
}

/** Operator-owned resources used for global routes; filled in once the world exists. */
const GLOBAL_PARAMS: Record<string, string> = { pop: 'ams', router: 'ams-er1', id: '' };
/** Operator data that a key without access to it must not see in an error. */
const GLOBAL_MARKS = ['amsterdam', 'equinix', 'science park', '10.255.', 'spare-key'];

const nordlink: Tenant = {
  kind: 'partner',
  name: 'nordlink',
  secret: '',
  params: {
    partner: 'nordlink',
    asn: '64501',
    peering: 'nordlink-ams',
    connection: 'ams-1',
    'registered-prefixes:peering': 'nordlink-ams',
    'registered-prefixes:name': 'contoso',
    'registered-asns:peering': 'nordlink-rs',
    'registered-asns:name': 'contoso',
  },
  // + the generated key of its registered ASN, added in setup
  marks: ['nordlink', '64501', '45.66.', KEYS.nordlinkAms, '127.11.', 'noc@nordlink.example', '65541', 'contoso'],
  bodies: {
    kind: 'isp',
    peering: { type: 'peering-service', pop: 'ams', asn: 64501, connections: [conn('evil-1', 'ams-er1', '127.66.0.0/31')] },
    connection: { router: 'ams-er1', bandwidthMbps: 10000, sessionAddressProvider: 'peer', sessionPrefixV4: '127.66.0.2/31' },
  },
};
const apexIx: Tenant = {
  kind: 'partner',
  name: 'apex-ix',
  secret: '',
  params: {
    partner: 'apex-ix',
    asn: '64502',
    peering: 'apex-fra',
    connection: 'rs-1',
    'registered-prefixes:peering': 'apex-ams',
    'registered-prefixes:name': 'fabrikam',
    'registered-asns:peering': 'apex-fra',
    'registered-asns:name': 'fabrikam',
  },
  // + the generated key of its registered prefix, added in setup
  marks: ['apex', '64502', KEYS.apexAsn, '127.12.', 'noc@apex.example', '65540', '185.66.', 'fabrikam'],
  bodies: {
    kind: 'ixp',
    peering: {
      type: 'exchange-route-server',
      pop: 'fra',
      asn: 64502,
      connections: [conn('evil-1', 'fra-er2', '127.66.1.0/24', { operatorAddressV4: '127.66.1.1', peerAddressV4: '127.66.1.2' })],
    },
    connection: {
      router: 'fra-er1',
      bandwidthMbps: 10000,
      sessionAddressProvider: 'peer',
      sessionPrefixV4: '127.66.2.0/24',
      operatorAddressV4: '127.66.2.1',
      peerAddressV4: '127.66.2.2',
    },
  },
};
const contoso: Tenant = {
  kind: 'customer',
  name: 'contoso',
  secret: '',
  params: { customer: 'contoso', service: 'contoso-eu', name: 'hq' },
  marks: ['contoso', '45.66.', KEYS.nordlinkAms, '52.09', 'nordlink'],
  bodies: {
    // drops the backup PoP: a visible change
    service: { provider: 'nordlink', location: { country: 'NL', region: '', lat: 52.09, lon: 5.12 }, primaryPop: 'ams' },
    prefix: { prefix: '45.66.1.0/24', key: KEYS.nordlinkAms },
  },
};
const fabrikam: Tenant = {
  kind: 'customer',
  name: 'fabrikam',
  secret: '',
  params: { customer: 'fabrikam', service: 'fabrikam-eu', name: 'office' },
  marks: ['fabrikam', '176.124.', KEYS.apexAsn, 'bavaria', '48.14', '11.58', 'apex'],
  bodies: {
    // adds a backup PoP: a visible change
    service: { provider: 'apex-ix', location: { country: 'DE', region: 'Bavaria', lat: 48.14, lon: 11.58 }, primaryPop: 'fra', backupPop: 'ams' },
    prefix: { prefix: '176.124.201.0/24', key: KEYS.apexAsn },
  },
};
const TENANTS = [nordlink, apexIx, contoso, fabrikam];
/** Names that exist nowhere: the reply to a foreign key must look exactly like the reply for these. */
const MISSING: Record<string, string> = {
  partner: 'no-such-partner',
  asn: '4200000001',
  peering: 'no-such-peering',
  connection: 'no-such-connection',
  name: 'no-such-name',
  customer: 'no-such-customer',
  service: 'no-such-service',
};
/** What the catalog shows every key on purpose: the providers' names and display names. */
const CATALOG_PUBLIC = ['nordlink telecom', 'nordlink', 'apex ix', 'apex-ix'];

/** A PUT or POST body for a route, schema-valid for the tenant's resources and changing them. */
function bodyFor(route: string, t: Tenant | null): unknown {
  const b = t?.bodies ?? {};
  const bodies: Record<string, unknown> = {
    'PUT /v1/operator': { asn: 64500, name: 'Hijacked Cloud' },
    'PUT /v1/pops/:pop': { metro: 'Amsterdam', country: 'NL', lat: 52.37, lon: 4.9, facilities: [] },
    'PUT /v1/pops/:pop/routers/:router': { routerId: '10.255.9.9', addresses: ['127.9.9.9'] },
    'POST /v1/catalog/availability': { provider: 'nordlink', location: { country: 'NL', lat: 52.09, lon: 5.12 } },
    'POST /v1/api-keys': { name: 'stolen', role: 'operator' },
    'POST /v1/api-keys/:id/rotate': { graceSeconds: 3600 },
    'PUT /v1/partners/:partner': { kind: b.kind, displayName: 'Hijacked' },
    'PUT /v1/partners/:partner/asns/:asn': { name: 'Hijacked', contacts: [{ role: 'Noc', email: 'attacker@evil.example' }] },
    'POST /v1/partners/:partner/asns/:asn/approval': { state: 'failed', message: 'hijacked' },
    'PUT /v1/partners/:partner/peerings/:peering': b.peering,
    'POST /v1/partners/:partner/peerings/:peering/change-type': { type: 'exchange' },
    'PUT /v1/partners/:partner/peerings/:peering/connections/:connection': b.connection,
    'POST /v1/partners/:partner/peerings/:peering/connections/:connection/state': { state: 'Decommissioning' },
    'PUT /v1/partners/:partner/peerings/:peering/registered-prefixes/:name': { prefix: '185.99.0.0/24' },
    'PUT /v1/partners/:partner/peerings/:peering/registered-asns/:name': { asn: 65549 },
    'PUT /v1/customers/:customer': { displayName: 'Hijacked' },
    'PUT /v1/customers/:customer/peering-services/:service': b.service,
    'PUT /v1/customers/:customer/peering-services/:service/prefixes/:name': b.prefix,
  };
  const method = route.split(' ')[0];
  if (method !== 'PUT' && method !== 'POST') return undefined;
  if (route.endsWith('/validate')) return undefined; // an action without input
  const body = bodies[route];
  if (body === undefined) throw new Error(`no request body for ${route}${t ? ` (${t.name})` : ''}: add one to bodyFor()`);
  return body;
}

/** The route's URL with every :param replaced by the tenant's (or the global) resource. */
function fill(url: string, params: Record<string, string>): string {
  const under = /\/(registered-prefixes|registered-asns)(\/|$)/.exec(url)?.[1];
  return url.replace(/:([A-Za-z]+)/g, (_m, p: string) => {
    const v = (under ? params[`${under}:${p}`] : undefined) ?? params[p] ?? GLOBAL_PARAMS[p];
    if (!v) throw new Error(`no value for :${p} in ${url}: add one to the tenant params`);
    return v;
  });
}

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

/** The reply (body and headers) as lowercase text with every occurrence of the requested path removed. */
function replyText(r: Reply, path: string): string {
  const headers = [...r.headers].map(([k, v]) => `${k}: ${v}`).join('\n');
  return `${JSON.stringify(r.body ?? null)}\n${headers}`.split(path).join('<path>').toLowerCase();
}

function leaked(r: Reply, path: string, marks: string[], allowed: string[] = []): string[] {
  let text = replyText(r, path);
  for (const a of allowed) text = text.split(a.toLowerCase()).join('<public>');
  return marks.filter((m) => text.includes(m.toLowerCase()));
}

const show = (r: Reply) => `${r.status} ${JSON.stringify(r.body)}`;

/** An error reply is exactly {"error":{"code","message"[,"target"]}}: no room for data. */
function assertBareError(r: Reply, code: string, what: string): void {
  assert.deepEqual(Object.keys(r.body ?? {}), ['error'], `${what}: error body has other fields: ${show(r)}`);
  const e = r.body.error as Record<string, unknown>;
  assert.equal(e.code, code, `${what}: error code: ${show(r)}`);
  assert.equal(typeof e.message, 'string', `${what}: error message: ${show(r)}`);
  for (const k of Object.keys(e)) assert.ok(['code', 'message', 'target'].includes(k), `${what}: error has field ${k}: ${show(r)}`);
  assert.equal(r.headers.get('openpeering-change'), null, `${what}: an error reply says it changed something`);
}

const ERROR_CODE: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound' };

// ---------------------------------------------------------------------------------------------
// The world
// ---------------------------------------------------------------------------------------------

/** The test world plus one more peering per partner, so each has a registered prefix and a registered ASN. */
async function buildIsolationWorld(s: TestServer): Promise<void> {
  await buildWorld(s);
  await must(
    s,
    'PUT',
    '/v1/partners/nordlink/peerings/nordlink-rs',
    {
      type: 'exchange-route-server',
      pop: 'sin',
      asn: 64501,
      connections: [conn('sin-rs-1', 'sin-er1', '127.11.3.0/24', { operatorAddressV4: '127.11.3.1', peerAddressV4: '127.11.3.100' })],
    },
    201,
  );
  await activate(s, 'nordlink', 'nordlink-rs', 'sin-rs-1');
  await must(s, 'PUT', '/v1/partners/nordlink/peerings/nordlink-rs/registered-asns/contoso', { asn: 65541 }, 201);
  await must(
    s,
    'PUT',
    '/v1/partners/apex-ix/peerings/apex-ams',
    {
      type: 'exchange',
      pop: 'ams',
      asn: 64502,
      connections: [conn('ams-x1', 'ams-er1', '127.12.1.0/24', { operatorAddressV4: '127.12.1.1', peerAddressV4: '127.12.1.100' })],
    },
    201,
  );
  await activate(s, 'apex-ix', 'apex-ams', 'ams-x1');
  await must(s, 'PUT', '/v1/partners/apex-ix/peerings/apex-ams/registered-prefixes/fabrikam', { prefix: '185.66.0.0/24' }, 201);
}

/** One stored event per prefix of the world, so the event lists and streams have something to leak. */
const EVENT_SUBJECTS: EventSubject[] = [
  { kind: 'registered-prefix', id: 'nordlink/nordlink-ams/contoso', prefix: '45.66.0.0/23', partner: 'nordlink', customer: null },
  { kind: 'customer-prefix', id: 'contoso/contoso-eu/hq', prefix: '45.66.0.0/24', partner: 'nordlink', customer: 'contoso' },
  { kind: 'registered-prefix', id: 'apex-ix/apex-ams/fabrikam', prefix: '185.66.0.0/24', partner: 'apex-ix', customer: null },
  { kind: 'customer-prefix', id: 'fabrikam/fabrikam-eu/office', prefix: '176.124.200.0/24', partner: 'apex-ix', customer: 'fabrikam' },
];
async function addEvents(s: TestServer): Promise<void> {
  for (const subject of EVENT_SUBJECTS) {
    await s.registry.events.add(subject, {
      time: '2025-01-01T00:00:00.000Z',
      type: 'PrefixAnnouncementEvent',
      level: 'Information',
      summary: `${subject.prefix} announced`,
      details: {},
    });
  }
}

/** Creates the four tenant keys and the spare key the api-keys/:id routes name. */
async function createKeys(s: TestServer): Promise<void> {
  for (const t of TENANTS) t.secret = await s.key(t.kind, t.name);
  const spare = await must(s, 'POST', '/v1/api-keys', { name: 'spare-key', role: 'partner', partner: 'nordlink' }, 201);
  GLOBAL_PARAMS.id = spare.key.id;
}

const s = await startServer();
await buildIsolationWorld(s);
await addEvents(s);
await createKeys(s);
nordlink.marks.push((await must(s, 'GET', '/v1/partners/nordlink/peerings/nordlink-rs/registered-asns/contoso')).key);
apexIx.marks.push((await must(s, 'GET', '/v1/partners/apex-ix/peerings/apex-ams/registered-prefixes/fabrikam')).key);
const routeKeys = s.app.routeList.map((r) => `${r.method} ${r.url}`);
after(async () => {
  await s.close();
});

/** Event streams are asked for their bounded form (every stored event, then the end), so each request returns. */
const STREAM_QUERY = '?after=0&follow=false';
const send = (method: string, path: string, body: unknown, key: string | null) =>
  s.api(method, /\/events\/stream$/.test(path) ? path + STREAM_QUERY : path, body, key);

/** Everything the tenants own, and the operator's data, read by the operator (api keys without lastUsedAt). */
async function snapshot(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const get = async (p: string) => {
    const r = await s.api('GET', p);
    out[p] = { status: r.status, body: r.body };
    return r;
  };
  await get('/v1/operator');
  for (const pop of (await get('/v1/pops')).body.items) await get(`/v1/pops/${pop.code}/routers`);
  await get('/v1/partners');
  await get('/v1/customers');
  for (const partner of ['nordlink', 'apex-ix']) {
    await get(`/v1/partners/${partner}`);
    await get(`/v1/partners/${partner}/asns`);
    await get(`/v1/partners/${partner}/customer-prefixes`);
    for (const pe of (await get(`/v1/partners/${partner}/peerings`)).body.items) {
      await get(`/v1/partners/${partner}/peerings/${pe.name}/registered-prefixes`);
      await get(`/v1/partners/${partner}/peerings/${pe.name}/registered-asns`);
    }
  }
  for (const customer of ['contoso', 'fabrikam']) {
    await get(`/v1/customers/${customer}`);
    for (const svc of (await get(`/v1/customers/${customer}/peering-services`)).body.items) {
      await get(`/v1/customers/${customer}/peering-services/${svc.name}/prefixes`);
    }
  }
  const keys = await s.api('GET', '/v1/api-keys');
  out['/v1/api-keys'] = keys.body.items.map(({ lastUsedAt: _unused, ...k }: Record<string, unknown>) => k);
  return out;
}

const before0 = await snapshot();

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

describe('tenant isolation matrix', () => {
  it('has an expectation row for every route the server registers, and none for a route it does not', () => {
    const known = new Set([...Object.keys(TENANT_ROUTES), ...Object.keys(GLOBAL_ROUTES)]);
    assert.equal(new Set(routeKeys).size, routeKeys.length, 'a route is registered twice');
    const missing = routeKeys.filter((k) => !known.has(k));
    assert.deepEqual(missing, [], `routes without a row in TENANT_ROUTES or GLOBAL_ROUTES: ${missing.join(', ')}`);
    const stale = [...known].filter((k) => !routeKeys.includes(k));
    assert.deepEqual(stale, [], `rows for routes the server does not register: ${stale.join(', ')}`);
    for (const k of Object.keys(GLOBAL_ROUTES)) assert.ok(!Object.hasOwn(TENANT_ROUTES, k), `${k} is in both tables`);
    // A route is a tenant route exactly when its path names a tenant.
    for (const k of routeKeys) {
      const url = k.split(' ')[1]!;
      const scope = url.includes(':partner') ? 'partner' : url.includes(':customer') ? 'customer' : undefined;
      assert.equal(TENANT_ROUTES[k]?.scope, scope, `${k}: its table row does not match the tenant in its path`);
    }
    // The list is the server's own (not empty, and it includes a route added after the plugins).
    assert.ok(routeKeys.includes('GET /openapi.json') && routeKeys.includes('GET /v1/whoami'), `route list: ${routeKeys.join(', ')}`);
  });

  for (const route of routeKeys) {
    const [method, url] = route.split(' ') as [string, string];
    const tenantRow = TENANT_ROUTES[route];
    const globalRow = GLOBAL_ROUTES[route];

    if (tenantRow) {
      it(`${route}: other tenants get 404 and nothing of the owner; owner and operator as expected`, async () => {
        const owners = TENANTS.filter((t) => t.kind === tenantRow.scope);
        for (const a of owners) {
          const path = fill(url, a.params);
          const body = bodyFor(route, a);
          const missingPath = fill(url, MISSING);
          const sameKindOther = owners.find((t) => t !== a)!;
          for (const k of TENANTS.filter((t) => t !== a)) {
            const expected = k.kind === a.kind ? tenantRow.other : tenantRow.cross;
            const what = `${method} ${path} with ${k.kind} key ${k.name}`;
            const r = await send(method, path, body, k.secret);
            assert.equal(r.status, expected, `${what}: ${show(r)}`);
            assert.equal(expected, 404, `${route}: a foreign key must get 404`);
            assertBareError(r, 'NotFound', what);
            assert.deepEqual(leaked(r, path, [...a.marks, ...(k.kind === a.kind ? [] : sameKindOther.marks)]), [], `${what}: the reply leaks data: ${show(r)}`);
            // Not probeable: the same reply as for a tenant and resources that do not exist.
            const m = await send(method, missingPath, body, k.secret);
            assert.equal(m.status, r.status, `${what}: status differs from a missing resource's (${show(m)})`);
            assert.equal(
              JSON.stringify(r.body).split(path).join('<path>'),
              JSON.stringify(m.body).split(missingPath).join('<path>'),
              `${what}: reply differs from a missing resource's: ${show(r)} vs ${show(m)}`,
            );
          }

          // Positive control: the owner (reads, and writes its role may not take) and the operator (reads).
          for (const [who, key, expected] of [
            ['owner', a.secret, tenantRow.owner],
            ['operator', s.operatorKey, tenantRow.operator],
          ] as const) {
            if (expected === WRITE) continue;
            const what = `${method} ${path} with the ${who} key (${who === 'owner' ? a.name : 'operator'})`;
            const r = await send(method, path, body, key);
            assert.equal(r.status, expected, `${what}: ${show(r)}`);
            if (typeof expected === 'number' && expected >= 400) assertBareError(r, ERROR_CODE[expected]!, what);
            if (who === 'owner' && r.status < 300) {
              assert.deepEqual(leaked(r, path, sameKindOther.marks), [], `${what}: the owner sees ${sameKindOther.name}'s data: ${show(r)}`);
            }
          }

          // No key at all.
          const r = await send(method, path, body, null);
          assert.equal(r.status, tenantRow.anonymous, `${method} ${path} without a key: ${show(r)}`);
          assertBareError(r, 'Unauthorized', `${method} ${path} without a key`);
          assert.deepEqual(leaked(r, path, a.marks), [], `${method} ${path} without a key leaks: ${show(r)}`);
        }
      });
    } else if (globalRow) {
      it(`${route}: operator ${globalRow.operator}, partner ${globalRow.partner}, customer ${globalRow.customer}, no key ${globalRow.anonymous}`, async () => {
        const path = fill(url, {});
        const body = bodyFor(route, null);
        const callers: Array<[string, string | null, Expect, Tenant | null]> = [
          ['operator', s.operatorKey, globalRow.operator, null],
          ...TENANTS.map((t): [string, string | null, Expect, Tenant | null] => [`${t.kind} ${t.name}`, t.secret, globalRow[t.kind], t]),
          ['no key', null, globalRow.anonymous, null],
        ];
        for (const [who, key, expected, t] of callers) {
          if (expected === WRITE) continue;
          const what = `${method} ${path} with ${who}`;
          const r = await send(method, path, body, key);
          const status = expected === OWN ? 200 : expected;
          assert.equal(r.status, status, `${what}: ${show(r)}`);
          const others = TENANTS.filter((x) => x !== t).flatMap((x) => x.marks);
          if (status >= 400) {
            assertBareError(r, ERROR_CODE[status]!, what);
            assert.deepEqual(leaked(r, path, [...others, ...GLOBAL_MARKS], t?.marks), [], `${what}: the error leaks data: ${show(r)}`);
            continue;
          }
          if (key === s.operatorKey) continue;
          // A tenant key (or none) reading global data sees nothing of any other tenant. Its own
          // marks are removed first: tenants' marks overlap (contoso's provider is nordlink).
          const allowed = [...(t?.marks ?? []), ...(url.startsWith('/v1/catalog/') ? CATALOG_PUBLIC : [])];
          assert.deepEqual(leaked(r, path, others, allowed), [], `${what}: the reply shows another tenant's data: ${show(r)}`);
          if (expected === OWN) {
            assert.deepEqual(
              r.body.items.map((i: { name: string }) => i.name),
              [t!.name],
              `${what}: a tenant lists only itself`,
            );
            assert.equal(r.body.nextCursor, null, `${what}: no further page`);
          }
          if (url === '/v1/whoami' && t) {
            assert.equal(r.body.role, t.kind, `${what}: role`);
            assert.equal(r.body[t.kind], t.name, `${what}: scope`);
          }
        }
      });
    } else {
      it(`${route}: has a row in the expectations table`, () => {
        assert.fail(`${route} has no row in TENANT_ROUTES or GLOBAL_ROUTES: add its expected status per role`);
      });
    }
  }

  it('shared lists: the operator sees every tenant, a tenant only itself (also page by page)', async () => {
    const all = await s.api('GET', '/v1/partners');
    assert.deepEqual(all.body.items.map((i: { name: string }) => i.name).sort(), ['apex-ix', 'nordlink']);
    const allC = await s.api('GET', '/v1/customers');
    assert.deepEqual(allC.body.items.map((i: { name: string }) => i.name).sort(), ['contoso', 'fabrikam']);
    for (const t of TENANTS) {
      const list = t.kind === 'partner' ? '/v1/partners' : '/v1/customers';
      for (const q of ['', '?limit=1']) {
        const r = await s.api('GET', list + q, undefined, t.secret);
        expectStatus(r, 200, `${t.name} GET ${list}${q}`);
        assert.deepEqual(
          r.body.items.map((i: { name: string }) => i.name),
          [t.name],
          `${t.name} GET ${list}${q}`,
        );
        assert.equal(r.body.nextCursor, null, `${t.name} GET ${list}${q}: a cursor past its own item`);
      }
      // A cursor pointing before the other tenant's name still yields nothing of it.
      const r = await s.api('GET', `${list}?cursor=${Buffer.from(JSON.stringify('')).toString('base64url')}`, undefined, t.secret);
      expectStatus(r, 200, `${t.name} GET ${list} with a cursor`);
      assert.deepEqual(
        r.body.items.map((i: { name: string }) => i.name),
        [t.name],
        `${t.name} GET ${list} with a cursor`,
      );
    }
  });

  it('event lists and streams show a tenant the events of its own prefixes only', async () => {
    const expected: Record<string, string[]> = {
      nordlink: ['nordlink/nordlink-ams/contoso', 'contoso/contoso-eu/hq'],
      'apex-ix': ['apex-ix/apex-ams/fabrikam', 'fabrikam/fabrikam-eu/office'],
      contoso: ['contoso/contoso-eu/hq'],
      fabrikam: ['fabrikam/fabrikam-eu/office'],
    };
    for (const t of TENANTS) {
      const base = `/v1/${t.kind === 'partner' ? 'partners' : 'customers'}/${t.name}/events`;
      const list = await s.api('GET', base, undefined, t.secret);
      expectStatus(list, 200, `${t.name} GET ${base}`);
      assert.deepEqual(
        list.body.items.map((i: { subject: string }) => i.subject),
        expected[t.name],
        `${t.name} GET ${base}`,
      );
      const stream = await send('GET', `${base}/stream`, undefined, t.secret);
      expectStatus(stream, 200, `${t.name} GET ${base}/stream`);
      assert.equal(typeof stream.body, 'string', `${t.name} GET ${base}/stream: an event stream`);
      const data = [...String(stream.body).matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1]!));
      assert.deepEqual(data, list.body.items, `${t.name} GET ${base}/stream: the list's events, in the list's JSON`);
    }
  });

  it('a partner sees only the customer prefixes that use its own keys', async () => {
    const n = await s.api('GET', '/v1/partners/nordlink/customer-prefixes', undefined, nordlink.secret);
    expectStatus(n, 200);
    assert.deepEqual(
      n.body.items.map((i: { customer: string; name: string }) => `${i.customer}/${i.name}`),
      ['contoso/hq'],
    );
    const a = await s.api('GET', '/v1/partners/apex-ix/customer-prefixes', undefined, apexIx.secret);
    expectStatus(a, 200);
    assert.deepEqual(
      a.body.items.map((i: { customer: string; name: string }) => `${i.customer}/${i.name}`),
      ['fabrikam/office'],
    );
  });

  it("no foreign write took effect: every tenant's data is unchanged", async () => {
    const now = await snapshot();
    // The headline facts first, for a readable failure.
    const peering = await must(s, 'GET', '/v1/partners/nordlink/peerings/nordlink-ams');
    assert.deepEqual(
      peering.connections.map((c: { name: string; state: string }) => `${c.name}:${c.state}`),
      ['ams-1:Active', 'ams-2:Active'],
    );
    const rs = await must(s, 'GET', '/v1/partners/apex-ix/peerings/apex-fra');
    assert.deepEqual(
      rs.connections.map((c: { name: string; state: string }) => `${c.name}:${c.state}`),
      ['rs-1:Active'],
    );
    assert.equal(rs.type, 'exchange-route-server');
    assert.equal((await must(s, 'GET', '/v1/partners/nordlink/asns/64501')).state, 'approved');
    assert.equal((await must(s, 'GET', '/v1/partners/apex-ix/asns/64502')).state, 'approved');
    const rp = await must(s, 'GET', '/v1/partners/nordlink/peerings/nordlink-ams/registered-prefixes/contoso');
    assert.deepEqual([rp.prefix, rp.key], ['45.66.0.0/23', KEYS.nordlinkAms]);
    assert.equal((await must(s, 'GET', '/v1/partners/nordlink')).displayName, 'NordLink Telecom');
    assert.equal((await must(s, 'GET', '/v1/customers/contoso/peering-services/contoso-eu')).backupPop, 'fra');
    assert.equal((await must(s, 'GET', '/v1/customers/fabrikam/peering-services/fabrikam-eu')).backupPop, null);
    assert.equal((await must(s, 'GET', '/v1/customers/contoso/peering-services/contoso-eu/prefixes/hq')).prefix, '45.66.0.0/24');
    assert.equal((await must(s, 'GET', '/v1/operator')).name, 'Example Cloud');
    assert.equal((await must(s, 'GET', '/v1/pops/ams')).facilities.length, 1);
    // No key was created or revoked by anyone but the operator.
    assert.deepEqual((now['/v1/api-keys'] as unknown[]).length, (before0['/v1/api-keys'] as unknown[]).length, 'API keys created or revoked');
    // And everything else, field by field (updatedAt included).
    assert.deepEqual(now, before0);
  });

  // Last, since the probes may add data: rules that span tenants (one registration per prefix or
  // ASN, an ASN belongs to one partner, session addresses unique per router, overlapping customer
  // prefixes, prefix keys) must refuse without naming the tenant that holds the resource. What the
  // caller sent may be echoed, so the request's own strings are removed before the marks are searched.
  it('rules that span tenants answer without naming the other tenant or its data', async () => {
    const probes: Array<{
      by: Tenant;
      owner: Tenant;
      method: string;
      path: string;
      body: Record<string, unknown>;
      status: number;
      /** strings the reply may derive from the request (the addresses of a session prefix) */
      echoes?: string[];
    }> = [
      // a customer tries a prefix inside contoso's, with nordlink's key, through its own provider apex-ix
      {
        by: fabrikam,
        owner: contoso,
        method: 'PUT',
        path: '/v1/customers/fabrikam/peering-services/fabrikam-eu/prefixes/probe-1',
        body: { prefix: '45.66.0.0/24', key: KEYS.nordlinkAms },
        status: 409,
      },
      {
        by: fabrikam,
        owner: nordlink,
        method: 'PUT',
        path: '/v1/customers/fabrikam/peering-services/fabrikam-eu/prefixes/probe-2',
        body: { prefix: '45.66.1.0/24', key: KEYS.nordlinkAms },
        status: 201,
      },
      // a partner tries to register what nordlink registered
      {
        by: apexIx,
        owner: nordlink,
        method: 'PUT',
        path: '/v1/partners/apex-ix/peerings/apex-ams/registered-prefixes/probe',
        body: { prefix: '45.66.0.0/23' },
        status: 409,
      },
      { by: apexIx, owner: nordlink, method: 'PUT', path: '/v1/partners/apex-ix/peerings/apex-fra/registered-asns/probe', body: { asn: 65541 }, status: 409 },
      {
        by: apexIx,
        owner: nordlink,
        method: 'PUT',
        path: '/v1/partners/apex-ix/asns/64501',
        body: { name: 'Probe', contacts: [{ role: 'Noc', email: 'noc@apex.example' }] },
        status: 409,
      },
      // a session address nordlink uses on the same router
      {
        by: apexIx,
        owner: nordlink,
        method: 'PUT',
        path: '/v1/partners/apex-ix/peerings/apex-ams/connections/probe',
        body: { router: 'ams-er1', bandwidthMbps: 10000, sessionAddressProvider: 'peer', sessionPrefixV4: '127.11.1.0/31' },
        status: 409,
        echoes: ['127.11.1.0', '127.11.1.1'],
      },
    ];
    for (const p of probes) {
      const what = `${p.method} ${p.path} by ${p.by.name}`;
      const r = await s.api(p.method, p.path, p.body, p.by.secret);
      assert.equal(r.status, p.status, `${what}: ${show(r)}`);
      const sent = [...(JSON.stringify(p.body).match(/[^",:{}[\]]+/g) ?? []), ...p.path.split('/').filter(Boolean), ...(p.echoes ?? [])];
      assert.deepEqual(leaked(r, p.path, p.owner.marks, [...sent, ...p.by.marks]), [], `${what}: the reply names ${p.owner.name}'s data: ${show(r)}`);
      if (r.status === 201) assert.equal(r.body.state, 'Failed', `${what}: another provider's key must not verify`);
    }
  });
});

describe('events name other tenants only to the operator', () => {
  it("a hijack event's operator-only facts (the hijacker's names and session) reach no tenant by any path", async () => {
    // As validation stores a hijack of a more-specific of contoso's prefix from apex-ix's session.
    await s.registry.events.add(EVENT_SUBJECTS[1]!, {
      time: '2025-01-02T00:00:00.000Z',
      type: 'PrefixHijackEvent',
      level: 'Critical',
      prefix: '45.66.0.0/25',
      summary: '45.66.0.0/25 from another partner (AS64502) rejected: hijack',
      details: { peerAs: 64502, originAs: 64502, registeredPrefix: '45.66.0.0/23' },
      internal: {
        summary: '45.66.0.0/25 from 127.12.1.100 (apex-ix apex-ams ams-x1) rejected: hijack',
        peer: '127.12.1.100',
        partner: 'apex-ix',
        peering: 'apex-ix/apex-ams',
      },
    });
    const hijacker = ['apex-ix', 'apex-ams', '127.12.'];
    const reads: Array<[string, string]> = [
      ['/v1/customers/contoso/events', contoso.secret],
      ['/v1/customers/contoso/events/stream?after=0&follow=false', contoso.secret],
      ['/v1/customers/contoso/peering-services/contoso-eu/prefixes/hq?expand=events', contoso.secret],
      ['/v1/partners/nordlink/events', nordlink.secret],
      ['/v1/partners/nordlink/events/stream?after=0&follow=false', nordlink.secret],
    ];
    for (const [path, key] of reads) {
      const r = await send('GET', path, undefined, key);
      expectStatus(r, 200, path);
      const text = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
      assert.match(text, /45\.66\.0\.0\/25 from another partner \(AS64502\)/, `${path}: the tenant's account of the hijack`);
      for (const m of hijacker) assert.ok(!text.includes(m), `${path}: names the hijacker (${m}): ${text}`);
    }
    const op = await s.api('GET', '/v1/customers/contoso/events');
    const e = op.body.items.find((i: { type: string }) => i.type === 'PrefixHijackEvent');
    assert.equal(e.summary, '45.66.0.0/25 from 127.12.1.100 (apex-ix apex-ams ams-x1) rejected: hijack', 'the operator reads the full account');
    assert.equal(e.details.partner, 'apex-ix');
    assert.equal(e.prefix, '45.66.0.0/25');
    assert.equal(e.subjectPrefix, '45.66.0.0/24');
  });
});

describe('the write bodies the matrix sends are valid: the owner (or the operator) can send each', () => {
  // On a world of its own: these writes change it. Each PUT/POST body of the matrix is sent with
  // the key the tables say may take the action; then every DELETE, leaves first. A business rule
  // may still refuse (409/422, e.g. changing an immutable prefix), but never the schema (400), the
  // path (404) or the role (401/403).
  let w: TestServer;
  const keysOfW: { secrets: Map<string, string>; spareId: string } = { secrets: new Map(), spareId: '' };
  before(async () => {
    w = await startServer();
    await buildIsolationWorld(w);
    const secrets = new Map<string, string>();
    for (const t of TENANTS) secrets.set(t.name, await w.key(t.kind, t.name));
    const spare = await must(w, 'POST', '/v1/api-keys', { name: 'spare-key', role: 'partner', partner: 'nordlink' }, 201);
    keysOfW.secrets = secrets;
    keysOfW.spareId = spare.key.id;
  });
  after(async () => {
    await w.close();
  });

  it('every write reaches its handler', async () => {
    const calls: Array<{ route: string; method: string; path: string; body: unknown; key: string; who: string }> = [];
    for (const route of routeKeys) {
      const [method, url] = route.split(' ') as [string, string];
      const params = { ...GLOBAL_PARAMS, id: keysOfW.spareId };
      const tRow = TENANT_ROUTES[route];
      const gRow = GLOBAL_ROUTES[route];
      if (tRow) {
        for (const a of TENANTS.filter((t) => t.kind === tRow.scope)) {
          const who = tRow.owner === WRITE ? a.name : tRow.operator === WRITE ? 'operator' : undefined;
          if (!who) continue;
          const key = who === 'operator' ? w.operatorKey : keysOfW.secrets.get(a.name)!;
          calls.push({ route, method, path: fill(url, { ...params, ...a.params }), body: bodyFor(route, a), key, who });
        }
      } else if (gRow && gRow.operator === WRITE) {
        calls.push({ route, method, path: fill(url, params), body: bodyFor(route, null), key: w.operatorKey, who: 'operator' });
      }
    }
    const depth = (p: string) => p.split('/').length;
    const ordered = [
      ...calls.filter((c) => c.method !== 'DELETE'),
      ...calls.filter((c) => c.method === 'DELETE').sort((x, y) => depth(y.path) - depth(x.path)),
    ];
    assert.ok(ordered.length > 20, `only ${ordered.length} writes`);
    const bad: string[] = [];
    for (const c of ordered) {
      const r = await w.api(c.method, c.path, c.body, c.key);
      if (!(r.status < 300 || r.status === 409 || r.status === 422)) bad.push(`${c.method} ${c.path} by ${c.who}: ${show(r)}`);
    }
    assert.deepEqual(bad, [], `writes refused by schema, path or role:\n${bad.join('\n')}`);
  });
});
