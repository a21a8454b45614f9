// Opens the store named by a URL or path: "sqlite:FILE", a plain file path, or ":memory:".
import type { Store } from './store.js';
import { openSqlite } from './sqlite.js';

export async function openStore(spec: string): Promise<Store> {
  if (/^postgres(ql)?:\/\//.test(spec)) {
    throw new Error('PostgreSQL is not available in this build yet; use a SQLite file path (the default)');
  }
  return openSqlite(spec.startsWith('sqlite:') ? spec.slice('sqlite:'.length) : spec);
}
