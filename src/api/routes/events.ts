// Live prefix event streams (server-sent events) of a partner and of a customer: the same events,
// scope and access as their event lists, replayed after an id and then followed as they are stored.
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { eventView } from '../../registry/event-view.js';
import type { EventScope, StoredPrefixEvent } from '../../registry/prefix-events.js';
import { CONTINUE_EVENT, DEFAULT_STREAM_LIMITS, EventStreams, HEARTBEAT_MS, STREAM_RETRY_AFTER_S, type StreamLimits } from '../event-stream.js';
import { type AnyRequest, audienceOf, type Ctx, CUSTOMER_SCOPE, PARTNER_SCOPE, route } from '../route.js';
import * as S from '../schemas.js';

export interface EventRouteOptions {
  /** milliseconds between keep-alive comments (HEARTBEAT_MS) */
  heartbeatMs?: number;
  /** stream caps and the replay bound (DEFAULT_STREAM_LIMITS) */
  limits?: Partial<StreamLimits>;
}

const StreamQuery = Type.Object(
  {
    after: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description:
          'first replay the stored events after this event id (0: all of them); without it (and without a Last-Event-ID header) the stream starts with the next event stored',
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, description: 'end the stream after this many events, replayed and live together' })),
    follow: Type.Optional(Type.Boolean({ default: true, description: 'false: send the replay only, then end (for scripts)' })),
  },
  { additionalProperties: false },
);

const streamDescription = (limits: StreamLimits): string =>
  [
    'A text/event-stream of the same events, in the same JSON, as the events list: each event as "id: <event id>", "event: <event type>",',
    '"data: <event JSON>". It first replays the stored events after the Last-Event-ID request header, or else after ?after=<id>',
    '(?after=0: from the first stored event), so a client that reconnects with Last-Event-ID, as EventSource does, misses nothing;',
    'then it sends each event as it is stored. A replay sends at most',
    `${limits.replayMax} events per request: when more are stored it ends with an event "${CONTINUE_EVENT}" whose data is`,
    '{"after":"<id>"} (the last event sent) and closes the stream; EventSource reconnects by itself with that Last-Event-ID and',
    'gets the next part, a script repeats the request with ?after=<id>. The key goes in the Authorization header as for every route;',
    `a key may have ${limits.perKey} streams open at a time (the server ${limits.total} in all): one more gets 429 with Retry-After.`,
    'A stream ends when its key is revoked. A ": keep-alive" comment comes every',
    `${HEARTBEAT_MS / 1000} s. ?limit=N ends the stream after N events; ?follow=false ends it after the replay`,
    '(e.g. curl -N ".../events/stream?after=0&follow=false" prints the stored events and returns).',
  ].join(' ');

const SseResponse = Type.Unsafe<string>({
  description: 'the event stream (text/event-stream), open until the client disconnects, unless limit, follow=false or the replay bound end it',
  content: {
    'text/event-stream': {
      schema: {
        type: 'string',
        description: `server-sent events: "id:", "event:" and "data:" (the event JSON) per event; ": keep-alive" comments; a final "${CONTINUE_EVENT}" event when a replay stops at its bound`,
      },
    },
  },
});

const TooMany = {
  ...S.ErrorBody,
  description: 'too many event streams open for this key (or on the server): the message says which; retry after Retry-After seconds',
};

/** Where to replay from: the Last-Event-ID header (it wins over ?after: it is where a reconnecting client really is), else ?after. */
function resumeFrom(req: AnyRequest): { id: string; field: string } | undefined {
  const header = req.headers['last-event-id'];
  const v = Array.isArray(header) ? header[header.length - 1] : header;
  if (v !== undefined && v.trim() !== '') return { id: v.trim(), field: 'Last-Event-ID' };
  const after = req.query.after as string | undefined;
  return after === undefined ? undefined : { id: after, field: 'after' };
}

export function eventRoutes(ctx: Ctx, opts: EventRouteOptions = {}): void {
  const { app, registry } = ctx;
  const limits: StreamLimits = { ...DEFAULT_STREAM_LIMITS, ...opts.limits };
  const streams = new EventStreams(limits);
  const heartbeatMs = opts.heartbeatMs ?? HEARTBEAT_MS;
  const description = streamDescription(limits);
  // Open streams would hold the server's close() until their clients leave: end them first.
  app.addHook('preClose', async () => {
    streams.closeAll();
  });
  const offRevoke = registry.apiKeys.onRevoke((id) => streams.revoke(id));
  app.addHook('onClose', async () => {
    offRevoke();
  });

  const open = async (req: AnyRequest, reply: FastifyReply, scope: EventScope): Promise<FastifyReply> => {
    // HEAD: the headers only.
    const head = req.method === 'HEAD';
    const from = head ? undefined : resumeFrom(req);
    const after = from === undefined ? undefined : await registry.events.position(from.id, from.field);
    const keyId = req.apiKey!.id;
    const refused = streams.refusal(keyId);
    if (refused) {
      return reply
        .status(429)
        .header('retry-after', String(STREAM_RETRY_AFTER_S))
        .send({ error: { code: 'TooManyRequests', message: refused, target: 'Authorization' } });
    }
    // Fastify's serializer for the list's event schema: the same JSON, field for field, in the
    // reader's view (the one function every event path renders with).
    const toJson = reply.compileSerializationSchema(S.PrefixEvent);
    const audience = audienceOf(req);
    const serialize = (e: StoredPrefixEvent): string => toJson(eventView(e, audience) as unknown as Record<string, unknown>);
    reply.hijack();
    // No await between refusal() and here: the stream counts from this call on.
    await streams.stream(reply.raw, registry.events, {
      scope,
      keyId,
      after,
      limit: req.query.limit,
      follow: !head && req.query.follow !== false,
      heartbeatMs,
      serialize,
      onError: (err) => req.log.error({ err }, 'event stream failed'),
    });
    return reply;
  };

  route(ctx, {
    method: 'GET',
    url: '/v1/partners/:partner/events/stream',
    tag: 'partners',
    access: PARTNER_SCOPE,
    summary: "Live stream (server-sent events) of the partner's events: replay after an id, then each new one",
    description,
    params: Type.Object({ partner: S.Name }),
    querystring: StreamQuery,
    response: { 200: SseResponse, 429: TooMany },
    handler: async (req, reply) => {
      await registry.partners.get(req.params.partner);
      return open(req, reply, { partner: req.params.partner });
    },
  });
  route(ctx, {
    method: 'GET',
    url: '/v1/customers/:customer/events/stream',
    tag: 'customers',
    access: CUSTOMER_SCOPE,
    summary: "Live stream (server-sent events) of the customer's events: replay after an id, then each new one",
    description,
    params: Type.Object({ customer: S.Name }),
    querystring: StreamQuery,
    response: { 200: SseResponse, 429: TooMany },
    handler: async (req, reply) => {
      await registry.customers.get(req.params.customer);
      return open(req, reply, { customer: req.params.customer });
    },
  });
}
