// Health, the caller's identity, and the operator's own identity.

import { notFound } from '../../registry/errors.js';
import { ANY_KEY, type Ctx, route, sendUpserted } from '../route.js';
import * as S from '../schemas.js';

export function systemRoutes(ctx: Ctx): void {
  const { registry } = ctx;
  route(ctx, {
    method: 'GET',
    url: '/healthz',
    tag: 'system',
    summary: 'Liveness and store health (no key needed)',
    response: { 200: S.Health },
    handler: async () => ({ status: 'ok', schemaVersion: await registry.store.schemaVersion(), store: registry.store.dialect }),
  });
  route(ctx, {
    method: 'GET',
    url: '/v1/whoami',
    tag: 'system',
    summary: 'The role and scope of the calling key',
    access: ANY_KEY,
    response: { 200: S.WhoAmI },
    handler: async (req) => {
      const k = req.apiKey!;
      return { role: k.role, keyId: k.id, keyName: k.name, partner: k.partner, customer: k.customer };
    },
  });
  route(ctx, {
    method: 'GET',
    url: '/v1/operator',
    tag: 'operator',
    summary: 'The operator: its ASN and name',
    access: ANY_KEY,
    response: { 200: S.Operator },
    handler: async () => {
      const op = await registry.pops.getOperator();
      if (!op) throw notFound('Operator', 'record', undefined);
      return op;
    },
  });
  route(ctx, {
    method: 'PUT',
    url: '/v1/operator',
    tag: 'operator',
    summary: "Set the operator's ASN and name",
    access: { allow: ['operator'], see: ['partner', 'customer'] },
    body: S.Operator,
    response: { 200: S.Operator, 201: S.Operator },
    handler: async (req, reply) => {
      return sendUpserted(reply, await registry.pops.putOperator(req.body));
    },
  });
}
