// Dir32: the route origin validation index over a 32-bit key (all of IPv4, and IPv6 prefixes
// shorter than /32 by their first word); the design is described in rov-index.ts.
import { cmp2, growI32, INVALID, MASK, NOT_FOUND, VALID } from './rov-words.js';

/** Bucket id of the short prefixes in a Dir32 log. */
const SHORT = 0x10000;

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

  get pending(): number {
    return this.nOps;
  }

  /**
   * Replaces the content with the VRPs that `each` visits, in address order (shorter first
   * among equal addresses), as a tree walk gives them. `each` is called twice (count, fill): the
   * pool is allocated once, at its final size.
   */
  build(each: (visit: (addr: number, len: number, maxLen: number, asn: number) => void) => void): void {
    const dir = this.dir;
    dir.fill(0);
    let nLong = 0,
      nShort = 0;
    each((addr, len) => {
      if (len >= 16) {
        dir[DE * (addr >>> 16) + 1]++;
        nLong++;
      } else nShort++;
    });
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
    const tk = this.tk,
      ta = this.ta;
    let sorted = true;
    for (let t = 0; t < m; t++) {
      tk[t] = src[stride * (off + t)]!;
      ta[t] = src[stride * (off + t) + 1]!;
      if (t > 0 && sorted && cmp2(tk[t - 1]!, ta[t - 1]!, tk[t]!, ta[t]!) > 0) sorted = false;
    }
    if (!sorted) {
      // Only the VRPs of one prefix come in tree order (chain order), not in (maxLen, AS) order.
      const order = Array.from({ length: m }, (_, t) => t).sort((x, y) => cmp2(tk[x]!, ta[x]!, tk[y]!, ta[y]!));
      const k2 = order.map((t) => tk[t]!),
        a2 = order.map((t) => ta[t]!);
      for (let t = 0; t < m; t++) {
        tk[t] = k2[t]!;
        ta[t] = a2[t]!;
      }
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
    idx.sort((x, y) => ops[x]! - ops[y]! || cmp2(ops[x + 1]!, ops[x + 2]!, ops[y + 1]!, ops[y + 2]!));
    for (let i = 0; i < n; ) {
      const b = ops[idx[i]!]!;
      let j = i + 1;
      while (j < n && ops[idx[j]!] === b) j++;
      const m = this.merge(b, idx, i, j);
      this.parents(m);
      if (b === SHORT) this.placeShort(m);
      else this.place(b, m, tight);
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
    const tk = this.tk,
      ta = this.ta;
    let m = 0;
    for (let k = i; k < j; ) {
      const o = idx[k]!;
      const key = ops[o + 1]!,
        asn = ops[o + 2]!;
      let net = 0;
      while (k < j && ops[idx[k]! + 1] === key && ops[idx[k]! + 2] === asn) net += ops[idx[k++]! + 3]!;
      while (p < pe && cmp2(src[S * p]!, src[S * p + 1]!, key, asn) < 0) {
        tk[m] = src[S * p]!;
        ta[m++] = src[S * p + 1]!;
        p++;
      }
      let was = 0;
      if (p < pe && src[S * p] === key && src[S * p + 1] === asn) {
        was = 1;
        p++;
      }
      if (was + net > 0) {
        tk[m] = key;
        ta[m++] = asn;
      }
    }
    for (; p < pe; p++) {
      tk[m] = src[S * p]!;
      ta[m++] = src[S * p + 1]!;
    }
    return m;
  }

  /** Parent links (scratch positions) of the m scratch entries, in address order. */
  private parents(m: number): void {
    const tk = this.tk,
      tp = this.tp;
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
    const pool = this.pool,
      par = this.par,
      tk = this.tk,
      ta = this.ta,
      tp = this.tp;
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
    const old = this.pool,
      oldPar = this.par,
      dir = this.dir;
    const room = Math.max(16, live + (live >> 3));
    const pool = new Int32Array(PE * room),
      par = new Int32Array(room);
    let off = 0;
    for (let b = 0; b < 0x10000; b++) {
      const d = DE * b;
      const cnt = dir[d + 1]!,
        from = dir[d]!;
      for (let t = 0; t < cnt; t++) {
        const e = PE * (from + t),
          f = PE * (off + t);
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
  get bytes(): number {
    return this.dir.byteLength + this.pool.byteLength + this.par.byteLength + this.short.byteLength + this.ops.byteLength;
  }

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
          let lo = off,
            hi = off + cnt;
          while (lo < hi) {
            const mid = (lo + hi) >>> 1;
            if (pool[PE * mid]! >>> 16 <= a16) lo = mid + 1;
            else hi = mid;
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
