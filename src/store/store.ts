// The store: one interface over the database, so the registry never knows which engine runs.
// SQLite (better-sqlite3) is the embedded default; PostgreSQL plugs in as another dialect
// behind the same Kysely queries and the same migrations.
import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import * as m0001 from './migrations/0001_registry.js';
import * as m0002 from './migrations/0002_prefix_events.js';
import * as m0003 from './migrations/0003_origin_memory.js';
import * as m0004 from './migrations/0004_prefix_ranges.js';
import * as m0005 from './migrations/0005_api_key_lifecycle.js';
import * as m0006 from './migrations/0006_event_log.js';
import * as m0007 from './migrations/0007_validation_memory.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

export interface Store {
  readonly db: Db;
  readonly dialect: 'sqlite' | 'postgres';
  /** Where the data lives, for logs (a file path; never a password). */
  readonly location: string;
  /** Runs `fn` in one transaction; writes are durable when it resolves. */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  schemaVersion(): Promise<number>;
  close(): Promise<void>;
}

/** Numbered migrations, applied in order; the count applied is the schema version. */
export const MIGRATIONS: Record<string, Migration> = {
  '0001_registry': m0001,
  '0002_prefix_events': m0002,
  '0003_origin_memory': m0003,
  '0004_prefix_ranges': m0004,
  '0005_api_key_lifecycle': m0005,
  '0006_event_log': m0006,
  '0007_validation_memory': m0007,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

export async function migrate(db: Kysely<any>): Promise<number> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`migration ${failed?.migrationName ?? '?'} failed: ${(error as Error).message ?? error}`);
  }
  return (await migrator.getMigrations()).filter((m) => m.executedAt).length;
}

export async function appliedMigrations(db: Kysely<any>): Promise<number> {
  return (await new Migrator({ db, provider }).getMigrations()).filter((m) => m.executedAt).length;
}
