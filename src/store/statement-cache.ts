// Prepared statements kept by their SQL text. Kysely's SQLite driver prepares every query it runs
// again (better-sqlite3's prepare is most of a small write's cost: 6 of 15 s of the registry
// writes in a full load), and the queries the daemon repeats have a handful of shapes.
import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** The most statements kept: the least recently used beyond it are dropped. */
const MAX_STATEMENTS = 256;

/**
 * The connection as Kysely's SqliteDialect sees it, with prepare() cached. A cached statement is
 * safe to run again because Kysely runs one query at a time on this connection and reads each
 * result whole; one still being iterated (a streamed select) is not handed out again.
 */
export function cachingDatabase(conn: BetterSqlite3.Database, max = MAX_STATEMENTS): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => {
      cache.clear();
      conn.close();
    },
    prepare: (sql: string) => {
      let stmt = cache.get(sql);
      if (stmt?.busy) return conn.prepare(sql) as unknown as ReturnType<SqliteDatabase['prepare']>;
      if (stmt) {
        // (re-inserted: a Map iterates in insertion order, so the first key is the least recently used)
        cache.delete(sql);
      } else {
        stmt = conn.prepare(sql);
        if (cache.size >= max) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, stmt);
      return stmt as unknown as ReturnType<SqliteDatabase['prepare']>;
    },
  };
}
