// One place that turns a route description into a Fastify route: schemas for validation and
// OpenAPI, the access check, the shared error responses.

import type { TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Audience, LiveRoutes } from '../edge/live-routes.js';
import type { Registry } from '../registry/registry.js';
import type { Role, Upserted } from '../registry/types.js';
import { type Access, authorize } from './auth.js';
import { ErrorBody } from './schemas.js';

export interface RouteSpec {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  url: string;
  summary: string;
  description?: string;
  tag: string;
  /** undefined: public (no key needed) */
  access?: Access;
  params?: TSchema;
  querystring?: TSchema;
  body?: TSchema;
  /** success responses by status code; 204 means no body */
  response: Record<number, TSchema | null>;
  handler: (req: AnyRequest, reply: FastifyReply) => Promise<unknown>;
}

export type { Audience, BgpSessionStatus, LiveRoutes, ReceivedRoute } from '../edge/live-routes.js';

export const audienceOf = (req: FastifyRequest): Audience => (req.apiKey?.role === 'operator' ? 'operator' : 'tenant');

export interface Ctx {
  app: FastifyInstance;
  registry: Registry;
  live?: LiveRoutes;
}

// Schemas validate requests at run time; handlers read the validated shapes.
export type AnyRequest = Omit<FastifyRequest, 'params' | 'query' | 'body'> & { params: any; query: any; body: any };

const ERROR_RESPONSES: Record<number, string> = {
  400: 'the request is malformed (the message names the field and the rule)',
  401: 'no API key, or an unknown one',
  403: "the key's role may not take this action",
  404: "no such resource in the key's scope",
  409: 'conflicts with existing data or state',
  422: 'well-formed but breaks a registry rule',
};

export function route({ app, registry }: Ctx, spec: RouteSpec): void {
  const response: Record<number, unknown> = {};
  for (const [code, schema] of Object.entries(spec.response)) {
    response[Number(code)] = schema ?? { type: 'null', description: 'no content' };
  }
  for (const [code, description] of Object.entries(ERROR_RESPONSES)) {
    if (!spec.access && (code === '401' || code === '403')) continue;
    response[Number(code)] = { ...ErrorBody, description };
  }
  app.route({
    method: spec.method,
    url: spec.url,
    schema: {
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      tags: [spec.tag],
      ...(spec.access ? {} : { security: [] }),
      ...(spec.params ? { params: spec.params } : {}),
      ...(spec.querystring ? { querystring: spec.querystring } : {}),
      ...(spec.body ? { body: spec.body } : {}),
      response,
    },
    ...(spec.access ? { onRequest: authorize(registry, spec.access) } : {}),
    handler: spec.handler,
  });
}

/** Header that tells what a PUT did: created, updated or unchanged (apply reports it). */
export const CHANGE_HEADER = 'openpeering-change';

/** Sends a create-or-update result: 201 when created, 200 otherwise. */
export function sendUpserted<T>(reply: FastifyReply, r: Upserted<T>): FastifyReply {
  reply.header(CHANGE_HEADER, r.created ? 'created' : r.changed ? 'updated' : 'unchanged');
  return reply.status(r.created ? 201 : 200).send(r.resource);
}

export const roleOf = (req: FastifyRequest): Role => req.apiKey!.role;

export const OPERATOR: Access = { allow: ['operator'] };
export const OPERATOR_PARTNER_SEES: Access = { allow: ['operator'], see: ['partner'] };
export const OPERATOR_CUSTOMER_SEES: Access = { allow: ['operator'], see: ['customer'] };
export const PARTNER_SCOPE: Access = { allow: ['operator', 'partner'] };
export const CUSTOMER_SCOPE: Access = { allow: ['operator', 'customer'] };
export const ANY_KEY: Access = { allow: ['operator', 'partner', 'customer'] };
