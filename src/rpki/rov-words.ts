// What both halves of the route origin validation index share (see rov-index.ts): results,
// bit masks and unsigned order of 32-bit words, growth of typed-array pools.

export const NOT_FOUND = 0;
export const VALID = 1;
export const INVALID = 2;

/** MASK[n]: the top n bits of a word (n = 0..32). */
export const MASK = new Int32Array(33);
for (let n = 1; n <= 32; n++) MASK[n] = n === 32 ? -1 : ~(-1 >>> n);

export const lessU = (a: number, b: number): boolean => a >>> 0 < b >>> 0;

/** Sort order of two (key, asn) identities, unsigned. */
export function cmp2(ak: number, aa: number, bk: number, ba: number): number {
  if (ak !== bk) return lessU(ak, bk) ? -1 : 1;
  if (aa !== ba) return lessU(aa, ba) ? -1 : 1;
  return 0;
}

/** a with room for `need` values: doubled while small, then by a quarter (pools are megabytes). */
export function growI32(a: Int32Array, need: number): Int32Array {
  let n = Math.max(16, a.length);
  while (n < need) n = n < 1 << 20 ? n * 2 : n + (n >> 2);
  if (n === a.length) return a;
  const g = new Int32Array(n);
  g.set(a);
  return g;
}
