// The event log (issue 10): events keep their own prefix apart from their subject's, operator-only
// facts in their own column, and the secret that turns row ids into opaque event ids, so that ids
// and cursors reveal nothing of how many events other tenants have. An index on time lets the
// retention prune find old events without scanning the log.
import { randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('prefix_events').addColumn('subject_prefix', 'text').execute();
  await db.schema.alterTable('prefix_events').addColumn('internal', 'text').execute();
  // Until now an event's prefix was its subject's.
  await db.updateTable('prefix_events').set({ subject_prefix: sql`prefix` }).execute();
  await db.schema.createIndex('prefix_events_time').on('prefix_events').columns(['time']).execute();
  // One row: the AES-128 key of the event ids (hex), made once per database.
  await db.schema
    .createTable('event_id_secret')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('aes_key', 'text', (c) => c.notNull())
    .execute();
  await db
    .insertInto('event_id_secret')
    .values({ id: 1, aes_key: randomBytes(16).toString('hex') })
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('event_id_secret').execute();
  await db.schema.dropIndex('prefix_events_time').execute();
  await db.schema.alterTable('prefix_events').dropColumn('internal').execute();
  await db.schema.alterTable('prefix_events').dropColumn('subject_prefix').execute();
}
