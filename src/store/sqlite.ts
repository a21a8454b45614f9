// The embedded default store: one SQLite file in WAL mode, readable by its owner only.
import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, type DatabaseConnection, type Driver, Kysely, SqliteDialect, type SqliteDialectConfig, SqliteDriver } from 'kysely';
import { preparePrivateFile } from './private-file.js';
import type { Database } from './schema.js';
import { cachingDatabase } from './statement-cache.js';
import { appliedMigrations, type Db, migrate, type Store } from './store.js';

export interface SqliteOptions {
  /** told about an existing database file that others may read (default: a process warning) */
  warn?: (message: string) => void;
}

/**
 * A Kysely over one connection to a SQLite file, set up as the store runs it: WAL (readers and
 * one writer at a time, from any connection), every commit on disk (synchronous FULL unless told
 * otherwise), foreign keys, a 5 s wait for another connection's write lock. No migrations: a second
 * connection (the record worker's) opens a store that openSqlite() made.
 */
export function connectSqlite(file: string, opts: { synchronous?: 'full' | 'normal' | 'off' } = {}): Kysely<Database> {
  const conn = new BetterSqlite3(file);
  conn.pragma('journal_mode = WAL');
  // FULL: a commit is on disk before the API acknowledges it, even if the machine loses power.
  conn.pragma(`synchronous = ${(opts.synchronous ?? 'full').toUpperCase()}`);
  conn.pragma('foreign_keys = ON');
  conn.pragma('busy_timeout = 5000');
  return new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: cachingDatabase(conn) }) });
}

/**
 * Kysely's SQLite driver opens transactions with a plain BEGIN: deferred, so a transaction that
 * reads first fails at once (SQLITE_BUSY, no waiting) when it comes to write after another
 * connection (the record worker's) committed meanwhile. BEGIN IMMEDIATE takes the write lock
 * first, waiting for it as busy_timeout allows.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly config: SqliteDialectConfig) {
    super(config);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.config);
  }
}

export async function openSqlite(file: string, opts: SqliteOptions = {}): Promise<Store> {
  if (file !== ':memory:' && file !== '') {
    const warn = opts.warn ?? ((m: string) => process.emitWarning(m));
    for (const w of preparePrivateFile(file)) warn(w);
  }
  const db = connectSqlite(file);
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
