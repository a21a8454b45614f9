// One batch of validation results as the registry stores it, in the caller's transaction: prefix
// rows (state, look, alerts), origin memory and events. The same function runs on the main
// thread (in-memory databases, tests) and in the record worker (record-worker.ts).
import type { Store } from '../store/store.js';
import { type EventRow, insertEventRows } from './event-rows.js';
import { type PrefixRowWrite, rowIdOf, writeOrigins, writePrefixRows } from './prefix-writes.js';
import type { FactWrite } from './validation-facts.js';

/** What a batch carries; `rowId` is the prefix's row id when the sender knew it (else looked up by its id). */
export interface ValidationBatch {
  rows: Array<FactWrite & { rowId?: number }>;
  origins: Array<{ id: string; originAs: number; rowId?: number }>;
  events: EventRow[];
}

/** Stores a batch; returns the events' row ids, in order. `time` is the `updated_at` of new states. */
export async function recordValidation(db: Store['db'], batch: ValidationBatch, time: string): Promise<number[]> {
  const rows: PrefixRowWrite[] = [];
  for (const r of batch.rows) {
    const id = r.rowId ?? (await rowIdOf(db, r.kind, r.id));
    if (id !== undefined)
      rows.push({
        kind: r.kind,
        id,
        ...(r.state ? { state: r.state } : {}),
        ...(r.look !== undefined ? { look: r.look } : {}),
        ...(r.alerts !== undefined ? { alerts: r.alerts } : {}),
      });
  }
  await writePrefixRows(db, rows, time);
  const origins: Array<{ id: number; originAs: number }> = [];
  for (const o of batch.origins) {
    const id = o.rowId ?? (await rowIdOf(db, 'registered-prefix', o.id));
    if (id !== undefined) origins.push({ id, originAs: o.originAs });
  }
  await writeOrigins(db, origins);
  return insertEventRows(db, batch.events);
}
