// Unit tests for keyset paging helpers (src/registry/paging.ts).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RegistryError } from '../src/registry/errors.js';
import { DEFAULT_LIMIT, decodeCursor, encodeCursor, MAX_LIMIT, pageLimit, toPage } from '../src/registry/paging.js';

const b64url = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

const isCursorError = (e: unknown): boolean => {
  assert.ok(e instanceof RegistryError, `threw ${String(e)}, not a RegistryError`);
  assert.equal(e.kind, 'InvalidRequest');
  assert.equal(e.target, 'cursor');
  assert.ok(e.message.length > 0);
  return true;
};

describe('cursors', () => {
  test('encode/decode round trip of strings and numbers', () => {
    const keys: Array<string | number> = [
      '',
      'a',
      'pop-ams1',
      'Zürich ✈ 東京',
      'quote " and backslash \\',
      'slash/plus+equals=',
      '🙂',
      ' leading space',
      '{"not":"an object"}',
      '123',
      'null',
      'true',
      0,
      1,
      -1,
      42,
      1.5,
      -0.25,
      1e21,
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
    ];
    for (const k of keys) {
      const c = encodeCursor(k);
      assert.match(c, /^[A-Za-z0-9_-]+$/, `cursor for ${JSON.stringify(k)} is URL-safe and unpadded`);
      assert.equal(decodeCursor(c), k, JSON.stringify(k));
      assert.equal(typeof decodeCursor(c), typeof k, JSON.stringify(k));
    }
    // Different keys give different cursors.
    assert.equal(new Set(keys.map(encodeCursor)).size, keys.length);
  });

  test('no cursor or an empty one means the first page', () => {
    assert.equal(decodeCursor(undefined), undefined);
    assert.equal(decodeCursor(''), undefined);
  });

  test('bad cursors throw InvalidRequest on target "cursor"', () => {
    const bad = [
      '!!!!',
      '1',
      'pop1',
      'not a cursor',
      '%%%',
      '....',
      b64url('{"k":1}'),
      b64url('[1]'),
      b64url('true'),
      b64url('false'),
      b64url('null'),
      b64url('abc'),
      b64url('"unterminated'),
      b64url('1 2'),
    ];
    for (const c of bad) assert.throws(() => decodeCursor(c), isCursorError, JSON.stringify(c));
  });
});

describe('pageLimit', () => {
  test('defaults to 100', () => {
    assert.equal(DEFAULT_LIMIT, 100);
    assert.equal(pageLimit({}), 100);
    assert.equal(pageLimit({ cursor: encodeCursor('x') }), 100);
    assert.equal(pageLimit({ limit: undefined }), 100);
  });

  test('clamps to [1, 1000]', () => {
    assert.equal(MAX_LIMIT, 1000);
    assert.equal(pageLimit({ limit: 0 }), 1);
    assert.equal(pageLimit({ limit: -5 }), 1);
    assert.equal(pageLimit({ limit: 1 }), 1);
    assert.equal(pageLimit({ limit: 2 }), 2);
    assert.equal(pageLimit({ limit: 500 }), 500);
    assert.equal(pageLimit({ limit: 999 }), 999);
    assert.equal(pageLimit({ limit: 1000 }), 1000);
    assert.equal(pageLimit({ limit: 1001 }), 1000);
    assert.equal(pageLimit({ limit: 1e9 }), 1000);
    assert.equal(pageLimit({ limit: Number.POSITIVE_INFINITY }), 1000);
  });
});

describe('toPage', () => {
  interface Row {
    id: number;
    name: string;
  }
  const rows = (n: number): Row[] => Array.from({ length: n }, (_, i) => ({ id: i + 1, name: `r${String(i + 1).padStart(3, '0')}` }));

  test('more rows than the limit: cut to the limit, cursor is the last returned key', () => {
    const page = toPage(
      rows(4),
      3,
      (r) => r.name,
      (r) => r.id,
    );
    assert.deepEqual(page.items, [1, 2, 3]);
    assert.ok(page.nextCursor !== null);
    assert.equal(decodeCursor(page.nextCursor), 'r003');

    const byId = toPage(
      rows(11),
      10,
      (r) => r.id,
      (r) => r.name,
    );
    assert.equal(byId.items.length, 10);
    assert.equal(byId.items[9], 'r010');
    assert.equal(decodeCursor(byId.nextCursor ?? undefined), 10);
  });

  test('exactly the limit or fewer: no next cursor', () => {
    assert.deepEqual(
      toPage(
        rows(3),
        3,
        (r) => r.id,
        (r) => r.id,
      ),
      { items: [1, 2, 3], nextCursor: null },
    );
    assert.deepEqual(
      toPage(
        rows(2),
        3,
        (r) => r.id,
        (r) => r.id,
      ),
      { items: [1, 2], nextCursor: null },
    );
    assert.deepEqual(
      toPage(
        rows(0),
        3,
        (r) => r.id,
        (r) => r.id,
      ),
      { items: [], nextCursor: null },
    );
    assert.deepEqual(
      toPage(
        rows(1),
        1,
        (r) => r.id,
        (r) => r.id,
      ),
      { items: [1], nextCursor: null },
    );
  });

  test('limit 1 with two rows pages one at a time', () => {
    const page = toPage(
      rows(2),
      1,
      (r) => r.id,
      (r) => r,
    );
    assert.deepEqual(page.items, [{ id: 1, name: 'r001' }]);
    assert.equal(decodeCursor(page.nextCursor ?? undefined), 1);
  });

  test('walking a keyset with the cursors visits every row once, in order', () => {
    const all = rows(25);
    const seen: number[] = [];
    let cursor: string | undefined;
    for (let guard = 0; guard < 100; guard++) {
      const after = decodeCursor(cursor);
      const limit = pageLimit({ limit: 7 });
      // What the store does: rows after the key, limit + 1 of them.
      const fetched = all.filter((r) => after === undefined || r.id > (after as number)).slice(0, limit + 1);
      const page = toPage(
        fetched,
        limit,
        (r) => r.id,
        (r) => r.id,
      );
      seen.push(...page.items);
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    assert.deepEqual(
      seen,
      all.map((r) => r.id),
    );
  });

  test('map is applied to the returned items only', () => {
    let calls = 0;
    const page = toPage(
      rows(5),
      4,
      (r) => r.id,
      (r) => {
        calls++;
        return r.name;
      },
    );
    assert.equal(calls, 4);
    assert.deepEqual(page.items, ['r001', 'r002', 'r003', 'r004']);
  });
});
