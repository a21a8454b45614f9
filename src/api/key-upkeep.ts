// Keys end on their own (expiry, the end of a rotation's grace period). A key that is never
// presented again would never be noticed, and its event streams would stay open: the server
// looks now and then, and ApiKeys.sweep tells the revoke listeners.
import type { FastifyInstance } from 'fastify';
import type { ApiKeys } from '../registry/api-keys.js';

export const KEY_SWEEP_MS = 30_000;

export function installKeyUpkeep(app: FastifyInstance, keys: ApiKeys, everyMs: number): void {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const sweep = () => {
    running = keys.sweep().catch((err: Error) => app.log.error({ err }, 'looking for expired API keys failed'));
  };
  app.addHook('onReady', async () => {
    timer = setInterval(sweep, everyMs);
    timer.unref();
  });
  // The store closes after the server: let a sweep under way finish first.
  app.addHook('onClose', async () => {
    clearInterval(timer);
    await running;
  });
}
