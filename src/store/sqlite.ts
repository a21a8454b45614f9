// The embedded default store: one SQLite file in WAL mode.
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from './schema.js';
import { type Store, type Db, migrate, appliedMigrations } from './store.js';

export async function openSqlite(file: string): Promise<Store> {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const conn = new BetterSqlite3(file);
  conn.pragma('journal_mode = WAL');
  // FULL: a commit is on disk before the API acknowledges it, even if the machine loses power.
  conn.pragma('synchronous = FULL');
  conn.pragma('foreign_keys = ON');
  conn.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: conn }) });
  await migrate(db);
  return {
    db,
    dialect: 'sqlite',
    location: file,
    transaction: <T>(fn: (tx: Db) => Promise<T>) => db.transaction().execute(fn),
    schemaVersion: () => appliedMigrations(db),
    close: () => db.destroy(),
  };
}
