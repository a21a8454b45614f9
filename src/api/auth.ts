// Authentication (Bearer API keys) and the role/scope check every /v1 route declares.
// Scope first: a tenant that asks about another tenant's resource learns nothing (404), the
// same answer it would get for a resource that does not exist. Inside its scope, an action its
// role may not take gets 403.
// Before the key is looked at, the client's address must not be refused for failed attempts;
// after it, the key must be within its request rate (429 with Retry-After either way).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RegistryError } from '../registry/errors.js';
import type { Registry } from '../registry/registry.js';
import type { ApiKey, Role } from '../registry/types.js';
import { type FailureLimiter, retryAfterSeconds, type TokenBuckets } from './rate-limit.js';

export interface Access {
  /** Roles that may call the route. */
  allow: readonly Role[];
  /** Roles that may see the resource but not take this action (403); any other role gets 404. */
  see?: readonly Role[];
}

/** The server's rate limits (absent: not limited). */
export interface ApiGuard {
  authFailures?: FailureLimiter;
  perKey?: TokenBuckets;
}

declare module 'fastify' {
  interface FastifyRequest {
    apiKey?: ApiKey;
  }
  interface FastifyInstance {
    apiGuard: ApiGuard;
  }
}

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly target?: string,
    /** seconds, sent as Retry-After (429) */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

export function authorize(registry: Registry, access: Access) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const guard = req.server.apiGuard ?? {};
    const blocked = guard.authFailures?.blockedFor(req.ip) ?? 0;
    if (blocked) throw tooManyFailures(req.ip, blocked, guard.authFailures!);
    const unauthorized = (message: string): HttpError => {
      const refused = guard.authFailures?.failed(req.ip) ?? 0;
      // The attempt that reaches the limit still gets its 401; the next ones get 429.
      return new HttpError(
        401,
        'Unauthorized',
        refused ? `${message} (too many failed attempts: this address is refused for ${retryAfterSeconds(refused)} s)` : message,
      );
    };
    const header = req.headers.authorization;
    if (!header) throw unauthorized('missing API key: send the header "Authorization: Bearer <key>"');
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw unauthorized('the Authorization header must be "Bearer <key>"');
    const verdict = await registry.apiKeys.verify(m[1]!);
    if (!verdict.ok) throw unauthorized(verdict.reason === 'expired' ? 'API key expired' : 'unknown or revoked API key');
    const key = verdict.key;
    // Known from here on, also to the access log of a request refused for its rate.
    req.apiKey = key;
    const wait = guard.perKey?.limit.roles.includes(key.role) ? guard.perKey.take(key.id) : 0;
    if (wait) {
      const { perSecond, burst } = guard.perKey!.limit;
      throw new HttpError(
        429,
        'TooManyRequests',
        `API key ${key.id} is over its request rate (${perSecond} requests/s, bursts of ${burst}): retry after ${retryAfterSeconds(wait)} s`,
        'Authorization',
        retryAfterSeconds(wait),
      );
    }
    const params = (req.params ?? {}) as Record<string, string>;
    if (key.role === 'partner' && params.partner !== undefined && params.partner !== key.partner) throw outOfScope(req);
    if (key.role === 'customer' && params.customer !== undefined && params.customer !== key.customer) throw outOfScope(req);
    if (access.allow.includes(key.role)) return;
    if (access.see?.includes(key.role)) {
      throw new HttpError(403, 'Forbidden', `a ${key.role} key may not ${req.method} ${req.routeOptions.url}; this needs an ${access.allow.join(' or ')} key`);
    }
    throw outOfScope(req);
  };
}

function tooManyFailures(ip: string, ms: number, limiter: FailureLimiter): HttpError {
  const { max, windowMs } = limiter.limit;
  return new HttpError(
    429,
    'TooManyRequests',
    `too many failed authentications from ${ip} (${max} in ${Math.round(windowMs / 1000)} s): retry after ${retryAfterSeconds(ms)} s`,
    'Authorization',
    retryAfterSeconds(ms),
  );
}

/** The same 404 a missing route or resource gets, so scope is not probeable. */
function outOfScope(req: FastifyRequest): RegistryError {
  return new RegistryError('NotFound', `${req.url.split('?')[0]} not found`);
}
