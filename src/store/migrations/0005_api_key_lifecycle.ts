// API key lifecycle: keys may expire, and rotation keeps the old secret's hash for a grace period.
// `expiry_announced` records that the key's end was announced (revoke listeners are told once).
import type { Kysely } from 'kysely';

// SQLite adds one column per ALTER TABLE statement.
const COLUMNS: Array<[string, 'text' | 'integer']> = [
  ['expires_at', 'text'],
  ['rotated_at', 'text'],
  ['previous_hash', 'text'],
  ['previous_expires_at', 'text'],
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const [name, type] of COLUMNS) await db.schema.alterTable('api_keys').addColumn(name, type).execute();
  await db.schema
    .alterTable('api_keys')
    .addColumn('expiry_announced', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // A rotated-away secret is looked up by its hash during its grace period.
  await db.schema.createIndex('api_keys_previous_hash').on('api_keys').column('previous_hash').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('api_keys_previous_hash').ifExists().execute();
  for (const name of ['expiry_announced', ...COLUMNS.map(([n]) => n).reverse()]) {
    await db.schema.alterTable('api_keys').dropColumn(name).execute();
  }
}
