// Small helpers shared by the registry's resource modules.

export const now = (): string => new Date().toISOString();

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
