// Rate limits kept in memory, small enough to write by hand: failed authentications per client
// address (guessing keys gets slow: after `max` failures in a window the address is refused for
// a while, even with a good key) and requests per key (a token bucket: a steady rate and a burst).
import type { Role } from '../registry/types.js';

/** Failed authentications an address may make per window before it is refused. */
export const AUTH_FAILURES_MAX = 10;
export const AUTH_FAILURE_WINDOW_MS = 60_000;
/** How long an address that reached the limit is refused. */
export const AUTH_BLOCK_MS = 5 * 60_000;
/** Requests per second a key may make on average, and in a burst. */
export const KEY_RATE_PER_SECOND = 50;
export const KEY_BURST = 100;
/**
 * The roles whose keys are rate limited: the tenants, many and automated, where one runaway
 * script must not slow the service for the others. Operator keys are the service owner's own
 * (bulk tools such as apply run with them) and are not limited unless configured.
 */
export const KEY_RATE_ROLES: readonly Role[] = ['partner', 'customer'];

export interface AuthFailureLimit {
  max: number;
  windowMs: number;
  blockMs: number;
}
export interface KeyRateLimit {
  perSecond: number;
  burst: number;
  roles: readonly Role[];
}

/** Entries a limiter keeps before it drops the idle ones (a bound on memory under a flood). */
const SWEEP_AT = 10_000;

/** Counts failures per address in fixed windows; refuses an address for blockMs once it reaches max. */
export class FailureLimiter {
  private readonly seen = new Map<string, { windowStart: number; failures: number; blockedUntil: number }>();

  constructor(
    readonly limit: AuthFailureLimit,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Milliseconds until `who` may try again, or 0 when it may now. */
  blockedFor(who: string): number {
    const e = this.seen.get(who);
    if (!e) return 0;
    const wait = e.blockedUntil - this.clock();
    return Math.max(wait, 0);
  }

  /** Records a failure; returns the milliseconds `who` is now refused for (0: not refused). */
  failed(who: string): number {
    const t = this.clock();
    let e = this.seen.get(who);
    if (!e || t - e.windowStart >= this.limit.windowMs || (e.blockedUntil && e.blockedUntil <= t)) {
      if (this.seen.size >= SWEEP_AT) this.sweep(t);
      e = { windowStart: t, failures: 0, blockedUntil: 0 };
      this.seen.set(who, e);
    }
    e.failures++;
    if (e.failures >= this.limit.max) e.blockedUntil = t + this.limit.blockMs;
    return e.blockedUntil > t ? e.blockedUntil - t : 0;
  }

  private sweep(t: number): void {
    for (const [k, e] of this.seen) if (e.blockedUntil <= t && t - e.windowStart >= this.limit.windowMs) this.seen.delete(k);
  }
}

/** A token bucket per key: `burst` tokens, refilled at `perSecond`; a request takes one. */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly limit: KeyRateLimit,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Takes a token for `who`: 0 when granted, else the milliseconds until one is there. */
  take(who: string): number {
    const t = this.clock();
    let b = this.buckets.get(who);
    if (!b) {
      if (this.buckets.size >= SWEEP_AT) this.sweep(t);
      b = { tokens: this.limit.burst, at: t };
      this.buckets.set(who, b);
    }
    b.tokens = Math.min(this.limit.burst, b.tokens + ((t - b.at) * this.limit.perSecond) / 1000);
    b.at = t;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - b.tokens) * 1000) / this.limit.perSecond);
  }

  /** Full buckets hold no information: a new one starts full. */
  private sweep(t: number): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((t - b.at) * this.limit.perSecond) / 1000 >= this.limit.burst) this.buckets.delete(k);
    }
  }
}

/** Retry-After is whole seconds, at least 1. */
export const retryAfterSeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));
