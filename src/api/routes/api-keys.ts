// API keys (operator only): create one for a role and scope; the secret is shown once.
import { Type } from '@sinclair/typebox';
import { type Ctx, OPERATOR, route } from '../route.js';
import * as S from '../schemas.js';

const KeyParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{12}$' }) });

export function apiKeyRoutes(ctx: Ctx): void {
  const { apiKeys } = ctx.registry;
  route(ctx, {
    method: 'GET',
    url: '/v1/api-keys',
    tag: 'api-keys',
    summary: 'List API keys (never their secrets)',
    access: OPERATOR,
    querystring: S.PageQuery,
    response: { 200: S.PageOf(S.ApiKey) },
    handler: async (req) => apiKeys.list(req.query),
  });
  route(ctx, {
    method: 'POST',
    url: '/v1/api-keys',
    tag: 'api-keys',
    summary: 'Create an API key; the response is the only time the secret is shown',
    access: OPERATOR,
    description: 'With expiresAt the key stops working at that time (401 "API key expired").',
    body: S.ApiKeyInput,
    response: { 201: S.ApiKeyCreated },
    handler: async (req, reply) => reply.status(201).send(await apiKeys.create(req.body)),
  });
  route(ctx, {
    method: 'GET',
    url: '/v1/api-keys/:id',
    tag: 'api-keys',
    summary: 'Get an API key',
    access: OPERATOR,
    params: KeyParams,
    response: { 200: S.ApiKey },
    handler: async (req) => apiKeys.get(req.params.id),
  });
  route(ctx, {
    method: 'POST',
    url: '/v1/api-keys/:id/rotate',
    tag: 'api-keys',
    access: OPERATOR,
    summary: 'Rotate an API key: a new secret for the same key (id, role, scope, expiry), shown once',
    description:
      'The old secret stops working at once, or after {"graceSeconds": N} so it can be replaced where it is used. ' +
      'Event streams of the key end when the old secret stops; reconnect with the new one.',
    params: KeyParams,
    body: S.ApiKeyRotation,
    response: { 200: S.ApiKeyCreated },
    handler: async (req) => apiKeys.rotate(req.params.id, req.body?.graceSeconds ?? 0),
  });
  route(ctx, {
    method: 'DELETE',
    url: '/v1/api-keys/:id',
    tag: 'api-keys',
    summary: 'Revoke an API key',
    access: OPERATOR,
    description: 'The last operator key that works cannot be deleted (409): create another operator key first.',
    params: KeyParams,
    response: { 204: null },
    handler: async (req, reply) => {
      await apiKeys.delete(req.params.id);
      return reply.status(204).send();
    },
  });
}
