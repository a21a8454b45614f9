// Authentication (Bearer API keys) and the role/scope check every /v1 route declares.
// Scope first: a tenant that asks about another tenant's resource learns nothing (404), the
// same answer it would get for a resource that does not exist. Inside its scope, an action its
// role may not take gets 403.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiKey, Role } from '../registry/types.js';
import type { Registry } from '../registry/registry.js';
import { RegistryError } from '../registry/errors.js';

export interface Access {
  /** Roles that may call the route. */
  allow: readonly Role[];
  /** Roles that may see the resource but not take this action (403); any other role gets 404. */
  see?: readonly Role[];
}

declare module 'fastify' {
  interface FastifyRequest { apiKey?: ApiKey }
}

export class HttpError extends Error {
  constructor(readonly statusCode: number, readonly code: string, message: string, readonly target?: string) {
    super(message);
  }
}

const unauthorized = (message: string) => new HttpError(401, 'Unauthorized', message);

export function authorize(registry: Registry, access: Access) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const header = req.headers.authorization;
    if (!header) throw unauthorized('missing API key: send the header "Authorization: Bearer <key>"');
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw unauthorized('the Authorization header must be "Bearer <key>"');
    const key = await registry.apiKeys.authenticate(m[1]!);
    if (!key) throw unauthorized('unknown or revoked API key');
    req.apiKey = key;
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

/** The same 404 a missing route or resource gets, so scope is not probeable. */
function outOfScope(req: FastifyRequest): RegistryError {
  return new RegistryError('NotFound', `${req.url.split('?')[0]} not found`);
}
