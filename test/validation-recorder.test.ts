// Issue 12: validation's batches (prefix states, looks, origin memory, events) are stored by a
// worker thread with its own connection to the registry's SQLite file, one transaction a batch,
// while the main thread keeps using its own connection; subscribers hear of the events once the
// batch is committed, in order.
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import type { PrefixEventNotice } from '../src/registry/prefix-events.js';
import { ValidationFacts } from '../src/registry/validation-facts.js';
import { ValidationRecorder } from '../src/registry/validation-recorder.js';
import { startServer } from './helpers/server.js';
import { buildWorld } from './helpers/world.js';

const REG = 'nordlink/nordlink-ams/contoso';
const CUST = 'contoso/contoso-eu/hq';
const subject = { kind: 'registered-prefix' as const, id: REG, prefix: '45.66.0.0/23', partner: 'nordlink', customer: null };
const event = (n: number) => ({
  subject,
  event: { time: new Date().toISOString(), type: 'PrefixAnnouncementEvent', level: 'Information', summary: `announcement ${n}`, details: { n } },
});

/** The test world in a SQLite file, its facts read, and a recorder over it (closed after the test). */
async function recorderOnTestWorld(t: TestContext) {
  const srv = await startServer();
  t.after(() => srv.close());
  await buildWorld(srv);
  const store = srv.registry.store;
  const facts = new ValidationFacts(store);
  await facts.load();
  const recorder = new ValidationRecorder(store, facts, srv.registry.events);
  t.after(() => recorder.close());
  return { srv, store, recorder };
}

test('batches go through the worker while the main connection reads and writes; events come out in order', { timeout: 60_000 }, async (t) => {
  const { srv, store, recorder } = await recorderOnTestWorld(t);
  assert.equal(await recorder.where(), 'worker', 'a SQLite file is written by the worker');
  const heard: PrefixEventNotice[] = [];
  const unsubscribe = srv.registry.events.subscribe((e) => heard.push(e));
  t.after(unsubscribe);

  const BATCHES = 30;
  const PER_BATCH = 40;
  for (let b = 0; b < BATCHES; b++) {
    const recorded = recorder.record({
      rows: [
        { kind: 'registered-prefix', id: REG, state: { state: b % 2 ? 'Warning' : 'Verified', message: `batch ${b}` }, look: `{"b":${b}}` },
        { kind: 'customer-prefix', id: CUST, state: { state: 'Failed', message: `batch ${b}` }, alerts: null },
      ],
      origins: b === 0 ? [{ id: REG, originAs: 64496 }] : [],
      events: Array.from({ length: PER_BATCH }, (_, i) => event(b * PER_BATCH + i)),
    });
    // The main thread's own transaction meanwhile, waiting between its read and its write so that
    // the worker commits in between (with a deferred BEGIN the write then failed at once with
    // SQLITE_BUSY: a read snapshot that is no longer the newest cannot become a write).
    const own = store.transaction(async (tx) => {
      const op = await tx.selectFrom('operator').select(['asn', 'name']).executeTakeFirstOrThrow();
      await new Promise((r) => setTimeout(r, 10));
      await tx
        .updateTable('operator')
        .set({ name: `${op.name.split(' #')[0]} #${b}` })
        .execute();
    });
    await Promise.all([recorded, own]);
  }

  const reg = await store.db
    .selectFrom('registered_prefixes')
    .select(['state', 'error_message', 'validation_look', 'origin_as'])
    .where('name', '=', 'contoso')
    .executeTakeFirstOrThrow();
  assert.deepEqual(
    { ...reg, origin_as: Number(reg.origin_as) },
    { state: 'Warning', error_message: `batch ${BATCHES - 1}`, validation_look: `{"b":${BATCHES - 1}}`, origin_as: 64496 },
  );
  const cust = await store.db.selectFrom('customer_prefixes').select(['state', 'error_message']).where('name', '=', 'hq').executeTakeFirstOrThrow();
  assert.deepEqual(cust, { state: 'Failed', error_message: `batch ${BATCHES - 1}` });
  const op = await store.db.selectFrom('operator').select('name').executeTakeFirstOrThrow();
  assert.equal(op.name, `Example Cloud #${BATCHES - 1}`);

  // Every event stored once, in the order recorded, and heard in that order with its stored id.
  const stored = await store.db.selectFrom('prefix_events').select(['id', 'summary']).where('type', '=', 'PrefixAnnouncementEvent').orderBy('id').execute();
  const expected = Array.from({ length: BATCHES * PER_BATCH }, (_, n) => `announcement ${n}`);
  assert.deepEqual(
    stored.map((r) => r.summary),
    expected,
  );
  assert.deepEqual(
    heard.map((e) => e.summary),
    expected,
  );
  assert.deepEqual(
    heard.map((e) => e.seq),
    stored.map((r) => Number(r.id)),
  );
});

test('a prefix written by key after the facts were read is found; a deleted one changes nothing', { timeout: 60_000 }, async (t) => {
  const { srv, store, recorder } = await recorderOnTestWorld(t);
  // registered after load(): its row id is looked up by its key
  const r = await srv.api('PUT', '/v1/partners/nordlink/peerings/nordlink-ams/registered-prefixes/later', {
    prefix: '45.66.2.0/24',
    key: '7c1e5b7f-3d72-4e9f-8e2d-1d9b9c4c6f03',
  });
  assert.equal(r.status, 201);
  // deleted after load(): its known row id no longer exists
  assert.equal((await srv.api('DELETE', '/v1/customers/contoso/peering-services/contoso-eu/prefixes/hq')).status, 204);
  await recorder.record({
    rows: [
      { kind: 'registered-prefix', id: 'nordlink/nordlink-ams/later', state: { state: 'Verified', message: null } },
      { kind: 'customer-prefix', id: CUST, state: { state: 'Verified', message: null } },
    ],
    origins: [],
    events: [],
  });
  const later = await store.db.selectFrom('registered_prefixes').select('state').where('name', '=', 'later').executeTakeFirstOrThrow();
  assert.equal(later.state, 'Verified');
  const left = await store.db.selectFrom('customer_prefixes').select('name').execute();
  assert.deepEqual(
    left.map((c) => c.name),
    ['office'],
  );
});
