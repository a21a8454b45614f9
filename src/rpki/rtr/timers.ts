// The RTR timers (RFC 8210 §6): the defaults, and the cache's values made safe.

export interface RtrTimers {
  /** seconds; RFC 8210 §6 defaults 3600, 600, 7200 */
  refresh: number;
  retry: number;
  expire: number;
}

export const DEFAULT_TIMERS: RtrTimers = { refresh: 3600, retry: 600, expire: 7200 };

/** The cache's timers, each clamped to the range of RFC 8210 §6 (a broken value must not spin us). */
export function saneTimers(refresh: number, retry: number, expire: number, prev: RtrTimers): RtrTimers {
  const clamp = (v: number, lo: number, hi: number, dflt: number) => (v >= lo && v <= hi ? v : Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : dflt);
  return {
    refresh: clamp(refresh, 1, 86400, prev.refresh),
    retry: clamp(retry, 1, 7200, prev.retry),
    expire: clamp(expire, 600, 172800, prev.expire),
  };
}
