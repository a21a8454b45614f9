// Opens the store named by a URL or path: "sqlite:FILE", a plain file path, or ":memory:".

import { openSqlite, type SqliteOptions } from './sqlite.js';
import type { Store } from './store.js';

export type StoreOptions = SqliteOptions;

/** The SQLite file a store spec names, or undefined (in memory, or another engine). */
export function sqliteFile(spec: string): string | undefined {
  if (/^postgres(ql)?:\/\//.test(spec)) return undefined;
  const file = spec.startsWith('sqlite:') ? spec.slice('sqlite:'.length) : spec;
  return file === ':memory:' || file === '' ? undefined : file;
}

export async function openStore(spec: string, opts: StoreOptions = {}): Promise<Store> {
  if (/^postgres(ql)?:\/\//.test(spec)) {
    throw new Error('PostgreSQL is not available in this build yet; use a SQLite file path (the default)');
  }
  return openSqlite(spec.startsWith('sqlite:') ? spec.slice('sqlite:'.length) : spec, opts);
}
