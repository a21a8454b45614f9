// Prefixes whose routes changed, gathered for a few milliseconds and then validated once: a
// registered prefix arrives from all four sessions of its peering within moments of each other
// during a full table, and judging it at each arrival was four validations, up to three
// passing states and as many active-path events on the way. What the engine sees is the same
// routes a moment later; nothing is lost, since each prefix is judged again after its last change.
import type { PrefixKey } from '../net/prefix-key.js';

/** How long changes gather before they are validated (ms). */
export const ROUTE_CHANGE_DELAY_MS = 20;

export class RouteChanges {
  private keys = new Set<PrefixKey>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    /** only keys some prefix watches are kept (most routes of a full table concern none) */
    private readonly watched: (key: PrefixKey) => boolean,
    private readonly validate: (keys: Iterable<PrefixKey>) => void,
    private readonly delayMs = ROUTE_CHANGE_DELAY_MS,
  ) {}

  add(keys: readonly PrefixKey[]): void {
    for (const k of keys) if (this.watched(k)) this.keys.add(k);
    if (this.keys.size) this.timer ??= setTimeout(() => this.flush(), this.delayMs);
  }

  /** Validates what gathered now. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.keys.size) return;
    const keys = this.keys;
    this.keys = new Set();
    this.validate(keys);
  }

  /** Forgets what gathered (the daemon stops: nothing more is judged). */
  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.keys.clear();
  }
}
