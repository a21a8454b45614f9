// Test harness: a real openpeering API server on 127.0.0.1 (ephemeral port) over a fresh SQLite
// file, driven over HTTP with fetch, the way a client would.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildServer, type ServerOptions } from '../../src/api/server.js';
import { ensureOperatorKey, openRegistry } from '../../src/bootstrap.js';
import type { Registry, RegistryOptions } from '../../src/registry/registry.js';

export interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

export interface TestServer {
  url: string;
  dir: string;
  registry: Registry;
  app: FastifyInstance;
  operatorKey: string;
  /** One HTTP request; `key` defaults to the operator key, `null` sends none. The body is parsed JSON (text for an event stream). */
  api(method: string, path: string, body?: unknown, key?: string | null): Promise<Reply>;
  /** Creates an API key for a role and tenant and returns its secret. */
  key(role: 'operator' | 'partner' | 'customer', scope?: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * `opts` go to buildServer, `registryOptions` to the registry. The rate limits are off unless a
 * test sets them: the suites make hundreds of requests a second with one key, and many refused on
 * purpose from one address.
 */
export async function startServer(opts: ServerOptions = {}, registryOptions: RegistryOptions = {}): Promise<TestServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openpeering-test-'));
  const registry = await openRegistry(path.join(dir, 'openpeering.db'), {}, registryOptions);
  const operatorKey = (await ensureOperatorKey(registry))!;
  const app = await buildServer(registry, { authFailureLimit: false, keyRateLimit: false, ...opts });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const api = async (method: string, p: string, body?: unknown, key: string | null = operatorKey): Promise<Reply> => {
    const res = await fetch(url + p, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    // An event stream (text/event-stream) stays text; everything else the API sends is JSON.
    const stream = (res.headers.get('content-type') ?? '').startsWith('text/event-stream');
    return { status: res.status, body: text ? (stream ? text : JSON.parse(text)) : undefined, headers: res.headers };
  };
  const key = async (role: 'operator' | 'partner' | 'customer', scope?: string) => {
    const r = await api('POST', '/v1/api-keys', {
      name: `${role}-${scope ?? 'all'}`,
      role,
      ...(role === 'partner' ? { partner: scope } : {}),
      ...(role === 'customer' ? { customer: scope } : {}),
    });
    if (r.status !== 201) throw new Error(`key for ${role} ${scope}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.secret as string;
  };
  return {
    url,
    dir,
    registry,
    app,
    operatorKey,
    api,
    key,
    close: async () => {
      await app.close();
      await registry.store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Fails with the reply in the message when the status is not the expected one. */
export function expectStatus(r: Reply, status: number, what = ''): void {
  if (r.status !== status) throw new Error(`${what} expected HTTP ${status}, got ${r.status}: ${JSON.stringify(r.body)}`);
}
