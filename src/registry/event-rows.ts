// Prefix events as rows: built from an event (the JSON columns serialised once) and inserted many
// to a statement. Shared by the event log (prefix-events.ts) and validation's batched writes.
import type { PrefixEventTable } from '../store/schema.js';
import type { Store } from '../store/store.js';
import type { EventSubject, PrefixEventInput } from './prefix-events.js';

export type EventRow = Omit<PrefixEventTable, 'id'>;

/** 12 columns a row: well under SQLite's 32,766 bound parameters (and PostgreSQL's 65,535) */
const ROWS_PER_INSERT = 1000;

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
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    const chunk = rows.slice(i, i + ROWS_PER_INSERT);
    const ids = await db.insertInto('prefix_events').values(chunk).returning('id').execute();
    // Row ids grow in the order the rows were inserted; RETURNING's own order is not promised.
    const sorted = ids.map((r) => Number(r.id)).sort((a, b) => a - b);
    if (sorted.length !== chunk.length) throw new Error(`stored ${sorted.length} of ${chunk.length} prefix events`);
    for (const id of sorted) out.push(id);
  }
  return out;
}
