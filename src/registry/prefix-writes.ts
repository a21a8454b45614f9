// Validation's writes to prefix rows, many rows per statement: a full table's arrival changes
// tens of thousands of prefixes within seconds, and one UPDATE per row (each compiled and run on
// its own) was most of the time the registry took to keep up. Rows with the same columns to set
// go into one `WITH v(...) AS (VALUES ...) UPDATE ... FROM v` (SQLite 3.33+, PostgreSQL). The
// `id IN (SELECT id FROM v)` beside the join is for SQLite's planner: without it, it scans the
// whole table for every statement (about 3 ms at 50,000 prefixes) instead of finding each row by id.
import { type RawBuilder, sql } from 'kysely';
import { runShaped, shapedChunks } from '../store/shaped-query.js';
import type { Store } from '../store/store.js';
import { parseCustomerPrefixId, parseRegisteredPrefixId } from './resource-ids.js';
import type { PrefixState } from './types.js';

export interface PrefixRowWrite {
  kind: 'registered-prefix' | 'customer-prefix';
  /** the row id */
  id: number;
  state?: { state: PrefixState; message: string | null };
  look?: string | null;
  alerts?: string | null;
}

/** Rows per statement: up to 6 values each, far below every engine's bound parameters. */
const ROWS_PER_STATEMENT = 256;

const TABLES = { 'registered-prefix': 'registered_prefixes', 'customer-prefix': 'customer_prefixes' } as const;

/** Writes each row's given columns; `time` is the `updated_at` of a new state. */
export async function writePrefixRows(db: Store['db'], rows: readonly PrefixRowWrite[], time: string): Promise<void> {
  // (one group per table and set of columns: a statement's shape, so a full chunk's is prepared once)
  const groups = new Map<string, PrefixRowWrite[]>();
  for (const r of rows) {
    if (!r.state && r.look === undefined && r.alerts === undefined) continue;
    const shape = `${r.kind}|${r.state ? 1 : 0}${r.look !== undefined ? 1 : 0}${r.alerts !== undefined ? 1 : 0}`;
    const g = groups.get(shape);
    if (g) g.push(r);
    else groups.set(shape, [r]);
  }
  for (const g of groups.values()) {
    const first = g[0]!;
    const columns = [
      ...(first.state ? ['state', 'error_message', 'updated_at'] : []),
      ...(first.look !== undefined ? ['validation_look'] : []),
      ...(first.alerts !== undefined ? ['validation_alerts'] : []),
    ];
    const values = (r: PrefixRowWrite): unknown[] => [
      ...(r.state ? [r.state.state, r.state.message, time] : []),
      ...(r.look !== undefined ? [r.look] : []),
      ...(r.alerts !== undefined ? [r.alerts] : []),
    ];
    for (const [i, n] of shapedChunks(g.length, ROWS_PER_STATEMENT)) {
      await updateFromValues(db, TABLES[first.kind], columns, g.slice(i, i + n), values);
    }
  }
}

/** Origin memory: the origin AS a registered prefix was verified with, only where none is kept. */
export async function writeOrigins(db: Store['db'], rows: ReadonlyArray<{ id: number; originAs: number }>): Promise<void> {
  for (const [i, n] of shapedChunks(rows.length, ROWS_PER_STATEMENT)) {
    const values = rows.slice(i, i + n).flatMap((r) => [r.id, r.originAs]);
    await runShaped(db, `origins ${values.length}`, values, (v) => {
      const tuples: RawBuilder<unknown>[] = [];
      for (let j = 0; j < v.length; j += 2) tuples.push(sql`(CAST(${v[j]} AS INTEGER), CAST(${v[j + 1]} AS INTEGER))`);
      return sql`WITH v(id, origin_as) AS (VALUES ${sql.join(tuples)})
        UPDATE registered_prefixes SET origin_as = v.origin_as FROM v
        WHERE registered_prefixes.id = v.id AND registered_prefixes.id IN (SELECT id FROM v) AND registered_prefixes.origin_as IS NULL`;
    });
  }
}

async function updateFromValues(
  db: Store['db'],
  table: string,
  columns: string[],
  rows: readonly PrefixRowWrite[],
  values: (r: PrefixRowWrite) => unknown[],
): Promise<void> {
  const width = 1 + columns.length;
  const flat = rows.flatMap((r) => [r.id, ...values(r)]);
  await runShaped(db, `${table} ${columns.join(',')} ${rows.length}`, flat, (v) => {
    const tuples: RawBuilder<unknown>[] = [];
    for (let j = 0; j < v.length; j += width) {
      tuples.push(sql`(CAST(${v[j]} AS INTEGER), ${sql.join(v.slice(j + 1, j + width).map((x) => sql`${x}`))})`);
    }
    const names = sql.join(['id', ...columns].map((c) => sql.id(c)));
    const set = sql.join(columns.map((c) => sql`${sql.id(c)} = v.${sql.id(c)}`));
    return sql`WITH v(${names}) AS (VALUES ${sql.join(tuples)})
      UPDATE ${sql.table(table)} SET ${set} FROM v WHERE ${sql.table(table)}.id = v.id AND ${sql.table(table)}.id IN (SELECT id FROM v)`;
  });
}

/** A prefix's row id by its key ("partner/peering/name" or "customer/service/name"), looked up. */
export async function rowIdOf(db: Store['db'], kind: PrefixRowWrite['kind'], key: string): Promise<number | undefined> {
  let row: { id: number } | undefined;
  if (kind === 'registered-prefix') {
    const r = parseRegisteredPrefixId(key);
    row = await db
      .selectFrom('registered_prefixes')
      .innerJoin('peerings', 'peerings.id', 'registered_prefixes.peering_id')
      .select('registered_prefixes.id')
      .where('peerings.partner', '=', r.partner)
      .where('peerings.name', '=', r.peering)
      .where('registered_prefixes.name', '=', r.name)
      .executeTakeFirst();
  } else {
    const r = parseCustomerPrefixId(key);
    row = await db
      .selectFrom('customer_prefixes')
      .innerJoin('peering_services', 'peering_services.id', 'customer_prefixes.peering_service_id')
      .select('customer_prefixes.id')
      .where('peering_services.customer', '=', r.customer)
      .where('peering_services.name', '=', r.service)
      .where('customer_prefixes.name', '=', r.name)
      .executeTakeFirst();
  }
  return row ? Number(row.id) : undefined;
}
