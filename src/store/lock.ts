// One process owns a database at a time: two `serve`s on one SQLite file would fail each other's
// writes ("database is locked"). The lock is SQLite's own file locking on a small side database,
// "<db>.lock": the kernel drops such locks when their process dies, kill -9 included, so a stale
// lock cannot outlive its owner (no pid guessing, no pid reuse trouble).
//
// How: the owner writes its pid into the lock database under an EXCLUSIVE lock, then keeps a read
// transaction open, which holds a SHARED lock for as long as the process lives. Another process's
// BEGIN EXCLUSIVE then fails at once, and it can still read who the owner is. Two processes that
// start at the same moment both write; each then checks the row is its own (a nonce), and only the
// last writer finds it so.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { preparePrivateFile } from './private-file.js';

export interface StoreLock {
  readonly file: string;
  release(): void;
}

export interface LockHolder {
  pid: number;
  command: string;
  since: string;
}

export class StoreLockedError extends Error {
  constructor(
    readonly db: string,
    readonly holder: LockHolder | undefined,
  ) {
    super(
      holder
        ? `database ${db} is in use by another openpeering process (${holder.command}, pid ${holder.pid}, since ${holder.since}); stop it first`
        : `database ${db} is in use by another openpeering process; stop it first`,
    );
  }
}

const isBusy = (e: unknown) => /^SQLITE_(BUSY|LOCKED)/.test(String((e as { code?: string }).code ?? ''));

/** Takes the lock on database file `db` for `command` (serve, init), or throws StoreLockedError. */
export function lockStore(db: string, command: string): StoreLock {
  const file = `${path.resolve(db)}.lock`;
  preparePrivateFile(file);
  // timeout 0: a held lock is an answer, not something to wait for.
  const conn = new BetterSqlite3(file, { timeout: 0 });
  const fail = (holder: LockHolder | undefined): never => {
    conn.close();
    throw new StoreLockedError(db, holder);
  };
  try {
    conn.exec('BEGIN EXCLUSIVE');
  } catch (e) {
    if (isBusy(e)) fail(readHolder(conn));
    conn.close();
    throw e;
  }
  const nonce = randomBytes(12).toString('hex');
  try {
    conn.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, command TEXT NOT NULL, since TEXT NOT NULL, nonce TEXT NOT NULL)');
    conn.exec('DELETE FROM holder');
    conn.prepare('INSERT INTO holder (pid, command, since, nonce) VALUES (?, ?, ?, ?)').run(process.pid, command, new Date().toISOString(), nonce);
    conn.exec('COMMIT');
    // From here on a SHARED lock, held by the open read transaction.
    conn.exec('BEGIN');
    const row = conn.prepare('SELECT pid, command, since, nonce FROM holder').get() as (LockHolder & { nonce: string }) | undefined;
    if (row?.nonce !== nonce) {
      conn.exec('ROLLBACK');
      fail(row ? { pid: row.pid, command: row.command, since: row.since } : undefined);
    }
  } catch (e) {
    if (e instanceof StoreLockedError) throw e;
    if (conn.inTransaction) conn.exec('ROLLBACK');
    if (isBusy(e)) fail(undefined);
    conn.close();
    throw e;
  }
  let held = true;
  return {
    file,
    release: () => {
      if (!held) return;
      held = false;
      conn.exec('ROLLBACK');
      conn.close();
    },
  };
}

/** Who holds the lock, as its row says; undefined when it cannot be read (being written). */
function readHolder(conn: BetterSqlite3.Database): LockHolder | undefined {
  try {
    const row = conn.prepare('SELECT pid, command, since FROM holder').get() as LockHolder | undefined;
    return row ? { pid: row.pid, command: row.command, since: row.since } : undefined;
  } catch {
    return undefined;
  }
}
