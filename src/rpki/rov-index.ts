// Flat lookup index for route origin validation (RFC 6811 §2), kept next to the VrpTable's
// tries: the tries stay the store (exact find, covering(), dumps), this answers validate*().
//
// Why: a trie walk over 500,000 VRPs is a chain of dependent cache misses (~600 ns per lookup).
// Here a lookup reads one directory record and one or two cache lines of a bucket:
//
// - Dir32 covers prefixes of a 32-bit key: all of IPv4, and the first word of IPv6 prefixes
//   shorter than /32. A 65,536-record directory is indexed by the top 16 bits. Prefixes of /16
//   or longer sit in their /16's bucket; prefixes shorter than /16 (few) sit in one small
//   "short" array, and each directory record points at the most specific short prefix that
//   covers its /16 (so short VRPs are never replicated, and a /0 costs one entry).
// - HashA covers IPv6 prefixes of /32 or longer, bucketed by their first word (the /32) in an
//   open-addressing hash table: IPv6 space is too sparse for a direct directory, and most IPv6
//   VRPs are /32 to /48, so one /32 holds a route's candidates. (A /16 directory instead would
//   put whole RIR blocks such as 2a02::/16 in one bucket; hashing the /29 would need a third
//   band for /29../31 anyway.) The rarer IPv6 VRPs shorter than /32 go to a second Dir32 on the
//   first word, checked after HashA.
//
// A bucket is a sorted run of entries in address order (start ascending, shorter first, then
// maxLength and AS) with a parent link to the nearest entry that covers it. The entries covering
// a point are then exactly "the last entry starting at or before the point, and its ancestors":
// a binary search plus a short walk up, inside the bucket. Each entry is 16 bytes (IPv4) or 32
// bytes (IPv6), so a typical bucket of a few VRPs is one or two cache lines.
//
// A full build (build()) fills the pool straight from a tree walk, at its final size. Updates
// are logged (prefix, maxLength, AS, +1/-1) and applied in one pass per batch (flush()): only
// the touched buckets are rebuilt (merge of the old run with the sorted changes); a bucket that
// grows moves to the end of the pool, and the pool is compacted when half of it is garbage.
// Changes to short prefixes rebuild the short array and the directory's heads (65,536 writes).

const NOT_FOUND = 0;
const VALID = 1;
const INVALID = 2;

/** Bucket id of the short prefixes in a Dir32 log. */
const SHORT = 0x10000;

/** MASK[n]: the top n bits of a word (n = 0..32). */
const MASK = new Int32Array(33);
for (let n = 1; n <= 32; n++) MASK[n] = n === 32 ? -1 : ~(-1 >>> n);

const lessU = (a: number, b: number): boolean => (a >>> 0) < (b >>> 0);

/** Sort order of two (key, asn) identities, unsigned. */
function cmp2(ak: number, aa: number, bk: number, ba: number): number {
  if (ak !== bk) return lessU(ak, bk) ? -1 : 1;
  if (aa !== ba) return lessU(aa, ba) ? -1 : 1;
  return 0;
}

/** a with room for `need` values: doubled while small, then by a quarter (pools are megabytes). */
function growI32(a: Int32Array, need: number): Int32Array {
  let n = Math.max(16, a.length);
  while (n < need) n = n < 1 << 20 ? n * 2 : n + (n >> 2);
  if (n === a.length) return a;
  const g = new Int32Array(n);
  g.set(a);
  return g;
}

// ---------------------------------------------------------------------------------------------
// Dir32

// Directory record: [offset in pool (entries), count, capacity, short head (-1: none)].
// Pool entry: [key, asn], 8 bytes, and its parent (absolute index, -1: none) in `par`, which
// only the binary search path of large buckets reads: a small bucket is scanned from its start
// (a /16 with 8 VRPs is one cache line). Short entry: [key, asn, parent, 0].
// key = s16 << 16 | l << 8 | maxLen; in buckets s16 = low 16 bits of the prefix and l = len - 16,
// in the short array s16 = high 16 bits and l = len. Either way the prefix is "the top l bits
// of s16", which makes one cover test serve both.
const DE = 4;
const PE = 2;
const SH = 4;
/** Buckets up to this many entries are scanned; larger ones binary-searched. */
const SCAN = 16;

export class Dir32 {
  private dir: Int32Array = new Int32Array(0x10000 * DE);
  private pool: Int32Array = new Int32Array(0);
  private par: Int32Array = new Int32Array(0);
  private used = 0; // entries
  private garbage = 0; // entries in abandoned bucket regions
  private short: Int32Array = new Int32Array(0);
  private nShort = 0;
  private ops: Int32Array = new Int32Array(0); // [bucket, key, asn, delta]
  private nOps = 0;
  // Scratch of bucket rebuilds.
  private tk: Int32Array = new Int32Array(64);
  private ta: Int32Array = new Int32Array(64);
  private tp: Int32Array = new Int32Array(64);
  private readonly stack: number[] = [];

  constructor() {
    for (let b = 0; b < 0x10000; b++) this.dir[DE * b + 3] = -1;
  }

  get pending(): number { return this.nOps; }

  /**
   * Replaces the content with the VRPs that `each` visits, in address order (shorter first
   * among equal addresses), as a tree walk gives them. `each` is called twice (count, fill): the
   * pool is allocated once, at its final size.
   */
  build(each: (visit: (addr: number, len: number, maxLen: number, asn: number) => void) => void): void {
    const dir = this.dir;
    dir.fill(0);
    let nLong = 0, nShort = 0;
    each((addr, len) => { if (len >= 16) { dir[DE * (addr >>> 16) + 1]++; nLong++; } else nShort++; });
    let off = 0;
    for (let d = 0; d < dir.length; d += DE) {
      const cnt = dir[d + 1]!;
      dir[d] = off;
      dir[d + 1] = 0;
      dir[d + 2] = cnt;
      dir[d + 3] = -1;
      off += cnt;
    }
    // A sixteenth of headroom: the buckets that grow in the next updates move there.
    const room = nLong + (nLong >> 4) + 64;
    const pool = new Int32Array(PE * room);
    const short = new Int32Array(SH * nShort);
    let ns = 0;
    each((addr, len, maxLen, asn) => {
      if (len >= 16) {
        const d = DE * (addr >>> 16);
        const e = PE * (dir[d]! + dir[d + 1]!++);
        pool[e] = ((addr & 0xffff) << 16) | ((len - 16) << 8) | maxLen;
        pool[e + 1] = asn;
      } else {
        short[SH * ns] = (addr & 0xffff0000) | (len << 8) | maxLen;
        short[SH * ns++ + 1] = asn;
      }
    });
    this.pool = pool;
    this.par = new Int32Array(room);
    this.used = nLong;
    this.garbage = 0;
    this.nOps = 0;
    this.ops = new Int32Array(0);
    for (let d = 0; d < dir.length; d += DE) {
      const m = this.load(pool, PE, dir[d]!, dir[d + 1]!);
      if (m === 0) continue;
      this.parents(m);
      this.write(dir[d]!, m);
    }
    this.parents(this.load(short, SH, 0, ns));
    this.placeShort(ns);
  }

  /** Copies a run of entries into the scratch, sorted by (key, asn); returns its length. */
  private load(src: Int32Array, stride: number, off: number, m: number): number {
    if (m > this.tk.length) {
      this.tk = growI32(this.tk, m);
      this.ta = growI32(this.ta, m);
      this.tp = growI32(this.tp, m);
    }
    const tk = this.tk, ta = this.ta;
    let sorted = true;
    for (let t = 0; t < m; t++) {
      tk[t] = src[stride * (off + t)]!;
      ta[t] = src[stride * (off + t) + 1]!;
      if (t > 0 && sorted && cmp2(tk[t - 1]!, ta[t - 1]!, tk[t]!, ta[t]!) > 0) sorted = false;
    }
    if (!sorted) {
      // Only the VRPs of one prefix come in tree order (chain order), not in (maxLen, AS) order.
      const order = Array.from({ length: m }, (_, t) => t).sort((x, y) => cmp2(tk[x]!, ta[x]!, tk[y]!, ta[y]!));
      const k2 = order.map((t) => tk[t]!), a2 = order.map((t) => ta[t]!);
      for (let t = 0; t < m; t++) { tk[t] = k2[t]!; ta[t] = a2[t]!; }
    }
    return m;
  }

  /** Logs a change; addr has no bits set beyond len (0..32), maxLen 0..255. */
  log(addr: number, len: number, maxLen: number, asn: number, delta: 1 | -1): void {
    if (4 * (this.nOps + 1) > this.ops.length) this.ops = growI32(this.ops, 4 * (this.nOps + 1));
    const o = 4 * this.nOps++;
    if (len >= 16) {
      this.ops[o] = addr >>> 16;
      this.ops[o + 1] = ((addr & 0xffff) << 16) | ((len - 16) << 8) | maxLen;
    } else {
      this.ops[o] = SHORT;
      this.ops[o + 1] = (addr & 0xffff0000) | (len << 8) | maxLen;
    }
    this.ops[o + 2] = asn;
    this.ops[o + 3] = delta;
  }

  /** Applies the logged changes; `tight`: no room for growth (a full build). */
  flush(tight = false): void {
    const n = this.nOps;
    if (n === 0) return;
    const ops = this.ops;
    const idx = new Array<number>(n);
    for (let i = 0; i < n; i++) idx[i] = 4 * i;
    // TimSort: near-linear for a full build, which comes in address order.
    idx.sort((x, y) => (ops[x]! - ops[y]!) || cmp2(ops[x + 1]!, ops[x + 2]!, ops[y + 1]!, ops[y + 2]!));
    for (let i = 0; i < n;) {
      const b = ops[idx[i]!]!;
      let j = i + 1;
      while (j < n && ops[idx[j]!] === b) j++;
      const m = this.merge(b, idx, i, j);
      this.parents(m);
      if (b === SHORT) this.placeShort(m); else this.place(b, m, tight);
      i = j;
    }
    this.nOps = 0;
    if (this.ops.length > 4096) this.ops = new Int32Array(0);
    if (tight || (this.garbage > 4096 && 2 * this.garbage > this.used)) this.compact();
  }

  /** Merges bucket b's entries with its sorted ops [i, j) into the scratch; returns the count. */
  private merge(b: number, idx: number[], i: number, j: number): number {
    const ops = this.ops;
    const src = b === SHORT ? this.short : this.pool;
    const S = b === SHORT ? SH : PE;
    let p = b === SHORT ? 0 : this.dir[DE * b]!;
    const pe = p + (b === SHORT ? this.nShort : this.dir[DE * b + 1]!);
    const most = pe - p + (j - i);
    if (most > this.tk.length) {
      this.tk = growI32(this.tk, most);
      this.ta = growI32(this.ta, most);
      this.tp = growI32(this.tp, most);
    }
    const tk = this.tk, ta = this.ta;
    let m = 0;
    for (let k = i; k < j;) {
      const o = idx[k]!;
      const key = ops[o + 1]!, asn = ops[o + 2]!;
      let net = 0;
      while (k < j && ops[idx[k]! + 1] === key && ops[idx[k]! + 2] === asn) net += ops[idx[k++]! + 3]!;
      while (p < pe && cmp2(src[S * p]!, src[S * p + 1]!, key, asn) < 0) { tk[m] = src[S * p]!; ta[m++] = src[S * p + 1]!; p++; }
      let was = 0;
      if (p < pe && src[S * p] === key && src[S * p + 1] === asn) { was = 1; p++; }
      if (was + net > 0) { tk[m] = key; ta[m++] = asn; }
    }
    for (; p < pe; p++) { tk[m] = src[S * p]!; ta[m++] = src[S * p + 1]!; }
    return m;
  }

  /** Parent links (scratch positions) of the m scratch entries, in address order. */
  private parents(m: number): void {
    const tk = this.tk, tp = this.tp;
    const stack = this.stack;
    stack.length = 0;
    for (let t = 0; t < m; t++) {
      const k = tk[t]!;
      const l = (k >>> 8) & 255;
      while (stack.length > 0) {
        const q = tk[stack[stack.length - 1]!]!;
        const ql = (q >>> 8) & 255;
        if (ql <= l && (((q ^ k) >>> 16) & (MASK[ql]! >>> 16)) === 0) break;
        stack.pop();
      }
      tp[t] = stack.length > 0 ? stack[stack.length - 1]! : -1;
      stack.push(t);
    }
  }

  private place(b: number, m: number, tight: boolean): void {
    const d = DE * b;
    let off = this.dir[d]!;
    const cap = this.dir[d + 2]!;
    if (m > cap) {
      this.garbage += cap;
      const ncap = tight ? m : m + Math.max(2, m >> 2);
      off = this.alloc(ncap);
      this.dir[d] = off;
      this.dir[d + 2] = ncap;
    }
    this.dir[d + 1] = m;
    this.write(off, m);
  }

  /** Writes the scratch to the pool at off. */
  private write(off: number, m: number): void {
    const pool = this.pool, par = this.par, tk = this.tk, ta = this.ta, tp = this.tp;
    for (let t = 0; t < m; t++) {
      const e = PE * (off + t);
      pool[e] = tk[t]!;
      pool[e + 1] = ta[t]!;
      par[off + t] = tp[t]! < 0 ? -1 : off + tp[t]!;
    }
  }

  private alloc(n: number): number {
    const off = this.used;
    this.used += n;
    if (PE * this.used > this.pool.length) this.pool = growI32(this.pool, PE * this.used);
    if (this.used > this.par.length) this.par = growI32(this.par, this.used);
    return off;
  }

  private placeShort(m: number): void {
    const s = new Int32Array(SH * m);
    for (let t = 0; t < m; t++) {
      s[SH * t] = this.tk[t]!;
      s[SH * t + 1] = this.ta[t]!;
      s[SH * t + 2] = this.tp[t]!;
    }
    this.short = s;
    this.nShort = m;
    // Heads: each /16 points at the most specific short entry covering it (the last of its
    // equal-prefix run); address order writes the more specific ones last.
    const dir = this.dir;
    for (let b = 0; b < 0x10000; b++) dir[DE * b + 3] = -1;
    for (let t = 0; t < m; t++) {
      const k = s[SH * t]!;
      if (t + 1 < m && ((s[SH * (t + 1)]! ^ k) & ~255) === 0) continue;
      const from = k >>> 16;
      const to = from + (1 << (16 - ((k >>> 8) & 255)));
      for (let b = from; b < to; b++) dir[DE * b + 3] = t;
    }
  }

  /** Rewrites the pool with the buckets back to back, without slack. */
  compact(): void {
    const live = this.used - this.garbage;
    const old = this.pool, oldPar = this.par, dir = this.dir;
    const room = Math.max(16, live + (live >> 3));
    const pool = new Int32Array(PE * room), par = new Int32Array(room);
    let off = 0;
    for (let b = 0; b < 0x10000; b++) {
      const d = DE * b;
      const cnt = dir[d + 1]!, from = dir[d]!;
      for (let t = 0; t < cnt; t++) {
        const e = PE * (from + t), f = PE * (off + t);
        pool[f] = old[e]!;
        pool[f + 1] = old[e + 1]!;
        par[off + t] = oldPar[from + t]! < 0 ? -1 : oldPar[from + t]! - from + off;
      }
      dir[d] = off;
      dir[d + 2] = cnt;
      off += cnt;
    }
    this.pool = pool;
    this.par = par;
    this.used = off;
    this.garbage = 0;
  }

  /** Bytes held (directory, pool, short array). */
  get bytes(): number { return this.dir.byteLength + this.pool.byteLength + this.par.byteLength + this.short.byteLength + this.ops.byteLength; }

  /**
   * 0 not found, 1 valid, 2 invalid for the route a/len (any host bits of a are ignored);
   * o: the origin AS, or -1 to match nothing. len may exceed 32 (IPv6 routes against the /32
   * and shorter VRPs).
   */
  lookup(a: number, len: number, o: number): number {
    const dir = this.dir;
    const d = DE * (a >>> 16);
    let covered = false;
    if (len >= 16) {
      const cnt = dir[d + 1]!;
      if (cnt > 0) {
        const pool = this.pool;
        const off = dir[d]!;
        const a16 = a & 0xffff;
        const l16 = len - 16;
        if (cnt <= SCAN) {
          // Every entry that starts at or before a16, in order; those containing it cover the route.
          for (let e = PE * off, end = PE * (off + cnt); e < end; e += PE) {
            const k = pool[e]!;
            if (k >>> 16 > a16) break;
            const l = (k >>> 8) & 255;
            if (l <= l16 && (((a16 ^ (k >>> 16)) << 16) & MASK[l]!) === 0) {
              covered = true;
              if (pool[e + 1]! >>> 0 === o && (k & 255) >= len) return VALID;
            }
          }
        } else {
          // The last entry starting at or before a16, then up its parents.
          let lo = off, hi = off + cnt;
          while (lo < hi) {
            const mid = (lo + hi) >>> 1;
            if (pool[PE * mid]! >>> 16 <= a16) lo = mid + 1; else hi = mid;
          }
          const par = this.par;
          for (let i = lo - 1; i >= off; i = par[i]!) {
            const k = pool[PE * i]!;
            const l = (k >>> 8) & 255;
            if (l <= l16 && (((a16 ^ (k >>> 16)) << 16) & MASK[l]!) === 0) {
              covered = true;
              if (pool[PE * i + 1]! >>> 0 === o && (k & 255) >= len) return VALID;
            }
          }
        }
      }
      const s = this.short;
      for (let i = dir[d + 3]!; i >= 0; i = s[SH * i + 2]!) {
        covered = true;
        if (s[SH * i + 1]! >>> 0 === o && (s[SH * i]! & 255) >= len) return VALID;
      }
    } else {
      const s = this.short;
      for (let i = dir[d + 3]!; i >= 0; i = s[SH * i + 2]!) {
        const k = s[SH * i]!;
        if (((k >>> 8) & 255) > len) continue;
        covered = true;
        if (s[SH * i + 1]! >>> 0 === o && (k & 255) >= len) return VALID;
      }
    }
    return covered ? INVALID : NOT_FOUND;
  }
}

// ---------------------------------------------------------------------------------------------
// HashA: IPv6 prefixes of /32 and longer.

// Slot: [first word, offset (-1: empty slot), count, capacity].
// Entry: [w1, w2, w3, len << 8 | maxLen, asn, parent, 0, 0]; w0 is the bucket's key.
// Log: [w0, w1, w2, w3, meta, asn, delta, 0].
const SE = 4;
const QE = 8;
const IDW = 5; // identity words of an entry: w1, w2, w3, meta, asn

export class HashA {
  private slots: Int32Array = new Int32Array(0);
  private bits = 0;
  private keys = 0;
  private pool: Int32Array = new Int32Array(0);
  private used = 0;
  private garbage = 0;
  private ops: Int32Array = new Int32Array(0);
  private nOps = 0;
  private t: Int32Array = new Int32Array(64 * QE); // scratch: identity words, parent at +5
  private readonly stack: number[] = [];

  constructor() { this.rehash(10); }

  get pending(): number { return this.nOps; }

  /** As Dir32.build: prefixes of /32 or longer, in address order; `each` is called twice. */
  build(each: (visit: (w: ArrayLike<number>, len: number, maxLen: number, asn: number) => void) => void): void {
    let n = 0, groups = 0, prev = 0;
    each((w) => { if (n === 0 || (w[0]! | 0) !== prev) { groups++; prev = w[0]! | 0; } n++; });
    let bits = 10;
    while (3 * (1 << bits) < 4 * groups) bits++; // load factor at most 3/4
    this.slots = new Int32Array(0);
    this.rehash(bits);
    const pool = new Int32Array(QE * (n + (n >> 4) + 64));
    let at = 0, slot = -1, sorted = true;
    each((w, len, maxLen, asn) => {
      const w0 = w[0]! | 0;
      if (slot < 0 || this.slots[SE * slot] !== w0) {
        if (this.slotOf(w0) >= 0) sorted = false; // not in address order after all
        else { slot = this.insert(w0); this.slots[SE * slot + 1] = at; }
      }
      if (!sorted) return;
      const e = QE * at++;
      pool[e] = w[1]!; pool[e + 1] = w[2]!; pool[e + 2] = w[3]!;
      pool[e + 3] = (len << 8) | maxLen;
      pool[e + 4] = asn;
      this.slots[SE * slot + 2]++;
      this.slots[SE * slot + 3]++;
    });
    this.pool = pool;
    this.used = at;
    this.garbage = 0;
    this.nOps = 0;
    this.ops = new Int32Array(0);
    if (!sorted) {
      // Fall back to the log.
      this.pool = new Int32Array(0);
      this.used = 0;
      this.rehash(10);
      each((w, len, maxLen, asn) => this.log(w, 0, len, maxLen, asn, 1));
      this.flush(true);
      return;
    }
    const slots = this.slots;
    for (let s = 0; s < slots.length; s += SE) {
      if (slots[s + 1] === -1 || slots[s + 2] === 0) continue;
      const off = slots[s + 1]!, m = slots[s + 2]!;
      if (QE * m > this.t.length) this.t = growI32(this.t, QE * m);
      const t = this.t;
      let ok = true;
      for (let i = 0; i < m; i++) {
        for (let k = 0; k < IDW; k++) t[QE * i + k] = pool[QE * (off + i) + k]!;
        if (i > 0 && ok && cmpId(t, QE * (i - 1), t, QE * i) > 0) ok = false;
      }
      if (!ok) {
        const order = Array.from({ length: m }, (_, i) => i).sort((x, y) => cmpId(pool, QE * (off + x), pool, QE * (off + y)));
        for (let i = 0; i < m; i++) for (let k = 0; k < IDW; k++) t[QE * i + k] = pool[QE * (off + order[i]!) + k]!;
      }
      this.parents(m);
      for (let i = 0; i < m; i++) {
        const e = QE * (off + i), f = QE * i;
        for (let k = 0; k < IDW; k++) pool[e + k] = t[f + k]!;
        pool[e + 5] = t[f + 5]! < 0 ? -1 : off + t[f + 5]!;
      }
    }
  }

  private rehash(bits: number): void {
    const old = this.slots;
    this.bits = bits;
    this.slots = new Int32Array(SE << bits);
    for (let h = 0; h < 1 << bits; h++) this.slots[SE * h + 1] = -1;
    this.keys = 0;
    for (let h = 0; h < old.length / SE; h++) {
      if (old[SE * h + 1] === -1 || old[SE * h + 2] === 0) continue; // empty buckets are dropped here
      const s = this.insert(old[SE * h]!);
      this.slots[SE * s + 1] = old[SE * h + 1]!;
      this.slots[SE * s + 2] = old[SE * h + 2]!;
      this.slots[SE * s + 3] = old[SE * h + 3]!;
    }
  }

  private slotOf(w0: number): number {
    const mask = (1 << this.bits) - 1;
    let h = Math.imul(w0, 0x9e3779b1) >>> (32 - this.bits);
    for (;;) {
      if (this.slots[SE * h + 1] === -1) return -1 - h;
      if (this.slots[SE * h] === w0) return h;
      h = (h + 1) & mask;
    }
  }

  /** Slot of a new key (it must not be there yet). */
  private insert(w0: number): number {
    const h = -1 - this.slotOf(w0);
    this.slots[SE * h] = w0;
    this.slots[SE * h + 1] = 0;
    this.slots[SE * h + 2] = 0;
    this.slots[SE * h + 3] = 0;
    this.keys++;
    return h;
  }

  log(w: ArrayLike<number>, off: number, len: number, maxLen: number, asn: number, delta: 1 | -1): void {
    if (QE * (this.nOps + 1) > this.ops.length) this.ops = growI32(this.ops, QE * (this.nOps + 1));
    const o = QE * this.nOps++;
    const ops = this.ops;
    ops[o] = w[off]!; ops[o + 1] = w[off + 1]!; ops[o + 2] = w[off + 2]!; ops[o + 3] = w[off + 3]!;
    ops[o + 4] = (len << 8) | maxLen;
    ops[o + 5] = asn;
    ops[o + 6] = delta;
  }

  flush(tight = false): void {
    const n = this.nOps;
    if (n === 0) return;
    const ops = this.ops;
    const idx = new Array<number>(n);
    for (let i = 0; i < n; i++) idx[i] = QE * i;
    idx.sort((x, y) => {
      for (let k = 0; k <= IDW; k++) if (ops[x + k] !== ops[y + k]) return lessU(ops[x + k]!, ops[y + k]!) ? -1 : 1;
      return 0;
    });
    for (let i = 0; i < n;) {
      const w0 = ops[idx[i]!]!;
      let j = i + 1;
      while (j < n && ops[idx[j]!] === w0) j++;
      let h = this.slotOf(w0);
      if (h < 0) {
        if (4 * (this.keys + 1) > 3 * (1 << this.bits)) this.rehash(this.bits + 1);
        h = this.insert(w0);
      }
      const m = this.merge(h, idx, i, j);
      this.parents(m);
      this.place(h, m, tight);
      i = j;
    }
    this.nOps = 0;
    if (this.ops.length > 8192) this.ops = new Int32Array(0);
    if (tight || (this.garbage > 4096 && 2 * this.garbage > this.used)) this.compact();
  }

  private merge(h: number, idx: number[], i: number, j: number): number {
    const ops = this.ops, src = this.pool;
    let p = this.slots[SE * h + 1]!;
    const pe = p + this.slots[SE * h + 2]!;
    const most = pe - p + (j - i);
    if (QE * most > this.t.length) this.t = growI32(this.t, QE * most);
    const t = this.t;
    let m = 0;
    // Entry identity words sit at 0..4, log identity at 1..5.
    const cmpEO = (e: number, o: number): number => {
      for (let k = 0; k < IDW; k++) if (src[e + k] !== ops[o + 1 + k]) return lessU(src[e + k]!, ops[o + 1 + k]!) ? -1 : 1;
      return 0;
    };
    const copyE = (e: number) => { const d = QE * m++; for (let k = 0; k < IDW; k++) t[d + k] = src[e + k]!; };
    for (let k = i; k < j;) {
      const o = idx[k]!;
      let net = 0;
      while (k < j && sameId(ops, idx[k]!, o)) net += ops[idx[k++]! + 6]!;
      while (p < pe && cmpEO(QE * p, o) < 0) copyE(QE * p++);
      let was = 0;
      if (p < pe && cmpEO(QE * p, o) === 0) { was = 1; p++; }
      if (was + net > 0) { const d = QE * m++; for (let q = 0; q < IDW; q++) t[d + q] = ops[o + 1 + q]!; }
    }
    for (; p < pe; p++) copyE(QE * p);
    return m;
  }

  private parents(m: number): void {
    const t = this.t, stack = this.stack;
    stack.length = 0;
    for (let i = 0; i < m; i++) {
      const e = QE * i;
      const l = t[e + 3]! >>> 8;
      while (stack.length > 0) {
        const q = QE * stack[stack.length - 1]!;
        if ((t[q + 3]! >>> 8) <= l && contains(t, q, t[e]!, t[e + 1]!, t[e + 2]!)) break;
        stack.pop();
      }
      t[e + 5] = stack.length > 0 ? stack[stack.length - 1]! : -1;
      stack.push(i);
    }
  }

  private place(h: number, m: number, tight: boolean): void {
    const s = SE * h;
    let off = this.slots[s + 1]!;
    const cap = this.slots[s + 3]!;
    if (m > cap) {
      this.garbage += cap;
      const ncap = tight ? m : m + Math.max(1, m >> 2);
      off = this.used;
      this.used += ncap;
      if (QE * this.used > this.pool.length) this.pool = growI32(this.pool, QE * this.used);
      this.slots[s + 1] = off;
      this.slots[s + 3] = ncap;
    }
    this.slots[s + 2] = m;
    const pool = this.pool, t = this.t;
    for (let i = 0; i < m; i++) {
      const e = QE * (off + i), f = QE * i;
      for (let k = 0; k < IDW; k++) pool[e + k] = t[f + k]!;
      pool[e + 5] = t[f + 5]! < 0 ? -1 : off + t[f + 5]!;
    }
  }

  compact(): void {
    const live = this.used - this.garbage;
    const old = this.pool, slots = this.slots;
    const pool = new Int32Array(QE * Math.max(16, live + (live >> 3)));
    let off = 0;
    for (let h = 0; h < slots.length / SE; h++) {
      const s = SE * h;
      if (slots[s + 1] === -1) continue;
      const cnt = slots[s + 2]!, from = slots[s + 1]!;
      for (let i = 0; i < cnt; i++) {
        const e = QE * (from + i), f = QE * (off + i);
        for (let k = 0; k < IDW; k++) pool[f + k] = old[e + k]!;
        pool[f + 5] = old[e + 5]! < 0 ? -1 : old[e + 5]! - from + off;
      }
      slots[s + 1] = off;
      slots[s + 3] = cnt;
      off += cnt;
    }
    this.pool = pool;
    this.used = off;
    this.garbage = 0;
    this.rehash(this.bits); // drops the emptied buckets
  }

  get bytes(): number { return this.slots.byteLength + this.pool.byteLength + this.ops.byteLength; }

  /** As Dir32.lookup, for IPv6 routes of /32 or longer against the VRPs of /32 or longer. */
  lookup(a0: number, a1: number, a2: number, a3: number, len: number, o: number): number {
    const slots = this.slots;
    const mask = (1 << this.bits) - 1;
    a0 |= 0;
    let h = Math.imul(a0, 0x9e3779b1) >>> (32 - this.bits);
    for (;;) {
      const s = SE * h;
      if (slots[s + 1] === -1) return NOT_FOUND;
      if (slots[s] === a0) break;
      h = (h + 1) & mask;
    }
    const s = SE * h;
    const cnt = slots[s + 2]!;
    if (cnt === 0) return NOT_FOUND;
    const off = slots[s + 1]!;
    const pool = this.pool;
    a1 >>>= 0; a2 >>>= 0; a3 >>>= 0;
    // Last entry whose start is at or before a1:a2:a3.
    let lo = off, hi = off + cnt;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const e = QE * mid;
      const x1 = pool[e]! >>> 0;
      let le: boolean;
      if (x1 !== a1) le = x1 < a1;
      else {
        const x2 = pool[e + 1]! >>> 0;
        le = x2 !== a2 ? x2 < a2 : pool[e + 2]! >>> 0 <= a3;
      }
      if (le) lo = mid + 1; else hi = mid;
    }
    let covered = false;
    for (let i = lo - 1; i >= off;) {
      const e = QE * i;
      const meta = pool[e + 3]!;
      if (meta >>> 8 <= len && contains(pool, e, a1, a2, a3)) {
        covered = true;
        if (pool[e + 4]! >>> 0 === o && (meta & 255) >= len) return VALID;
      }
      i = pool[e + 5]!;
    }
    return covered ? INVALID : NOT_FOUND;
  }
}

/** Order of two entries' identities (w1, w2, w3, meta, asn), unsigned. */
function cmpId(a: Int32Array, x: number, b: Int32Array, y: number): number {
  for (let k = 0; k < IDW; k++) if (a[x + k] !== b[y + k]) return lessU(a[x + k]!, b[y + k]!) ? -1 : 1;
  return 0;
}

function sameId(ops: Int32Array, x: number, y: number): boolean {
  for (let k = 0; k <= IDW; k++) if (ops[x + k] !== ops[y + k]) return false;
  return true;
}

/** Whether the entry at e (words 1..3 at e..e+2, len in e+3) contains the point ?:a1:a2:a3 of its /32. */
function contains(p: Int32Array, e: number, a1: number, a2: number, a3: number): boolean {
  const m = (p[e + 3]! >>> 8) - 32;
  if (m <= 32) return ((p[e]! ^ a1) & MASK[m]!) === 0;
  if (p[e]! !== (a1 | 0)) return false;
  if (m <= 64) return ((p[e + 1]! ^ a2) & MASK[m - 32]!) === 0;
  return p[e + 1]! === (a2 | 0) && ((p[e + 2]! ^ a3) & MASK[m - 64]!) === 0;
}
