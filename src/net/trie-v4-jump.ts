// Jump table for the IPv4 Patricia tree: lets a lookup skip the ~14 levels above /16.
//
// In a full table the top of the tree is an almost complete binary tree (up to 65,535 glue and
// short nodes), and walking it costs more than the rest of the lookup. For each /16 slice the
// table keeps the node where the descent continues and the most specific stored prefix shorter
// than /16 that covers the slice; `up` chains each short stored prefix to the next less specific
// one, for covering(); and each slice remembers the start node's parent, so inserts can start
// there too. 1 MiB in all, kept up to date incrementally by the tree: only changes at nodes
// shorter than /16 touch it, and they rewrite just the slices below the changed node.
//
// Operates on the tree's node array (layout in trie-v4.ts), which it never changes.
const VALUE = 0x100;
const LEN = 0xff;
const NONE = 0;

export const JUMP_BITS = 16;

/** Index of a prefix shorter than /16, unique in [1, 65536) (heap numbering: 1 is /0). */
export const shortIndex = (addr: number, len: number): number => (len === 0 ? 1 : (1 << len) | (addr >>> (32 - len)));

export class JumpV4 {
  /** Per /16 slice i: [2i] node to continue the descent at, [2i+1] best stored prefix above it. */
  readonly slice = new Int32Array(2 << JUMP_BITS);
  /** Per stored prefix shorter than /16 (by shortIndex): the next less specific stored prefix covering it. */
  readonly up = new Int32Array(1 << JUMP_BITS);
  /** Per /16 slice: the parent of the slice's start node (0: the root), so inserts can start there too. */
  readonly parent = new Int32Array(1 << JUMP_BITS);

  build(n: Int32Array, root: number): void {
    this.fill(n, root, NONE, NONE, 0, 1 << JUMP_BITS);
  }

  /** After child `dir` of `parent` (0: the root) was replaced. */
  slotChanged(n: Int32Array, root: number, parent: number, dir: number): void {
    if (parent === NONE) {
      this.build(n, root);
      return;
    }
    const b = 4 * parent;
    const pl = n[b + 1] & LEN;
    if (pl >= JUMP_BITS) return; // below the table's reach
    const span = 1 << (JUMP_BITS - 1 - pl);
    const lo = ((n[b] >>> JUMP_BITS) & ~(2 * span - 1)) + dir * span;
    this.fill(n, n[b + 2 + dir], parent, this.bestAbove(n, root, parent, true), lo, span);
  }

  /**
   * After node x gained or lost its value. Only the "best" side changes, so this rewrites the
   * references to the old best in x's slices and chains rather than refilling from the tree:
   * a default route that comes and goes costs one pass over the table, not a walk of the top.
   */
  valueChanged(n: Int32Array, root: number, x: number): void {
    const b = 4 * x;
    const xl = n[b + 1] & LEN;
    if (xl >= JUMP_BITS) return;
    const above = this.bestAbove(n, root, x, false);
    const gained = (n[b + 1] & VALUE) !== 0;
    const was = gained ? above : x;
    const now = gained ? x : above;
    if (gained) this.up[shortIndex(n[b], xl)] = above;
    const s = this.slice;
    const span = 1 << (JUMP_BITS - xl);
    const lo = (n[b] >>> JUMP_BITS) & ~(span - 1);
    for (let i = lo; i < lo + span; i++) {
      let y = s[2 * i + 1];
      if (y === was) {
        s[2 * i + 1] = now;
        continue;
      }
      // y is a stored prefix below x: the last one of its chain that is below x moves its link
      // (unless an earlier slice with the same chain has already moved it).
      for (let steps = 0; ; steps++) {
        // A chain holds at most one prefix per length below /16; a longer one is a bug, not a hang.
        if (steps > JUMP_BITS) throw new Error('trie jump table: broken covering chain');
        const k = shortIndex(n[4 * y], n[4 * y + 1] & LEN);
        const next = this.up[k];
        if (next === now) break;
        if (next === was) {
          this.up[k] = now;
          break;
        }
        y = next;
      }
    }
  }

  /** The most specific value node on the path from the root to `target` (itself only if `inclusive`). */
  private bestAbove(n: Int32Array, root: number, target: number, inclusive: boolean): number {
    const ta = n[4 * target];
    let best = NONE;
    for (let x = root; x !== target; ) {
      const b = 4 * x;
      if ((n[b + 1] & VALUE) !== 0) best = x;
      x = n[b + 2 + ((ta >>> (31 - (n[b + 1] & LEN))) & 1)];
    }
    return inclusive && (n[4 * target + 1] & VALUE) !== 0 ? target : best;
  }

  /**
   * Rewrites slices [lo, lo + span), all of whose descents reach node x (or an empty child slot of
   * `parent`), with `best` the most specific stored prefix above x.
   */
  private fill(n: Int32Array, x: number, parent: number, best: number, lo: number, span: number): void {
    const b = 4 * x;
    const f = n[b + 1];
    const xl = f & LEN;
    if (x === NONE || xl >= JUMP_BITS) {
      this.stop(x, parent, best, lo, lo + span);
      return;
    }
    // Path compression: slices of the range that x does not match stop at x.
    const xs = 1 << (JUMP_BITS - xl);
    const xlo = (n[b] >>> JUMP_BITS) & ~(xs - 1);
    this.stop(x, parent, best, lo, xlo);
    this.stop(x, parent, best, xlo + xs, lo + span);
    let inner = best;
    if ((f & VALUE) !== 0) {
      this.up[shortIndex(n[b], xl)] = best;
      inner = x;
    }
    const half = xs >> 1;
    this.fill(n, n[b + 2], x, inner, xlo, half);
    this.fill(n, n[b + 3], x, inner, xlo + half, half);
  }

  private stop(x: number, parent: number, best: number, from: number, to: number): void {
    const s = this.slice;
    for (let i = from; i < to; i++) {
      s[2 * i] = x;
      s[2 * i + 1] = best;
      this.parent[i] = parent;
    }
  }
}
