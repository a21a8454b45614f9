// Statements whose text depends only on their shape (a table, its columns, a number of rows):
// Kysely compiles the query once per shape, for the store's dialect, and later ones run that text
// with their own parameters. Building and compiling a 1,000-row INSERT through Kysely's query
// builder each time (12,000 values parsed, frozen and visited) was a second of a full load.
import { type Compilable, CompiledQuery, type Kysely, type QueryResult, type RawBuilder } from 'kysely';

/** compiled SQL text by dialect and shape */
const texts = new Map<string, string>();

/**
 * Runs the query `build(values)` would build with `values` as its parameters. `build` must make
 * every value a parameter, in the order given: the first time a shape is met it is compiled with
 * these values and its parameters compared with them.
 */
export async function runShaped<R>(
  db: Kysely<any>,
  shape: string,
  values: readonly unknown[],
  build: (values: readonly unknown[]) => Compilable | RawBuilder<unknown>,
): Promise<QueryResult<R>> {
  const key = `${db.getExecutor().adapter.constructor.name}|${shape}`;
  let text = texts.get(key);
  if (text === undefined) {
    const q = build(values);
    const compiled = 'isRawBuilder' in q ? q.compile(db) : q.compile();
    const same = compiled.parameters.length === values.length && compiled.parameters.every((p, i) => p === values[i]);
    if (!same) throw new Error(`shaped query ${shape}: its parameters are not the values given, in order`);
    text = compiled.sql;
    texts.set(key, text);
  }
  return db.executeQuery<R>(CompiledQuery.raw(text, [...values]));
}

/**
 * Cuts `n` rows into statements of power-of-two sizes up to `max` (largest first): every size
 * prepares its own statement, and a 1,000-row INSERT's program is about a megabyte, so any row
 * count between 1 and 1,000 made its own kept statement (up to 256 of them per connection).
 * Yields [start, size] pairs.
 */
export function* shapedChunks(n: number, max: number): Generator<[start: number, size: number]> {
  let start = 0;
  let size = 1;
  while (size * 2 <= max) size *= 2;
  while (start < n) {
    while (size > n - start) size >>= 1;
    yield [start, size];
    start += size;
  }
}
