// Every error leaves the API as {"error":{"code","message","target"}} with a fitting status,
// including the ones Fastify and Node raise before a route runs (413, 415, 431, bad JSON).
import http from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance } from 'fastify';
import { type ErrorKind, RegistryError } from '../registry/errors.js';
import { HttpError } from './auth.js';

const STATUS: Record<ErrorKind, number> = { InvalidRequest: 400, NotFound: 404, Forbidden: 403, Conflict: 409, RuleViolation: 422 };

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
  data?: unknown;
}

const A_TYPE: Record<string, string> = {
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean',
  string: 'a string',
  object: 'an object',
  array: 'an array',
  null: 'null',
};
// Path parameters and query strings are text: the type rule says how the text must be written.
const A_TEXT_TYPE: Record<string, string> = {
  integer: 'an integer in plain decimal digits (e.g. 100)',
  number: 'a decimal number (e.g. 1.5)',
  boolean: 'true or false',
};
const FORMATS: Record<string, string> = {
  'date-time': 'an ISO 8601 date-time with a time zone (e.g. 2030-01-31T12:00:00Z)',
  email: 'an email address',
  uuid: 'a UUID',
};

/** "must be a string", "must be a string or null", "must be an integer, not null". */
function typeRule(e: AjvError, text: boolean): string {
  const types = [e.params.type as string | string[]].flat().flatMap((t) => String(t).split(','));
  const names = types.map((t) => (text ? A_TEXT_TYPE[t] : undefined) ?? A_TYPE[t] ?? t);
  const rule = `must be ${names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}` : names[0]}`;
  if (e.data === null) return `${rule}, not null`;
  return rule;
}

/** Turns Ajv's error into "field rule" with the field as target. */
function describeValidation(errors: AjvError[], context: string | undefined): { message: string; target: string } {
  // Prefer the most specific error: unions report one error per branch plus a summary.
  const e = errors.find((x) => x.keyword !== 'anyOf' && x.keyword !== 'const') ?? errors[0]!;
  let field = e.instancePath.replace(/^\//, '');
  if (e.keyword === 'required') field = [field, String(e.params.missingProperty)].filter(Boolean).join('/');
  if (e.keyword === 'additionalProperties') field = [field, String(e.params.additionalProperty)].filter(Boolean).join('/');
  const where = context && context !== 'body' ? `${context} ` : '';
  const shown = field || context || 'request';
  let rule = e.message ?? 'is invalid';
  if (e.keyword === 'required') rule = 'is required';
  else if (e.keyword === 'type') rule = typeRule(e, context === 'querystring' || context === 'params');
  else if (e.keyword === 'format' && FORMATS[String(e.params.format)]) rule = `must be ${FORMATS[String(e.params.format)]}`;
  else if (e.keyword === 'enum') rule = `must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  else if (e.keyword === 'additionalProperties') rule = 'is not a known field';
  else if (e.keyword === 'const' || e.keyword === 'anyOf') {
    const allowed = errors.filter((x) => x.keyword === 'const' && x.instancePath === e.instancePath).map((x) => JSON.stringify(x.params.allowedValue));
    rule = allowed.length ? `must be one of ${allowed.join(', ')}` : 'has the wrong type';
  }
  return { message: `${where}${shown} ${rule}`, target: shown };
}

/** Fastify's own request errors (before a route runs), by code: status, our code, our message. */
function fastifyError(fe: FastifyError, bodyLimit: number): { status: number; code: string; message: string } | undefined {
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, code: 'PayloadTooLarge', message: `the body is larger than ${bodyLimit} bytes` };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, code: 'UnsupportedMediaType', message: 'unsupported Content-Type: send application/json' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, code: 'InvalidRequest', message: 'the body is empty but the Content-Type is application/json: send a JSON value' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, code: 'InvalidRequest', message: 'the body length does not match the Content-Length header' };
    default:
      return undefined;
  }
}

export function installErrorHandling(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler((err: FastifyError | RegistryError | HttpError, req, reply) => {
    if (err instanceof RegistryError) {
      return reply.status(STATUS[err.kind]).send({ error: { code: err.kind, message: err.message, ...(err.target ? { target: err.target } : {}) } });
    }
    if (err instanceof HttpError) {
      if (err.retryAfter !== undefined) reply.header('retry-after', String(err.retryAfter));
      return reply.status(err.statusCode).send({ error: { code: err.code, message: err.message, ...(err.target ? { target: err.target } : {}) } });
    }
    const fe = err as FastifyError & { validation?: AjvError[]; validationContext?: string };
    if (fe.validation) {
      const { message, target } = describeValidation(fe.validation, fe.validationContext);
      return reply.status(400).send({ error: { code: 'InvalidRequest', message, target } });
    }
    const known = fastifyError(fe, bodyLimit);
    if (known) return reply.status(known.status).send({ error: { code: known.code, message: known.message } });
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      return reply.status(fe.statusCode).send({ error: { code: 'InvalidRequest', message: fe.message } });
    }
    req.log.error({ err }, 'request failed');
    return reply.status(500).send({ error: { code: 'InternalError', message: 'Internal server error' } });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send({ error: { code: 'NotFound', message: `no route ${req.method} ${req.url.split('?')[0]}` } });
  });
}

/** Headers every response carries, also the ones written before Fastify sees a request. */
export const ALWAYS_HEADERS: Record<string, string> = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' };

/**
 * Node's answer to a request it cannot parse (headers too large, malformed HTTP, timeout), in
 * the same envelope: Fastify's `clientErrorHandler`.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'HeadersTooLarge', 'the request headers are too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'InvalidRequest', 'the request took too long to arrive']
        : [400, 'InvalidRequest', 'the request is not valid HTTP'];
  const body = JSON.stringify({ error: { code, message } });
  const headers = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
    ...ALWAYS_HEADERS,
  };
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n${Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('')}\r\n${body}`,
    );
  }
  socket.destroy(err);
}
