// Prefix events (validation): what happened to a registered or customer prefix, kept for its
// owners to list per prefix, per partner and per customer, newest last by id.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('prefix_events')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('subject_kind', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('partner', 'text')
    .addColumn('customer', 'text')
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('time', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('prefix_events_subject').on('prefix_events').columns(['subject_kind', 'subject', 'id']).execute();
  await db.schema.createIndex('prefix_events_partner').on('prefix_events').columns(['partner', 'id']).execute();
  await db.schema.createIndex('prefix_events_customer').on('prefix_events').columns(['customer', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('prefix_events').execute();
}
