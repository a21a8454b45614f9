// Bounded waits for tests: every wait ends, with a failure naming what was awaited.

/** Resolves once `cond` holds (checked every `everyMs`); rejects with "timed out waiting for <what>" after `timeoutMs`. */
export async function until(cond: () => boolean | Promise<boolean>, what: string | (() => string), timeoutMs = 30_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Resolves with the first value `f` gives that is not undefined (a throw counts as undefined); rejects after `timeoutMs`. */
export async function untilValue<T>(f: () => Promise<T | undefined>, what: string, timeoutMs = 30_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
