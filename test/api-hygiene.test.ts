// What an operator's security review asks for, through HTTP as a client sees it: rate limits
// (429 + Retry-After), nosniff and no-store on every reply, keys refused in URLs, an access log
// with key id and role that never holds a key, private database files, the last operator key,
// key expiry and rotation (and that revoke listeners hear of a key's end once).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { FailureLimiter, TokenBuckets } from '../src/api/rate-limit.js';
import { openSqlite } from '../src/store/sqlite.js';
import { type Reply, startServer, type TestServer } from './helpers/server.js';
import { buildWorld, conn } from './helpers/world.js';
import { expectError, expectOk } from './rules-common.js';

/** Asserts a 429 with a whole-seconds Retry-After and the envelope naming the limit. */
function tooMany(r: Reply, message: RegExp): number {
  const show = `HTTP ${r.status} ${JSON.stringify(r.body)}`;
  assert.equal(r.status, 429, show);
  assert.equal(r.body.error.code, 'TooManyRequests', show);
  assert.match(r.body.error.message, message, show);
  assert.match(r.body.error.message, /retry after \d+ s/, show);
  const retry = r.headers.get('retry-after');
  assert.match(retry ?? '', /^[1-9][0-9]*$/, `Retry-After: ${retry}`);
  return Number(retry);
}

describe('rate limits', () => {
  test('failed authentications from one address: after the limit, 429 even with a good key', async () => {
    const s = await startServer({ authFailureLimit: { max: 3, windowMs: 60_000, blockMs: 120_000 } });
    try {
      for (let i = 0; i < 2; i++)
        expectError(await s.api('GET', '/v1/whoami', undefined, `opk_operator_000000000000_guess${i}`), 401, 'unknown or revoked API key', undefined);
      // The third failure reaches the limit: it still gets its 401, and says so.
      expectError(await s.api('GET', '/v1/whoami', undefined, null), 401, /too many failed attempts: this address is refused for 120 s/, undefined);
      const retry = tooMany(await s.api('GET', '/v1/whoami'), /too many failed authentications from 127\.0\.0\.1 \(3 in 60 s\)/);
      assert.ok(retry <= 120, `Retry-After ${retry}`);
      // Public routes are not behind authentication.
      expectOk(await s.api('GET', '/healthz', undefined, null), 200);
    } finally {
      await s.close();
    }
  });

  test('requests per tenant key: a burst, then 429 naming the key and its rate; other keys and the operator go on', async () => {
    const s = await startServer({ keyRateLimit: { perSecond: 0.001, burst: 3 } });
    try {
      await s.api('PUT', '/v1/partners/nordlink', { kind: 'isp', displayName: 'NordLink' });
      const partner = await s.key('partner', 'nordlink');
      const other = await s.key('partner', 'nordlink');
      const id = (await s.api('GET', '/v1/whoami', undefined, other)).body.keyId;
      for (let i = 0; i < 2; i++) expectOk(await s.api('GET', '/v1/whoami', undefined, partner), 200);
      const me = (await s.api('GET', '/v1/whoami', undefined, partner)).body.keyId;
      tooMany(
        await s.api('GET', '/v1/whoami', undefined, partner),
        new RegExp(`^API key ${me} is over its request rate \\(0\\.001 requests/s, bursts of 3\\)`),
      );
      assert.equal((await s.api('GET', '/v1/whoami', undefined, other)).body.keyId, id);
      for (let i = 0; i < 10; i++) expectOk(await s.api('GET', '/v1/whoami'), 200);
    } finally {
      await s.close();
    }
  });

  test('the limiters on a clock of their own: windows reset, blocks end, buckets refill', () => {
    let t = 1_000_000;
    const clock = () => t;
    const f = new FailureLimiter({ max: 2, windowMs: 1000, blockMs: 5000 }, clock);
    assert.equal(f.failed('a'), 0);
    t += 1500; // a new window: the count starts again
    assert.equal(f.failed('a'), 0);
    assert.equal(f.failed('a'), 5000);
    assert.equal(f.blockedFor('a'), 5000);
    assert.equal(f.blockedFor('b'), 0);
    t += 4999;
    assert.equal(f.blockedFor('a'), 1);
    t += 1;
    assert.equal(f.blockedFor('a'), 0);
    assert.equal(f.failed('a'), 0, 'after the block a new window starts');

    const b = new TokenBuckets({ perSecond: 2, burst: 2, roles: ['partner'] }, clock);
    assert.equal(b.take('k'), 0);
    assert.equal(b.take('k'), 0);
    assert.equal(b.take('k'), 500);
    t += 250;
    assert.equal(b.take('k'), 250);
    t += 250;
    assert.equal(b.take('k'), 0);
    t += 10_000;
    assert.equal(b.take('k'), 0);
    assert.equal(b.take('k'), 0, 'the bucket holds at most the burst');
    assert.equal(b.take('k'), 500);
  });
});

describe('headers, keys in URLs, the access log', () => {
  const lines: string[] = [];
  let s: TestServer;
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  before(async () => {
    s = await startServer({ logger: { level: 'info', stream: sink } });
    await buildWorld(s);
  });
  after(async () => {
    await s.close();
  });

  test('every reply carries nosniff and no-store: reads, writes, errors, 404s, public routes, event streams', async () => {
    const replies: Array<[string, Reply]> = [
      ['healthz', await s.api('GET', '/healthz', undefined, null)],
      ['openapi', await s.api('GET', '/openapi.json', undefined, null)],
      ['whoami', await s.api('GET', '/v1/whoami')],
      ['key created', await s.api('POST', '/v1/api-keys', { name: 'h', role: 'operator' })],
      ['registered prefix', await s.api('GET', '/v1/partners/nordlink/peerings/nordlink-ams/registered-prefixes/contoso')],
      ['401', await s.api('GET', '/v1/whoami', undefined, null)],
      ['404', await s.api('GET', '/v1/nothing-here')],
      ['400', await s.api('PUT', '/v1/operator', { asn: 'x' })],
      ['stream', await s.api('GET', '/v1/partners/nordlink/events/stream?after=0&follow=false')],
    ];
    for (const [what, r] of replies) {
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff', what);
      // An event stream says its own no-cache (it carries no secret); every other reply no-store.
      if (what !== 'stream') assert.equal(r.headers.get('cache-control'), 'no-store', what);
    }
    assert.equal(replies[8]![1].status, 200);
  });

  test('a key in the query string is refused (400) and never logged, whatever the parameter', async () => {
    const before0 = lines.length;
    for (const param of ['key', 'api_key', 'apikey', 'token', 'access_token', 'API_KEY', 'q']) {
      const r = await s.api('GET', `/v1/whoami?${param}=${encodeURIComponent(s.operatorKey)}`);
      expectError(r, 400, /send the key in the Authorization header/, param, param);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    }
    expectError(await s.api('GET', '/v1/whoami?token=abc', undefined, null), 400, /^an API key in the URL \(query parameter "token"\) is refused/, 'token');
    const logged = lines.slice(before0).join('\n');
    assert.ok(!logged.includes(s.operatorKey), 'the key in the URL reached the log');
    assert.match(logged, /"url":"\/v1\/whoami\?key=\[redacted\]"/);
    assert.match(logged, /"url":"\/v1\/whoami\?q=\[redacted\]"/);
  });

  test('one access line per request with method, url, status, keyId, role, tenant; never a key or an MD5 key', async () => {
    const before0 = lines.length;
    await s.api('PUT', '/v1/customers/contoso', { displayName: 'Contoso Ltd' });
    const partner = await s.api('POST', '/v1/api-keys', { name: 'noc', role: 'partner', partner: 'nordlink' });
    const secret: string = partner.body.secret;
    const md5 = 'md5-never-logged-8d1f';
    const { name: _n, ...c } = conn('ams-7', 'ams-er1', '127.11.7.0/31', { md5Key: md5 });
    expectOk(await s.api('PUT', '/v1/partners/nordlink/peerings/nordlink-ams/connections/ams-7', c, secret), 201);
    await s.api('GET', '/v1/whoami', undefined, 'opk_operator_aaaaaaaaaaaa_not-a-real-key');
    s.app.log.info({ headers: { authorization: `Bearer ${secret}` }, secret, md5Key: md5 }, 'a careless log line');
    const mine = lines.slice(before0);
    const text = mine.join('\n');
    for (const [what, value] of [
      ['operator key', s.operatorKey],
      ['partner key', secret],
      ['bogus key', 'not-a-real-key'],
      ['MD5 key', md5],
    ] as const) {
      assert.ok(!text.includes(value), `the ${what} reached the log`);
    }
    assert.ok(!/Bearer /.test(text), 'an Authorization header reached the log');
    const access = mine.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request');
    const put = access.find((l) => l.method === 'PUT' && l.url === '/v1/partners/nordlink/peerings/nordlink-ams/connections/ams-7');
    assert.ok(put, text);
    assert.equal(put.level, 30);
    assert.deepEqual([put.status, put.keyId, put.role, put.tenant], [201, partner.body.key.id, 'partner', 'nordlink']);
    assert.equal(typeof put.ms, 'number');
    const op = access.find((l) => l.method === 'PUT' && l.url === '/v1/customers/contoso');
    assert.deepEqual([op.status, op.role, op.tenant], [200, 'operator', null]);
    assert.match(op.keyId, /^[0-9a-f]{12}$/);
    const refused = access.find((l) => l.url === '/v1/whoami' && l.status === 401);
    assert.deepEqual([refused.keyId, refused.role], [null, null]);
    assert.equal(access.filter((l) => l.url === '/v1/whoami' && l.status === 401).length, 1, 'one line per request');
    const careless = mine.map((l) => JSON.parse(l)).find((l) => l.msg === 'a careless log line');
    assert.deepEqual([careless.headers.authorization, careless.secret, careless.md5Key], ['[redacted]', '[redacted]', '[redacted]']);
  });
});

describe('the database file is private', () => {
  test('a new database and its -wal and -shm are 0600 in a new 0700 directory', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'openpeering-modes-'));
    try {
      const file = path.join(root, 'new', 'dir', 'openpeering.db');
      const store = await openSqlite(file);
      await store.db.insertInto('customers').values({ name: 'c', display_name: 'C', created_at: 'x', updated_at: 'x' }).execute();
      for (const f of [file, `${file}-wal`, `${file}-shm`]) assert.equal(fs.statSync(f).mode & 0o777, 0o600, f);
      assert.equal(fs.statSync(path.join(root, 'new')).mode & 0o777, 0o700);
      assert.equal(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);
      await store.close();
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test('an existing file others may read is reported, not changed', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'openpeering-modes-'));
    try {
      const file = path.join(root, 'shared.db');
      fs.writeFileSync(file, '');
      fs.chmodSync(file, 0o644);
      const warnings: string[] = [];
      const store = await openSqlite(file, { warn: (m) => warnings.push(m) });
      await store.close();
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.match(warnings[0]!, /shared\.db is readable or writable by other users \(mode 0644\).*chmod 600/);
      assert.equal(fs.statSync(file).mode & 0o777, 0o644);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test("the test server's database too", async () => {
    const s = await startServer();
    try {
      await s.api('PUT', '/v1/partners/p1', { kind: 'isp', displayName: 'P1' });
      for (const f of ['openpeering.db', 'openpeering.db-wal', 'openpeering.db-shm']) assert.equal(fs.statSync(path.join(s.dir, f)).mode & 0o777, 0o600, f);
    } finally {
      await s.close();
    }
  });
});

describe('API key lifecycle', () => {
  let s: TestServer;
  const revoked: string[] = [];
  before(async () => {
    s = await startServer();
    await s.api('PUT', '/v1/partners/nordlink', { kind: 'isp', displayName: 'NordLink' });
    s.registry.apiKeys.onRevoke((id) => revoked.push(id));
  });
  after(async () => {
    await s.close();
  });
  const whoami = (key: string) => s.api('GET', '/v1/whoami', undefined, key);
  const create = async (body: Record<string, unknown>) => expectOk(await s.api('POST', '/v1/api-keys', { name: 'k', ...body }), 201);
  /** Moves a key's times into the past, as time passing would. */
  const age = (id: string, set: { expires_at?: string; previous_expires_at?: string }) =>
    s.registry.store.db.updateTable('api_keys').set(set).where('id', '=', id).execute();
  const PAST = '2000-01-01T00:00:00.000Z';
  const count = (id: string) => revoked.filter((x) => x === id).length;

  test('a key with expiresAt works until then; then 401 "API key expired", announced once', async () => {
    const at = new Date(Date.now() + 3_600_000).toISOString();
    const k = await create({ role: 'partner', partner: 'nordlink', expiresAt: at });
    assert.equal(k.key.expiresAt, at);
    assert.equal(expectOk(await s.api('GET', `/v1/api-keys/${k.key.id}`), 200).expiresAt, at);
    expectOk(await whoami(k.secret), 200);
    await age(k.key.id, { expires_at: PAST });
    for (let i = 0; i < 3; i++) expectError(await whoami(k.secret), 401, 'API key expired', undefined);
    await s.registry.apiKeys.sweep();
    assert.equal(count(k.key.id), 1, 'revoke listeners hear of the expiry once');
    expectError(await s.api('POST', `/v1/api-keys/${k.key.id}/rotate`, {}), 409, /expired .*create a new key/, 'id');
  });

  test('an expiry nobody presents is found by the sweep', async () => {
    const k = await create({ role: 'partner', partner: 'nordlink', expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    await age(k.key.id, { expires_at: PAST });
    assert.ok((await s.registry.apiKeys.sweep()) >= 1);
    await s.registry.apiKeys.sweep();
    assert.equal(count(k.key.id), 1);
  });

  test('expiresAt must be an ISO time in the future', async () => {
    expectError(
      await s.api('POST', '/v1/api-keys', { name: 'k', role: 'operator', expiresAt: 'tomorrow' }),
      400,
      /^expiresAt must be an ISO 8601 date-time with a time zone/,
      'expiresAt',
    );
    expectError(await s.api('POST', '/v1/api-keys', { name: 'k', role: 'operator', expiresAt: PAST }), 422, /is not in the future/, 'expiresAt');
    expectError(await s.api('POST', '/v1/api-keys', { name: 'k', role: 'operator', expiresAt: 1 }), 400, 'expiresAt must be a string or null', 'expiresAt');
    assert.equal((await create({ role: 'operator', expiresAt: null })).key.expiresAt, null);
  });

  test('rotation without grace: a new secret for the same key; the old one stops at once', async () => {
    const k = await create({ role: 'partner', partner: 'nordlink' });
    const r = expectOk(await s.api('POST', `/v1/api-keys/${k.key.id}/rotate`), 200);
    assert.equal(r.key.id, k.key.id);
    assert.deepEqual([r.key.role, r.key.partner, r.key.previousSecretExpiresAt], ['partner', 'nordlink', null]);
    assert.notEqual(r.secret, k.secret);
    assert.match(r.key.rotatedAt, /^\d{4}-/);
    assert.equal(count(k.key.id), 1, 'revoke listeners are told at once');
    expectError(await whoami(k.secret), 401, 'unknown or revoked API key', undefined);
    const me = expectOk(await whoami(r.secret), 200);
    assert.deepEqual([me.keyId, me.role, me.partner], [k.key.id, 'partner', 'nordlink']);
  });

  test('rotation with grace: both secrets work until the grace ends, then only the new one', async () => {
    const k = await create({ role: 'partner', partner: 'nordlink' });
    const r = expectOk(await s.api('POST', `/v1/api-keys/${k.key.id}/rotate`, { graceSeconds: 3600 }), 200);
    assert.ok(Date.parse(r.key.previousSecretExpiresAt) > Date.now());
    expectOk(await whoami(k.secret), 200);
    expectOk(await whoami(r.secret), 200);
    assert.equal(count(k.key.id), 0);
    await age(k.key.id, { previous_expires_at: PAST });
    expectError(await whoami(k.secret), 401, 'unknown or revoked API key', undefined);
    expectError(await whoami(k.secret), 401, 'unknown or revoked API key', undefined);
    await s.registry.apiKeys.sweep();
    assert.equal(count(k.key.id), 1, 'told once when the old secret stops');
    expectOk(await whoami(r.secret), 200);
    assert.equal(expectOk(await s.api('GET', `/v1/api-keys/${k.key.id}`), 200).previousSecretExpiresAt, null);

    // Rotating again during a grace period ends the earlier secret at once.
    const r2 = expectOk(await s.api('POST', `/v1/api-keys/${k.key.id}/rotate`, { graceSeconds: 60 }), 200);
    const r3 = expectOk(await s.api('POST', `/v1/api-keys/${k.key.id}/rotate`, { graceSeconds: 60 }), 200);
    assert.equal(count(k.key.id), 2);
    expectError(await whoami(r.secret), 401, 'unknown or revoked API key', undefined);
    expectOk(await whoami(r2.secret), 200);
    expectOk(await whoami(r3.secret), 200);
    // The sweep finds an ended grace nobody presents.
    await age(k.key.id, { previous_expires_at: PAST });
    await s.registry.apiKeys.sweep();
    await s.registry.apiKeys.sweep();
    assert.equal(count(k.key.id), 3);
  });

  test('rotation input is strict, and only the operator rotates', async () => {
    const k = await create({ role: 'partner', partner: 'nordlink' });
    expectError(await s.api('POST', `/v1/api-keys/${k.key.id}/rotate`, { graceSeconds: '60' }), 400, 'graceSeconds must be an integer', 'graceSeconds');
    expectError(await s.api('POST', `/v1/api-keys/${k.key.id}/rotate`, { graceSeconds: -1 }), 400, 'graceSeconds must be >= 0', 'graceSeconds');
    expectError(await s.api('POST', `/v1/api-keys/${k.key.id}/rotate`, { grace: 1 }), 400, 'grace is not a known field', 'grace');
    expectError(await s.api('POST', `/v1/api-keys/${k.key.id}/rotate`, {}, k.secret), 404, /not found/, undefined);
    expectError(await s.api('POST', '/v1/api-keys/000000000000/rotate', {}), 404, 'API key 000000000000 not found', undefined);
  });

  test("a tenant's keys deleted with the tenant are announced once the deletion commits", async () => {
    await s.api('PUT', '/v1/customers/gone', { displayName: 'Gone' });
    const a = await create({ role: 'customer', customer: 'gone' });
    const b = await create({ role: 'customer', customer: 'gone' });
    const announce = await s.registry.store.transaction((tx) => s.registry.apiKeys.deleteTenantKeys(tx, { customer: 'gone' }));
    assert.deepEqual([count(a.key.id), count(b.key.id)], [0, 0]);
    announce();
    assert.deepEqual([count(a.key.id), count(b.key.id)], [1, 1]);
    expectError(await whoami(a.secret), 401, 'unknown or revoked API key', undefined);
  });

  // Last: it deletes the server's first operator key.
  test('the last operator key that works cannot be deleted (409); with another one it can', async () => {
    const first = (await whoami(s.operatorKey)).body.keyId;
    for (const k of expectOk(await s.api('GET', '/v1/api-keys?limit=1000'), 200).items) {
      if (k.role === 'operator' && k.id !== first) expectOk(await s.api('DELETE', `/v1/api-keys/${k.id}`), 204);
    }
    expectError(await s.api('DELETE', `/v1/api-keys/${first}`), 409, /is the last operator key that works; create another operator key first/, 'id');
    // An expired operator key does not count.
    const stale = await create({ role: 'operator', expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    await age(stale.key.id, { expires_at: PAST });
    expectError(await s.api('DELETE', `/v1/api-keys/${first}`), 409, /last operator key/, 'id');
    const second = await create({ role: 'operator' });
    expectOk(await s.api('DELETE', `/v1/api-keys/${first}`, undefined, second.secret), 204);
    assert.equal(count(first), 1);
    expectError(await whoami(s.operatorKey), 401, 'unknown or revoked API key', undefined);
    expectError(await s.api('DELETE', `/v1/api-keys/${second.key.id}`, undefined, second.secret), 409, /last operator key/, 'id');
    expectOk(await s.api('DELETE', `/v1/api-keys/${stale.key.id}`, undefined, second.secret), 204);
  });
});
