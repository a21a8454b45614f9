// Live event streams (server-sent events) over a real socket: replay after an id, live delivery,
// scope filtering, Last-Event-ID resume, the bounded modes (limit, follow=false), heartbeats,
// errors like the list routes', and no listener left behind when a client goes away.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildServer } from '../src/api/server.js';
import type { EventSubject } from '../src/registry/prefix-events.js';
import { startServer, type TestServer } from './helpers/server.js';
import { SseClient, within } from './helpers/sse.js';
import { until } from './helpers/until.js';
import { buildWorld, SUBJECTS, type TenantKeys, tenantKeys } from './helpers/world.js';

let seq = 0;
function add(s: TestServer, subject: EventSubject, type = 'PrefixAnnouncementEvent'): Promise<string> {
  seq++;
  return s.registry.events.add(subject, {
    time: new Date(Date.UTC(2025, 0, 1, 0, 0, seq)).toISOString(),
    type,
    level: 'Information',
    summary: `${type} ${seq} of ${subject.prefix}`,
    details: { seq, path: [64501, 65540], note: 'line\nbreak "quoted"' },
  });
}

describe('event streams (server-sent events)', () => {
  let s: TestServer;
  let keys: TenantKeys;
  /** ids of the events stored in before() */
  const ids: Record<string, string> = {};
  const partnerStream = (p: string, q = '') => `${s.url}/v1/partners/${p}/events/stream${q}`;
  const customerStream = (c: string, q = '') => `${s.url}/v1/customers/${c}/events/stream${q}`;
  /** The list route's items for a stream URL's tenant, keyed by id. */
  const listed = async (path: string): Promise<Map<string, unknown>> => {
    const r = await s.api('GET', `${path}?limit=1000`);
    assert.equal(r.status, 200);
    return new Map(r.body.items.map((i: { id: string }) => [i.id, i]));
  };

  before(async () => {
    s = await startServer();
    await buildWorld(s);
    keys = await tenantKeys(s);
    ids.rp1 = await add(s, SUBJECTS.nordlinkRp);
    ids.fab1 = await add(s, SUBJECTS.fabrikamOffice, 'PrefixHijackEvent');
    ids.hq1 = await add(s, SUBJECTS.contosoHq, 'PrefixWithdrawalEvent');
    ids.rp2 = await add(s, SUBJECTS.nordlinkRp, 'PrefixRpkiInvalidEvent');
    ids.fab2 = await add(s, SUBJECTS.fabrikamOffice);
    ids.hq2 = await add(s, SUBJECTS.contosoHq);
  });
  after(async () => {
    await s.close();
  });

  it("replays the stored events after ?after=<id> in the list's JSON, and ends with follow=false", async () => {
    const c = await SseClient.open(partnerStream('nordlink', `?after=${ids.rp1}&follow=false`), keys.nordlink);
    assert.equal(c.status, 200);
    assert.match(String(c.res.headers['content-type']), /^text\/event-stream/);
    assert.match(String(c.res.headers['cache-control']), /no-cache/);
    const got = await c.end();
    assert.deepEqual(
      got.map((f) => f.id),
      [ids.hq1, ids.rp2, ids.hq2],
    );
    assert.deepEqual(
      got.map((f) => f.event),
      ['PrefixWithdrawalEvent', 'PrefixRpkiInvalidEvent', 'PrefixAnnouncementEvent'],
    );
    const list = await listed('/v1/partners/nordlink/events');
    for (const f of got) assert.equal(f.data, JSON.stringify(list.get(f.id!)), `event ${f.id}: the same JSON as the list`);

    // after=0: all of them; the customer stream has the customer's only.
    const all = await (await SseClient.open(customerStream('contoso', '?after=0&follow=false'), keys.contoso)).end();
    assert.deepEqual(
      all.map((f) => f.id),
      [ids.hq1, ids.hq2],
    );
    const fab = await (await SseClient.open(customerStream('fabrikam', '?after=0&follow=false'), keys.fabrikam)).end();
    assert.deepEqual(
      fab.map((f) => f.id),
      [ids.fab1, ids.fab2],
    );
    // No after and no Last-Event-ID: nothing to replay.
    assert.deepEqual(await (await SseClient.open(partnerStream('apex-ix', '?follow=false'), keys.apex)).end(), []);
  });

  it('delivers live events of its scope only, after the replay, to each stream', async () => {
    const base = s.registry.events.subscriberCount;
    const nord = await SseClient.open(partnerStream('nordlink', `?after=${ids.rp2}`), keys.nordlink);
    const apex = await SseClient.open(partnerStream('apex-ix'), keys.apex);
    const contoso = await SseClient.open(customerStream('contoso'), keys.contoso);
    const fabrikam = await SseClient.open(customerStream('fabrikam'), s.operatorKey);
    assert.equal(s.registry.events.subscriberCount, base + 4, 'each open stream listens');
    // The replay first.
    assert.deepEqual(await nord.takeIds(1), [ids.hq2]);
    // Foreign events first: had any leaked, it would arrive before the stream's own.
    const fab3 = await add(s, SUBJECTS.fabrikamOffice, 'PrefixHijackEvent');
    const rp3 = await add(s, SUBJECTS.nordlinkRp, 'PrefixOriginAsChangeEvent');
    const hq3 = await add(s, SUBJECTS.contosoHq, 'PrefixRestoredEvent');
    assert.deepEqual(
      (await nord.take(2)).map((f) => [f.id, f.event]),
      [
        [rp3, 'PrefixOriginAsChangeEvent'],
        [hq3, 'PrefixRestoredEvent'],
      ],
    );
    assert.deepEqual(await contoso.takeIds(1), [hq3]);
    assert.deepEqual(
      (await apex.take(1)).map((f) => [f.id, f.event]),
      [[fab3, 'PrefixHijackEvent']],
    );
    assert.deepEqual(await fabrikam.takeIds(1), [fab3]);
    // A last marker event per scope proves nothing else came in between.
    const fab4 = await add(s, SUBJECTS.fabrikamOffice);
    const hq4 = await add(s, SUBJECTS.contosoHq);
    assert.deepEqual(await contoso.takeIds(1), [hq4]);
    assert.deepEqual(await apex.takeIds(1), [fab4]);
    assert.deepEqual(await fabrikam.takeIds(1), [fab4]);
    assert.deepEqual(await nord.takeIds(1), [hq4]);
    // Live events carry the list's JSON too.
    const list = await listed('/v1/partners/nordlink/events');
    for (const f of nord.events) assert.equal(f.data, JSON.stringify(list.get(f.id!)), `live event ${f.id}: the same JSON as the list`);
    for (const f of [...nord.events, ...contoso.events]) assert.doesNotMatch(f.data!, /fabrikam|apex|176\.124\./, "another tenant's event");
    for (const f of [...apex.events, ...fabrikam.events]) assert.doesNotMatch(f.data!, /contoso|nordlink|45\.66\./, "another tenant's event");
    for (const c of [nord, apex, contoso, fabrikam]) c.close();
    await until(() => s.registry.events.subscriberCount === base, 'the four streams to unsubscribe');
  });

  it('resumes after the Last-Event-ID header (it wins over ?after), then follows', async () => {
    const base = s.registry.events.subscriberCount;
    const c = await SseClient.open(customerStream('contoso', '?after=0'), keys.contoso, { 'last-event-id': String(ids.hq1) });
    assert.equal(c.status, 200);
    const replay = await c.take(1);
    assert.equal(replay[0]!.id, ids.hq2, 'the first event after Last-Event-ID');
    // and the live ones stored since the earlier tests, in order
    const listedIds = [...(await listed('/v1/customers/contoso/events')).keys()];
    const stored = listedIds.slice(listedIds.indexOf(ids.hq2!) + 1);
    assert.deepEqual(await c.takeIds(stored.length), stored);
    const next = await add(s, SUBJECTS.contosoHq);
    assert.deepEqual(await c.takeIds(1), [next]);
    c.close();
    await until(() => s.registry.events.subscriberCount === base, 'the stream to unsubscribe');
  });

  it('?limit=N ends the stream after N events, replayed or live', async () => {
    const base = s.registry.events.subscriberCount;
    const replayed = await (await SseClient.open(partnerStream('nordlink', '?after=0&limit=2'), keys.nordlink)).end();
    assert.deepEqual(
      replayed.map((f) => f.id),
      [ids.rp1, ids.hq1],
    );

    // One replayed, one live.
    const stored = [...(await listed('/v1/partners/apex-ix/events')).keys()];
    const [prev, last] = stored.slice(-2) as [string, string];
    const c = await SseClient.open(partnerStream('apex-ix', `?after=${prev}&limit=2`), keys.apex);
    assert.deepEqual(await c.takeIds(1), [last]);
    assert.equal(s.registry.events.subscriberCount, base + 1, 'following after the replay');
    const live = await add(s, SUBJECTS.fabrikamOffice);
    assert.deepEqual(
      (await c.end()).map((f) => f.id),
      [last, live],
      'the second event, then the end',
    );
    await until(() => s.registry.events.subscriberCount === base, 'the ended streams to unsubscribe');

    // Live only: the stream ends with the first new event.
    const l = await SseClient.open(customerStream('fabrikam', '?limit=1'), keys.fabrikam);
    const id = await add(s, SUBJECTS.fabrikamOffice);
    assert.deepEqual(
      (await l.end()).map((f) => f.id),
      [id],
    );
    await until(() => s.registry.events.subscriberCount === base, 'the ended stream to unsubscribe');
  });

  it('lets go of its listener when the client disconnects, and follow=false never listens', async () => {
    const base = s.registry.events.subscriberCount;
    const clients = await Promise.all([1, 2, 3].map(() => SseClient.open(partnerStream('nordlink'), keys.nordlink)));
    assert.equal(s.registry.events.subscriberCount, base + 3);
    clients[1]!.close();
    await until(() => s.registry.events.subscriberCount === base + 2, 'one stream to unsubscribe');
    // The others still work.
    const id = await add(s, SUBJECTS.nordlinkRp);
    for (const c of [clients[0]!, clients[2]!]) assert.deepEqual(await c.takeIds(1), [id]);
    for (const c of clients) c.close();
    await until(() => s.registry.events.subscriberCount === base, 'all streams to unsubscribe');

    const once = await SseClient.open(partnerStream('nordlink', '?after=0&follow=false'), keys.nordlink);
    await once.end();
    assert.equal(s.registry.events.subscriberCount, base);
  });

  it('answers like the list routes: 401 without a key, 404 for another tenant or an unknown one, 400 for a bad query', async () => {
    const cases: Array<[string, string | null, number, string, Record<string, string>?]> = [
      [partnerStream('nordlink', '?follow=false'), null, 401, 'Unauthorized'],
      [partnerStream('nordlink', '?after=0&follow=false'), keys.apex, 404, 'NotFound'],
      [partnerStream('nordlink', '?after=0&follow=false'), keys.contoso, 404, 'NotFound'],
      [customerStream('contoso', '?after=0&follow=false'), keys.fabrikam, 404, 'NotFound'],
      [customerStream('contoso', '?after=0&follow=false'), keys.nordlink, 404, 'NotFound'],
      [partnerStream('no-such-partner', '?follow=false'), s.operatorKey, 404, 'NotFound'],
      [customerStream('no-such-customer', '?follow=false'), s.operatorKey, 404, 'NotFound'],
      [partnerStream('nordlink', '?after=-1'), keys.nordlink, 400, 'InvalidRequest'],
      [partnerStream('nordlink', '?limit=0'), keys.nordlink, 400, 'InvalidRequest'],
      [partnerStream('nordlink', '?follow=maybe'), keys.nordlink, 400, 'InvalidRequest'],
      [partnerStream('nordlink', '?since=1'), keys.nordlink, 400, 'InvalidRequest'],
      [partnerStream('nordlink'), keys.nordlink, 400, 'InvalidRequest', { 'last-event-id': 'abc' }],
    ];
    const base = s.registry.events.subscriberCount;
    for (const [url, key, status, code, headers] of cases) {
      const c = await SseClient.open(url, key, headers);
      const what = `GET ${url.slice(s.url.length)} ${JSON.stringify(headers ?? {})}`;
      assert.equal(c.status, status, what);
      assert.match(String(c.res.headers['content-type']), /^application\/json/, what);
      const body = await c.json();
      assert.equal(body.error.code, code, `${what}: ${JSON.stringify(body)}`);
      assert.doesNotMatch(JSON.stringify(body), /45\.66\.|176\.124\.|PrefixHijackEvent/, `${what}: no event data`);
    }
    assert.equal(s.registry.events.subscriberCount, base, 'refused streams never listen');
  });

  it('a subscriber that throws does not fail add(), and other subscribers still hear the event', async () => {
    const warned = new Promise<Error>((resolve) => process.once('warning', resolve));
    const heard: string[] = [];
    const offBad = s.registry.events.subscribe(() => {
      throw new Error('subscriber bug');
    });
    const offGood = s.registry.events.subscribe((e) => {
      heard.push(e.id);
    });
    try {
      const id = await add(s, SUBJECTS.contosoHq);
      assert.match(id, /^[A-Za-z0-9_-]{22}$/, 'an opaque id');
      assert.deepEqual(heard, [id]);
      assert.match((await within(warned, 'the warning')).message, /subscriber bug/);
      assert.ok((await listed('/v1/customers/contoso/events')).has(String(id)), 'the event is stored');
    } finally {
      offBad();
      offGood();
    }
    // Unsubscribing twice is harmless; a listener gets the scope and the stored fields.
    offGood();
    let notice: Record<string, unknown> = {};
    const off = s.registry.events.subscribe((e) => {
      notice = { ...e };
    });
    const id = await add(s, SUBJECTS.fabrikamOffice, 'PrefixHijackEvent');
    off();
    const { seq: rowId, ...rest } = notice;
    assert.ok(Number.isInteger(rowId), 'the row id, for in-process subscribers only');
    assert.deepEqual(rest, {
      id,
      subjectKind: 'customer-prefix',
      subject: 'fabrikam/fabrikam-eu/office',
      prefix: '176.124.200.0/24',
      subjectPrefix: '176.124.200.0/24',
      partner: 'apex-ix',
      customer: 'fabrikam',
      time: new Date(Date.UTC(2025, 0, 1, 0, 0, seq)).toISOString(),
      type: 'PrefixHijackEvent',
      level: 'Information',
      summary: `PrefixHijackEvent ${seq} of 176.124.200.0/24`,
      details: { seq, path: [64501, 65540], note: 'line\nbreak "quoted"' },
    });
  });

  it("a HEAD request gets the stream's headers and an end", async () => {
    const res = await within(fetch(partnerStream('nordlink'), { method: 'HEAD', headers: { authorization: `Bearer ${keys.nordlink}` } }), 'HEAD');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(await res.text(), '');
  });

  it('a replay larger than the socket buffers arrives whole (it waits for the client)', async () => {
    const N = 3000;
    const pad = 'x'.repeat(1000);
    const rows = Array.from({ length: N }, (_, i) => ({
      subject_kind: 'customer-prefix',
      subject: SUBJECTS.contosoHq.id,
      partner: 'nordlink',
      customer: 'contoso',
      prefix: SUBJECTS.contosoHq.prefix,
      time: '2025-02-01T00:00:00.000Z',
      type: 'PrefixAnnouncementEvent',
      level: 'Information',
      summary: `bulk ${i}`,
      details: JSON.stringify({ i, pad }),
    }));
    const before = [...(await listed('/v1/customers/contoso/events')).keys()];
    await s.registry.store.db.insertInto('prefix_events').values(rows).execute();
    const c = await SseClient.open(customerStream('contoso', `?after=${before[before.length - 1]}&follow=false`), keys.contoso);
    // Read slowly at first, so the server's writes back up.
    c.res.pause();
    await new Promise((r) => setTimeout(r, 200));
    c.res.resume();
    const got = await c.end();
    assert.equal(got.length, N);
    assert.deepEqual(
      got.map((f) => JSON.parse(f.data!).summary),
      rows.map((r) => r.summary),
    );
  });

  it('sends keep-alive comments, and a closing server ends its open streams', async () => {
    // A second server over the same registry, with a short heartbeat.
    const app = await buildServer(s.registry, { eventHeartbeatMs: 20 });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const base = s.registry.events.subscriberCount;
    let c: SseClient | undefined;
    let closing: Promise<void> | undefined;
    try {
      c = await SseClient.open(`${url}/v1/partners/nordlink/events/stream`, keys.nordlink);
      const client = c;
      await client.waitFor(() => client.frames.some((f) => f.comment === 'keep-alive'), 'a keep-alive comment');
      assert.deepEqual(client.events, [], 'comments are not events');
      const id = await add(s, SUBJECTS.nordlinkRp);
      assert.deepEqual(await client.takeIds(1), [id]);
      closing = app.close();
      await within(closing, 'the server to close with a stream open');
      await client.end();
      assert.equal(s.registry.events.subscriberCount, base);
    } finally {
      c?.close();
      await (closing ?? app.close());
    }
  });
});
