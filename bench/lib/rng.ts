// Seeded randomness: the same sequence for the same seed everywhere, so a generated table or a
// failing property test reproduces. Tests use it too (test/helpers/rng.ts).

/** mulberry32: small, fast, and the same sequence for the same seed everywhere; uint32 values. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}
