// The HTTP API: Fastify with JSON-schema validation, the OpenAPI document, roles, errors.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import { Type } from '@sinclair/typebox';
import type { Registry } from '../registry/registry.js';
import { route } from './route.js';
import { installErrorHandling } from './errors.js';
import { systemRoutes } from './routes/system.js';
import { popRoutes } from './routes/pops.js';
import { partnerRoutes } from './routes/partners.js';
import { peeringRoutes } from './routes/peerings.js';
import { registrationRoutes } from './routes/registrations.js';
import { customerRoutes } from './routes/customers.js';
import { catalogRoutes } from './routes/catalog.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { eventRoutes } from './routes/events.js';
import type { LiveRoutes } from './route.js';
import type { StreamLimits } from './event-stream.js';
import { EventRetention } from '../registry/event-retention.js';

export const API_VERSION = '0.1.0';

declare module 'fastify' {
  interface FastifyInstance { routeList: Array<{ method: string; url: string }> }
}

export interface ServerOptions {
  logger?: FastifyServerOptions['logger'];
  /** called after every successful write (the live side reloads what the registry now says) */
  onWrite?: () => void;
  /** the live side's received routes */
  live?: LiveRoutes;
  /** milliseconds between keep-alive comments on event streams (default 15 s) */
  eventHeartbeatMs?: number;
  /** event stream caps (per key 5, in all 1000) and replay bound (10,000 events per request) */
  eventStreams?: Partial<StreamLimits>;
  /**
   * Days to keep prefix events, pruned hourly while the server runs (serve passes its setting,
   * DEFAULT_EVENT_RETENTION_DAYS unless configured); 0 or unset: nothing is pruned.
   */
  eventRetentionDays?: number;
}

export async function buildServer(registry: Registry, opts: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    // Unknown fields are errors, not silently dropped: a typo must not lose a setting.
    ajv: { customOptions: { removeAdditional: false, allErrors: false } },
    bodyLimit: 1 << 20,
  });
  installErrorHandling(app);
  // Every route the server answers, so tests can check the OpenAPI document lists them all.
  const routes: Array<{ method: string; url: string }> = [];
  if (opts.onWrite) {
    const onWrite = opts.onWrite;
    app.addHook('onResponse', async (req, reply) => {
      if (req.method !== 'GET' && req.method !== 'HEAD' && reply.statusCode < 300) onWrite();
    });
  }
  app.addHook('onRoute', (r) => {
    for (const m of [r.method].flat()) if (m !== 'HEAD') routes.push({ method: m, url: r.url });
  });
  app.decorate('routeList', routes);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'openpeering API',
        version: API_VERSION,
        description: 'Peering registry: PoPs, partners, peerings, registrations, customers and their prefixes. '
          + 'Authenticate with "Authorization: Bearer <key>". Errors are {"error":{"code","message","target"}}.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'an openpeering API key' } } },
      security: [{ bearer: [] }],
    },
  });
  const ctx = { app, registry, ...(opts.live ? { live: opts.live } : {}) };
  systemRoutes(ctx);
  popRoutes(ctx);
  partnerRoutes(ctx);
  peeringRoutes(ctx);
  registrationRoutes(ctx);
  customerRoutes(ctx);
  catalogRoutes(ctx);
  apiKeyRoutes(ctx);
  eventRoutes(ctx, {
    ...(opts.eventHeartbeatMs !== undefined ? { heartbeatMs: opts.eventHeartbeatMs } : {}),
    ...(opts.eventStreams ? { limits: opts.eventStreams } : {}),
  });
  if (opts.eventRetentionDays) {
    const retention = new EventRetention(registry.store, {
      days: opts.eventRetentionDays,
      onPruned: (n, before) => app.log.info({ events: n, before: before.toISOString() }, 'pruned old prefix events'),
      onError: (err) => app.log.error({ err }, 'pruning old prefix events failed'),
    });
    app.addHook('onReady', async () => { retention.start(); });
    app.addHook('onClose', async () => { await retention.stop(); });
  }
  route(ctx, {
    method: 'GET', url: '/openapi.json', tag: 'system', summary: 'This OpenAPI document (no key needed)',
    response: { 200: Type.Object({}, { additionalProperties: true, description: 'OpenAPI 3.1 document' }) },
    handler: async () => app.swagger(),
  });
  await app.ready();
  return app;
}
