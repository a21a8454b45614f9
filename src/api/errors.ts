// Every error leaves the API as {"error":{"code","message","target"}} with a fitting status.
import type { FastifyError, FastifyInstance } from 'fastify';
import { RegistryError, type ErrorKind } from '../registry/errors.js';
import { HttpError } from './auth.js';

const STATUS: Record<ErrorKind, number> = { InvalidRequest: 400, NotFound: 404, Forbidden: 403, Conflict: 409, RuleViolation: 422 };

interface AjvError { instancePath: string; keyword: string; message?: string; params: Record<string, unknown> }

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
  else if (e.keyword === 'enum') rule = `must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  else if (e.keyword === 'additionalProperties') rule = 'is not a known field';
  else if (e.keyword === 'const' || e.keyword === 'anyOf') {
    const allowed = errors.filter((x) => x.keyword === 'const' && x.instancePath === e.instancePath).map((x) => JSON.stringify(x.params.allowedValue));
    rule = allowed.length ? `must be one of ${allowed.join(', ')}` : 'has the wrong type';
  }
  return { message: `${where}${shown} ${rule}`, target: shown };
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | RegistryError | HttpError, req, reply) => {
    if (err instanceof RegistryError) {
      return reply.status(STATUS[err.kind]).send({ error: { code: err.kind, message: err.message, ...(err.target ? { target: err.target } : {}) } });
    }
    if (err instanceof HttpError) {
      return reply.status(err.statusCode).send({ error: { code: err.code, message: err.message, ...(err.target ? { target: err.target } : {}) } });
    }
    const fe = err as FastifyError & { validation?: AjvError[]; validationContext?: string };
    if (fe.validation) {
      const { message, target } = describeValidation(fe.validation, fe.validationContext);
      return reply.status(400).send({ error: { code: 'InvalidRequest', message, target } });
    }
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
