// The HTTP API: Fastify with JSON-schema validation, the OpenAPI document, roles, errors.

import swagger from '@fastify/swagger';
import { Type } from '@sinclair/typebox';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import { EventRetention } from '../registry/event-retention.js';
import type { Registry } from '../registry/registry.js';
import { clientErrorHandler, installErrorHandling } from './errors.js';
import type { StreamLimits } from './event-stream.js';
import { installHygiene, loggerOptions } from './hygiene.js';
import { installJsonBody } from './json-body.js';
import { installKeyUpkeep, KEY_SWEEP_MS } from './key-upkeep.js';
import {
  AUTH_BLOCK_MS,
  AUTH_FAILURE_WINDOW_MS,
  AUTH_FAILURES_MAX,
  type AuthFailureLimit,
  FailureLimiter,
  KEY_BURST,
  KEY_RATE_PER_SECOND,
  KEY_RATE_ROLES,
  type KeyRateLimit,
  TokenBuckets,
} from './rate-limit.js';
import type { LiveRoutes } from './route.js';
import { route } from './route.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { catalogRoutes } from './routes/catalog.js';
import { customerRoutes } from './routes/customers.js';
import { eventRoutes } from './routes/events.js';
import { partnerRoutes } from './routes/partners.js';
import { peeringRoutes } from './routes/peerings.js';
import { popRoutes } from './routes/pops.js';
import { registrationRoutes } from './routes/registrations.js';
import { systemRoutes } from './routes/system.js';
import { ErrorBody } from './schemas.js';
import { installStrictText } from './strict-text.js';

export const API_VERSION = '0.1.0';

declare module 'fastify' {
  interface FastifyInstance {
    routeList: Array<{ method: string; url: string }>;
  }
}

export interface ServerOptions {
  logger?: FastifyServerOptions['logger'];
  /** called after every successful write (the live side reloads what the registry now says) */
  onWrite?: () => void;
  /** the live side's received routes */
  live?: LiveRoutes;
  /** milliseconds between keep-alive comments on event streams (default 15 s) */
  eventHeartbeatMs?: number;
  /** failed authentications per client address before it gets 429 (default 10 a minute, then 5 minutes refused); false: no limit */
  authFailureLimit?: Partial<AuthFailureLimit> | false;
  /** requests per key (default 50/s, bursts of 100, for partner and customer keys); false: no limit */
  keyRateLimit?: Partial<KeyRateLimit> | false;
  /** milliseconds between looks for expired keys and ended rotation grace periods (default 30 s) */
  keySweepMs?: number;
  /** largest request body in bytes (default 1 MiB) */
  bodyLimit?: number;
  /**
   * Behind a reverse proxy: which proxies to believe about the client's address (Fastify's
   * trustProxy). Without it every client behind the proxy shares its address, and so one
   * failed-authentication limit.
   */
  trustProxy?: FastifyServerOptions['trustProxy'];
  /** event stream caps (per key 5, in all 1000) and replay bound (10,000 events per request) */
  eventStreams?: Partial<StreamLimits>;
  /**
   * Days to keep prefix events, pruned hourly while the server runs (serve passes its setting,
   * DEFAULT_EVENT_RETENTION_DAYS unless configured); 0 or unset: nothing is pruned.
   */
  eventRetentionDays?: number;
}

/** The largest request body: registry documents are small. */
export const BODY_LIMIT = 1 << 20;

export async function buildServer(registry: Registry, opts: ServerOptions = {}): Promise<FastifyInstance> {
  const bodyLimit = opts.bodyLimit ?? BODY_LIMIT;
  const app = Fastify({
    logger: loggerOptions(opts.logger ?? false),
    // The access log line (hygiene.ts) replaces Fastify's two lines per request, which log URLs as sent.
    logController: new LogController({ disableRequestLogging: true }),
    // Unknown fields are errors, not silently dropped: a typo must not lose a setting. Types are
    // never coerced: a JSON body says what it means; path and query text is read by strict-text.ts.
    // verbose: errors carry the value, so a null can be named as such.
    ajv: { customOptions: { removeAdditional: false, allErrors: false, coerceTypes: false, verbose: true } },
    bodyLimit,
    clientErrorHandler,
    ...(opts.trustProxy !== undefined ? { trustProxy: opts.trustProxy } : {}),
  });
  app.decorate('apiGuard', {
    ...(opts.authFailureLimit !== false
      ? {
          authFailures: new FailureLimiter({ max: AUTH_FAILURES_MAX, windowMs: AUTH_FAILURE_WINDOW_MS, blockMs: AUTH_BLOCK_MS, ...opts.authFailureLimit }),
        }
      : {}),
    ...(opts.keyRateLimit !== false
      ? {
          perKey: new TokenBuckets({ perSecond: KEY_RATE_PER_SECOND, burst: KEY_BURST, roles: KEY_RATE_ROLES, ...opts.keyRateLimit }),
        }
      : {}),
  });
  installErrorHandling(app, bodyLimit);
  installHygiene(app);
  installJsonBody(app, bodyLimit);
  installStrictText(app);
  installKeyUpkeep(app, registry.apiKeys, opts.keySweepMs ?? KEY_SWEEP_MS);
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
    documentRefusals(r);
  });
  app.decorate('routeList', routes);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'openpeering API',
        version: API_VERSION,
        description:
          'Peering registry: PoPs, partners, peerings, registrations, customers and their prefixes. ' +
          'Authenticate with "Authorization: Bearer <key>". Errors are {"error":{"code","message","target"}}.',
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
    app.addHook('onReady', async () => {
      retention.start();
    });
    app.addHook('onClose', async () => {
      await retention.stop();
    });
  }
  route(ctx, {
    method: 'GET',
    url: '/openapi.json',
    tag: 'system',
    summary: 'This OpenAPI document (no key needed)',
    response: { 200: Type.Object({}, { additionalProperties: true, description: 'OpenAPI 3.1 document' }) },
    handler: async () => app.swagger(),
  });
  await app.ready();
  return app;
}

/** The refusals every route may give before its handler runs, in the OpenAPI document. */
function documentRefusals(r: { schema?: { response?: unknown; body?: unknown }; onRequest?: unknown }): void {
  const response = r.schema?.response as Record<string | number, unknown> | undefined;
  if (!response) return;
  const add = (code: number, description: string) => {
    if (!(code in response)) response[code] = { ...ErrorBody, description };
  };
  if (r.onRequest) add(429, 'too many failed authentications from this address, or the key is over its request rate: retry after Retry-After seconds');
  if (r.schema?.body) {
    add(413, 'the body is too large');
    add(415, 'the body is not application/json');
  }
}
