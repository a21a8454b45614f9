// Registered prefixes and registered ASNs on a partner's peering, each with its prefix key.
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { forbidden } from '../../registry/errors.js';
import type { RegisteredPrefixView } from '../../registry/registrations.js';
import { registeredPrefixId } from '../../registry/resource-ids.js';
import { audienceOf, type Ctx, PARTNER_SCOPE, roleOf, route, sendUpserted } from '../route.js';
import * as S from '../schemas.js';

const PeeringParams = Type.Object({ partner: S.Name, peering: S.Name });
const ItemParams = Type.Object({ partner: S.Name, peering: S.Name, name: S.Name });

export function registrationRoutes(ctx: Ctx): void {
  const { registrations } = ctx.registry;
  const base = '/v1/partners/:partner/peerings/:peering';
  const noKeyFromPartner = (role: string, key: unknown) => {
    if (role !== 'operator' && key !== undefined) throw forbidden('keys are generated; only the operator may import an existing key', 'key');
  };
  // Whether a registration overrode the overlap rule is the operator's business: a partner could
  // otherwise learn that someone else holds space near its own.
  const shown = <T extends RegisteredPrefixView>(req: FastifyRequest, p: T): T | Omit<T, 'overlapOverride'> => {
    if (roleOf(req) === 'operator') return p;
    const { overlapOverride: _hidden, ...rest } = p;
    return rest;
  };

  route(ctx, {
    method: 'GET',
    url: `${base}/registered-prefixes`,
    tag: 'registrations',
    summary: 'List registered prefixes',
    access: PARTNER_SCOPE,
    params: PeeringParams,
    querystring: S.PageQuery,
    response: { 200: S.PageOf(S.RegisteredPrefix) },
    handler: async (req) => {
      const page = await registrations.listPrefixes(req.params.partner, req.params.peering, req.query);
      return { ...page, items: page.items.map((p) => shown(req, p)) };
    },
  });
  route(ctx, {
    method: 'GET',
    url: `${base}/registered-prefixes/:name`,
    tag: 'registrations',
    access: PARTNER_SCOPE,
    summary: 'Get a registered prefix, its key and validation state (?expand=events adds its events)',
    params: ItemParams,
    querystring: S.ExpandQuery,
    response: { 200: S.RegisteredPrefix },
    handler: async (req) => {
      const p = shown(req, await registrations.getPrefix(req.params.partner, req.params.peering, req.params.name));
      if (req.query.expand !== 'events') return p;
      const subject = registeredPrefixId(req.params);
      return { ...p, events: (await ctx.registry.events.listForSubject('registered-prefix', subject, { limit: 1000 }, audienceOf(req))).items };
    },
  });
  route(ctx, {
    method: 'PUT',
    url: `${base}/registered-prefixes/:name`,
    tag: 'registrations',
    access: PARTNER_SCOPE,
    summary: 'Register a customer prefix on the peering; the response carries the prefix key for the customer',
    description:
      'A prefix is registered once (409). It may not overlap (cover or lie inside) a prefix another partner has ' +
      "registered (409, naming no one) unless the operator sends allowOverlap; a partner's own registrations may overlap.",
    params: ItemParams,
    body: S.RegisteredPrefixInput,
    response: { 200: S.RegisteredPrefix, 201: S.RegisteredPrefix },
    handler: async (req, reply) => {
      noKeyFromPartner(roleOf(req), req.body.key);
      if (roleOf(req) !== 'operator' && req.body.allowOverlap !== undefined) {
        throw forbidden("allowOverlap is the operator's: only an operator key may register over another partner's prefix", 'allowOverlap');
      }
      const { partner, peering, name } = req.params;
      const r = await registrations.putPrefix(partner, peering, name, req.body, req.apiKey!.id);
      if (r.overlapped) {
        // The audit trail: who overrode the rule, for what, over whose registration.
        req.log.info(
          {
            partner,
            peering,
            name,
            prefix: r.resource.prefix,
            overlapOverrideBy: req.apiKey!.id,
            overlaps: `${r.overlapped.partner}/${r.overlapped.peering}/${r.overlapped.name} ${r.overlapped.prefix}`,
          },
          "registered prefix overlaps another partner's registration: operator override",
        );
      }
      return sendUpserted(reply, { ...r, resource: shown(req, r.resource) });
    },
  });
  route(ctx, {
    method: 'POST',
    url: `${base}/registered-prefixes/:name/validate`,
    tag: 'registrations',
    access: PARTNER_SCOPE,
    summary: 'Validate the registered prefix again (reference: RegisteredPrefixes_Validate)',
    description:
      'The prefix turns Pending and its verified origin AS is forgotten; the live routes then decide its state ' +
      'within a second, and the origin they carry becomes the verified one. Use it after moving a prefix to a new origin AS.',
    params: ItemParams,
    response: { 200: S.RegisteredPrefix },
    handler: async (req) => shown(req, await registrations.validatePrefix(req.params.partner, req.params.peering, req.params.name)),
  });
  route(ctx, {
    method: 'DELETE',
    url: `${base}/registered-prefixes/:name`,
    tag: 'registrations',
    summary: 'Delete a registered prefix',
    access: PARTNER_SCOPE,
    params: ItemParams,
    response: { 204: null },
    handler: async (req, reply) => {
      await registrations.deletePrefix(req.params.partner, req.params.peering, req.params.name);
      return reply.status(204).send();
    },
  });

  route(ctx, {
    method: 'GET',
    url: `${base}/registered-asns`,
    tag: 'registrations',
    summary: 'List registered customer ASNs',
    access: PARTNER_SCOPE,
    params: PeeringParams,
    querystring: S.PageQuery,
    response: { 200: S.PageOf(S.RegisteredAsn) },
    handler: async (req) => registrations.listAsns(req.params.partner, req.params.peering, req.query),
  });
  route(ctx, {
    method: 'GET',
    url: `${base}/registered-asns/:name`,
    tag: 'registrations',
    summary: 'Get a registered ASN and its key',
    access: PARTNER_SCOPE,
    params: ItemParams,
    response: { 200: S.RegisteredAsn },
    handler: async (req) => registrations.getAsn(req.params.partner, req.params.peering, req.params.name),
  });
  route(ctx, {
    method: 'PUT',
    url: `${base}/registered-asns/:name`,
    tag: 'registrations',
    access: PARTNER_SCOPE,
    summary: 'Register a customer ASN on an exchange-route-server peering; one key covers all its prefixes',
    params: ItemParams,
    body: S.RegisteredAsnInput,
    response: { 200: S.RegisteredAsn, 201: S.RegisteredAsn },
    handler: async (req, reply) => {
      noKeyFromPartner(roleOf(req), req.body.key);
      return sendUpserted(reply, await registrations.putAsn(req.params.partner, req.params.peering, req.params.name, req.body));
    },
  });
  route(ctx, {
    method: 'DELETE',
    url: `${base}/registered-asns/:name`,
    tag: 'registrations',
    summary: 'Delete a registered ASN',
    access: PARTNER_SCOPE,
    params: ItemParams,
    response: { 204: null },
    handler: async (req, reply) => {
      await registrations.deleteAsn(req.params.partner, req.params.peering, req.params.name);
      return reply.status(204).send();
    },
  });
}
