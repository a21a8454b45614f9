// Overlap as an indexed look-up (issue 10 §4): the indexed checks decide exactly as the old
// read-everything-and-compare did, the queries they run are index searches (SQLite's own query
// plans, not timings), and migration 0004 fills the new columns of rows written before it.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { type CompiledQuery, Kysely, Migrator, SqliteDialect } from 'kysely';
import { formatPrefix, overlaps, type Prefix, parsePrefix } from '../src/net/prefix.js';
import { coveringStarts, endHex, rowCovers, startHex } from '../src/registry/prefix-range.js';
import { Registry } from '../src/registry/registry.js';
import type { Database } from '../src/store/schema.js';
import { MIGRATIONS, migrate, type Store } from '../src/store/store.js';
import { Rng } from './helpers/rng.js';
import { startServer, type TestServer } from './helpers/server.js';
import { buildWorld, KEYS } from './helpers/world.js';
import { expectOk } from './rules-common.js';

const PFX = (name: string) => `/v1/customers/contoso/peering-services/contoso-eu/prefixes/${name}`;
/** Keys the operator imports for nordlink's registrations of the whole test space. */
const KEY_V4 = '4d7c2b51-9f0a-4c36-8e2d-1b5a7c9e0f14';
const KEY_V6 = '9e1f3a62-0b4c-4d57-9a8e-2c6b8d0f1a25';

describe('prefix ranges', () => {
  test('start and end are fixed-width hex; the covering starts are the network at each shorter length', () => {
    const p = parsePrefix('45.66.1.0/24')!;
    assert.deepEqual([startHex(p), endHex(p)], ['2d420100', '2d4201ff']);
    const v6 = parsePrefix('2a0c:9a40:100::/40')!;
    assert.deepEqual([startHex(v6), endHex(v6)], ['2a0c9a40010000000000000000000000', '2a0c9a4001ffffffffffffffffffffff']);
    const starts = coveringStarts(p);
    assert.equal(starts.length, new Set(starts).size);
    assert.ok(starts.includes('00000000') && starts.includes('2d420000') && starts.includes('2d420100'));
    for (const text of ['0.0.0.0/0', '45.66.0.0/23', '45.66.1.0/24', '45.64.0.0/14']) {
      const q = parsePrefix(text)!;
      assert.equal(rowCovers({ net_start: startHex(q), net_length: q.length }, p), overlaps(q, p) && q.length <= p.length, text);
    }
    // A row at a covering start but longer than that start's length does not cover.
    assert.equal(rowCovers({ net_start: '2d420000', net_length: 24 }, p), false);
  });
});

/** Random prefixes inside 45.0.0.0/8 (registered by nordlink below), dense enough to collide often. */
function randomV4(rng: Rng): Prefix {
  const length = rng.pick([14, 16, 18, 20, 22, 23, 24, 24, 24, 25, 26, 28, 30, 32]);
  const value = (45n << 24n) | (BigInt(rng.int(64)) << 16n) | (BigInt(rng.int(8)) << 8n) | BigInt(rng.int(256));
  const host = (1n << BigInt(32 - length)) - 1n;
  return { family: 4, value: value & ~host, length };
}

function randomV6(rng: Rng): Prefix {
  const length = rng.pick([40, 44, 48, 48, 52, 56, 64, 96, 127, 128]);
  const value = (0x2a0c9a40n << 96n) | (BigInt(rng.int(4)) << 88n) | (BigInt(rng.int(4)) << 80n) | rng.big(64);
  const host = (1n << BigInt(128 - length)) - 1n;
  return { family: 6, value: value & ~host, length };
}

describe('customer-prefix overlap: indexed look-up against the naive rule', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer();
    await buildWorld(s);
    // nordlink registers the whole test space, so that contoso's prefixes in it are Pending and hold their space.
    expectOk(await s.api('PUT', '/v1/partners/nordlink/peerings/nordlink-fra/registered-prefixes/all-45', { prefix: '45.0.0.0/8', key: KEY_V4 }), 201);
    expectOk(await s.api('PUT', '/v1/partners/nordlink/peerings/nordlink-fra/registered-prefixes/all-v6', { prefix: '2a0c:9a40::/32', key: KEY_V6 }), 201);
    // hq (45.66.0.0/24, Pending) already holds its space; start from an empty store of customer prefixes instead.
    expectOk(await s.api('DELETE', PFX('hq')), 204);
  });
  after(async () => {
    await s.close();
  });

  test('400 random writes: 409 exactly when the naive check finds an overlap with a prefix that holds its space', async () => {
    const rng = new Rng(10_4);
    const holding: Prefix[] = [];
    const tally = { created: 0, refused: 0, failedKeys: 0 };
    for (let i = 0; i < 400; i++) {
      const p = rng.bool(0.75) ? randomV4(rng) : randomV6(rng);
      // A wrong key makes a Failed prefix, which must neither block others nor slip past one that holds.
      const wrongKey = rng.bool(0.2);
      const key = wrongKey ? randomUUID() : p.family === 4 ? KEY_V4 : KEY_V6;
      const naive = holding.some((h) => overlaps(h, p));
      const r = await s.api('PUT', PFX(`p${i}`), { prefix: formatPrefix(p), key });
      assert.equal(r.status, naive ? 409 : 201, `#${i} ${formatPrefix(p)}: ${JSON.stringify(r.body)}`);
      if (r.status === 409) {
        tally.refused++;
        continue;
      }
      tally.created++;
      assert.equal(r.body.state, wrongKey ? 'Failed' : 'Pending', formatPrefix(p));
      if (wrongKey) tally.failedKeys++;
      else holding.push(p);
    }
    // The data exercised every branch.
    assert.ok(tally.created > 50 && tally.refused > 50 && tally.failedKeys > 10, JSON.stringify(tally));
  });
});

/** A store like sqlite.ts's, over a Kysely that records every query it runs. */
async function recordingStore(file: string, queries: CompiledQuery[]): Promise<{ store: Store; conn: BetterSqlite3.Database }> {
  const conn = new BetterSqlite3(file);
  conn.pragma('journal_mode = WAL');
  conn.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: conn }),
    log: (e) => {
      if (e.level === 'query') queries.push(e.query);
    },
  });
  await migrate(db);
  const store: Store = {
    db,
    dialect: 'sqlite',
    location: file,
    transaction: (fn) => db.transaction().execute(fn),
    schemaVersion: async () => Object.keys(MIGRATIONS).length,
    close: () => db.destroy(),
  };
  return { store, conn };
}

describe('the look-ups are index searches (SQLite query plans)', () => {
  let s: TestServer;
  let dir: string;
  before(async () => {
    s = await startServer();
    await buildWorld(s);
    dir = s.dir;
  });
  after(async () => {
    await s.close();
  });

  test('customer-prefix and registered-prefix writes search prefixes by index, never scan them', async () => {
    const queries: CompiledQuery[] = [];
    const { store, conn } = await recordingStore(path.join(dir, 'openpeering.db'), queries);
    try {
      const registry = new Registry(store);
      await registry.customerPrefixes.put('contoso', 'contoso-eu', 'plan', { prefix: '45.66.1.0/24', key: KEYS.nordlinkAms });
      await registry.registrations.putPrefix('nordlink', 'nordlink-fra', 'plan', { prefix: '185.99.0.0/24' });
      const touching = queries.filter((q) => /from "(customer_prefixes|registered_prefixes)"/.test(q.sql) && /^select/i.test(q.sql));
      assert.ok(touching.length >= 6, `recorded ${touching.length} prefix reads`);
      const seen = { net: 0, key: 0 };
      for (const q of touching) {
        const plan = conn.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...(q.parameters as unknown[])) as Array<{ detail: string }>;
        const lines = plan.map((r) => r.detail);
        for (const line of lines.filter((l) => /\b(customer_prefixes|registered_prefixes)\b/.test(l))) {
          assert.match(line, /^SEARCH /, `a scan of a prefix table: ${line}\n  in ${q.sql}`);
        }
        if (lines.some((l) => /_net \(family=\?/.test(l))) seen.net++;
        if (lines.some((l) => /\(key=\?\)/.test(l))) seen.key++;
      }
      // The covering probe and the range query on each table, and the key look-up of the customer's registration.
      assert.ok(seen.net >= 4, `net index searches: ${seen.net}`);
      assert.ok(seen.key >= 1, `key searches: ${seen.key}`);
    } finally {
      await store.close();
    }
  });
});

describe('migration 0004 backfills rows written before it', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openpeering-m0004-'));
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('every registered and customer prefix gets its range; Invalid customer prefixes stay without one', async () => {
    const conn = new BetterSqlite3(path.join(dir, 'old.db'));
    conn.pragma('foreign_keys = OFF'); // rows without their parents: only the prefix columns matter here
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: conn }) });
    const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
    const to3 = await migrator.migrateTo('0003_origin_memory');
    assert.equal(to3.error, undefined);
    const t = '2026-01-01T00:00:00.000Z';
    const registered = ['45.66.0.0/23', '2a0c:9a40:100::/40', '0.0.0.0/0', '185.1.2.3/32'];
    for (const [i, prefix] of registered.entries()) {
      await db
        .insertInto('registered_prefixes')
        .values({
          peering_id: 1,
          name: `r${i}`,
          prefix,
          family: prefix.includes(':') ? 6 : 4,
          key: randomUUID(),
          state: 'Pending',
          created_at: t,
          updated_at: t,
        })
        .execute();
    }
    const customer: Array<[string, number | null]> = [
      ['45.66.1.0/24', 4],
      ['2a0c:9a40:100:ff00::/56', 6],
      ['192.168.1.0/24', null],
      ['junk/99', null],
    ];
    for (const [i, [prefix, family]] of customer.entries()) {
      await db
        .insertInto('customer_prefixes')
        .values({
          peering_service_id: 1,
          name: `c${i}`,
          prefix,
          family,
          key: randomUUID(),
          state: family ? 'Pending' : 'Invalid',
          created_at: t,
          updated_at: t,
        })
        .execute();
    }
    const latest = await migrator.migrateToLatest();
    assert.equal(latest.error, undefined);
    for (const table of ['registered_prefixes', 'customer_prefixes']) {
      const rows = await db.selectFrom(table).select(['prefix', 'family', 'net_start', 'net_length']).execute();
      for (const r of rows) {
        const p = r.family === null ? undefined : parsePrefix(r.prefix);
        assert.deepEqual([r.net_start, r.net_length], p ? [startHex(p), p.length] : [null, null], `${table} ${r.prefix}`);
      }
    }
    const overrides = await db.selectFrom('registered_prefixes').select(['overlap_override_by', 'overlap_override_at']).execute();
    assert.ok(
      overrides.every((o) => o.overlap_override_by === null && o.overlap_override_at === null),
      'no override recorded by the migration',
    );
    await db.destroy();
  });
});
