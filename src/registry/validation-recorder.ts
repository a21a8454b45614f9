// Where validation's batches go: the record worker (record-worker.ts) for a SQLite file, the
// main thread otherwise (an in-memory database cannot be shared with a thread). Either way one
// transaction per batch, and subscribers hear of the events once it is committed.
import { Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import type { Store } from '../store/store.js';
import { type EventRow, toEventRow } from './event-rows.js';
import type { EventSubject, PrefixEventInput, PrefixEvents } from './prefix-events.js';
import type { RecordReply, RecordRequest, RecordWorkerData } from './record-worker.js';
import { now } from './util.js';
import type { FactWrite, ValidationFacts } from './validation-facts.js';
import { recordValidation, type ValidationBatch } from './validation-record.js';

export interface RecordInput {
  rows: FactWrite[];
  origins: Array<{ id: string; originAs: number }>;
  events: Array<{ subject: EventSubject; event: PrefixEventInput }>;
}

export interface RecorderOptions {
  /** store on the main thread even for a file (default: a worker for a SQLite file) */
  inThread?: boolean;
  log?: (line: string) => void;
}

export class ValidationRecorder {
  private worker: Worker | undefined;
  private starting: Promise<void> | undefined;
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (ids: number[]) => void; reject: (e: Error) => void }>();

  constructor(
    private readonly store: Store,
    private readonly facts: ValidationFacts,
    private readonly events: PrefixEvents,
    private readonly opts: RecorderOptions = {},
  ) {}

  /** Stores one batch in one transaction; resolves once it is committed and its events announced. */
  async record(input: RecordInput): Promise<void> {
    await this.events.ids();
    const worker = await this.ready();
    // (the rows are kept for the announcement only when someone listens: a full load's backlog
    // of events would otherwise stay on the heap until the worker has stored them)
    const listened = this.events.listened;
    const { stored, rows } = this.send(worker, input, listened);
    const ids = await stored;
    if (listened)
      this.events.announce(
        rows,
        ids,
        input.events.map((e) => e.subject),
      );
  }

  private send(worker: Worker | undefined, input: RecordInput, keepRows: boolean): { stored: Promise<number[]>; rows: EventRow[] } {
    const batch = this.facts.batch(
      input.rows,
      input.origins,
      input.events.map(({ subject, event }) => toEventRow(subject, event)),
    );
    const time = now();
    const stored = worker ? this.post(worker, batch, time) : this.store.transaction((tx) => recordValidation(tx, batch, time));
    return { stored, rows: keepRows ? batch.events : [] };
  }

  /** Where batches are stored now: 'worker' (a SQLite file) or 'main thread'. */
  async where(): Promise<'worker' | 'main thread'> {
    return (await this.ready()) ? 'worker' : 'main thread';
  }

  /** Ends the worker (after the last batch: the caller waits for its writes first). */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.starting = Promise.resolve();
    if (w) await w.terminate();
  }

  private ready(): Promise<Worker | undefined> {
    this.starting ??= this.start();
    return this.starting.then(() => this.worker);
  }

  private async start(): Promise<void> {
    const file = this.store.location;
    if (this.opts.inThread || this.store.dialect !== 'sqlite' || file === ':memory:' || file === '') return;
    const row = await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(this.store.db);
    const synchronous = (['off', 'normal', 'full', 'full'] as const)[row.rows[0]?.synchronous ?? 2] ?? 'full';
    const worker = new Worker(new URL('./record-worker.js', import.meta.url), { workerData: { file, synchronous } satisfies RecordWorkerData });
    // (it keeps the process alive only while a batch is out: post())
    worker.unref();
    worker.on('message', (m: RecordReply) => {
      const w = this.waiting.get(m.seq);
      this.waiting.delete(m.seq);
      if (!w) return;
      if ('error' in m) w.reject(new Error(m.error));
      else w.resolve(m.ids);
    });
    const lost = (why: string) => {
      if (this.worker !== worker) return;
      // Batches from now on are stored on the main thread; those in flight are reported failed.
      this.worker = undefined;
      this.opts.log?.(`the record worker stopped (${why}): validation results are stored on the main thread from now on`);
      for (const w of this.waiting.values()) w.reject(new Error(`the record worker stopped: ${why}`));
      this.waiting.clear();
    };
    worker.on('error', (e) => lost(e.message));
    worker.on('exit', (code) => lost(`exit code ${code}`));
    this.worker = worker;
  }

  private post(worker: Worker, batch: ValidationBatch, time: string): Promise<number[]> {
    const seq = ++this.seq;
    // (referenced while a batch is out: a process waiting only for it must not exit meanwhile)
    worker.ref();
    const settle = () => {
      if (!this.waiting.size) worker.unref();
    };
    return new Promise<number[]>((resolve, reject) => {
      this.waiting.set(seq, { resolve, reject });
      worker.postMessage({ seq, batch, time } satisfies RecordRequest);
    }).finally(settle);
  }
}
