// One RIB's routes, prefix -> attribute set, as an array indexed by the speaker's PrefixIndex.
// Each entry holds a reference on its prefix's index, so an index stays valid while any table
// has the prefix. The `...At` methods take an index the caller already looked up.
import type { PrefixKey } from '../wire/nlri.js';
import type { PrefixIndex } from './prefix-index.js';

export class RouteTable<V extends {}> {
  private values: Array<V | undefined> = [];
  private count = 0;
  private v6count = 0;

  constructor(readonly index: PrefixIndex) {}

  get size(): number { return this.count; }
  get sizeV6(): number { return this.v6count; }

  get(key: PrefixKey): V | undefined {
    const idx = this.index.find(key);
    return idx < 0 ? undefined : this.values[idx];
  }

  has(key: PrefixKey): boolean { return this.get(key) !== undefined; }

  getAt(idx: number): V | undefined { return this.values[idx]; }

  set(key: PrefixKey, v: V): void { this.setAt(this.index.intern(key), v); }

  setAt(idx: number, v: V): void {
    const values = this.values;
    if (idx >= values.length) {
      // Grow by doubling with holes filled: a holey array past its end turns into a dictionary.
      const n = Math.max(1024, idx + 1, values.length * 2);
      for (let i = values.length; i < n; i++) values.push(undefined);
    }
    if (values[idx] === undefined) {
      this.count++;
      if (!this.index.isV4(idx)) this.v6count++;
      this.index.ref(idx);
    }
    values[idx] = v;
  }

  delete(key: PrefixKey): boolean {
    const idx = this.index.find(key);
    return idx >= 0 && this.deleteAt(idx);
  }

  deleteAt(idx: number): boolean {
    if (this.values[idx] === undefined) return false;
    this.values[idx] = undefined;
    this.count--;
    if (!this.index.isV4(idx)) this.v6count--;
    this.index.unref(idx);
    return true;
  }

  clear(): void {
    const values = this.values;
    for (let i = 0; i < values.length; i++) if (values[i] !== undefined) this.deleteAt(i);
  }

  /** Indexes with an entry (a snapshot is not taken: do not delete other entries while iterating). */
  *indexes(): IterableIterator<number> {
    const values = this.values;
    for (let i = 0; i < values.length; i++) if (values[i] !== undefined) yield i;
  }

  *keys(): IterableIterator<PrefixKey> {
    for (const i of this.indexes()) yield this.index.keyOf(i);
  }

  *entries(): IterableIterator<[PrefixKey, V]> {
    for (const i of this.indexes()) yield [this.index.keyOf(i), this.values[i]!];
  }

  [Symbol.iterator](): IterableIterator<[PrefixKey, V]> { return this.entries(); }
}
