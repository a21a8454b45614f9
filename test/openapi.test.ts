// The OpenAPI document: served without a key at /openapi.json, valid against the OpenAPI 3
// schema, and listing every route the server registers (app.routeList), each with a summary,
// a success response and the API's error responses, under the bearer security scheme except the
// public routes.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { API_VERSION } from '../src/api/server.js';
import { startServer, type TestServer } from './helpers/server.js';

/** Routes anyone may call without a key. */
const PUBLIC = new Set(['GET /healthz', 'GET /openapi.json']);
/** The error responses every operation documents (the API's error model), and those only keyed ones add. */
const ERRORS_ALWAYS = ['400', '404', '409', '422'];
const ERRORS_KEYED = ['401', '403'];
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

interface Operation {
  summary?: string;
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string; required?: boolean }>;
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Record<string, any> }> }>;
}

/** Fastify's "/a/:b" as OpenAPI's "/a/{b}". */
const openapiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

describe('OpenAPI document', () => {
  let s: TestServer;
  let doc: any;
  let routes: Array<{ method: string; url: string; key: string }>;
  const op = (r: { method: string; url: string }): Operation | undefined => doc.paths?.[openapiPath(r.url)]?.[r.method.toLowerCase()];

  before(async () => {
    s = await startServer();
    routes = s.app.routeList.map((r) => ({ ...r, key: `${r.method} ${r.url}` }));
    const res = await fetch(`${s.url}/openapi.json`);
    assert.equal(res.status, 200, 'GET /openapi.json without a key');
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    doc = await res.json();
  });
  after(async () => {
    await s.close();
  });

  it('is served without a key, is OpenAPI 3, and is the document the server generates', () => {
    assert.match(String(doc.openapi), /^3\.\d+\.\d+$/);
    assert.equal(doc.info?.title, 'openpeering API');
    assert.equal(doc.info?.version, API_VERSION);
    assert.deepEqual(doc, JSON.parse(JSON.stringify(s.app.swagger())));
  });

  it('validates against the OpenAPI 3 schema', async () => {
    // validate() dereferences in place: give it a copy.
    await assert.doesNotReject(SwaggerParser.validate(structuredClone(doc)), 'SwaggerParser.validate');
  });

  it('lists every route the server registers, with that method', () => {
    assert.ok(routes.length > 0, 'the server registered no routes');
    const missing = routes.filter((r) => !op(r)).map((r) => r.key);
    assert.deepEqual(missing, [], `routes missing from doc.paths: ${missing.join(', ')}`);
  });

  it('lists no operation the server does not answer', () => {
    const registered = new Set(routes.map((r) => `${r.method} ${openapiPath(r.url)}`));
    const extra: string[] = [];
    for (const [p, item] of Object.entries<Record<string, unknown>>(doc.paths ?? {})) {
      for (const m of Object.keys(item)) if (METHODS.includes(m) && !registered.has(`${m.toUpperCase()} ${p}`)) extra.push(`${m.toUpperCase()} ${p}`);
    }
    assert.deepEqual(extra, [], `documented but not registered: ${extra.join(', ')}`);
  });

  it('every operation has a summary, a 2xx response and the error responses with the error body', () => {
    const problems: string[] = [];
    for (const r of routes) {
      const o = op(r);
      if (!o) continue; // reported by the listing test
      if (typeof o.summary !== 'string' || o.summary.trim() === '') problems.push(`${r.key}: no summary`);
      const codes = Object.keys(o.responses ?? {});
      if (!codes.some((c) => /^2\d\d$/.test(c))) problems.push(`${r.key}: no 2xx response (has ${codes.join(', ') || 'none'})`);
      const errors = [...ERRORS_ALWAYS, ...(PUBLIC.has(r.key) ? [] : ERRORS_KEYED)];
      for (const code of errors) {
        const resp = o.responses?.[code];
        if (!resp) {
          problems.push(`${r.key}: no ${code} response`);
          continue;
        }
        const schema = resp.content?.['application/json']?.schema;
        const err = schema?.properties?.error;
        if (
          !err ||
          !schema?.required?.includes('error') ||
          !err.properties?.code ||
          !err.properties?.message ||
          !['code', 'message'].every((f) => err.required?.includes(f))
        ) {
          problems.push(`${r.key}: ${code} does not carry the error body {"error":{"code","message","target"}}`);
        }
      }
      if (PUBLIC.has(r.key)) {
        for (const code of ERRORS_KEYED) if (o.responses?.[code]) problems.push(`${r.key}: a public route documents ${code}`);
      }
    }
    assert.deepEqual(problems, [], `\n${problems.join('\n')}`);
  });

  it('declares every path parameter, and a JSON body for every PUT and POST', () => {
    const problems: string[] = [];
    for (const r of routes) {
      const o = op(r);
      if (!o) continue;
      const names = [...r.url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
      for (const n of names) {
        const p = o.parameters?.find((x) => x.in === 'path' && x.name === n);
        if (!p) problems.push(`${r.key}: path parameter ${n} not declared`);
        else if (p.required !== true) problems.push(`${r.key}: path parameter ${n} not required`);
      }
      for (const p of o.parameters ?? []) if (p.in === 'path' && !names.includes(p.name)) problems.push(`${r.key}: declares unknown path parameter ${p.name}`);
      // Actions that take no input (POST .../validate) have no body.
      if ((r.method === 'PUT' || (r.method === 'POST' && !r.url.endsWith('/validate'))) && !o.requestBody?.content?.['application/json']?.schema) {
        problems.push(`${r.key}: no application/json request body`);
      }
    }
    assert.deepEqual(problems, [], `\n${problems.join('\n')}`);
  });

  it('has the bearer security scheme, required by default; public routes opt out with security: []', () => {
    assert.deepEqual(
      { type: doc.components?.securitySchemes?.bearer?.type, scheme: doc.components?.securitySchemes?.bearer?.scheme },
      { type: 'http', scheme: 'bearer' },
    );
    assert.deepEqual(doc.security, [{ bearer: [] }], 'the document requires the bearer scheme by default');
    const problems: string[] = [];
    for (const r of routes) {
      const o = op(r);
      if (!o) continue;
      if (PUBLIC.has(r.key)) {
        if (!Array.isArray(o.security) || o.security.length !== 0) problems.push(`${r.key}: public, needs security: [] (has ${JSON.stringify(o.security)})`);
      } else if (o.security !== undefined && !o.security.some((req) => Object.hasOwn(req, 'bearer'))) {
        problems.push(`${r.key}: needs a key but its security ${JSON.stringify(o.security)} drops the bearer scheme`);
      }
    }
    assert.deepEqual(problems, [], `\n${problems.join('\n')}`);
  });

  it('the public routes really need no key, and the others really do', async () => {
    for (const r of routes) {
      if (r.url.includes(':') || r.method !== 'GET') continue;
      const res = await s.api('GET', r.url, undefined, null);
      assert.equal(res.status, PUBLIC.has(r.key) ? 200 : 401, `${r.key} without a key`);
    }
  });
});
