// HashA: the route origin validation index of IPv6 prefixes of /32 and longer, hashed by their
// first word; the design is described in rov-index.ts.
import { growI32, INVALID, lessU, MASK, NOT_FOUND, VALID } from './rov-words.js';

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

  constructor() {
    this.rehash(10);
  }

  get pending(): number {
    return this.nOps;
  }

  /** As Dir32.build: prefixes of /32 or longer, in address order; `each` is called twice. */
  build(each: (visit: (w: ArrayLike<number>, len: number, maxLen: number, asn: number) => void) => void): void {
    let n = 0,
      groups = 0,
      prev = 0;
    each((w) => {
      if (n === 0 || (w[0]! | 0) !== prev) {
        groups++;
        prev = w[0]! | 0;
      }
      n++;
    });
    let bits = 10;
    while (3 * (1 << bits) < 4 * groups) bits++; // load factor at most 3/4
    this.slots = new Int32Array(0);
    this.rehash(bits);
    const pool = new Int32Array(QE * (n + (n >> 4) + 64));
    let at = 0,
      slot = -1,
      sorted = true;
    each((w, len, maxLen, asn) => {
      const w0 = w[0]! | 0;
      if (slot < 0 || this.slots[SE * slot] !== w0) {
        if (this.slotOf(w0) >= 0)
          sorted = false; // not in address order after all
        else {
          slot = this.insert(w0);
          this.slots[SE * slot + 1] = at;
        }
      }
      if (!sorted) return;
      const e = QE * at++;
      pool[e] = w[1]!;
      pool[e + 1] = w[2]!;
      pool[e + 2] = w[3]!;
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
      const off = slots[s + 1]!,
        m = slots[s + 2]!;
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
        const e = QE * (off + i),
          f = QE * i;
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
    ops[o] = w[off]!;
    ops[o + 1] = w[off + 1]!;
    ops[o + 2] = w[off + 2]!;
    ops[o + 3] = w[off + 3]!;
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
    for (let i = 0; i < n; ) {
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
    const ops = this.ops,
      src = this.pool;
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
    const copyE = (e: number) => {
      const d = QE * m++;
      for (let k = 0; k < IDW; k++) t[d + k] = src[e + k]!;
    };
    for (let k = i; k < j; ) {
      const o = idx[k]!;
      let net = 0;
      while (k < j && sameId(ops, idx[k]!, o)) net += ops[idx[k++]! + 6]!;
      while (p < pe && cmpEO(QE * p, o) < 0) copyE(QE * p++);
      let was = 0;
      if (p < pe && cmpEO(QE * p, o) === 0) {
        was = 1;
        p++;
      }
      if (was + net > 0) {
        const d = QE * m++;
        for (let q = 0; q < IDW; q++) t[d + q] = ops[o + 1 + q]!;
      }
    }
    for (; p < pe; p++) copyE(QE * p);
    return m;
  }

  private parents(m: number): void {
    const t = this.t,
      stack = this.stack;
    stack.length = 0;
    for (let i = 0; i < m; i++) {
      const e = QE * i;
      const l = t[e + 3]! >>> 8;
      while (stack.length > 0) {
        const q = QE * stack[stack.length - 1]!;
        if (t[q + 3]! >>> 8 <= l && contains(t, q, t[e]!, t[e + 1]!, t[e + 2]!)) break;
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
    const pool = this.pool,
      t = this.t;
    for (let i = 0; i < m; i++) {
      const e = QE * (off + i),
        f = QE * i;
      for (let k = 0; k < IDW; k++) pool[e + k] = t[f + k]!;
      pool[e + 5] = t[f + 5]! < 0 ? -1 : off + t[f + 5]!;
    }
  }

  compact(): void {
    const live = this.used - this.garbage;
    const old = this.pool,
      slots = this.slots;
    const pool = new Int32Array(QE * Math.max(16, live + (live >> 3)));
    let off = 0;
    for (let h = 0; h < slots.length / SE; h++) {
      const s = SE * h;
      if (slots[s + 1] === -1) continue;
      const cnt = slots[s + 2]!,
        from = slots[s + 1]!;
      for (let i = 0; i < cnt; i++) {
        const e = QE * (from + i),
          f = QE * (off + i);
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

  get bytes(): number {
    return this.slots.byteLength + this.pool.byteLength + this.ops.byteLength;
  }

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
    a1 >>>= 0;
    a2 >>>= 0;
    a3 >>>= 0;
    // Last entry whose start is at or before a1:a2:a3.
    let lo = off,
      hi = off + cnt;
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
      if (le) lo = mid + 1;
      else hi = mid;
    }
    let covered = false;
    for (let i = lo - 1; i >= off; ) {
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
