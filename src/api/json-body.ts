// Bodies are JSON and only JSON: any other Content-Type gets 415 (Fastify's text/plain parser
// would hand a route a string). A body that does not parse gets 400 with the parser's reason.
import type { FastifyInstance } from 'fastify';
import { HttpError } from './auth.js';

// Keys that would reach an object's prototype when a parsed body is merged somewhere.
const POISON = /"(?:__proto__|constructor)"/;

function refusePoison(key: string, value: unknown): unknown {
  if (key === '__proto__' || (key === 'constructor' && value !== null && typeof value === 'object' && 'prototype' in value)) {
    throw new HttpError(400, 'InvalidRequest', `the body may not carry the key "${key}"`);
  }
  return value;
}

export function installJsonBody(app: FastifyInstance, bodyLimit: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (_req, body, done) => {
    const text = body as string;
    if (text.length === 0) {
      done(new HttpError(400, 'InvalidRequest', 'the body is empty but the Content-Type is application/json: send a JSON value'), undefined);
      return;
    }
    try {
      done(null, POISON.test(text) ? JSON.parse(text, refusePoison) : JSON.parse(text));
    } catch (e) {
      if (e instanceof HttpError) done(e, undefined);
      else done(new HttpError(400, 'InvalidRequest', `the body is not valid JSON: ${(e as Error).message}`), undefined);
    }
  });
}
