// Customers, their peering services and their prefixes.
import { Type } from '@sinclair/typebox';
import { customerPrefixId } from '../../registry/resource-ids.js';
import { audienceOf, type Ctx, CUSTOMER_SCOPE, OPERATOR_CUSTOMER_SEES, route, sendUpserted } from '../route.js';
import * as S from '../schemas.js';

const CustomerParams = Type.Object({ customer: S.Name });
const ServiceParams = Type.Object({ customer: S.Name, service: S.Name });
const PrefixParams = Type.Object({ customer: S.Name, service: S.Name, name: S.Name });

export function customerRoutes(ctx: Ctx): void {
  const { customers, customerPrefixes } = ctx.registry;
  route(ctx, {
    method: 'GET',
    url: '/v1/customers',
    tag: 'customers',
    summary: 'List customers (a customer key sees only its own)',
    access: CUSTOMER_SCOPE,
    querystring: S.PageQuery,
    response: { 200: S.PageOf(S.Customer) },
    handler: async (req) => customers.list(req.query, req.apiKey!.role === 'customer' ? req.apiKey!.customer! : undefined),
  });
  route(ctx, {
    method: 'GET',
    url: '/v1/customers/:customer',
    tag: 'customers',
    summary: 'Get a customer',
    access: CUSTOMER_SCOPE,
    params: CustomerParams,
    response: { 200: S.Customer },
    handler: async (req) => customers.get(req.params.customer),
  });
  route(ctx, {
    method: 'PUT',
    url: '/v1/customers/:customer',
    tag: 'customers',
    summary: 'Create or update a customer',
    access: OPERATOR_CUSTOMER_SEES,
    params: CustomerParams,
    body: S.CustomerInput,
    response: { 200: S.Customer, 201: S.Customer },
    handler: async (req, reply) => sendUpserted(reply, await customers.put(req.params.customer, req.body)),
  });
  route(ctx, {
    method: 'DELETE',
    url: '/v1/customers/:customer',
    tag: 'customers',
    summary: 'Delete a customer (it must have no peering services)',
    access: OPERATOR_CUSTOMER_SEES,
    params: CustomerParams,
    response: { 204: null },
    handler: async (req, reply) => {
      await customers.delete(req.params.customer);
      return reply.status(204).send();
    },
  });

  const svc = '/v1/customers/:customer/peering-services';
  route(ctx, {
    method: 'GET',
    url: svc,
    tag: 'customers',
    summary: "List the customer's peering services",
    access: CUSTOMER_SCOPE,
    params: CustomerParams,
    querystring: S.PageQuery,
    response: { 200: S.PageOf(S.PeeringService) },
    handler: async (req) => customers.listServices(req.params.customer, req.query),
  });
  route(ctx, {
    method: 'GET',
    url: `${svc}/:service`,
    tag: 'customers',
    summary: 'Get a peering service',
    access: CUSTOMER_SCOPE,
    params: ServiceParams,
    response: { 200: S.PeeringService },
    handler: async (req) => customers.getService(req.params.customer, req.params.service),
  });
  route(ctx, {
    method: 'PUT',
    url: `${svc}/:service`,
    tag: 'customers',
    access: CUSTOMER_SCOPE,
    summary: 'Create or update a peering service: provider, location, primary and optional backup PoP',
    params: ServiceParams,
    body: S.PeeringServiceInput,
    response: { 200: S.PeeringService, 201: S.PeeringService },
    handler: async (req, reply) => sendUpserted(reply, await customers.putService(req.params.customer, req.params.service, req.body)),
  });
  route(ctx, {
    method: 'DELETE',
    url: `${svc}/:service`,
    tag: 'customers',
    summary: 'Delete a peering service and its prefixes',
    access: CUSTOMER_SCOPE,
    params: ServiceParams,
    response: { 204: null },
    handler: async (req, reply) => {
      await customers.deleteService(req.params.customer, req.params.service);
      return reply.status(204).send();
    },
  });

  route(ctx, {
    method: 'GET',
    url: `${svc}/:service/prefixes`,
    tag: 'customers',
    summary: "List the peering service's prefixes",
    access: CUSTOMER_SCOPE,
    params: ServiceParams,
    querystring: S.PageQuery,
    response: { 200: S.PageOf(S.CustomerPrefix) },
    handler: async (req) => customerPrefixes.list(req.params.customer, req.params.service, req.query),
  });
  route(ctx, {
    method: 'GET',
    url: `${svc}/:service/prefixes/:name`,
    tag: 'customers',
    access: CUSTOMER_SCOPE,
    summary: 'Get a prefix with its validation state (?expand=events adds its events)',
    params: PrefixParams,
    querystring: S.ExpandQuery,
    response: { 200: S.CustomerPrefix },
    handler: async (req) => {
      const p = await customerPrefixes.get(req.params.customer, req.params.service, req.params.name);
      if (req.query.expand !== 'events') return p;
      const subject = customerPrefixId(req.params);
      return { ...p, events: (await ctx.registry.events.listForSubject('customer-prefix', subject, { limit: 1000 }, audienceOf(req))).items };
    },
  });
  route(ctx, {
    method: 'GET',
    url: '/v1/customers/:customer/events',
    tag: 'customers',
    summary: "The events of all the customer's prefixes, oldest first",
    access: CUSTOMER_SCOPE,
    description: S.EVENT_LIST_DESCRIPTION,
    params: CustomerParams,
    querystring: S.PageQuery,
    response: { 200: S.PageOf(S.PrefixEvent) },
    handler: async (req) => {
      await customers.get(req.params.customer);
      return ctx.registry.events.listForCustomer(req.params.customer, req.query, audienceOf(req));
    },
  });
  route(ctx, {
    method: 'PUT',
    url: `${svc}/:service/prefixes/:name`,
    tag: 'customers',
    access: CUSTOMER_SCOPE,
    summary: 'Add a prefix with the key the provider issued (immutable: delete and re-create to change)',
    params: PrefixParams,
    body: S.CustomerPrefixInput,
    response: { 200: S.CustomerPrefix, 201: S.CustomerPrefix },
    handler: async (req, reply) => sendUpserted(reply, await customerPrefixes.put(req.params.customer, req.params.service, req.params.name, req.body)),
  });
  route(ctx, {
    method: 'POST',
    url: `${svc}/:service/prefixes/:name/validate`,
    tag: 'customers',
    access: CUSTOMER_SCOPE,
    summary: 'Validate the prefix again: its key is checked anew and it turns Pending until the live routes decide',
    params: PrefixParams,
    response: { 200: S.CustomerPrefix },
    handler: async (req) => customerPrefixes.validate(req.params.customer, req.params.service, req.params.name),
  });
  route(ctx, {
    method: 'DELETE',
    url: `${svc}/:service/prefixes/:name`,
    tag: 'customers',
    summary: 'Delete a prefix',
    access: CUSTOMER_SCOPE,
    params: PrefixParams,
    response: { 204: null },
    handler: async (req, reply) => {
      await customerPrefixes.delete(req.params.customer, req.params.service, req.params.name);
      return reply.status(204).send();
    },
  });
}
