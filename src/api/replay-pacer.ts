// Shares the event loop between replays. Each replay page (a query and its write) is a job; jobs
// run in arrival order, as many per turn of the event loop as fit in a time budget, and the rest
// wait for the next turn. So however many replays run, the server does at most about one budget
// of replay work before it answers other requests again, and an idle server replays at full speed
// (the next turn comes at once). A page yielding on its own could not promise that: 20 replays
// each doing a page per turn add up.

/** Milliseconds of replay work per turn of the event loop. */
export const REPLAY_BUDGET_MS = 8;

type Job = () => Promise<void>;

export class ReplayPacer {
  private readonly queue: Job[] = [];
  private scheduled = false;

  constructor(private readonly budgetMs = REPLAY_BUDGET_MS) {}

  /** Runs `fn` on a later turn, in its place in the queue; resolves (or rejects) with its result. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push(() => fn().then(resolve, reject));
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          void this.drain();
        });
      }
    });
  }

  private async drain(): Promise<void> {
    const start = performance.now();
    // A job is a query and a write: with an in-process database it settles within this turn.
    while (this.queue.length && performance.now() - start < this.budgetMs) await this.queue.shift()!();
    if (this.queue.length)
      setImmediate(() => {
        void this.drain();
      });
    else this.scheduled = false;
  }
}
