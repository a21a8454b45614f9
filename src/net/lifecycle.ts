// One lifecycle for the long-running parts (the edge daemon, the validation engine; later the
// speaker, the RTR client and the lab routers): new → starting → ready → stopping → stopped, as
// BIRD's protocols share one state set. The rules are the same for every part:
// - start() runs once: a second start, or a start after stop, is an error;
// - a start that fails stops what it started, and throws;
// - stop() may come in any state and runs once (later calls get the same promise); a start under
//   way finishes (or fails) first. The state turns 'stopping' at once, so a part can refuse work
//   from the moment stop() is called, even from a signal handler.

export type LifeState = 'new' | 'starting' | 'ready' | 'stopping' | 'stopped';

export class Lifecycle {
  private current: LifeState = 'new';
  private starting: Promise<void> | undefined;
  private stopped: Promise<void> | undefined;
  private markReady: () => void = () => {};
  private markFailed: (e: Error) => void = () => {};
  /** resolves once the part is ready; rejects when its start fails */
  readonly ready: Promise<void>;

  constructor(readonly name: string) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.markReady = resolve;
      this.markFailed = reject;
    });
    // (nobody has to wait for readiness: a failed start is reported by start() itself)
    this.ready.catch(() => {});
  }

  get state(): LifeState {
    return this.current;
  }
  /** starting or ready: work is welcome */
  get running(): boolean {
    return this.current === 'starting' || this.current === 'ready';
  }
  /** stop() was called */
  get ending(): boolean {
    return this.current === 'stopping' || this.current === 'stopped';
  }

  async start(up: () => Promise<void> | void, down: () => Promise<void> | void): Promise<void> {
    if (this.current !== 'new') throw new Error(`${this.name}: cannot start when ${this.current}`);
    this.current = 'starting';
    this.starting = (async () => {
      await up();
    })();
    try {
      await this.starting;
    } catch (e) {
      this.markFailed(e as Error);
      await this.stop(down);
      throw e;
    }
    if (this.current === 'starting') {
      this.current = 'ready';
      this.markReady();
    }
  }

  stop(down: () => Promise<void> | void): Promise<void> {
    if (this.stopped) return this.stopped;
    const wasStarting = this.starting;
    if (this.current !== 'ready') this.markFailed(new Error(`${this.name}: stopped before it was ready`));
    this.current = 'stopping';
    this.stopped = (async () => {
      await wasStarting?.catch(() => {});
      try {
        await down();
      } finally {
        this.current = 'stopped';
      }
    })();
    return this.stopped;
  }
}
