// Small helpers shared by the registry's resource modules.
import type { Insertable, Kysely, Updateable } from 'kysely';
import type { Database } from '../store/schema.js';
import type { Db } from '../store/store.js';

export const now = (): string => new Date().toISOString();

/** The tables whose rows carry created_at and updated_at. */
type StampedTable = { [T in keyof Database]: Database[T] extends { created_at: string; updated_at: string } ? T : never }[keyof Database];

/**
 * What a PUT that changes something writes: onto the existing row (`where`: its key column and
 * value) `row` and updated_at; without one, a new row of `row`, `insertOnly` (its key, its parent,
 * its first state) and created_at = updated_at = now.
 */
export async function putRow<T extends StampedTable, R extends Updateable<Database[T]>>(
  tx: Db,
  table: T,
  row: R,
  where: [keyof Database[T] & string, string | number] | undefined,
  insertOnly: Omit<Insertable<Database[T]>, keyof R | 'created_at' | 'updated_at'>,
): Promise<void> {
  // Kysely cannot check a query over a table named by a type parameter; the signature checks the columns.
  const db = tx as Kysely<any>;
  const name: string = table;
  const values: Record<string, unknown> = row;
  const t = now();
  if (where)
    await db
      .updateTable(name)
      .set({ ...values, updated_at: t })
      .where(where[0] as string, '=', where[1])
      .execute();
  else
    await db
      .insertInto(name)
      .values({ ...insertOnly, ...values, created_at: t, updated_at: t })
      .execute();
}

/** Deep equality for plain JSON values: decides whether a PUT changes anything. */
export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canon(a)) === JSON.stringify(canon(b));
}

function canon(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canon);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v as object)
        .sort()
        .filter((k) => (v as any)[k] !== undefined)
        .map((k) => [k, canon((v as any)[k])]),
    );
  }
  return v;
}

/** Picks the keys of `desired` from `current`, to compare only what the caller set. */
export function pick<T extends object>(current: T, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, (current as any)[k]]));
}

/** True when a SQL error is a uniqueness violation (SQLite or PostgreSQL). */
export function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return err?.code === 'SQLITE_CONSTRAINT_UNIQUE' || err?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || err?.code === '23505';
}
