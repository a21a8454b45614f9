// The record worker: a thread with its own connection to the registry's SQLite file that stores
// validation's batches (validation-record.ts), so that the statements and the commit's fsync run
// beside the BGP sessions instead of between their messages. WAL lets it write while the main
// thread reads; the two connections take the write lock in turn.
import { parentPort, workerData } from 'node:worker_threads';
import { connectSqlite } from '../store/sqlite.js';
import { recordValidation, type ValidationBatch } from './validation-record.js';

export interface RecordRequest {
  seq: number;
  batch: ValidationBatch;
  time: string;
}
export type RecordReply = { seq: number; ids: number[] } | { seq: number; error: string };
export interface RecordWorkerData {
  file: string;
  synchronous: 'full' | 'normal' | 'off';
}

if (parentPort) {
  const port = parentPort;
  const { file, synchronous } = workerData as RecordWorkerData;
  const db = connectSqlite(file, { synchronous });
  port.on('message', (m: RecordRequest) => {
    db.transaction()
      .execute((tx) => recordValidation(tx, m.batch, m.time))
      .then(
        (ids) => port.postMessage({ seq: m.seq, ids } satisfies RecordReply),
        (e: Error) => port.postMessage({ seq: m.seq, error: e.message ?? String(e) } satisfies RecordReply),
      );
  });
}
