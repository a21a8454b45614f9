// Input is refused, not coerced: JSON bodies carry real types (no null-to-0, true-to-1, [1]-to-"1"),
// path parameters and query strings accept numbers only as plain decimal digits and booleans only
// as true/false. Every refusal names the field and the rule. Requests refused before a route runs
// (413, 415, 431, bad JSON, bad HTTP) get the same error envelope. Through HTTP, as a client sends.

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { parsePrefix, prefixProblem } from '../src/net/prefix.js';
import { specialPurpose, specialPurposeReason } from '../src/net/special.js';
import { type Reply, startServer, type TestServer } from './helpers/server.js';
import { buildWorld, conn } from './helpers/world.js';
import { expectError, expectOk } from './rules-common.js';

let s: TestServer;
before(async () => {
  s = await startServer();
  await buildWorld(s);
});
after(async () => {
  await s.close();
});

const POP = { metro: 'Amsterdam', country: 'NL', lat: 52.37, lon: 4.9 };
const CONN = '/v1/partners/nordlink/peerings/nordlink-ams/connections/ams-9';
const connBody = (extra: Record<string, unknown>) => {
  const { name: _name, ...c } = conn('ams-9', 'ams-er1', '127.11.9.0/31', extra);
  return c;
};
const SERVICE = '/v1/customers/contoso/peering-services/contoso-eu';
const serviceBody = (location: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  provider: 'nordlink',
  location: { country: 'NL', lat: 52.09, lon: 5.12, ...location },
  primaryPop: 'ams',
  backupPop: 'fra',
  ...extra,
});

/** A raw request: the body as text with the given Content-Type (null: none). */
async function raw(method: string, path: string, body: string | undefined, contentType: string | null, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(s.url + path, {
    method,
    headers: { authorization: `Bearer ${s.operatorKey}`, ...(contentType ? { 'content-type': contentType } : {}), ...headers },
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

/** An error envelope with a code of our own (not one of the registry's), and the headers every reply carries. */
function envelope(r: Reply, status: number, code: string, message: RegExp): void {
  const show = `HTTP ${r.status} ${JSON.stringify(r.body)}`;
  assert.equal(r.status, status, show);
  assert.deepEqual(Object.keys(r.body), ['error'], show);
  assert.equal(r.body.error.code, code, show);
  assert.match(r.body.error.message, message, show);
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff', show);
}

describe('JSON bodies are never coerced', () => {
  const cases: Array<[string, string, string, unknown, string, string]> = [
    // what, method, path, body, message, target
    ['null for a number', 'PUT', '/v1/pops/ams', { ...POP, lat: null }, 'lat must be a number, not null', 'lat'],
    ['text for a number', 'PUT', '/v1/pops/ams', { ...POP, lat: '52.37' }, 'lat must be a number', 'lat'],
    ['true for a number', 'PUT', '/v1/pops/ams', { ...POP, lon: true }, 'lon must be a number', 'lon'],
    ['[n] for a number', 'PUT', '/v1/pops/ams', { ...POP, lon: [4.9] }, 'lon must be a number', 'lon'],
    ['text for an integer', 'PUT', '/v1/operator', { asn: '64500', name: 'Example Cloud' }, 'asn must be an integer', 'asn'],
    ['null for an integer', 'PUT', '/v1/operator', { asn: null, name: 'Example Cloud' }, 'asn must be an integer, not null', 'asn'],
    ['true for an integer', 'PUT', '/v1/operator', { asn: true, name: 'Example Cloud' }, 'asn must be an integer', 'asn'],
    ['a fraction for an integer', 'PUT', '/v1/operator', { asn: 64500.5, name: 'Example Cloud' }, 'asn must be an integer', 'asn'],
    ['[text] for a string', 'PUT', '/v1/operator', { asn: 64500, name: ['Example Cloud'] }, 'name must be a string', 'name'],
    ['a number for a string', 'PUT', '/v1/operator', { asn: 64500, name: 7 }, 'name must be a string', 'name'],
    ['null for a string', 'PUT', '/v1/operator', { asn: 64500, name: null }, 'name must be a string, not null', 'name'],
    ['1 for a boolean', 'PUT', CONN, connBody({ bfd: 1 }), 'bfd must be a boolean', 'bfd'],
    ['"true" for a boolean', 'PUT', CONN, connBody({ bfd: 'true' }), 'bfd must be a boolean', 'bfd'],
    ['null for a boolean', 'PUT', CONN, connBody({ bfd: null }), 'bfd must be a boolean, not null', 'bfd'],
    ['text for an integer in a connection', 'PUT', CONN, connBody({ bandwidthMbps: '10000' }), 'bandwidthMbps must be an integer', 'bandwidthMbps'],
    ['null for an optional integer', 'PUT', CONN, connBody({ maxPrefixesV4: null }), 'maxPrefixesV4 must be an integer, not null', 'maxPrefixesV4'],
    ['a number for a nullable string', 'PUT', CONN, connBody({ md5Key: 12345 }), 'md5Key must be a string or null', 'md5Key'],
    [
      'a number in a nested object',
      'POST',
      '/v1/catalog/availability',
      { provider: 'nordlink', location: { country: 'NL', lat: '52' } },
      'location/lat must be a number',
      'location/lat',
    ],
    ['null for an optional string', 'PUT', SERVICE, serviceBody({ region: null }), 'location/region must be a string, not null', 'location/region'],
    ['a number for a nullable name', 'PUT', SERVICE, serviceBody({}, { backupPop: 5 }), 'backupPop must be a string or null', 'backupPop'],
    ['a number for a nullable scope', 'POST', '/v1/api-keys', { name: 'k', role: 'partner', partner: 0 }, 'partner must be a string or null', 'partner'],
    ['an array for an object', 'PUT', '/v1/operator', [64500], 'body must be an object', 'body'],
    ['null for the body', 'PUT', '/v1/operator', null, 'body must be an object, not null', 'body'],
  ];
  for (const [what, method, path, body, message, target] of cases) {
    test(`${what}: 400 "${message}"`, async () => {
      expectError(await s.api(method, path, body), 400, message, target, what);
    });
  }

  test('nullable fields still take null, and real types pass', async () => {
    expectOk(await s.api('PUT', CONN, connBody({ md5Key: null, bfd: true, maxPrefixesV4: 100 })), 201);
    expectOk(await s.api('PUT', SERVICE, serviceBody({ region: 'Utrecht' }, { backupPop: null })), 200);
    expectOk(await s.api('PUT', '/v1/pops/ams', { ...POP, lat: 52 }), 200);
  });
});

describe('path and query text: integers in plain decimal digits, booleans as true or false', () => {
  const ASN = '/v1/partners/nordlink/asns/';
  const INT_RULE = 'must be an integer in plain decimal digits (e.g. 100)';

  test('a path integer written another way is refused, naming the parameter', async () => {
    expectOk(await s.api('GET', `${ASN}64501`), 200);
    for (const text of ['0x10', '1e3', '%2016', '016', '%2B16', '16.0', '0b1', '64501%20', 'Infinity', 'NaN']) {
      expectError(await s.api('GET', ASN + text), 400, `params asn ${INT_RULE}`, 'asn', text);
    }
  });

  test('a query integer written another way is refused, naming the parameter', async () => {
    expectOk(await s.api('GET', '/v1/pops?limit=2'), 200);
    for (const text of ['0x10', '1e3', '%2016', '016', '', 'true', '2.0', '1&limit=2']) {
      expectError(await s.api('GET', `/v1/pops?limit=${text}`), 400, `querystring limit ${INT_RULE}`, 'limit', text);
    }
    // Decimal digits, but out of range: the range rule.
    expectError(await s.api('GET', '/v1/pops?limit=0'), 400, 'querystring limit must be >= 1', 'limit');
  });

  test('a query boolean is true or false, nothing else', async () => {
    const routes = '/v1/partners/nordlink/peerings/nordlink-ams/received-routes';
    expectOk(await s.api('GET', `${routes}?accepted=true`), 200);
    expectOk(await s.api('GET', `${routes}?accepted=false`), 200);
    for (const text of ['1', '0', 'TRUE', 'yes', '', 'true%20']) {
      expectError(await s.api('GET', `${routes}?accepted=${text}`), 400, 'querystring accepted must be true or false', 'accepted', text);
    }
    const stream = '/v1/partners/nordlink/events/stream?after=0';
    expectError(await s.api('GET', `${stream}&follow=0`), 400, 'querystring follow must be true or false', 'follow');
    assert.equal((await s.api('GET', `${stream}&follow=false`)).status, 200);
  });
});

describe('requests refused before a route runs keep the envelope', () => {
  test('413: a body over the limit', async () => {
    const big = JSON.stringify({ asn: 64500, name: 'x'.repeat((1 << 20) + 10) });
    envelope(await raw('PUT', '/v1/operator', big, 'application/json'), 413, 'PayloadTooLarge', /^the body is larger than 1048576 bytes$/);
  });

  test('415: a body that is not JSON says to send application/json', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      envelope(await raw('PUT', '/v1/operator', 'asn=64500', type), 415, 'UnsupportedMediaType', /send application\/json/);
    }
  });

  test('400: JSON that does not parse, an empty JSON body, a prototype key', async () => {
    envelope(await raw('PUT', '/v1/operator', '{"asn": 64500,', 'application/json'), 400, 'InvalidRequest', /^the body is not valid JSON: \S/);
    envelope(await raw('PUT', '/v1/operator', "{'asn': 64500}", 'application/json; charset=utf-8'), 400, 'InvalidRequest', /^the body is not valid JSON: /);
    envelope(await raw('PUT', '/v1/operator', '', 'application/json'), 400, 'InvalidRequest', /^the body is empty/);
    envelope(
      await raw('PUT', '/v1/operator', '{"asn":64500,"name":"x","__proto__":{"admin":true}}', 'application/json'),
      400,
      'InvalidRequest',
      /may not carry the key "__proto__"/,
    );
  });

  test('431: headers too large', async () => {
    envelope(await raw('GET', '/v1/whoami', undefined, null, { 'x-padding': 'p'.repeat(20_000) }), 431, 'HeadersTooLarge', /headers are too large/);
  });

  test('400: a request that is not HTTP', async () => {
    const { port } = new URL(s.url);
    const text = await new Promise<string>((resolve, reject) => {
      let got = '';
      const sock = net.connect(Number(port), '127.0.0.1', () => sock.write('NOT HTTP AT ALL\r\n\r\n'));
      sock
        .setEncoding('utf8')
        .on('data', (d: string) => {
          got += d;
        })
        .on('close', () => resolve(got))
        .on('error', reject);
    });
    assert.match(text, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(text, /\r\nx-content-type-options: nosniff\r\n/i);
    assert.deepEqual(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)), { error: { code: 'InvalidRequest', message: 'the request is not valid HTTP' } });
  });
});

describe('prefix reasons', () => {
  test('host bits set: "host bits", not "not a prefix", with the network to use', () => {
    assert.equal(prefixProblem('1.2.3.4/24'), 'host bits are set beyond /24: the network is 1.2.3.0/24');
    assert.equal(prefixProblem('2001:db8::1/64'), 'host bits are set beyond /64: the network is 2001:db8::/64');
    assert.equal(prefixProblem('10.0.0.0/33'), 'the length is out of range for IPv4 (0-32)');
    assert.match(prefixProblem('1.2.3.4')!, /^not a prefix in CIDR notation/);
    assert.equal(prefixProblem('1.2.3.0/24'), undefined);
  });

  test('a prefix inside a special range is that space; a larger one covers it', () => {
    const P = (t: string) => parsePrefix(t)!;
    assert.equal(specialPurposeReason(P('169.254.1.0/24')), 'it is link-local address space (169.254.0.0/16)');
    assert.equal(specialPurposeReason(P('128.0.0.0/1')), 'it covers link-local address space (169.254.0.0/16)');
    assert.equal(specialPurposeReason(P('100.64.0.0/10')), 'it is shared address space (100.64.0.0/10)');
    assert.equal(specialPurposeReason(P('8.0.0.0/6')), 'it covers private-use address space (10.0.0.0/8)');
    assert.equal(specialPurposeReason(P('4000::/3')), 'it is IPv6 space outside global unicast (2000::/3)');
    assert.equal(specialPurposeReason(P('2000::/3')), 'it covers IETF protocol assignment space (2001::/23)');
    assert.equal(specialPurposeReason(P('45.66.0.0/23')), undefined);
    assert.equal(specialPurpose(P('100.64.0.0/10')), 'shared');
  });

  test('no reason says a word pair twice ("address space address space")', () => {
    const samples = [
      '0.0.0.0/8',
      '10.1.0.0/16',
      '100.64.0.0/10',
      '100.0.0.0/8',
      '127.0.0.1/32',
      '169.254.0.0/16',
      '172.16.0.0/12',
      '192.0.0.0/24',
      '192.0.2.0/24',
      '192.88.99.0/24',
      '192.168.0.0/16',
      '198.18.0.0/15',
      '224.0.0.0/4',
      '240.0.0.0/4',
      '0.0.0.0/0',
      '::/128',
      '::1/128',
      '::ffff:0:0/96',
      '64:ff9b:1::/48',
      '100::/64',
      '2001::/32',
      '2001:db8::/32',
      '2002::/16',
      '3fff::/20',
      'fc00::/7',
      'fe80::/10',
      'ff00::/8',
      '::/0',
      '8000::/1',
    ];
    for (const t of samples) {
      const reason = specialPurposeReason(parsePrefix(t)!)!;
      assert.ok(reason, t);
      assert.doesNotMatch(reason, /\b(\w+ \w+) \1\b/, `${t}: ${reason}`);
      assert.doesNotMatch(`${specialPurpose(parsePrefix(t)!)} address space`, /address space address space/, t);
    }
  });

  test('through the API: registering shared address space does not say "address space" twice', async () => {
    const r = await s.api('PUT', '/v1/partners/nordlink/peerings/nordlink-ams/registered-prefixes/cgn', { prefix: '100.64.0.0/24' });
    assert.ok(r.status >= 400 || r.body.state === 'Invalid', JSON.stringify(r.body));
    const message: string = r.body.error?.message ?? r.body.errorMessage;
    assert.match(message, /shared address space/);
    assert.doesNotMatch(message, /address space address space/);
  });
});
