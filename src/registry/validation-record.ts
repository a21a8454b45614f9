// One batch of validation results as the registry stores it, in the caller's transaction: prefix
// rows (state, look, alerts), origin memory and events. The same function runs on the main
// thread (in-memory databases, tests) and in the record worker (record-worker.ts).
import type { Store } from '../store/store.js';
import { type EventRow, insertEventRows } from './event-rows.js';
import { type PrefixRowWrite, rowIdOf, writeOrigins, writePrefixRows } from './prefix-writes.js';
import type { FactWrite } from './validation-facts.js';

/** What a batch carries; `id` is the prefix's row id when the sender knew it (else looked up by key). */
export interface ValidationBatch {
  rows: Array<FactWrite & { id?: number }>;
  origins: Array<{ key: string; originAs: number; id?: number }>;
  events: EventRow[];
}

/** Stores a batch; returns the events' row ids, in order. `time` is the `updated_at` of new states. */
export async function recordValidation(db: Store['db'], batch: ValidationBatch, time: string): Promise<number[]> {
  const rows: PrefixRowWrite[] = [];
  for (const r of batch.rows) {
    const id = r.id ?? (await rowIdOf(db, r.kind, r.key));
    if (id !== undefined) rows.push({ ...r, id });
  }
  await writePrefixRows(db, rows, time);
  const origins: Array<{ id: number; originAs: number }> = [];
  for (const o of batch.origins) {
    const id = o.id ?? (await rowIdOf(db, 'registered-prefix', o.key));
    if (id !== undefined) origins.push({ id, originAs: o.originAs });
  }
  await writeOrigins(db, origins);
  return insertEventRows(db, batch.events);
}
