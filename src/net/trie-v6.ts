// IPv6 Patricia tree over addresses held as 4 uint32 words (most significant first), no bigint.
//
// Same shape as trie-v4.ts: nodes in one Int32Array, 8 slots each (32 bytes, half a cache line):
// [w0, w1, w2, w3, length | VALUE flag, child 0, child 1, unused]; values in a parallel array;
// node 0 means "no node"; glue nodes always have two children. Handles stay valid until the next
// set/delete/clear; visitors may update values but a structural change during a walk throws.
import { v6MaskWord } from './compact.js';

const VALUE = 0x100;
const LEN = 0xff;
const NONE = 0;
const S = 8; // slots per node

/**
 * Visitor of a stored prefix. `words` is a scratch array owned by the trie, overwritten on the
 * next visit: copy it to keep it.
 */
export type V6Visit<T> = (words: Uint32Array, len: number, value: T) => void;

/** Length of the common leading bits of (a0..a3) and the node at slot b, capped at `upto`. */
function common(n: Int32Array, b: number, a0: number, a1: number, a2: number, a3: number, upto: number): number {
  let d = a0 ^ n[b];
  if (d !== 0) return Math.min(Math.clz32(d), upto);
  if (upto <= 32) return upto;
  d = a1 ^ n[b + 1];
  if (d !== 0) return Math.min(32 + Math.clz32(d), upto);
  if (upto <= 64) return upto;
  d = a2 ^ n[b + 2];
  if (d !== 0) return Math.min(64 + Math.clz32(d), upto);
  if (upto <= 96) return upto;
  d = a3 ^ n[b + 3];
  return d !== 0 ? Math.min(96 + Math.clz32(d), upto) : upto;
}

/** Bit `p` (0 = most significant) of the address (a0..a3); p < 128. */
function bitAt(a0: number, a1: number, a2: number, a3: number, p: number): number {
  const w = p < 64 ? (p < 32 ? a0 : a1) : p < 96 ? a2 : a3;
  return (w >>> (31 - (p & 31))) & 1;
}

export class TrieV6<T> {
  private n = new Int32Array(S * 64);
  private vals: Array<T | undefined> = [undefined];
  private next = 1;
  private free = NONE;
  private root = NONE;
  private count = 0;
  private live = 0;
  private version = 0;
  private readonly scratch = new Uint32Array(4);

  get size(): number {
    return this.count;
  }
  get nodeCount(): number {
    return this.live;
  }

  clear(): void {
    this.n = new Int32Array(S * 64);
    this.vals = [undefined];
    this.next = 1;
    this.free = NONE;
    this.root = NONE;
    this.count = 0;
    this.live = 0;
    this.version++;
  }

  private alloc(a0: number, a1: number, a2: number, a3: number, lenFlags: number, c0: number, c1: number, v: T | undefined): number {
    let id = this.free;
    if (id !== NONE) {
      this.free = this.n[S * id + 5];
    } else {
      id = this.next++;
      if (S * id >= this.n.length) {
        const grown = new Int32Array(this.n.length * 2);
        grown.set(this.n);
        this.n = grown;
      }
    }
    const n = this.n;
    const b = S * id;
    n[b] = a0;
    n[b + 1] = a1;
    n[b + 2] = a2;
    n[b + 3] = a3;
    n[b + 4] = lenFlags;
    n[b + 5] = c0;
    n[b + 6] = c1;
    if (id === this.vals.length) this.vals.push(v);
    else this.vals[id] = v;
    this.live++;
    this.version++;
    return id;
  }

  private release(id: number): void {
    this.vals[id] = undefined;
    this.n[S * id + 4] = 0;
    this.n[S * id + 5] = this.free;
    this.free = id;
    this.live--;
    this.version++;
  }

  private link(parent: number, dir: number, x: number): void {
    if (parent === NONE) this.root = x;
    else this.n[S * parent + 5 + dir] = x;
  }

  /** Stores `value` under w/len (w: 4 words; host bits beyond len are ignored). */
  set(w: ArrayLike<number>, len: number, value: T): void {
    if (!(len >= 0 && len <= 128 && Number.isInteger(len))) throw new RangeError(`bad IPv6 prefix length ${len}`);
    const a0 = w[0] & v6MaskWord(len, 0),
      a1 = w[1] & v6MaskWord(len, 1);
    const a2 = w[2] & v6MaskWord(len, 2),
      a3 = w[3] & v6MaskWord(len, 3);
    if (this.root === NONE) {
      this.root = this.alloc(a0, a1, a2, a3, len | VALUE, NONE, NONE, value);
      this.count++;
      return;
    }
    let parent = NONE;
    let dir = 0;
    let x = this.root;
    for (;;) {
      const b = S * x;
      const xf = this.n[b + 4];
      const xl = xf & LEN;
      const min = Math.min(xl, len);
      const c = common(this.n, b, a0, a1, a2, a3, min);
      if (c < min) {
        // The paths part before either prefix ends: a glue node joins them at bit c.
        const leaf = this.alloc(a0, a1, a2, a3, len | VALUE, NONE, NONE, value);
        const bit = bitAt(a0, a1, a2, a3, c);
        const glue = this.alloc(
          a0 & v6MaskWord(c, 0),
          a1 & v6MaskWord(c, 1),
          a2 & v6MaskWord(c, 2),
          a3 & v6MaskWord(c, 3),
          c,
          bit ? x : leaf,
          bit ? leaf : x,
          undefined,
        );
        this.link(parent, dir, glue);
        this.count++;
        return;
      }
      if (xl === len) {
        if ((xf & VALUE) === 0) {
          this.n[b + 4] = xf | VALUE;
          this.count++;
        }
        this.vals[x] = value;
        return;
      }
      if (xl > len) {
        // The new prefix covers x: it goes above it.
        const bit = bitAt(this.n[b], this.n[b + 1], this.n[b + 2], this.n[b + 3], len);
        const node = this.alloc(a0, a1, a2, a3, len | VALUE, bit ? NONE : x, bit ? x : NONE, value);
        this.link(parent, dir, node);
        this.count++;
        return;
      }
      const bit = bitAt(a0, a1, a2, a3, xl);
      const child = this.n[b + 5 + bit];
      if (child === NONE) {
        const leaf = this.alloc(a0, a1, a2, a3, len | VALUE, NONE, NONE, value);
        this.n[b + 5 + bit] = leaf;
        this.count++;
        return;
      }
      parent = x;
      dir = bit;
      x = child;
    }
  }

  /** Handle of the node that stores exactly w/len, or 0. */
  find(w: ArrayLike<number>, len: number): number {
    const a0 = w[0] & v6MaskWord(len, 0),
      a1 = w[1] & v6MaskWord(len, 1);
    const a2 = w[2] & v6MaskWord(len, 2),
      a3 = w[3] & v6MaskWord(len, 3);
    const n = this.n;
    let x = this.root;
    while (x !== NONE) {
      const b = S * x;
      const xf = n[b + 4];
      const xl = xf & LEN;
      if (xl >= len) {
        return xl === len && (xf & VALUE) !== 0 && common(n, b, a0, a1, a2, a3, 128) === 128 ? x : NONE;
      }
      if (common(n, b, a0, a1, a2, a3, xl) < xl) return NONE;
      x = n[b + 5 + bitAt(a0, a1, a2, a3, xl)];
    }
    return NONE;
  }

  get(w: ArrayLike<number>, len: number): T | undefined {
    const x = this.find(w, len);
    return x === NONE ? undefined : this.vals[x];
  }

  has(w: ArrayLike<number>, len: number): boolean {
    return this.find(w, len) !== NONE;
  }

  delete(w: ArrayLike<number>, len: number): boolean {
    const x = this.find(w, len);
    if (x === NONE) return false;
    // Second descent for the parent and grandparent: deletes are rare next to lookups.
    const a0 = w[0],
      a1 = w[1],
      a2 = w[2],
      a3 = w[3];
    const n = this.n;
    let gp = NONE,
      gpDir = 0,
      parent = NONE,
      pDir = 0;
    for (let y = this.root; y !== x; ) {
      const bit = bitAt(a0, a1, a2, a3, n[S * y + 4] & LEN);
      gp = parent;
      gpDir = pDir;
      parent = y;
      pDir = bit;
      y = n[S * y + 5 + bit];
    }
    const b = S * x;
    this.count--;
    const c0 = n[b + 5],
      c1 = n[b + 6];
    if (c0 !== NONE && c1 !== NONE) {
      n[b + 4] &= ~VALUE; // still joins two subtrees: stays as a glue node
      this.vals[x] = undefined;
      return true;
    }
    this.link(parent, pDir, c0 !== NONE ? c0 : c1);
    this.release(x);
    if (c0 === NONE && c1 === NONE && parent !== NONE && (n[S * parent + 4] & VALUE) === 0) {
      this.link(gp, gpDir, n[S * parent + 5 + (1 - pDir)]);
      this.release(parent);
    }
    return true;
  }

  /** Handle of the most specific stored prefix covering w/len (len 128 for an address), or 0. */
  longest(w: ArrayLike<number>, len = 128): number {
    const a0 = w[0],
      a1 = w[1],
      a2 = w[2],
      a3 = w[3];
    const n = this.n;
    let best = NONE;
    let x = this.root;
    while (x !== NONE) {
      const b = S * x;
      const xf = n[b + 4];
      const xl = xf & LEN;
      if (xl > len || common(n, b, a0, a1, a2, a3, xl) < xl) break;
      if ((xf & VALUE) !== 0) best = x;
      if (xl === len) break;
      x = n[b + 5 + bitAt(a0, a1, a2, a3, xl)];
    }
    return best;
  }

  longestValue(w: ArrayLike<number>, len = 128): T | undefined {
    const x = this.longest(w, len);
    return x === NONE ? undefined : this.vals[x];
  }

  /** Visits every stored prefix that equals or covers w/len, least specific first. */
  covering(w: ArrayLike<number>, len: number, visit: V6Visit<T>): void {
    const a0 = w[0],
      a1 = w[1],
      a2 = w[2],
      a3 = w[3];
    const n = this.n;
    const version = this.version;
    let x = this.root;
    while (x !== NONE) {
      const b = S * x;
      const xf = n[b + 4];
      const xl = xf & LEN;
      if (xl > len || common(n, b, a0, a1, a2, a3, xl) < xl) return;
      if ((xf & VALUE) !== 0) {
        this.emit(x, visit);
        if (this.version !== version) throw new Error('trie changed during covering()');
      }
      if (xl === len) return;
      x = n[b + 5 + bitAt(a0, a1, a2, a3, xl)];
    }
  }

  /** Writes the handles of the covering prefixes (least specific first) into out; returns how many (at most 129). */
  coveringNodes(w: ArrayLike<number>, len: number, out: Int32Array): number {
    const a0 = w[0],
      a1 = w[1],
      a2 = w[2],
      a3 = w[3];
    const n = this.n;
    let k = 0;
    let x = this.root;
    while (x !== NONE) {
      const b = S * x;
      const xf = n[b + 4];
      const xl = xf & LEN;
      if (xl > len || common(n, b, a0, a1, a2, a3, xl) < xl) break;
      if ((xf & VALUE) !== 0) out[k++] = x;
      if (xl === len) break;
      x = n[b + 5 + bitAt(a0, a1, a2, a3, xl)];
    }
    return k;
  }

  /** Visits the stored prefixes inside w/len in address order; w/len itself only with includeExact. */
  moreSpecifics(w: ArrayLike<number>, len: number, includeExact: boolean, visit: V6Visit<T>): void {
    const a0 = w[0],
      a1 = w[1],
      a2 = w[2],
      a3 = w[3];
    const n = this.n;
    let x = this.root;
    while (x !== NONE) {
      const b = S * x;
      const xl = n[b + 4] & LEN;
      if (xl >= len) {
        if (common(n, b, a0, a1, a2, a3, len) === len) this.walk(x, includeExact ? -1 : len, visit);
        return;
      }
      if (common(n, b, a0, a1, a2, a3, xl) < xl) return;
      x = n[b + 5 + bitAt(a0, a1, a2, a3, xl)];
    }
  }

  /** Renumbers the nodes depth first (see TrieV4.optimize): subtrees become contiguous. Handles change. */
  optimize(): void {
    const old = this.n;
    const map = new Int32Array(this.next);
    const order = new Int32Array(this.live);
    let k = 0;
    const stack = this.root === NONE ? [] : [this.root];
    while (stack.length > 0) {
      const x = stack.pop()!;
      order[k++] = x;
      map[x] = k;
      if (old[S * x + 6] !== NONE) stack.push(old[S * x + 6]);
      if (old[S * x + 5] !== NONE) stack.push(old[S * x + 5]);
    }
    const n = new Int32Array(S * Math.max(64, k + 1 + (k >> 3)));
    const vals: Array<T | undefined> = [undefined];
    for (let j = 0; j < k; j++) {
      const ob = S * order[j],
        nb = S * (j + 1);
      n.set(old.subarray(ob, ob + 5), nb);
      n[nb + 5] = map[old[ob + 5]];
      n[nb + 6] = map[old[ob + 6]];
      vals.push(this.vals[order[j]]);
    }
    this.n = n;
    this.vals = vals;
    this.next = k + 1;
    this.free = NONE;
    this.root = k === 0 ? NONE : 1;
    this.version++;
  }

  /** Visits all stored prefixes in address order (shorter first among equal addresses). */
  forEach(visit: V6Visit<T>): void {
    if (this.root !== NONE) this.walk(this.root, -1, visit);
  }

  private emit(x: number, visit: V6Visit<T>): void {
    const b = S * x;
    const s = this.scratch;
    s[0] = this.n[b];
    s[1] = this.n[b + 1];
    s[2] = this.n[b + 2];
    s[3] = this.n[b + 3];
    visit(s, this.n[b + 4] & LEN, this.vals[x] as T);
  }

  // Pre-order, child 0 before child 1: address order. Nodes of length `skipLen` are skipped.
  private walk(from: number, skipLen: number, visit: V6Visit<T>): void {
    const n = this.n;
    const version = this.version;
    const stack = [from];
    while (stack.length > 0) {
      const x = stack.pop()!;
      const b = S * x;
      const xf = n[b + 4];
      if (n[b + 6] !== NONE) stack.push(n[b + 6]);
      if (n[b + 5] !== NONE) stack.push(n[b + 5]);
      if ((xf & VALUE) !== 0 && (xf & LEN) !== skipLen) {
        this.emit(x, visit);
        if (this.version !== version) throw new Error('trie changed during a walk');
      }
    }
  }

  /** Lazily yields all stored prefixes in address order; each tuple has its own words array. */
  *entries(): Generator<[words: Uint32Array, len: number, value: T]> {
    const version = this.version;
    const stack = this.root === NONE ? [] : [this.root];
    while (stack.length > 0) {
      if (this.version !== version) throw new Error('trie changed during iteration');
      const x = stack.pop()!;
      const b = S * x;
      const xf = this.n[b + 4];
      if (this.n[b + 6] !== NONE) stack.push(this.n[b + 6]);
      if (this.n[b + 5] !== NONE) stack.push(this.n[b + 5]);
      if ((xf & VALUE) !== 0) yield [this.wordsAt(x), xf & LEN, this.vals[x] as T];
    }
  }

  wordsAt(h: number, out: Uint32Array = new Uint32Array(4)): Uint32Array {
    const b = S * h;
    out[0] = this.n[b];
    out[1] = this.n[b + 1];
    out[2] = this.n[b + 2];
    out[3] = this.n[b + 3];
    return out;
  }
  lengthAt(h: number): number {
    return this.n[S * h + 4] & LEN;
  }
  valueAt(h: number): T {
    return this.vals[h] as T;
  }
}
