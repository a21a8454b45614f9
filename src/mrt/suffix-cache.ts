// The formatted end of a route line ("AS path|origin|next hop|...|\n") keyed by the attribute
// bytes it came from. RIB dumps and update files repeat the same attribute block for many
// prefixes and peers, so decoding and formatting it once saves most of the work.
//
// An open-addressing table over byte keys: keys are copied into one arena and compared byte for
// byte on a hash match, so a hit is exact. A Map keyed by latin1 strings made a string per lookup
// and cost ~2 us per miss in hashing, rehashing and GC; this allocates nothing but the values.
// When the table or the arena fills up it starts over, which bounds memory on any input.

const SLOTS = 1 << 16;
const MAX_ENTRIES = SLOTS >> 1;
const ARENA = 8 * 1024 * 1024;
/** Longer keys (huge AS paths, many communities) are not cached: they are rare and unlikely to repeat. */
const MAX_KEY = 4096;

export class SuffixCache<T> {
  /** Entry number + 1 per slot; 0 is empty. */
  private readonly slots = new Int32Array(SLOTS);
  private readonly hashes = new Int32Array(MAX_ENTRIES);
  private readonly offsets = new Int32Array(MAX_ENTRIES);
  private readonly lengths = new Int32Array(MAX_ENTRIES);
  private readonly arena = new Uint8Array(ARENA);
  private values: T[] = [];
  private used = 0;
  private count = 0;
  /** The slot and hash of the last miss, for add(). */
  private missSlot = -1;
  private missHash = 0;

  /** The value stored for the bytes src[start, end), or undefined (then add() may store one). */
  get(src: Uint8Array, start: number, end: number): T | undefined {
    let h = 0x811c9dc5 ^ (end - start);
    for (let i = start; i < end; i++) h = Math.imul(h ^ src[i]!, 0x01000193);
    h = (h ^ (h >>> 15)) | 0;
    const mask = SLOTS - 1;
    const len = end - start;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const e = this.slots[s]! - 1;
      if (e < 0) {
        this.missSlot = s;
        this.missHash = h;
        return undefined;
      }
      if (this.hashes[e] !== h || this.lengths[e] !== len) continue;
      const a = this.arena;
      let o = this.offsets[e]!;
      let i = start;
      while (i < end && a[o] === src[i]) { o++; i++; }
      if (i === end) return this.values[e];
    }
  }

  /** Stores value for the bytes of the last get() that missed. */
  add(src: Uint8Array, start: number, end: number, value: T): void {
    const len = end - start;
    if (len > MAX_KEY || this.missSlot < 0) return;
    if (this.count >= MAX_ENTRIES || this.used + len > ARENA) {
      this.clear();
      if (this.get(src, start, end) !== undefined) return;
    }
    const e = this.count++;
    this.slots[this.missSlot] = e + 1;
    this.hashes[e] = this.missHash;
    this.offsets[e] = this.used;
    this.lengths[e] = len;
    this.arena.set(src.subarray(start, end), this.used);
    this.used += len;
    this.values[e] = value;
    this.missSlot = -1;
  }

  private clear(): void {
    this.slots.fill(0);
    this.values = [];
    this.used = 0;
    this.count = 0;
  }
}
