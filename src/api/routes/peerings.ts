// Peerings with their connections, the connection lifecycle and type changes.
import { Type } from '@sinclair/typebox';
import { prefixProblem } from '../../net/prefix.js';
import { invalid } from '../../registry/errors.js';
import { decodeCursor, encodeCursor, pageLimit } from '../../registry/paging.js';
import { peeringId } from '../../registry/resource-ids.js';
import { audienceOf, type Ctx, OPERATOR_PARTNER_SEES, PARTNER_SCOPE, roleOf, route, sendUpserted } from '../route.js';
import * as S from '../schemas.js';

const PartnerParams = Type.Object({ partner: S.Name });
const PeeringParams = Type.Object({ partner: S.Name, peering: S.Name });
const ConnectionParams = Type.Object({ partner: S.Name, peering: S.Name, connection: S.Name });

export function peeringRoutes(ctx: Ctx): void {
  const { peerings } = ctx.registry;
  // An Active connection's live BGP sessions, when the service runs BGP.
  const withBgp = <C extends { name: string; state: string }>(peering: string, c: C): C =>
    ctx.live && c.state === 'Active' ? { ...c, bgp: ctx.live.sessions(peering, c.name) } : c;
  const base = '/v1/partners/:partner/peerings';
  route(ctx, {
    method: 'GET',
    url: base,
    tag: 'peerings',
    summary: "List the partner's peerings",
    access: PARTNER_SCOPE,
    params: PartnerParams,
    querystring: S.PageQuery,
    response: { 200: S.PageOf(S.Peering) },
    handler: async (req) => peerings.list(req.params.partner, req.query),
  });
  route(ctx, {
    method: 'GET',
    url: `${base}/:peering`,
    tag: 'peerings',
    summary: 'Get a peering with its connections',
    access: PARTNER_SCOPE,
    params: PeeringParams,
    response: { 200: S.Peering },
    handler: async (req) => {
      const p = await peerings.get(req.params.partner, req.params.peering);
      return { ...p, connections: p.connections.map((c) => withBgp(peeringId(req.params), c)) };
    },
  });
  route(ctx, {
    method: 'GET',
    url: `${base}/:peering/received-routes`,
    tag: 'peerings',
    access: PARTNER_SCOPE,
    summary: "Routes the peering's sessions received: accepted, or rejected with the import policy's reason",
    description: "Pre-policy (Adj-RIB-In) view of every Active connection's session. Empty when the service runs without BGP (serve --no-bgp).",
    params: PeeringParams,
    querystring: S.ReceivedRoutesQuery,
    response: { 200: S.PageOf(S.ReceivedRoute) },
    handler: async (req) => {
      await peerings.get(req.params.partner, req.params.peering);
      const q = req.query as {
        limit?: number;
        cursor?: string;
        connection?: string;
        prefix?: string;
        accepted?: boolean;
        asPath?: string;
        originAsValidationState?: string;
        rpkiValidationState?: string;
      };
      const why = q.prefix === undefined ? undefined : prefixProblem(q.prefix);
      if (why) throw invalid(`prefix ${q.prefix}: ${why}`, 'prefix');
      let routes =
        ctx.live?.received(
          peeringId(req.params),
          {
            ...(q.connection ? { connection: q.connection } : {}),
            ...(q.prefix ? { prefix: q.prefix } : {}),
          },
          audienceOf(req),
        ) ?? [];
      if (q.accepted !== undefined) routes = routes.filter((r) => r.accepted === q.accepted);
      if (q.asPath !== undefined) {
        const want = q.asPath.trim().split(/\s+/).join(' ');
        routes = routes.filter((r) => r.asPath === want);
      }
      if (q.originAsValidationState !== undefined) routes = routes.filter((r) => r.originAsValidationState === q.originAsValidationState);
      if (q.rpkiValidationState !== undefined) routes = routes.filter((r) => r.rpkiValidationState === q.rpkiValidationState);
      // Offset paging over a stable order (prefix, then connection).
      const from = q.cursor === undefined ? 0 : Number(decodeCursor(q.cursor));
      const limit = pageLimit(q);
      const items = routes.slice(from, from + limit);
      return { items, nextCursor: from + limit < routes.length ? encodeCursor(from + limit) : null };
    },
  });
  route(ctx, {
    method: 'PUT',
    url: `${base}/:peering`,
    tag: 'peerings',
    access: PARTNER_SCOPE,
    summary: 'Create a peering, or add and update its connections',
    description:
      'New connections start PendingApproval. Connections left out of the body are kept; delete them one by one. ' + 'type, pop and asn are fixed at creation.',
    params: PeeringParams,
    body: S.PeeringInput,
    response: { 200: S.Peering, 201: S.Peering },
    handler: async (req, reply) => sendUpserted(reply, await peerings.put(req.params.partner, req.params.peering, req.body, roleOf(req))),
  });
  route(ctx, {
    method: 'DELETE',
    url: `${base}/:peering`,
    tag: 'peerings',
    summary: 'Delete a peering (no connection may be provisioning or Active)',
    access: PARTNER_SCOPE,
    params: PeeringParams,
    response: { 204: null },
    handler: async (req, reply) => {
      await peerings.delete(req.params.partner, req.params.peering);
      return reply.status(204).send();
    },
  });
  route(ctx, {
    method: 'POST',
    url: `${base}/:peering/change-type`,
    tag: 'peerings',
    access: PARTNER_SCOPE,
    summary: 'Request a type change: every connection goes to TypeChangeRequested',
    params: PeeringParams,
    body: S.TypeChange,
    response: { 200: S.Peering },
    handler: async (req) => peerings.changeType(req.params.partner, req.params.peering, req.body.type),
  });

  route(ctx, {
    method: 'GET',
    url: `${base}/:peering/connections/:connection`,
    tag: 'peerings',
    summary: 'Get a connection',
    access: PARTNER_SCOPE,
    params: ConnectionParams,
    response: { 200: S.Connection },
    handler: async (req) => withBgp(peeringId(req.params), await peerings.getConnection(req.params.partner, req.params.peering, req.params.connection)),
  });
  route(ctx, {
    method: 'PUT',
    url: `${base}/:peering/connections/:connection`,
    tag: 'peerings',
    summary: 'Add or update one connection',
    access: PARTNER_SCOPE,
    params: ConnectionParams,
    body: S.ConnectionInput,
    response: { 200: S.Connection, 201: S.Connection },
    handler: async (req, reply) =>
      sendUpserted(reply, await peerings.putConnection(req.params.partner, req.params.peering, req.params.connection, req.body, roleOf(req))),
  });
  route(ctx, {
    method: 'DELETE',
    url: `${base}/:peering/connections/:connection`,
    tag: 'peerings',
    access: PARTNER_SCOPE,
    summary: 'Delete a connection (only PendingApproval, Approved, ProvisioningFailed or Decommissioned)',
    params: ConnectionParams,
    response: { 204: null },
    handler: async (req, reply) => {
      await peerings.deleteConnection(req.params.partner, req.params.peering, req.params.connection);
      return reply.status(204).send();
    },
  });
  route(ctx, {
    method: 'POST',
    url: `${base}/:peering/connections/:connection/state`,
    tag: 'peerings',
    access: OPERATOR_PARTNER_SEES,
    summary: 'Move a connection along its lifecycle (operator)',
    description:
      'PendingApproval -> Approved -> ProvisioningStarted -> ProvisioningCompleted -> Validating -> Active; ' +
      'any provisioning step -> ProvisioningFailed (with message) -> ProvisioningStarted; Active -> Decommissioning -> Decommissioned; ' +
      'TypeChangeRequested -> TypeChangeInProgress -> Active.',
    params: ConnectionParams,
    body: S.ConnectionTransition,
    response: { 200: S.Connection },
    handler: async (req) =>
      (await peerings.transition(req.params.partner, req.params.peering, req.params.connection, req.body.state, req.body.message)).resource,
  });
}
