// Event retention: events older than the retention period (by their time) are deleted by a
// periodic prune, in chunks with a turn of the event loop between them, so a big backlog never
// holds up the API. The first prune runs right after start: a server that restarts often must
// prune too.
import type { Store } from '../store/store.js';

/** How long `serve` keeps events unless told otherwise; 0 keeps them forever. */
export const DEFAULT_EVENT_RETENTION_DAYS = 90;
export const PRUNE_INTERVAL_MS = 3_600_000;
/** Rows per delete: a few milliseconds of work on the time index. */
const PRUNE_CHUNK = 2_000;
const DAY_MS = 86_400_000;

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Deletes the events whose time is before `before`, `chunk` rows per statement; returns how many.
 * `stopped` is asked between chunks (a closing server stops it).
 */
export async function pruneEvents(store: Store, before: Date, chunk = PRUNE_CHUNK, stopped: () => boolean = () => false): Promise<number> {
  const cutoff = before.toISOString();
  let total = 0;
  while (!stopped()) {
    const r = await store.db
      .deleteFrom('prefix_events')
      .where('id', 'in', (eb) => eb.selectFrom('prefix_events').select('id').where('time', '<', cutoff).limit(chunk))
      .executeTakeFirst();
    const n = Number(r.numDeletedRows);
    total += n;
    if (n < chunk) break;
    await turn();
  }
  return total;
}

export interface EventRetentionOptions {
  /** days to keep events; 0: forever (nothing is pruned) */
  days: number;
  /** milliseconds between prunes (PRUNE_INTERVAL_MS, hourly) */
  intervalMs?: number;
  /** the clock (tests) */
  now?: () => number;
  /** after each prune that deleted something */
  onPruned?: (count: number, before: Date) => void;
  onError?: (err: Error) => void;
}

/** The periodic prune: start() it with the server, stop() it before the store closes. */
export class EventRetention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly o: EventRetentionOptions,
  ) {
    if (!Number.isFinite(o.days) || o.days < 0) throw new Error(`event retention: ${o.days} days; expected 0 (forever) or more`);
  }

  start(): void {
    if (this.o.days === 0 || this.timer || this.stopped) return;
    const tick = (): void => {
      void this.runOnce().catch((err: Error) => this.o.onError?.(err));
    };
    this.timer = setInterval(tick, this.o.intervalMs ?? PRUNE_INTERVAL_MS);
    this.timer.unref();
    setImmediate(tick);
  }

  /** One prune now (a prune already running is joined, not doubled); returns how many went. */
  runOnce(): Promise<number> {
    if (this.o.days === 0 || this.stopped) return Promise.resolve(0);
    this.running ??= (async () => {
      try {
        const before = new Date((this.o.now?.() ?? Date.now()) - this.o.days * DAY_MS);
        const n = await pruneEvents(this.store, before, PRUNE_CHUNK, () => this.stopped);
        if (n > 0) this.o.onPruned?.(n, before);
        return n;
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** Stops the timer and waits for a running prune to finish its chunk. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }
}

/**
 * Starts pruning `store`'s events older than `days` (hourly); for `serve` when it does not pass
 * eventRetentionDays to buildServer. Returns the running prune (stop() it before closing the store).
 */
export function startEventRetention(store: Store, o: EventRetentionOptions): EventRetention {
  const r = new EventRetention(store, o);
  r.start();
  return r;
}
