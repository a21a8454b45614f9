// The formatted end of a route line ("AS path|origin|next hop|...|\n") keyed by the attribute
// bytes it came from. RIB dumps and update files repeat the same attribute block for many
// prefixes and peers, so rendering it once saves most of the work.
//
// An open-addressing table over byte keys with byte values: keys and values are copied into
// two arenas and keys compared byte for byte on a hash match, so a hit is exact. Nothing is
// allocated per entry (a Map keyed by latin1 strings made a string per lookup and cost ~2 us
// per miss in hashing, rehashing and GC). When the table or an arena fills up it starts over,
// which bounds memory on any input.

const SLOTS = 1 << 16;
const MAX_ENTRIES = SLOTS >> 1;
const KEY_ARENA = 8 * 1024 * 1024;
const VALUE_ARENA = 8 * 1024 * 1024;
/** Longer keys or values (huge AS paths, many communities) are not cached: they are rare and unlikely to repeat. */
const MAX_KEY = 4096;
const MAX_VALUE = 16384;

export class SuffixCache {
  /** Entry number + 1 per slot; 0 is empty. */
  private readonly slots = new Int32Array(SLOTS);
  private readonly hashes = new Int32Array(MAX_ENTRIES);
  private readonly offsets = new Int32Array(MAX_ENTRIES);
  private readonly lengths = new Int32Array(MAX_ENTRIES);
  private readonly keys = new Uint8Array(KEY_ARENA);
  /** Value bytes; an entry's are values[valueStart, valueEnd). */
  readonly values = Buffer.alloc(VALUE_ARENA);
  readonly valuesView = new DataView(this.values.buffer, this.values.byteOffset, this.values.byteLength);
  private readonly valueStarts = new Int32Array(MAX_ENTRIES);
  private readonly valueEnds = new Int32Array(MAX_ENTRIES);
  /** A number stored with each value (where one part of it ends, say). */
  private readonly auxes = new Int32Array(MAX_ENTRIES);
  private keyUsed = 0;
  private valueUsed = 0;
  private count = 0;
  /** The slot and hash of the last miss, for add(). */
  private missSlot = -1;
  private missHash = 0;

  /** The entry stored for the bytes src[start, end), or -1 (then add() may store one). */
  get(src: Uint8Array, start: number, end: number): number {
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
        return -1;
      }
      if (this.hashes[e] !== h || this.lengths[e] !== len) continue;
      const a = this.keys;
      let o = this.offsets[e]!;
      let i = start;
      while (i < end && a[o] === src[i]) {
        o++;
        i++;
      }
      if (i === end) return e;
    }
  }

  valueStart(e: number): number {
    return this.valueStarts[e]!;
  }

  valueEnd(e: number): number {
    return this.valueEnds[e]!;
  }

  aux(e: number): number {
    return this.auxes[e]!;
  }

  /**
   * Stores value[vStart, vEnd) and aux for the key bytes of the last get() that missed. Entries
   * returned before may be gone afterwards.
   */
  add(src: Uint8Array, start: number, end: number, value: Uint8Array, vStart: number, vEnd: number, aux: number): void {
    const len = end - start;
    const vLen = vEnd - vStart;
    if (len > MAX_KEY || vLen > MAX_VALUE || this.missSlot < 0) return;
    if (this.count >= MAX_ENTRIES || this.keyUsed + len > KEY_ARENA || this.valueUsed + vLen > VALUE_ARENA) {
      this.clear();
      if (this.get(src, start, end) >= 0) return;
    }
    const e = this.count++;
    this.slots[this.missSlot] = e + 1;
    this.hashes[e] = this.missHash;
    this.offsets[e] = this.keyUsed;
    this.lengths[e] = len;
    // Loops, not set(subarray()): the entries are short and a subarray is an allocation.
    const k = this.keys;
    let o = this.keyUsed;
    for (let i = start; i < end; i++) k[o++] = src[i]!;
    this.keyUsed = o;
    const v = this.values;
    this.valueStarts[e] = o = this.valueUsed;
    for (let i = vStart; i < vEnd; i++) v[o++] = value[i]!;
    this.valueUsed = o;
    this.valueEnds[e] = o;
    this.auxes[e] = aux;
    this.missSlot = -1;
  }

  private clear(): void {
    this.slots.fill(0);
    this.keyUsed = 0;
    this.valueUsed = 0;
    this.count = 0;
  }
}
