// Live prefix event streams (server-sent events) of a partner and of a customer: the same events,
// scope and access as their event lists, replayed after an id and then followed as they are stored.
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { type AnyRequest, type Ctx, route, PARTNER_SCOPE, CUSTOMER_SCOPE } from '../route.js';
import { EventStreams, HEARTBEAT_MS } from '../event-stream.js';
import type { EventScope, StoredPrefixEvent } from '../../registry/prefix-events.js';
import { invalid } from '../../registry/errors.js';
import * as S from '../schemas.js';

export interface EventRouteOptions {
  /** milliseconds between keep-alive comments (HEARTBEAT_MS) */
  heartbeatMs?: number;
}

const StreamQuery = Type.Object({
  after: Type.Optional(Type.Integer({
    minimum: 0, maximum: Number.MAX_SAFE_INTEGER,
    description: 'first replay the stored events with a larger id (0: all of them); without it (and without a Last-Event-ID header) the stream starts with the next event stored',
  })),
  limit: Type.Optional(Type.Integer({ minimum: 1, description: 'end the stream after this many events, replayed and live together' })),
  follow: Type.Optional(Type.Boolean({ default: true, description: 'false: send the replay only, then end (for scripts)' })),
}, { additionalProperties: false });

const STREAM_DESCRIPTION = [
  'A text/event-stream of the same events, in the same JSON, as the events list: each event as "id: <event id>", "event: <event type>",',
  '"data: <event JSON>". It first replays the stored events after the Last-Event-ID request header, or else after ?after=<id>',
  '(so a client that reconnects with Last-Event-ID, as EventSource does, misses nothing), then sends each event as it is stored.',
  'The key goes in the Authorization header as for every route. A ": keep-alive" comment comes every',
  `${HEARTBEAT_MS / 1000} s. ?limit=N ends the stream after N events; ?follow=false ends it after the replay`,
  '(e.g. curl -N ".../events/stream?after=0&follow=false" prints every stored event and returns).',
].join(' ');

const SseResponse = Type.Unsafe<string>({
  description: 'the event stream (text/event-stream), open until the client disconnects, unless limit or follow=false end it',
  content: {
    'text/event-stream': {
      schema: { type: 'string', description: 'server-sent events: "id:", "event:" and "data:" (the event JSON) per event; ": keep-alive" comments' },
    },
  },
});

/** The Last-Event-ID header (it wins over ?after: it is where a reconnecting client really is). */
function resumeAfter(req: AnyRequest): number | undefined {
  const header = req.headers['last-event-id'];
  const v = Array.isArray(header) ? header[header.length - 1] : header;
  if (v === undefined || v.trim() === '') return req.query.after as number | undefined;
  const t = v.trim();
  if (!/^\d{1,15}$/.test(t)) throw invalid('the Last-Event-ID header must be an event id (a non-negative integer)', 'Last-Event-ID');
  return Number(t);
}

export function eventRoutes(ctx: Ctx, opts: EventRouteOptions = {}): void {
  const { app, registry } = ctx;
  const streams = new EventStreams();
  const heartbeatMs = opts.heartbeatMs ?? HEARTBEAT_MS;
  // Open streams would hold the server's close() until their clients leave: end them first.
  app.addHook('preClose', async () => { streams.closeAll(); });

  const open = async (req: AnyRequest, reply: FastifyReply, scope: EventScope): Promise<void> => {
    // HEAD: the headers only.
    const head = req.method === 'HEAD';
    const after = head ? undefined : resumeAfter(req);
    // Fastify's serializer for the list's event schema: the same JSON, field for field.
    const toJson = reply.compileSerializationSchema(S.PrefixEvent);
    const serialize = (e: StoredPrefixEvent): string => toJson(e as unknown as Record<string, unknown>);
    reply.hijack();
    await streams.stream(reply.raw, registry.events, {
      scope, after, limit: req.query.limit, follow: !head && req.query.follow !== false, heartbeatMs, serialize,
      onError: (err) => req.log.error({ err }, 'event stream failed'),
    });
  };

  route(ctx, {
    method: 'GET', url: '/v1/partners/:partner/events/stream', tag: 'partners', access: PARTNER_SCOPE,
    summary: 'Live stream (server-sent events) of the partner\'s events: replay after an id, then each new one',
    description: STREAM_DESCRIPTION,
    params: Type.Object({ partner: S.Name }), querystring: StreamQuery, response: { 200: SseResponse },
    handler: async (req, reply) => {
      await registry.partners.get(req.params.partner);
      await open(req, reply, { partner: req.params.partner });
      return reply;
    },
  });
  route(ctx, {
    method: 'GET', url: '/v1/customers/:customer/events/stream', tag: 'customers', access: CUSTOMER_SCOPE,
    summary: 'Live stream (server-sent events) of the customer\'s events: replay after an id, then each new one',
    description: STREAM_DESCRIPTION,
    params: Type.Object({ customer: S.Name }), querystring: StreamQuery, response: { 200: SseResponse },
    handler: async (req, reply) => {
      await registry.customers.get(req.params.customer);
      await open(req, reply, { customer: req.params.customer });
      return reply;
    },
  });
}
