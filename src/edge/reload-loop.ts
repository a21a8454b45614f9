// Registry changes reach the live side one at a time, through one owner (as GoBGP's server loop
// does): a reload never runs beside another. Asked for while one runs, exactly one more follows
// it, whoever asked; API writes ask through a debounce, so a burst of writes is one reload.

export interface ReloadLoopOptions {
  /** how long after the last request() the reload runs */
  debounceMs: number;
  /** a debounced reload failed (a direct now() caller gets the error itself) */
  failed(e: Error): void;
}

export class ReloadLoop {
  private running: Promise<void> | undefined;
  /** the one reload that follows the running one */
  private queued: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly reload: () => Promise<void>,
    private readonly opts: ReloadLoopOptions,
  ) {}

  /** A reload soon: `debounceMs` after the last request. */
  request(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.now().catch((e: Error) => this.opts.failed(e));
    }, this.opts.debounceMs);
  }

  /**
   * A reload that starts after this call: now when none runs, else the one queued after the
   * running one (shared by everyone who asks meanwhile). Resolves when it is applied.
   */
  now(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.queued) return this.queued;
    if (!this.running) return this.begin();
    const queued = this.running
      .catch(() => {})
      .then(() => {
        this.queued = undefined;
        return this.closed ? undefined : this.begin();
      });
    this.queued = queued;
    return queued;
  }

  /** No reload after this one; resolves when the one running (if any) is over. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.all([this.running?.catch(() => {}), this.queued?.catch(() => {})]);
  }

  private begin(): Promise<void> {
    const run: Promise<void> = this.reload().finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }
}
