// Partners and their peer ASNs; the partner's read-only view of customer prefixes using its keys.
import { Type } from '@sinclair/typebox';
import { audienceOf, type Ctx, OPERATOR_PARTNER_SEES, PARTNER_SCOPE, route, sendUpserted } from '../route.js';
import * as S from '../schemas.js';

const PartnerParams = Type.Object({ partner: S.Name });
const AsnParams = Type.Object({ partner: S.Name, asn: S.Asn });

export function partnerRoutes(ctx: Ctx): void {
  const { partners, customerPrefixes } = ctx.registry;
  route(ctx, {
    method: 'GET',
    url: '/v1/partners',
    tag: 'partners',
    summary: 'List partners (a partner key sees only its own)',
    access: PARTNER_SCOPE,
    querystring: S.PageQuery,
    response: { 200: S.PageOf(S.Partner) },
    handler: async (req) => partners.list(req.query, req.apiKey!.role === 'partner' ? req.apiKey!.partner! : undefined),
  });
  route(ctx, {
    method: 'GET',
    url: '/v1/partners/:partner',
    tag: 'partners',
    summary: 'Get a partner',
    access: PARTNER_SCOPE,
    params: PartnerParams,
    response: { 200: S.Partner },
    handler: async (req) => partners.get(req.params.partner),
  });
  route(ctx, {
    method: 'GET',
    url: '/v1/partners/:partner/events',
    tag: 'partners',
    access: PARTNER_SCOPE,
    summary: "The events of the partner's registered prefixes and of its customers' prefixes, oldest first",
    description: S.EVENT_LIST_DESCRIPTION,
    params: PartnerParams,
    querystring: S.PageQuery,
    response: { 200: S.PageOf(S.PrefixEvent) },
    handler: async (req) => {
      await partners.get(req.params.partner);
      return ctx.registry.events.listForPartner(req.params.partner, req.query, audienceOf(req));
    },
  });
  route(ctx, {
    method: 'PUT',
    url: '/v1/partners/:partner',
    tag: 'partners',
    summary: 'Create or update a partner',
    access: OPERATOR_PARTNER_SEES,
    params: PartnerParams,
    body: S.PartnerInput,
    response: { 200: S.Partner, 201: S.Partner },
    handler: async (req, reply) => sendUpserted(reply, await partners.put(req.params.partner, req.body)),
  });
  route(ctx, {
    method: 'DELETE',
    url: '/v1/partners/:partner',
    tag: 'partners',
    summary: 'Delete a partner (it must have no peerings)',
    access: OPERATOR_PARTNER_SEES,
    params: PartnerParams,
    response: { 204: null },
    handler: async (req, reply) => {
      await partners.delete(req.params.partner);
      return reply.status(204).send();
    },
  });

  route(ctx, {
    method: 'GET',
    url: '/v1/partners/:partner/asns',
    tag: 'partners',
    summary: "List the partner's peer ASNs",
    access: PARTNER_SCOPE,
    params: PartnerParams,
    querystring: S.PageQuery,
    response: { 200: S.PageOf(S.PeerAsn) },
    handler: async (req) => partners.listAsns(req.params.partner, req.query),
  });
  route(ctx, {
    method: 'GET',
    url: '/v1/partners/:partner/asns/:asn',
    tag: 'partners',
    summary: 'Get a peer ASN',
    access: PARTNER_SCOPE,
    params: AsnParams,
    response: { 200: S.PeerAsn },
    handler: async (req) => partners.getAsn(req.params.partner, req.params.asn),
  });
  route(ctx, {
    method: 'PUT',
    url: '/v1/partners/:partner/asns/:asn',
    tag: 'partners',
    summary: 'Register or update a peer ASN (starts pending; the operator approves it)',
    access: PARTNER_SCOPE,
    params: AsnParams,
    body: S.PeerAsnInput,
    response: { 200: S.PeerAsn, 201: S.PeerAsn },
    handler: async (req, reply) => sendUpserted(reply, await partners.putAsn(req.params.partner, req.params.asn, req.body)),
  });
  route(ctx, {
    method: 'POST',
    url: '/v1/partners/:partner/asns/:asn/approval',
    tag: 'partners',
    summary: 'Approve a peer ASN, or fail it with a message (operator)',
    access: OPERATOR_PARTNER_SEES,
    params: AsnParams,
    body: S.AsnApproval,
    response: { 200: S.PeerAsn },
    handler: async (req) => (await partners.setAsnState(req.params.partner, req.params.asn, req.body.state, req.body.message)).resource,
  });
  route(ctx, {
    method: 'DELETE',
    url: '/v1/partners/:partner/asns/:asn',
    tag: 'partners',
    summary: 'Delete a peer ASN (no peering may use it)',
    access: PARTNER_SCOPE,
    params: AsnParams,
    response: { 204: null },
    handler: async (req, reply) => {
      await partners.deleteAsn(req.params.partner, req.params.asn);
      return reply.status(204).send();
    },
  });

  route(ctx, {
    method: 'GET',
    url: '/v1/partners/:partner/customer-prefixes',
    tag: 'partners',
    summary: "Customer prefixes that use the partner's keys (read-only)",
    access: PARTNER_SCOPE,
    params: PartnerParams,
    querystring: S.PageQuery,
    response: { 200: S.PageOf(S.PartnerCustomerPrefix) },
    handler: async (req) => customerPrefixes.listForPartner(req.params.partner, req.query),
  });
}
