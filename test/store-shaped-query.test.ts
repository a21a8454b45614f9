// Statements compiled once per shape (store/shaped-query.ts): the text Kysely compiled the first
// time runs again with other values, and a build that does not make every value a parameter, in
// order, is refused rather than run with the wrong values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { runShaped, shapedChunks } from '../src/store/shaped-query.js';
import { openSqlite } from '../src/store/sqlite.js';

test('a shape compiles once and runs with each call its own values; a build that hides a value is refused', async () => {
  const store = await openSqlite(':memory:');
  try {
    const db = store.db;
    const pair = (v: readonly unknown[]) => sql`SELECT ${v[0]} AS a, ${v[1]} AS b`;
    assert.deepEqual((await runShaped(db, 'test pair', [1, 'x'], pair)).rows, [{ a: 1, b: 'x' }]);
    // The second call does not build: its values go into the text compiled the first time.
    let built = 0;
    const counting = (v: readonly unknown[]) => {
      built++;
      return pair(v);
    };
    assert.deepEqual((await runShaped(db, 'test pair', [2, null], counting)).rows, [{ a: 2, b: null }]);
    assert.equal(built, 0);
    // A value written into the text (not a parameter), or the parameters in another order: refused.
    await assert.rejects(
      runShaped(db, 'test literal', [1, 2], (v) => sql`SELECT ${sql.lit(v[0])} AS a, ${v[1]} AS b`),
      /test literal: its parameters are not the values given, in order/,
    );
    await assert.rejects(
      runShaped(db, 'test order', [1, 2], (v) => sql`SELECT ${v[1]} AS a, ${v[0]} AS b`),
      /its parameters are not the values given/,
    );
  } finally {
    await store.close();
  }
});

test('rows are cut into power-of-two statements, largest first: a handful of shapes, each prepared once', () => {
  assert.deepEqual(
    [...shapedChunks(1000, 512)],
    [
      [0, 512],
      [512, 256],
      [768, 128],
      [896, 64],
      [960, 32],
      [992, 8],
    ],
  );
  assert.deepEqual(
    [...shapedChunks(1300, 512)].map(([, n]) => n),
    [512, 512, 256, 16, 4],
  );
  assert.deepEqual([...shapedChunks(1, 512)], [[0, 1]]);
  assert.deepEqual([...shapedChunks(0, 512)], []);
  // Every row once, in order, whatever the count.
  for (let n = 0; n < 2100; n += 37) {
    let next = 0;
    for (const [start, size] of shapedChunks(n, 256)) {
      assert.equal(start, next);
      assert.ok(size >= 1 && size <= 256 && (size & (size - 1)) === 0);
      next += size;
    }
    assert.equal(next, n);
  }
});
