// Keyset paging: a cursor is the sort key of the last item returned, opaque to clients.
import type { SelectQueryBuilder } from 'kysely';
import { invalid } from './errors.js';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
export interface PageRequest {
  limit?: number;
  cursor?: string;
}

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

export function decodeCursor(cursor: string | undefined): string | number | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof v === 'string' || typeof v === 'number') return v;
  } catch {
    // fall through to the error below
  }
  throw invalid(`cursor ${JSON.stringify(cursor)} is not a cursor this API returned`, 'cursor');
}

export const encodeCursor = (key: string | number): string => Buffer.from(JSON.stringify(key)).toString('base64url');

export function pageLimit(req: PageRequest): number {
  return Math.min(Math.max(req.limit ?? DEFAULT_LIMIT, 1), MAX_LIMIT);
}

/** Cuts `rows` (fetched with limit + 1) into a page. */
export function toPage<R, T>(rows: R[], limit: number, key: (r: R) => string | number, map: (r: R) => T): Page<T> {
  const more = rows.length > limit;
  const slice = more ? rows.slice(0, limit) : rows;
  return { items: slice.map(map), nextCursor: more ? encodeCursor(key(slice[slice.length - 1]!)) : null };
}

/** Runs `q` as one page ordered by `column`, continuing after the cursor's key. */
export async function fetchPage<R, T>(
  q: SelectQueryBuilder<any, any, R>,
  column: string,
  req: PageRequest,
  key: (r: R) => string | number,
  map: (r: R) => T,
): Promise<Page<T>> {
  const limit = pageLimit(req);
  const after = decodeCursor(req.cursor);
  let page = q.orderBy(column as any).limit(limit + 1);
  if (after !== undefined) page = page.where(column as any, '>', after as any);
  return toPage(await page.execute(), limit, key, map);
}
