// Prefix events as rows: built from an event (the JSON columns serialised once) and inserted many
// to a statement. Shared by the event log (prefix-events.ts) and validation's batched writes,
// which may run in a worker thread (record-worker.ts): nothing here holds state.
import type { PrefixEventTable } from '../store/schema.js';
import { runShaped, shapedChunks } from '../store/shaped-query.js';
import type { Store } from '../store/store.js';
import type { EventSubject, PrefixEventInput } from './prefix-events.js';

export type EventRow = Omit<PrefixEventTable, 'id'>;

/** The columns in the order an INSERT lists them */
const COLUMNS = [
  'subject_kind',
  'subject',
  'partner',
  'customer',
  'prefix',
  'subject_prefix',
  'time',
  'type',
  'level',
  'summary',
  'details',
  'internal',
] as const satisfies ReadonlyArray<keyof EventRow>;

/** 12 columns a row: well under SQLite's 32,766 bound parameters (and PostgreSQL's 65,535) */
const ROWS_PER_INSERT = 512;

export const toEventRow = (subject: EventSubject, e: PrefixEventInput): EventRow => ({
  subject_kind: subject.kind,
  subject: subject.id,
  partner: subject.partner,
  customer: subject.customer,
  prefix: e.prefix ?? subject.prefix,
  subject_prefix: subject.prefix,
  time: e.time,
  type: e.type,
  level: e.level,
  summary: e.summary,
  details: JSON.stringify(e.details),
  internal: e.internal ? JSON.stringify(e.internal) : null,
});

/** Inserts rows in order (inside the caller's transaction); returns their row ids, in the same order. */
export async function insertEventRows(db: Store['db'], rows: readonly EventRow[]): Promise<number[]> {
  const out: number[] = [];
  // Many rows per statement: one statement per event was most of a full load's write time.
  for (const [i, n] of shapedChunks(rows.length, ROWS_PER_INSERT)) {
    const values: unknown[] = new Array(n * COLUMNS.length);
    let k = 0;
    for (let r = i; r < i + n; r++) for (const c of COLUMNS) values[k++] = rows[r]![c];
    const { rows: ids } = await runShaped<{ id: number | bigint }>(db, `prefix_events insert ${n}`, values, (v) =>
      db.insertInto('prefix_events').values(rowsOf(v)).returning('id'),
    );
    // Row ids grow in the order the rows were inserted; RETURNING's own order is not promised.
    const sorted = ids.map((r) => Number(r.id)).sort((a, b) => a - b);
    if (sorted.length !== n) throw new Error(`stored ${sorted.length} of ${n} prefix events`);
    for (const id of sorted) out.push(id);
  }
  return out;
}

/** Rows back from values laid out column by column (COLUMNS), row after row. */
function rowsOf(values: readonly unknown[]): EventRow[] {
  const out: EventRow[] = [];
  for (let i = 0; i < values.length; i += COLUMNS.length) {
    const row: Record<string, unknown> = {};
    COLUMNS.forEach((c, j) => {
      row[c] = values[i + j];
    });
    out.push(row as unknown as EventRow);
  }
  return out;
}
