// The event log for issue 10: replays that leave the server answering, stream caps, the replay
// bound and its resumption, opaque event ids, retention, what each role reads of an event, and
// streams that end when their key is revoked. Over real sockets; no timing is asserted.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer, type ServerOptions } from '../src/api/server.js';
import { openRegistry } from '../src/bootstrap.js';
import { EventRetention, pruneEvents } from '../src/registry/event-retention.js';
import type { PrefixEventInput } from '../src/registry/prefix-events.js';
import { startServer, type TestServer } from './helpers/server.js';
import { type Frame, SseClient, within } from './helpers/sse.js';
import { until } from './helpers/until.js';
import { buildWorld, must, SUBJECTS, type TenantKeys, tenantKeys } from './helpers/world.js';

const plain = (n: number, time = '2025-03-01T00:00:00.000Z'): PrefixEventInput => ({
  time,
  type: 'PrefixAnnouncementEvent',
  level: 'Information',
  summary: `event ${n}`,
  details: { n },
});

/** A second server over the test server's registry, with its own options. */
async function extraServer(s: TestServer, opts: ServerOptions): Promise<{ url: string; app: FastifyInstance }> {
  const app = await buildServer(s.registry, opts);
  return { app, url: await app.listen({ host: '127.0.0.1', port: 0 }) };
}

/** GET a stream and collect it to the end (for follow=false and bounded replays). */
async function collect(url: string, key: string, headers: Record<string, string> = {}): Promise<{ events: Frame[]; cont: string | undefined }> {
  const c = await SseClient.open(url, key, headers);
  assert.equal(c.status, 200, `GET ${url}: ${c.text}`);
  const frames = await c.end();
  const cont = frames.find((f) => f.event === 'continue');
  return { events: frames.filter((f) => f.event !== 'continue'), cont: cont ? JSON.parse(cont.data!).after : undefined };
}

describe('event log', () => {
  let s: TestServer;
  let keys: TenantKeys;
  const partnerStream = (base: string, p: string, q = '') => `${base}/v1/partners/${p}/events/stream${q}`;
  const customerStream = (base: string, c: string, q = '') => `${base}/v1/customers/${c}/events/stream${q}`;

  before(async () => {
    s = await startServer();
    await buildWorld(s);
    keys = await tenantKeys(s);
  });
  after(async () => {
    await s.close();
  });

  it('event ids are opaque: not row ids, no arithmetic between neighbours, the same for every reader and after a restart', async () => {
    const a = await s.registry.events.add(SUBJECTS.contosoHq, plain(1));
    const b = await s.registry.events.add(SUBJECTS.contosoHq, plain(2));
    for (const id of [a, b]) assert.match(id, /^[A-Za-z0-9_-]{22}$/);
    assert.doesNotMatch(a, /^\d+$/);
    // Neighbouring rows: as numbers the blocks differ in far more than the last bits.
    const [na, nb] = [a, b].map((id) => BigInt(`0x${Buffer.from(id, 'base64url').toString('hex')}`)) as [bigint, bigint];
    assert.ok(nb - na > 1n << 64n || na - nb > 1n << 64n, 'consecutive events do not have near ids');

    const partner = await s.api('GET', '/v1/partners/nordlink/events?limit=1000', undefined, keys.nordlink);
    const customer = await s.api('GET', '/v1/customers/contoso/events?limit=1000', undefined, keys.contoso);
    const ofPartner = partner.body.items.map((e: { id: string }) => e.id);
    const ofCustomer = customer.body.items.map((e: { id: string }) => e.id);
    assert.deepEqual(ofCustomer.slice(-2), [a, b]);
    assert.deepEqual(ofPartner.slice(-2), [a, b], "the partner reads the customer's events under the same ids");
    const row = await s.registry.store.db.selectFrom('prefix_events').select('id').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
    assert.ok(!JSON.stringify([partner.body, customer.body]).includes(`"id":${row.id}`), 'no row id in the JSON');
    assert.ok(!ofPartner.includes(String(row.id)));

    // The streams use the same ids, and Last-Event-ID resumes from them.
    const streamed = await collect(customerStream(s.url, 'contoso', '?follow=false'), keys.contoso, { 'last-event-id': a });
    assert.deepEqual(
      streamed.events.map((f) => f.id),
      [b],
    );
    const fromPartner = await collect(partnerStream(s.url, 'nordlink', `?after=${a}&follow=false`), keys.nordlink);
    assert.deepEqual(
      fromPartner.events.map((f) => f.id),
      [b],
    );

    // Another process over the same database: the same ids.
    const again = await openRegistry(`${s.dir}/openpeering.db`);
    try {
      const items = (await again.events.listForCustomer('contoso', { limit: 1000 })).items.map((e) => e.id);
      assert.deepEqual(items, ofCustomer);
    } finally {
      await again.store.close();
    }
  });

  it('an id or cursor this API did not make is a 400 naming the field; ?after=0 is the start', async () => {
    const forged = Buffer.alloc(16).toString('base64url');
    const cases: Array<[string, Record<string, string>, string]> = [
      [partnerStream(s.url, 'nordlink', '?after=1&follow=false'), {}, 'after'],
      [partnerStream(s.url, 'nordlink', '?after=abc&follow=false'), {}, 'after'],
      [partnerStream(s.url, 'nordlink', `?after=${forged}&follow=false`), {}, 'after'],
      [partnerStream(s.url, 'nordlink', '?follow=false'), { 'last-event-id': forged }, 'Last-Event-ID'],
      [partnerStream(s.url, 'nordlink', '?after=0&follow=false'), { 'last-event-id': '17' }, 'Last-Event-ID'],
    ];
    for (const [url, headers, target] of cases) {
      const c = await SseClient.open(url, keys.nordlink, headers);
      const body = await c.json();
      assert.equal(c.status, 400, url);
      assert.deepEqual([body.error.code, body.error.target], ['InvalidRequest', target], JSON.stringify(body));
    }
    for (const cursor of ['abc', forged, Buffer.from('5').toString('base64url')]) {
      const r = await s.api('GET', `/v1/partners/nordlink/events?cursor=${cursor}`, undefined, keys.nordlink);
      assert.equal(r.status, 400);
      assert.deepEqual([r.body.error.code, r.body.error.target], ['InvalidRequest', 'cursor']);
    }
    // The cursor a page returns goes on.
    const p1 = await s.api('GET', '/v1/customers/contoso/events?limit=1', undefined, keys.contoso);
    const p2 = await s.api('GET', `/v1/customers/contoso/events?limit=1&cursor=${p1.body.nextCursor}`, undefined, keys.contoso);
    const all = await s.api('GET', '/v1/customers/contoso/events', undefined, keys.contoso);
    assert.deepEqual([...p1.body.items, ...p2.body.items], all.body.items.slice(0, 2));
    const fromStart = await collect(customerStream(s.url, 'contoso', '?after=0&follow=false'), keys.contoso);
    assert.deepEqual(
      fromStart.events.map((f) => f.id),
      all.body.items.map((e: { id: string }) => e.id),
    );
  });

  it('each role reads its view: the operator the internal facts, tenants never (lists, expand, streams)', async () => {
    const hijack: PrefixEventInput = {
      time: '2025-03-02T00:00:00.000Z',
      type: 'PrefixHijackEvent',
      level: 'Critical',
      summary: '45.66.0.0/25 announced by another network (AS64502)',
      details: { originAs: 64502 },
      prefix: '45.66.0.0/25',
      internal: { summary: '45.66.0.0/25 announced by apex-ix on apex-fra/rs-1 from 127.12.2.100', partner: 'apex-ix', peerAddress: '127.12.2.100' },
    };
    const secret = /apex-ix|127\.12\.2\.100|rs-1/;
    const rp = await s.registry.events.add(SUBJECTS.nordlinkRp, hijack);
    const hq = await s.registry.events.add(SUBJECTS.contosoHq, hijack);
    const find = (items: Array<{ id: string }>, id: string) => items.find((e) => e.id === id) as Record<string, any>;

    // The operator: everywhere the full account.
    const opPartner = await must(s, 'GET', '/v1/partners/nordlink/events?limit=1000');
    const opCustomer = await must(s, 'GET', '/v1/customers/contoso/events?limit=1000');
    const opExpand = await must(s, 'GET', '/v1/customers/contoso/peering-services/contoso-eu/prefixes/hq?expand=events');
    const opStream = await collect(partnerStream(s.url, 'nordlink', '?after=0&follow=false'), s.operatorKey);
    for (const [where, e] of [
      ['partner list', find(opPartner.items, rp)],
      ['customer list', find(opCustomer.items, hq)],
      ['expand', find(opExpand.events, hq)],
      ['stream', JSON.parse(opStream.events.find((f) => f.id === rp)!.data!)],
    ] as const) {
      assert.equal(e.summary, hijack.internal!.summary, `operator ${where}: the internal summary`);
      assert.deepEqual(e.details, { originAs: 64502, partner: 'apex-ix', peerAddress: '127.12.2.100' }, `operator ${where}: the internal facts`);
      assert.equal(e.prefix, '45.66.0.0/25', `operator ${where}: the event's prefix`);
    }
    assert.equal(find(opPartner.items, rp).subjectPrefix, '45.66.0.0/23');
    assert.equal(find(opCustomer.items, hq).subjectPrefix, '45.66.0.0/24');

    // Tenants: the summary and details meant for them, in every path.
    const bodies: Array<[string, string]> = [];
    const get = async (path: string, key: string) => {
      const r = await s.api('GET', path, undefined, key);
      assert.equal(r.status, 200, path);
      bodies.push([path, JSON.stringify(r.body)]);
      return r.body;
    };
    const tPartner = await get('/v1/partners/nordlink/events?limit=1000', keys.nordlink);
    const tCustomer = await get('/v1/customers/contoso/events?limit=1000', keys.contoso);
    const tExpand = await get('/v1/customers/contoso/peering-services/contoso-eu/prefixes/hq?expand=events', keys.contoso);
    const tRegExpand = await get('/v1/partners/nordlink/peerings/nordlink-ams/registered-prefixes/contoso?expand=events', keys.nordlink);
    for (const [who, base, key] of [
      ['nordlink', partnerStream(s.url, 'nordlink'), keys.nordlink],
      ['contoso', customerStream(s.url, 'contoso'), keys.contoso],
    ] as const) {
      const st = await collect(`${base}?after=0&follow=false`, key);
      bodies.push([`${who} stream`, st.events.map((f) => f.data).join('\n')]);
    }
    for (const [where, e] of [
      ['partner list', find(tPartner.items, rp)],
      ['customer list', find(tCustomer.items, hq)],
      ['customer expand', find(tExpand.events, hq)],
      ['registered-prefix expand', find(tRegExpand.events, rp)],
    ] as const) {
      assert.equal(e.summary, hijack.summary, `tenant ${where}: the tenant summary`);
      assert.deepEqual(e.details, { originAs: 64502 }, `tenant ${where}: the tenant details`);
      assert.equal(e.prefix, '45.66.0.0/25');
    }
    for (const [where, body] of bodies) {
      assert.doesNotMatch(body, secret, `${where}: an operator-only fact reached a tenant`);
      assert.doesNotMatch(body, /"internal"|"seq"/, `${where}: a stored-only field`);
    }

    // Live, too: the same event to an operator stream and a customer stream.
    const base = s.registry.events.subscriberCount;
    const op = await SseClient.open(customerStream(s.url, 'contoso'), s.operatorKey);
    const tenant = await SseClient.open(customerStream(s.url, 'contoso'), keys.contoso);
    const live = await s.registry.events.add(SUBJECTS.contosoHq, { ...hijack, time: '2025-03-03T00:00:00.000Z' });
    const [opLive] = await op.take(1);
    const [tenantLive] = await tenant.take(1);
    assert.deepEqual([opLive!.id, tenantLive!.id], [live, live]);
    assert.equal(JSON.parse(opLive!.data!).summary, hijack.internal!.summary);
    assert.equal(JSON.parse(tenantLive!.data!).summary, hijack.summary);
    assert.doesNotMatch(tenantLive!.data!, secret);
    op.close();
    tenant.close();
    await until(() => s.registry.events.subscriberCount === base, 'the streams to let go');
  });

  it('a key has at most 5 streams open (then 429 with Retry-After), the server its total', async () => {
    const base = s.registry.events.subscriberCount;
    const mine = await Promise.all([1, 2, 3, 4, 5].map(() => SseClient.open(customerStream(s.url, 'fabrikam'), keys.fabrikam)));
    for (const c of mine) assert.equal(c.status, 200);
    const sixth = await SseClient.open(customerStream(s.url, 'fabrikam'), keys.fabrikam);
    assert.equal(sixth.status, 429);
    assert.ok(Number(sixth.res.headers['retry-after']) > 0, 'Retry-After');
    const body = await sixth.json();
    assert.equal(body.error.code, 'TooManyRequests');
    assert.match(body.error.message, /this API key has 5 event streams open/);
    // Another key is not held up, and a closed stream frees its place.
    const other = await SseClient.open(partnerStream(s.url, 'apex-ix'), keys.apex);
    assert.equal(other.status, 200);
    mine[0]!.close();
    await until(() => s.registry.events.subscriberCount === base + 5, 'the closed stream to let go');
    const again = await SseClient.open(customerStream(s.url, 'fabrikam'), keys.fabrikam);
    assert.equal(again.status, 200);
    for (const c of [...mine, other, again]) c.close();
    await until(() => s.registry.events.subscriberCount === base, 'every stream to let go');

    // The total, on a server that allows 2.
    const small = await extraServer(s, { eventStreams: { total: 2 } });
    try {
      const open = [
        await SseClient.open(partnerStream(small.url, 'nordlink'), keys.nordlink),
        await SseClient.open(customerStream(small.url, 'contoso'), keys.contoso),
      ];
      const third = await SseClient.open(customerStream(small.url, 'fabrikam'), keys.fabrikam);
      assert.equal(third.status, 429);
      assert.match((await third.json()).error.message, /the server has 2 event streams open/);
      for (const c of open) c.close();
    } finally {
      await small.app.close();
    }
  });

  it('a replay stops at its bound with where to continue; resuming gives every event once, in order', async () => {
    const bounded = await extraServer(s, { eventStreams: { replayMax: 7 } });
    try {
      // 28 of fabrikam's among others': the last part is exactly the bound (no continue after it).
      const before = (await s.registry.events.listForCustomer('fabrikam', { limit: 1000 })).items.length;
      const items = [];
      for (let i = 0; i < 28 - before; i++) {
        items.push({ subject: SUBJECTS.fabrikamOffice, event: plain(i) });
        items.push({ subject: SUBJECTS.contosoHq, event: plain(i) });
      }
      await s.registry.events.addMany(items);
      const expected = (await s.registry.events.listForCustomer('fabrikam', { limit: 1000 })).items.map((e) => e.id);
      assert.equal(expected.length, 28);

      // A script: ?after=<the continue event's id> until there is none.
      const got: string[] = [];
      let after = '0';
      let requests = 0;
      for (;;) {
        const part = await collect(customerStream(bounded.url, 'fabrikam', `?after=${after}&follow=false`), keys.fabrikam);
        requests++;
        assert.ok(part.events.length <= 7);
        got.push(...part.events.map((f) => f.id!));
        if (!part.cont) break;
        assert.equal(part.cont, part.events[part.events.length - 1]!.id, 'continue after the last event sent');
        after = part.cont;
      }
      assert.deepEqual(got, expected);
      assert.equal(requests, 4);

      // EventSource: the stream ends at the bound; reconnecting with Last-Event-ID goes on, and
      // once caught up it stays open for live events.
      const seen: string[] = [];
      let lastId = '';
      for (;;) {
        const c = await SseClient.open(customerStream(bounded.url, 'fabrikam', '?after=0'), keys.fabrikam, lastId ? { 'last-event-id': lastId } : {});
        if (seen.length + 7 < expected.length) {
          const frames = await c.end();
          const events = frames.filter((f) => f.event !== 'continue');
          assert.equal(frames[frames.length - 1]!.event, 'continue');
          seen.push(...events.map((f) => f.id!));
          lastId = events[events.length - 1]!.id!;
          continue;
        }
        seen.push(...(await c.take(expected.length - seen.length)).map((f) => f.id!));
        const live = await s.registry.events.add(SUBJECTS.fabrikamOffice, plain(99));
        assert.deepEqual(await c.takeIds(1), [live]);
        assert.ok(!c.ended);
        c.close();
        break;
      }
      assert.deepEqual(seen, expected);
    } finally {
      await bounded.app.close();
    }
  });

  it('a replay of 20,000 events leaves the server answering /healthz while it runs', async () => {
    const N = 20_000;
    const items = Array.from({ length: N }, (_, i) => ({ subject: SUBJECTS.nordlinkRp, event: plain(i) }));
    for (let i = 0; i < N; i += 5_000) await s.registry.events.addMany(items.slice(i, i + 5_000));
    const big = await extraServer(s, { eventStreams: { replayMax: 100_000 } });
    try {
      let events = 0;
      let done = false;
      let firstByte!: () => void;
      const started = new Promise<void>((resolve) => {
        firstByte = resolve;
      });
      const replay = within(
        new Promise<void>((resolve, reject) => {
          http
            .get(
              partnerStream(big.url, 'nordlink', '?after=0&follow=false'),
              { agent: false, headers: { authorization: `Bearer ${keys.nordlink}` } },
              (res) => {
                res.setEncoding('utf8');
                let carry = '';
                res.on('data', (chunk: string) => {
                  // frames end with a blank line; one may end across two chunks
                  const t = carry + chunk;
                  events += t.split('\n\n').length - 1;
                  carry = t.endsWith('\n') ? '\n' : '';
                  firstByte();
                });
                res.on('end', () => {
                  done = true;
                  resolve();
                });
                res.on('error', reject);
              },
            )
            .on('error', reject);
        }),
        'the replay',
      );
      await started;
      // /healthz, one after another, for as long as the replay runs.
      let answeredDuring = 0;
      while (!done) {
        const r = await fetch(`${big.url}/healthz`);
        assert.equal(r.status, 200);
        await r.text();
        if (!done) answeredDuring++;
      }
      await replay;
      assert.ok(events >= N - 1, `the whole replay arrived (${events})`);
      // Interleavings, not time: the replay gives the loop a turn every page, so /healthz requests
      // sent one after another keep being answered while it runs (a replay that never yields lets
      // one through at most, when the socket backs up).
      assert.ok(answeredDuring >= 5, `/healthz answered ${answeredDuring} time(s) while the replay was still running`);
    } finally {
      await big.app.close();
    }
  });

  it("a revoked key's open streams end at once; the key opens no new one", async () => {
    const base = s.registry.events.subscriberCount;
    const k = await must(s, 'POST', '/v1/api-keys', { name: 'short-lived', role: 'partner', partner: 'apex-ix' }, 201);
    const streams = await Promise.all([1, 2].map(() => SseClient.open(partnerStream(s.url, 'apex-ix'), k.secret)));
    const keep = await SseClient.open(partnerStream(s.url, 'apex-ix'), keys.apex);
    for (const c of [...streams, keep]) assert.equal(c.status, 200);
    await must(s, 'DELETE', `/v1/api-keys/${k.key.id}`, undefined, 204);
    for (const c of streams) await c.end();
    const after = await SseClient.open(partnerStream(s.url, 'apex-ix'), k.secret);
    assert.equal(after.status, 401);
    // The other key's stream goes on.
    const id = await s.registry.events.add(SUBJECTS.fabrikamOffice, plain(1));
    assert.deepEqual(await keep.takeIds(1), [id]);
    keep.close();
    await until(() => s.registry.events.subscriberCount === base, 'every stream to let go');
  });

  it('retention prunes events older than its days, in chunks, and a server started with it prunes', async () => {
    const day = 86_400_000;
    const now = Date.now();
    const old = Array.from({ length: 25 }, (_, i) => ({
      subject: SUBJECTS.fabrikamOffice,
      event: plain(i, new Date(now - 100 * day - i * 1000).toISOString()),
    }));
    const recent = Array.from({ length: 5 }, (_, i) => ({ subject: SUBJECTS.fabrikamOffice, event: plain(i, new Date(now - 10 * day).toISOString()) }));
    const count = async () =>
      (
        await s.registry.store.db
          .selectFrom('prefix_events')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n;
    const olderThan = async (t: number) =>
      (
        await s.registry.store.db
          .selectFrom('prefix_events')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('time', '<', new Date(t).toISOString())
          .executeTakeFirstOrThrow()
      ).n;
    await s.registry.events.addMany([...old, ...recent]);
    const total = await count();
    const due = await olderThan(now - 90 * day);
    assert.ok(due >= 25);

    // Forever keeps all; 90 days drops the old ones only, 4 rows per statement here.
    assert.equal(await new EventRetention(s.registry.store, { days: 0, now: () => now }).runOnce(), 0);
    assert.equal(await pruneEvents(s.registry.store, new Date(now - 90 * day), 4), due);
    assert.equal(await count(), total - due);
    assert.equal(await olderThan(now - 90 * day), 0);
    const left = await s.registry.events.listForCustomer('fabrikam', { limit: 1000 });
    assert.equal(left.items.filter((e) => e.time === new Date(now - 10 * day).toISOString()).length, 5);

    // A server given eventRetentionDays prunes on its own (the first prune right after start).
    await s.registry.events.addMany(old.slice(0, 3));
    assert.equal(await olderThan(now - 90 * day), 3);
    const pruning = await extraServer(s, { eventRetentionDays: 90 });
    try {
      await within(
        (async () => {
          while ((await olderThan(now - 90 * day)) > 0) await new Promise((r) => setTimeout(r, 10));
        })(),
        'the server to prune',
      );
    } finally {
      await pruning.app.close();
    }
  });
});
