// What an operator's security review asks of every request and response: headers that keep
// responses out of caches and MIME sniffing, keys only in the Authorization header (a key in a
// URL lands in proxy and shell histories), and an access log that says who did what without
// ever holding a key.
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { HttpError } from './auth.js';
import { ALWAYS_HEADERS } from './errors.js';

/** Query parameter names that carry credentials by convention. */
const KEY_PARAMS = new Set(['key', 'api_key', 'apikey', 'api-key', 'token', 'access_token', 'auth', 'authorization']);
/** Anything that may be an openpeering API key, for redaction (broad: redacting too much is harmless). */
const SECRET = /opk_[A-Za-z0-9_-]*/g;
/** An openpeering API key as the service makes them, for refusal (narrow: an opaque cursor may contain "opk_"). */
const KEY_TEXT = /opk_(?:operator|partner|customer)_[0-9a-f]{12}_/;
const REDACTED = '[redacted]';

/** The URL with any key-like query value and anything that looks like a key replaced: safe to log. */
export function loggableUrl(url: string): string {
  const q = url.indexOf('?');
  const path = (q === -1 ? url : url.slice(0, q)).replace(SECRET, REDACTED);
  if (q === -1) return path;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq === -1 ? pair : pair.slice(0, eq);
      if (eq !== -1 && KEY_PARAMS.has(safeDecode(name).toLowerCase())) return `${name}=${REDACTED}`;
      return pair.replace(SECRET, REDACTED);
    })
    .join('&');
  return `${path}?${query}`;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** The query parameter that carries a key, if any. */
function keyInQuery(url: string): string | undefined {
  const q = url.indexOf('?');
  if (q === -1) return undefined;
  for (const pair of url.slice(q + 1).split('&')) {
    const eq = pair.indexOf('=');
    const name = safeDecode(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : safeDecode(pair.slice(eq + 1));
    if (KEY_PARAMS.has(name.toLowerCase()) || KEY_TEXT.test(name) || KEY_TEXT.test(value)) return name;
  }
  return undefined;
}

/**
 * Logger settings for the server: whatever the caller chose (level, stream), plus redaction of
 * credentials wherever an object that holds them is logged, and a request serializer that logs
 * the URL without secrets.
 */
export function loggerOptions(logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (!logger) return false;
  const base = typeof logger === 'object' ? logger : {};
  return {
    ...base,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'headers.authorization',
        'headers.cookie',
        'authorization',
        'secret',
        '*.secret',
        'md5Key',
        '*.md5Key',
        '*.*.md5Key',
      ],
      censor: REDACTED,
    },
    serializers: {
      ...(base as { serializers?: Record<string, (v: any) => unknown> }).serializers,
      req: (req: { method?: string; url?: string; ip?: string }) => ({ method: req.method, url: loggableUrl(req.url ?? ''), remoteAddress: req.ip }),
    },
  };
}

export function installHygiene(app: FastifyInstance): void {
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    // On the raw response, so that every answer carries them: errors, 404s and hijacked streams.
    for (const [k, v] of Object.entries(ALWAYS_HEADERS)) reply.raw.setHeader(k, v);
    const param = keyInQuery(req.url);
    if (param !== undefined) {
      throw new HttpError(
        400,
        'InvalidRequest',
        `an API key in the URL (query parameter ${JSON.stringify(param)}) is refused: URLs end up in logs; send the key in the Authorization header ("Authorization: Bearer <key>")`,
        param,
      );
    }
  });
  // One line per request: who (key id, role, tenant) did what, and how it ended. Never a key.
  app.addHook('onResponse', async (req: FastifyRequest, reply: FastifyReply) => {
    const k = req.apiKey;
    req.log.info(
      {
        method: req.method,
        url: loggableUrl(req.url),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        ip: req.ip,
        keyId: k?.id ?? null,
        role: k?.role ?? null,
        tenant: k ? (k.partner ?? k.customer ?? null) : null,
      },
      'request',
    );
  });
}
