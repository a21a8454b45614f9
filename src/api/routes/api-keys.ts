// API keys (operator only): create one for a role and scope; the secret is shown once.
import { Type } from '@sinclair/typebox';
import { type Ctx, route, OPERATOR } from '../route.js';
import * as S from '../schemas.js';

const KeyParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{12}$' }) });

export function apiKeyRoutes(ctx: Ctx): void {
  const { apiKeys } = ctx.registry;
  route(ctx, {
    method: 'GET', url: '/v1/api-keys', tag: 'api-keys', summary: 'List API keys (never their secrets)', access: OPERATOR,
    querystring: S.PageQuery, response: { 200: S.PageOf(S.ApiKey) },
    handler: async (req) => apiKeys.list(req.query),
  });
  route(ctx, {
    method: 'POST', url: '/v1/api-keys', tag: 'api-keys', summary: 'Create an API key; the response is the only time the secret is shown', access: OPERATOR,
    body: S.ApiKeyInput, response: { 201: S.ApiKeyCreated },
    handler: async (req, reply) => reply.status(201).send(await apiKeys.create(req.body)),
  });
  route(ctx, {
    method: 'GET', url: '/v1/api-keys/:id', tag: 'api-keys', summary: 'Get an API key', access: OPERATOR,
    params: KeyParams, response: { 200: S.ApiKey },
    handler: async (req) => apiKeys.get(req.params.id),
  });
  route(ctx, {
    method: 'DELETE', url: '/v1/api-keys/:id', tag: 'api-keys', summary: 'Revoke an API key', access: OPERATOR,
    params: KeyParams, response: { 204: null },
    handler: async (req, reply) => { await apiKeys.delete(req.params.id); return reply.status(204).send(); },
  });
}
