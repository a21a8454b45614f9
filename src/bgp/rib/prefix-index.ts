// Dense small integers for the prefixes the speaker holds, so that every RIB (Adj-RIB-In per
// peer, Loc-RIB, Adj-RIB-Out per peer) is a plain array indexed by them: one hash lookup per
// prefix and message, then array accesses, and no per-route Map entry or boxed key for the
// garbage collector to trace. IPv4 keys (numbers up to 2^38, see net/prefix-key.ts) live in an
// open-addressing table over typed arrays; IPv6 keys (short strings) in another, hashed by their
// characters (a Map with string keys costs about a microsecond per insert).
import type { PrefixKey } from '../../net/prefix-key.js';

const EMPTY_KEY = -1;

export class PrefixIndex {
  /** open-addressing slots for IPv4 keys: index + 1, 0 when empty */
  private slots = new Int32Array(1024);
  private mask = 1023;
  private v4 = 0;
  /** the same for IPv6 keys (strings), hashed by their characters */
  private slots6 = new Int32Array(256);
  private mask6 = 255;
  private v6 = 0;
  /** index -> IPv6 key; allocated once an IPv6 key arrives */
  private keys6: Array<string | undefined> = [];
  /** index -> IPv4 key, EMPTY_KEY when free or IPv6 */
  private keys = new Float64Array(1024);
  /** index -> number of tables holding an entry for it */
  private refs = new Int32Array(1024);
  private free: number[] = [];
  private next = 0;

  /** Indexes in use. */
  get size(): number {
    return this.v4 + this.v6;
  }

  /** One past the highest index ever handed out: tables iterate below it. */
  get limit(): number {
    return this.next;
  }

  /** The index of `key`, or -1. */
  find(key: PrefixKey): number {
    if (typeof key !== 'number') {
      const keys6 = this.keys6;
      for (let s = hashString(key) & this.mask6; ; s = (s + 1) & this.mask6) {
        const v = this.slots6[s]!;
        if (v === 0) return -1;
        if (keys6[v - 1] === key) return v - 1;
      }
    }
    const keys = this.keys;
    const slots = this.slots;
    for (let s = hash(key) & this.mask; ; s = (s + 1) & this.mask) {
      const v = slots[s]!;
      if (v === 0) return -1;
      if (keys[v - 1] === key) return v - 1;
    }
  }

  /** The index of `key`, made if new; the caller takes a reference (see ref/unref). */
  intern(key: PrefixKey): number {
    if (typeof key !== 'number') {
      let s = hashString(key) & this.mask6;
      for (; ; s = (s + 1) & this.mask6) {
        const v = this.slots6[s]!;
        if (v === 0) break;
        if (this.keys6[v - 1] === key) return v - 1;
      }
      const idx = this.allocate(EMPTY_KEY);
      const keys6 = this.keys6;
      // Grow by pushing: an array assigned past its end turns into a slow dictionary.
      if (idx >= keys6.length) for (let i = keys6.length, n = Math.max(256, 2 * idx + 1); i < n; i++) keys6.push(undefined);
      keys6[idx] = key;
      this.slots6[s] = idx + 1;
      if (++this.v6 * 2 > this.slots6.length) this.rehash6(this.slots6.length * 2);
      return idx;
    }
    const keys = this.keys;
    let s = hash(key) & this.mask;
    for (; ; s = (s + 1) & this.mask) {
      const v = this.slots[s]!;
      if (v === 0) break;
      if (keys[v - 1] === key) return v - 1;
    }
    const idx = this.allocate(key);
    this.slots[s] = idx + 1;
    if (++this.v4 * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    return idx;
  }

  keyOf(idx: number): PrefixKey {
    const k = this.keys[idx]!;
    return k !== EMPTY_KEY ? k : this.keys6[idx]!;
  }

  isV4(idx: number): boolean {
    return this.keys[idx] !== EMPTY_KEY;
  }

  /** Whether `idx` names a prefix (it may have been freed since it was handed out). */
  live(idx: number): boolean {
    return idx < this.next && this.refs[idx]! > 0;
  }

  ref(idx: number): void {
    this.refs[idx]!++;
  }

  /** Drops a reference; the index is freed (and may be reused) when none is left. */
  unref(idx: number): void {
    if (--this.refs[idx]! > 0) return;
    const k = this.keys[idx]!;
    if (k === EMPTY_KEY) {
      this.removeSlot6(this.keys6[idx]!);
      this.keys6[idx] = undefined;
      this.v6--;
    } else {
      this.removeSlot(k);
      this.keys[idx] = EMPTY_KEY;
      this.v4--;
    }
    this.free.push(idx);
  }

  private allocate(key: number): number {
    let idx = this.free.pop();
    if (idx === undefined) {
      idx = this.next++;
      if (idx >= this.keys.length) {
        const keys = new Float64Array(this.keys.length * 2);
        keys.set(this.keys);
        this.keys = keys;
        const refs = new Int32Array(this.refs.length * 2);
        refs.set(this.refs);
        this.refs = refs;
      }
    }
    this.keys[idx] = key;
    this.refs[idx] = 0;
    return idx;
  }

  private rehash(size: number): void {
    const old = this.slots;
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    for (let i = 0; i < old.length; i++) {
      const v = old[i]!;
      if (v === 0) continue;
      let s = hash(this.keys[v - 1]!) & this.mask;
      while (this.slots[s] !== 0) s = (s + 1) & this.mask;
      this.slots[s] = v;
    }
  }

  private rehash6(size: number): void {
    const old = this.slots6;
    this.slots6 = new Int32Array(size);
    this.mask6 = size - 1;
    for (let i = 0; i < old.length; i++) {
      const v = old[i]!;
      if (v === 0) continue;
      let s = hashString(this.keys6[v - 1]!) & this.mask6;
      while (this.slots6[s] !== 0) s = (s + 1) & this.mask6;
      this.slots6[s] = v;
    }
  }

  private removeSlot6(key: string): void {
    const slots = this.slots6;
    const mask = this.mask6;
    let i = hashString(key) & mask;
    while (this.keys6[slots[i]! - 1] !== key) i = (i + 1) & mask;
    slots[i] = 0;
    for (let j = (i + 1) & mask; slots[j] !== 0; j = (j + 1) & mask) {
      const home = hashString(this.keys6[slots[j]! - 1]!) & mask;
      const inRange = i <= j ? home > i && home <= j : home > i || home <= j;
      if (inRange) continue;
      slots[i] = slots[j]!;
      slots[j] = 0;
      i = j;
    }
  }

  /** Linear-probing deletion by backward shift: no tombstones to slow later lookups. */
  private removeSlot(key: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let i = hash(key) & mask;
    while (this.keys[slots[i]! - 1] !== key) i = (i + 1) & mask;
    slots[i] = 0;
    for (let j = (i + 1) & mask; slots[j] !== 0; j = (j + 1) & mask) {
      const home = hash(this.keys[slots[j]! - 1]!) & mask;
      // Move the entry at j into the hole at i unless its home lies cyclically in (i, j].
      const inRange = i <= j ? home > i && home <= j : home > i || home <= j;
      if (inRange) continue;
      slots[i] = slots[j]!;
      slots[j] = 0;
      i = j;
    }
  }
}

/** FNV-1a over an IPv6 key's 16-bit characters (length, then the groups of the address). */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 15;
  return Math.imul(h, 0x85ebca6b) ^ (h >>> 13);
}

/** IPv4 prefix key (address * 64 + length, < 2^38) to a well-mixed 32-bit hash. */
function hash(key: number): number {
  const lo = key >>> 0;
  const hi = (key / 4294967296) | 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  return h ^ (h >>> 13);
}
