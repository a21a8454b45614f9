// Shared assertions for the registry-rule tests (test/rules-*.test.ts): every error reply has the
// shape {"error":{"code","message","target?"}} with the code that fits its status.
import assert from 'node:assert/strict';
import type { Reply, TestServer } from './helpers/server.js';

const CODES: Record<number, string> = {
  400: 'InvalidRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  422: 'RuleViolation',
};

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Escapes text for use inside a RegExp. */
export const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** A RegExp that matches messages starting with `s`. */
export const startsWith = (s: string): RegExp => new RegExp(`^${esc(s)}`);

const show = (r: Reply) => `HTTP ${r.status} ${JSON.stringify(r.body)}`;

/**
 * Asserts an error reply: status, shape {error:{code,message,target?}}, the code for the status,
 * the message (exact text or pattern) and the target (undefined: no target at all).
 */
export function expectError(r: Reply, status: number, message: string | RegExp, target: string | undefined, what = ''): void {
  const ctx = `${what}: ${show(r)}`;
  assert.equal(r.status, status, ctx);
  assert.ok(r.body !== null && typeof r.body === 'object', `error body is an object: ${ctx}`);
  assert.deepEqual(Object.keys(r.body), ['error'], `error body has only "error": ${ctx}`);
  const e = r.body.error;
  assert.ok(e !== null && typeof e === 'object', `error is an object: ${ctx}`);
  for (const k of Object.keys(e)) assert.ok(['code', 'message', 'target'].includes(k), `unexpected error field ${k}: ${ctx}`);
  assert.equal(e.code, CODES[status], `error code: ${ctx}`);
  assert.equal(typeof e.message, 'string', `message is a string: ${ctx}`);
  if (typeof message === 'string') assert.equal(e.message, message, `message: ${ctx}`);
  else assert.match(e.message, message, `message: ${ctx}`);
  assert.equal(e.target, target, `target: ${ctx}`);
}

/** Asserts a success status and returns the body. */
export function expectOk(r: Reply, status: number, what = ''): any {
  assert.equal(r.status, status, `${what}: ${show(r)}`);
  return r.body;
}

/** Walks a list endpoint page by page and returns every item and the page sizes. */
export async function walk(s: TestServer, path: string, limit: number, key?: string): Promise<{ items: any[]; sizes: number[] }> {
  const items: any[] = [];
  const sizes: number[] = [];
  let cursor: string | null = null;
  for (let guard = 0; guard < 100; guard++) {
    const sep = path.includes('?') ? '&' : '?';
    const q: string = `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const r = await s.api('GET', q, undefined, key);
    const body = expectOk(r, 200, `GET ${q}`);
    assert.ok(Array.isArray(body.items), `items array from ${q}`);
    assert.ok(body.items.length <= limit, `page of ${q} has at most ${limit} items`);
    items.push(...body.items);
    sizes.push(body.items.length);
    cursor = body.nextCursor;
    if (cursor === null) return { items, sizes };
    assert.equal(typeof cursor, 'string');
  }
  throw new Error(`paging ${path} did not end`);
}

/** Great-circle distance in miles (mean Earth radius), to place test locations. */
export function miles(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = (d: number) => (d * Math.PI) / 180;
  const a = Math.sin(rad(lat2 - lat1) / 2) ** 2 + Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(rad(lon2 - lon1) / 2) ** 2;
  return 2 * 3958.8 * Math.asin(Math.sqrt(a));
}

/** A connection body for the single-connection route (PUT .../connections/:name): no name field. */
export function single(router: string, sessionPrefixV4: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { router, bandwidthMbps: 10000, sessionAddressProvider: 'peer', sessionPrefixV4, ...extra };
}
