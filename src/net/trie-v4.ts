// IPv4 Patricia tree (path-compressed binary radix tree) over uint32 numbers, no bigint.
//
// Nodes live in one Int32Array, 4 slots each: [address, length | VALUE flag, child 0, child 1],
// so a lookup step touches one 16-byte record. Values sit in a parallel array indexed by node id.
// Node 0 is never used, so 0 means "no node". Glue nodes (no value) always have two children,
// which keeps the node count below twice the number of stored prefixes.
//
// Node ids ("handles") returned by the fast paths stay valid until the next set/delete/clear.
// Visitors and iterators may change values (set of a stored prefix) but not add or remove
// prefixes: a structural change during a walk throws.
//
// Large trees add a jump table over the first 16 bits (trie-v4-jump.ts) so that lookups start
// near /16 instead of at the root; optimize() lays the nodes out in address order after a bulk
// load so that a subtree shares cache lines and pages.
import { MASK4 } from './compact.js';
import { JUMP_BITS, JumpV4, shortIndex } from './trie-v4-jump.js';

const VALUE = 0x100;
const LEN = 0xff;
const NONE = 0;

/** Visitor of a stored prefix: network address as uint32, length, value. */
export type V4Visit<T> = (addr: number, len: number, value: T) => void;

export interface TrieV4Options {
  /** Node count from which the jump table (1 MiB) is kept; default 4096. */
  jumpFromNodes?: number;
}

export class TrieV4<T> {
  private n = new Int32Array(4 * 64);
  private vals: Array<T | undefined> = [undefined];
  private next = 1; // first never-used node id
  private free = NONE; // freed nodes, linked through child 0
  private root = NONE;
  private count = 0;
  private live = 0;
  private version = 0; // bumped on every structural change, to catch changes during walks
  private stored = 0; // bumped whenever a prefix is stored or deleted (see storedChanges)
  private jump: JumpV4 | undefined;
  private readonly jumpFrom: number;

  constructor(options: TrieV4Options = {}) {
    this.jumpFrom = options.jumpFromNodes ?? 4096;
  }

  /** Grows whenever a prefix is stored or deleted: what a reader derived from the set of prefixes holds until it changes. */
  get storedChanges(): number {
    return this.stored;
  }

  /** Number of stored prefixes. */
  get size(): number {
    return this.count;
  }
  /** Nodes in use, glue nodes included (for memory accounting). */
  get nodeCount(): number {
    return this.live;
  }

  clear(): void {
    this.n = new Int32Array(4 * 64);
    this.vals = [undefined];
    this.next = 1;
    this.free = NONE;
    this.root = NONE;
    this.count = 0;
    this.live = 0;
    this.version++;
    this.stored++;
    this.jump = undefined;
  }

  private alloc(addr: number, lenFlags: number, c0: number, c1: number, v: T | undefined): number {
    let id = this.free;
    if (id !== NONE) {
      this.free = this.n[4 * id + 2];
    } else {
      id = this.next++;
      if (4 * id >= this.n.length) {
        const grown = new Int32Array(this.n.length * 2);
        grown.set(this.n);
        this.n = grown;
      }
    }
    const n = this.n;
    const b = 4 * id;
    n[b] = addr;
    n[b + 1] = lenFlags;
    n[b + 2] = c0;
    n[b + 3] = c1;
    // Push rather than assign past the end, so the values array never gets holes.
    if (id === this.vals.length) this.vals.push(v);
    else this.vals[id] = v;
    this.live++;
    this.version++;
    return id;
  }

  private release(id: number): void {
    this.vals[id] = undefined;
    this.n[4 * id + 1] = 0;
    this.n[4 * id + 2] = this.free;
    this.free = id;
    this.live--;
    this.version++;
  }

  private link(parent: number, dir: number, x: number): void {
    if (parent === NONE) this.root = x;
    else this.n[4 * parent + 2 + dir] = x;
    this.jump?.slotChanged(this.n, this.root, parent, dir);
  }

  private valueFlag(x: number, on: boolean): void {
    this.n[4 * x + 1] = on ? this.n[4 * x + 1] | VALUE : this.n[4 * x + 1] & ~VALUE;
    this.jump?.valueChanged(this.n, this.root, x);
  }

  private inserted(): void {
    this.count++;
    this.stored++;
    if (this.jump === undefined && this.live >= this.jumpFrom) {
      this.jump = new JumpV4();
      this.jump.build(this.n, this.root);
    }
  }

  /** Stores `value` under addr/len (host bits beyond len are ignored). */
  set(addr: number, len: number, value: T): void {
    if (!(len >= 0 && len <= 32 && Number.isInteger(len))) throw new RangeError(`bad IPv4 prefix length ${len}`);
    addr &= MASK4[len];
    let parent = NONE;
    let dir = 0;
    let x = this.root;
    if (this.jump !== undefined && len >= JUMP_BITS) {
      // Start below the top of the tree, where the slice's lookups start.
      const i = addr >>> JUMP_BITS;
      x = this.jump.slice[2 * i];
      parent = this.jump.parent[i];
      if (parent !== NONE) dir = (addr >>> (31 - (this.n[4 * parent + 1] & LEN))) & 1;
    }
    if (x === NONE) {
      this.link(parent, dir, this.alloc(addr, len | VALUE, NONE, NONE, value));
      this.inserted();
      return;
    }
    for (;;) {
      const b = 4 * x;
      const xa = this.n[b];
      const xf = this.n[b + 1];
      const xl = xf & LEN;
      const diff = (addr ^ xa) & MASK4[Math.min(xl, len)];
      if (diff !== 0) {
        // The paths part before either prefix ends: a glue node joins them at the first differing bit.
        const common = Math.clz32(diff);
        const leaf = this.alloc(addr, len | VALUE, NONE, NONE, value);
        const bit = (addr >>> (31 - common)) & 1;
        const glue = this.alloc(addr & MASK4[common], common, bit ? x : leaf, bit ? leaf : x, undefined);
        this.link(parent, dir, glue);
        this.inserted();
        return;
      }
      if (xl === len) {
        this.vals[x] = value;
        if ((xf & VALUE) === 0) {
          this.valueFlag(x, true);
          this.inserted();
        }
        return;
      }
      if (xl > len) {
        // The new prefix covers x: it goes above it.
        const bit = (xa >>> (31 - len)) & 1;
        const node = this.alloc(addr, len | VALUE, bit ? NONE : x, bit ? x : NONE, value);
        this.link(parent, dir, node);
        this.inserted();
        return;
      }
      const bit = (addr >>> (31 - xl)) & 1;
      const c = this.n[b + 2 + bit];
      if (c === NONE) {
        this.link(x, bit, this.alloc(addr, len | VALUE, NONE, NONE, value));
        this.inserted();
        return;
      }
      parent = x;
      dir = bit;
      x = c;
    }
  }

  // Where a descent for addr/len may start: below the top of the tree when the jump table can tell.
  private start(addr: number, len: number): number {
    return this.jump !== undefined && len >= JUMP_BITS ? this.jump.slice[(addr >>> JUMP_BITS) << 1] : this.root;
  }

  /** Handle of the node that stores exactly addr/len, or 0. */
  find(addr: number, len: number): number {
    addr &= MASK4[len];
    const n = this.n;
    let x = this.start(addr, len);
    while (x !== NONE) {
      const b = 4 * x;
      const xf = n[b + 1];
      const xl = xf & LEN;
      if (xl >= len) return xl === len && n[b] === addr && (xf & VALUE) !== 0 ? x : NONE;
      if (((addr ^ n[b]) & MASK4[xl]) !== 0) return NONE;
      x = n[b + 2 + ((addr >>> (31 - xl)) & 1)];
    }
    return NONE;
  }

  get(addr: number, len: number): T | undefined {
    const x = this.find(addr, len);
    return x === NONE ? undefined : this.vals[x];
  }

  has(addr: number, len: number): boolean {
    return this.find(addr, len) !== NONE;
  }

  delete(addr: number, len: number): boolean {
    addr &= MASK4[len];
    const n = this.n;
    let gp = NONE,
      gpDir = 0,
      parent = NONE,
      pDir = 0;
    let x = this.root;
    while (x !== NONE) {
      const b = 4 * x;
      const xl = n[b + 1] & LEN;
      if (xl >= len) break;
      if (((addr ^ n[b]) & MASK4[xl]) !== 0) return false;
      const bit = (addr >>> (31 - xl)) & 1;
      gp = parent;
      gpDir = pDir;
      parent = x;
      pDir = bit;
      x = n[b + 2 + bit];
    }
    if (x === NONE) return false;
    const b = 4 * x;
    const xf = n[b + 1];
    if ((xf & LEN) !== len || n[b] !== addr || (xf & VALUE) === 0) return false;
    this.count--;
    this.stored++;
    const c0 = n[b + 2],
      c1 = n[b + 3];
    if (c0 !== NONE && c1 !== NONE) {
      // Still joins two subtrees: it stays as a glue node.
      this.vals[x] = undefined;
      this.valueFlag(x, false);
      return true;
    }
    this.link(parent, pDir, c0 !== NONE ? c0 : c1);
    this.release(x);
    // A glue parent left with one child is no longer needed.
    if (c0 === NONE && c1 === NONE && parent !== NONE && (n[4 * parent + 1] & VALUE) === 0) {
      this.link(gp, gpDir, n[4 * parent + 2 + (1 - pDir)]);
      this.release(parent);
    }
    return true;
  }

  /** Handle of the most specific stored prefix covering addr/len (len 32 for an address), or 0. */
  longest(addr: number, len = 32): number {
    const n = this.n;
    let best = NONE;
    let x = this.root;
    if (this.jump !== undefined && len >= JUMP_BITS) {
      const i = (addr >>> JUMP_BITS) << 1;
      x = this.jump.slice[i];
      best = this.jump.slice[i + 1];
    }
    while (x !== NONE) {
      const b = 4 * x;
      const xf = n[b + 1];
      const xl = xf & LEN;
      if (xl > len || ((addr ^ n[b]) & MASK4[xl]) !== 0) break;
      if ((xf & VALUE) !== 0) best = x;
      if (xl === len) break;
      x = n[b + 2 + ((addr >>> (31 - xl)) & 1)];
    }
    return best;
  }

  /** Value of the most specific stored prefix covering addr/len, or undefined. */
  longestValue(addr: number, len = 32): T | undefined {
    const x = this.longest(addr, len);
    return x === NONE ? undefined : this.vals[x];
  }

  /** Visits every stored prefix that equals or covers addr/len, least specific first. */
  covering(addr: number, len: number, visit: V4Visit<T>): void {
    const n = this.n;
    const version = this.version;
    let x = this.root;
    if (this.jump !== undefined && len >= JUMP_BITS) {
      const i = (addr >>> JUMP_BITS) << 1;
      x = this.jump.slice[i];
      if (this.jump.slice[i + 1] !== NONE) this.visitShort(this.jump.slice[i + 1], visit, version);
    }
    while (x !== NONE) {
      const b = 4 * x;
      const xa = n[b];
      const xf = n[b + 1];
      const xl = xf & LEN;
      if (xl > len || ((addr ^ xa) & MASK4[xl]) !== 0) return;
      if ((xf & VALUE) !== 0) {
        visit(xa >>> 0, xl, this.vals[x] as T);
        if (this.version !== version) throw new Error('trie changed during covering()');
      }
      if (xl === len) return;
      x = n[b + 2 + ((addr >>> (31 - xl)) & 1)];
    }
  }

  // Visits a stored prefix shorter than /16 after the ones covering it (the jump table's chain).
  private visitShort(x: number, visit: V4Visit<T>, version: number): void {
    const b = 4 * x;
    const xa = this.n[b];
    const xl = this.n[b + 1] & LEN;
    const up = this.jump!.up[shortIndex(xa, xl)];
    if (up !== NONE) this.visitShort(up, visit, version);
    visit(xa >>> 0, xl, this.vals[x] as T);
    if (this.version !== version) throw new Error('trie changed during covering()');
  }

  /** Writes the handles of the covering prefixes (least specific first) into out; returns how many (at most 33). */
  coveringNodes(addr: number, len: number, out: Int32Array): number {
    const n = this.n;
    let k = 0;
    let x = this.root;
    if (this.jump !== undefined && len >= JUMP_BITS) {
      const i = (addr >>> JUMP_BITS) << 1;
      x = this.jump.slice[i];
      for (let s = this.jump.slice[i + 1]; s !== NONE; s = this.jump.up[shortIndex(n[4 * s], n[4 * s + 1] & LEN)]) k++;
      // The chain runs from most to least specific: write it backwards.
      for (let s = this.jump.slice[i + 1], j = k - 1; s !== NONE; s = this.jump.up[shortIndex(n[4 * s], n[4 * s + 1] & LEN)]) out[j--] = s;
    }
    while (x !== NONE) {
      const b = 4 * x;
      const xf = n[b + 1];
      const xl = xf & LEN;
      if (xl > len || ((addr ^ n[b]) & MASK4[xl]) !== 0) break;
      if ((xf & VALUE) !== 0) out[k++] = x;
      if (xl === len) break;
      x = n[b + 2 + ((addr >>> (31 - xl)) & 1)];
    }
    return k;
  }

  /** Visits the stored prefixes inside addr/len in address order; addr/len itself only with includeExact. */
  moreSpecifics(addr: number, len: number, includeExact: boolean, visit: V4Visit<T>): void {
    addr &= MASK4[len];
    const n = this.n;
    let x = this.start(addr, len);
    while (x !== NONE) {
      const b = 4 * x;
      const xl = n[b + 1] & LEN;
      if (xl >= len) {
        if (((addr ^ n[b]) & MASK4[len]) === 0) this.walk(x, includeExact ? -1 : len, visit);
        return;
      }
      if (((addr ^ n[b]) & MASK4[xl]) !== 0) return;
      x = n[b + 2 + ((addr >>> (31 - xl)) & 1)];
    }
  }

  /**
   * Renumbers the nodes depth first, in address order, so that every subtree is contiguous in
   * memory and a lookup touches fewer cache lines and pages. O(nodes): call it after a bulk load
   * such as a full table. Handles change.
   */
  optimize(): void {
    const old = this.n;
    const map = new Int32Array(this.next); // old id -> new id; map[NONE] stays NONE
    const order = new Int32Array(this.live);
    let k = 0;
    const stack = this.root === NONE ? [] : [this.root];
    while (stack.length > 0) {
      const x = stack.pop()!;
      order[k++] = x;
      map[x] = k;
      if (old[4 * x + 3] !== NONE) stack.push(old[4 * x + 3]);
      if (old[4 * x + 2] !== NONE) stack.push(old[4 * x + 2]);
    }
    // An eighth of headroom, so that the next few inserts do not double the array.
    const n = new Int32Array(4 * Math.max(64, k + 1 + (k >> 3)));
    const vals: Array<T | undefined> = [undefined];
    for (let j = 0; j < k; j++) {
      const ob = 4 * order[j],
        nb = 4 * (j + 1);
      n[nb] = old[ob];
      n[nb + 1] = old[ob + 1];
      n[nb + 2] = map[old[ob + 2]];
      n[nb + 3] = map[old[ob + 3]];
      vals.push(this.vals[order[j]]);
    }
    this.n = n;
    this.vals = vals;
    this.next = k + 1;
    this.free = NONE;
    this.root = k === 0 ? NONE : 1;
    this.version++;
    this.jump?.build(n, this.root);
  }

  /** Visits all stored prefixes in address order (shorter first among equal addresses). */
  forEach(visit: V4Visit<T>): void {
    if (this.root !== NONE) this.walk(this.root, -1, visit);
  }

  // Pre-order, child 0 before child 1: that is address order. Nodes of length `skipLen` are skipped.
  private walk(from: number, skipLen: number, visit: V4Visit<T>): void {
    const n = this.n;
    const version = this.version;
    const stack = [from];
    while (stack.length > 0) {
      const b = 4 * stack.pop()!;
      const xf = n[b + 1];
      if (n[b + 3] !== NONE) stack.push(n[b + 3]);
      if (n[b + 2] !== NONE) stack.push(n[b + 2]);
      if ((xf & VALUE) !== 0 && (xf & LEN) !== skipLen) {
        visit(n[b] >>> 0, xf & LEN, this.vals[b >> 2] as T);
        if (this.version !== version) throw new Error('trie changed during a walk');
      }
    }
  }

  /** Lazily yields all stored prefixes in address order. */
  *entries(): Generator<[addr: number, len: number, value: T]> {
    const version = this.version;
    const stack = this.root === NONE ? [] : [this.root];
    while (stack.length > 0) {
      if (this.version !== version) throw new Error('trie changed during iteration');
      const x = stack.pop()!;
      const b = 4 * x;
      const xf = this.n[b + 1];
      if (this.n[b + 3] !== NONE) stack.push(this.n[b + 3]);
      if (this.n[b + 2] !== NONE) stack.push(this.n[b + 2]);
      if ((xf & VALUE) !== 0) yield [this.n[b] >>> 0, xf & LEN, this.vals[x] as T];
    }
  }

  addrAt(h: number): number {
    return this.n[4 * h] >>> 0;
  }
  lengthAt(h: number): number {
    return this.n[4 * h + 1] & LEN;
  }
  valueAt(h: number): T {
    return this.vals[h] as T;
  }
}
