// One RIB's routes, prefix -> value (an attribute set, a reject reason), as a typed array of
// value handles indexed by the speaker's PrefixIndex. Each entry holds a reference on its
// prefix's index, so an index stays valid while any table has the prefix. The `...At` methods
// take an index the caller already looked up.
import type { PrefixKey } from '../../net/prefix-key.js';
import type { HandleMap } from './handles.js';
import type { PrefixIndex } from './prefix-index.js';

export class RouteTable<V> {
  /** handle + 1 per prefix index, 0 when the prefix has no entry */
  private slots = new Int32Array(1024);
  private count = 0;
  private v6count = 0;

  constructor(
    readonly index: PrefixIndex,
    private readonly handles: HandleMap<V>,
  ) {}

  get size(): number {
    return this.count;
  }
  get sizeV6(): number {
    return this.v6count;
  }
  /** one past the highest prefix index the table has room for: walks in slices stop here */
  get capacity(): number {
    return this.slots.length;
  }

  get(key: PrefixKey): V | undefined {
    const idx = this.index.find(key);
    return idx < 0 ? undefined : this.getAt(idx);
  }

  has(key: PrefixKey): boolean {
    return this.get(key) !== undefined;
  }

  getAt(idx: number): V | undefined {
    const h = idx < this.slots.length ? this.slots[idx]! : 0;
    return h === 0 ? undefined : this.handles.valueOf(h - 1);
  }

  hasAt(idx: number): boolean {
    return idx < this.slots.length && this.slots[idx] !== 0;
  }

  set(key: PrefixKey, v: V): void {
    this.setAt(this.index.intern(key), v);
  }

  setAt(idx: number, v: V): void {
    if (idx >= this.slots.length) {
      const bigger = new Int32Array(Math.max(this.slots.length * 2, idx + 1));
      bigger.set(this.slots);
      this.slots = bigger;
    }
    const old = this.slots[idx]!;
    if (old === 0) {
      this.count++;
      if (!this.index.isV4(idx)) this.v6count++;
      this.index.ref(idx);
    }
    this.slots[idx] = this.handles.handleOf(v) + 1;
    // Take the new value before dropping the old: dropping may free the old one's handle.
    this.handles.retain?.(v);
    if (old !== 0) this.handles.release?.(this.handles.valueOf(old - 1));
  }

  delete(key: PrefixKey): boolean {
    const idx = this.index.find(key);
    return idx >= 0 && this.deleteAt(idx);
  }

  deleteAt(idx: number): boolean {
    const h = idx < this.slots.length ? this.slots[idx]! : 0;
    if (h === 0) return false;
    this.slots[idx] = 0;
    this.handles.release?.(this.handles.valueOf(h - 1));
    this.count--;
    if (!this.index.isV4(idx)) this.v6count--;
    this.index.unref(idx);
    return true;
  }

  clear(): void {
    const slots = this.slots;
    for (let i = 0; i < slots.length; i++) if (slots[i] !== 0) this.deleteAt(i);
  }

  /** Indexes with an entry (a snapshot is not taken: do not delete other entries while iterating). */
  *indexes(): IterableIterator<number> {
    for (let i = 0; i < this.slots.length; i++) if (this.slots[i] !== 0) yield i;
  }

  *keys(): IterableIterator<PrefixKey> {
    for (const i of this.indexes()) yield this.index.keyOf(i);
  }

  *entries(): IterableIterator<[PrefixKey, V]> {
    for (const i of this.indexes()) yield [this.index.keyOf(i), this.getAt(i)!];
  }

  [Symbol.iterator](): IterableIterator<[PrefixKey, V]> {
    return this.entries();
  }
}
