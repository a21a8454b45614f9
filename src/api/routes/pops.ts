// PoPs and their edge routers: the operator writes them, partners read them.
import { Type } from '@sinclair/typebox';
import { type Ctx, OPERATOR_PARTNER_SEES, PARTNER_SCOPE, route, sendUpserted } from '../route.js';
import * as S from '../schemas.js';

const PopParams = Type.Object({ pop: S.Name });
const RouterParams = Type.Object({ pop: S.Name, router: S.Name });

export function popRoutes(ctx: Ctx): void {
  const { pops } = ctx.registry;
  route(ctx, {
    method: 'GET',
    url: '/v1/pops',
    tag: 'pops',
    summary: 'List PoPs',
    access: PARTNER_SCOPE,
    querystring: S.PageQuery,
    response: { 200: S.PageOf(S.Pop) },
    handler: async (req) => pops.list(req.query),
  });
  route(ctx, {
    method: 'GET',
    url: '/v1/pops/:pop',
    tag: 'pops',
    summary: 'Get a PoP',
    access: PARTNER_SCOPE,
    params: PopParams,
    response: { 200: S.Pop },
    handler: async (req) => pops.get(req.params.pop),
  });
  route(ctx, {
    method: 'PUT',
    url: '/v1/pops/:pop',
    tag: 'pops',
    summary: 'Create or update a PoP',
    access: OPERATOR_PARTNER_SEES,
    params: PopParams,
    body: S.PopInput,
    response: { 200: S.Pop, 201: S.Pop },
    handler: async (req, reply) => sendUpserted(reply, await pops.put(req.params.pop, req.body)),
  });
  route(ctx, {
    method: 'DELETE',
    url: '/v1/pops/:pop',
    tag: 'pops',
    summary: 'Delete a PoP (it must have no routers)',
    access: OPERATOR_PARTNER_SEES,
    params: PopParams,
    response: { 204: null },
    handler: async (req, reply) => {
      await pops.delete(req.params.pop);
      return reply.status(204).send();
    },
  });
  route(ctx, {
    method: 'GET',
    url: '/v1/pops/:pop/routers',
    tag: 'pops',
    summary: 'List the edge routers of a PoP',
    access: PARTNER_SCOPE,
    params: PopParams,
    querystring: S.PageQuery,
    response: { 200: S.PageOf(S.Router) },
    handler: async (req) => pops.listRouters(req.params.pop, req.query),
  });
  route(ctx, {
    method: 'GET',
    url: '/v1/pops/:pop/routers/:router',
    tag: 'pops',
    summary: 'Get an edge router',
    access: PARTNER_SCOPE,
    params: RouterParams,
    response: { 200: S.Router },
    handler: async (req) => pops.getRouter(req.params.pop, req.params.router),
  });
  route(ctx, {
    method: 'PUT',
    url: '/v1/pops/:pop/routers/:router',
    tag: 'pops',
    summary: 'Create or update an edge router',
    access: OPERATOR_PARTNER_SEES,
    params: RouterParams,
    body: S.RouterInput,
    response: { 200: S.Router, 201: S.Router },
    handler: async (req, reply) => sendUpserted(reply, await pops.putRouter(req.params.pop, req.params.router, req.body)),
  });
  route(ctx, {
    method: 'DELETE',
    url: '/v1/pops/:pop/routers/:router',
    tag: 'pops',
    summary: 'Delete an edge router (it must carry no connections)',
    access: OPERATOR_PARTNER_SEES,
    params: RouterParams,
    response: { 204: null },
    handler: async (req, reply) => {
      await pops.deleteRouter(req.params.pop, req.params.router);
      return reply.status(204).send();
    },
  });
}
