// Small integer handles for objects, so that typed arrays can refer to them: a RIB table holds
// a 4-octet handle per route instead of an 8-octet pointer that the garbage collector traces
// (and that costs a write barrier each time a young object is stored in an old array).

/** Maps values to handles and back, for RouteTable; retain/release count table entries. */
export interface HandleMap<V> {
  handleOf(v: V): number;
  valueOf(h: number): V;
  retain?(v: V): void;
  release?(v: V): void;
}

/** Handles for objects that carry their own (`handle`), released when the object dies. */
export class Handles<V extends { handle: number }> implements HandleMap<V> {
  private values: Array<V | undefined> = [];
  private free: number[] = [];

  /** @param retain, release called as a table takes or drops an entry holding the value */
  constructor(
    readonly retain?: (v: V) => void,
    readonly release?: (v: V) => void,
  ) {}

  get size(): number {
    return this.values.length - this.free.length;
  }

  add(v: V): number {
    const h = this.free.pop() ?? this.values.length;
    if (h === this.values.length) this.values.push(v);
    else this.values[h] = v;
    v.handle = h;
    return h;
  }

  remove(v: V): void {
    this.values[v.handle] = undefined;
    this.free.push(v.handle);
  }

  handleOf(v: V): number {
    return v.handle;
  }
  valueOf(h: number): V {
    return this.values[h]!;
  }
}

/**
 * Handles for objects compared by identity (reject verdicts: few distinct ones), each freed when
 * no table entry holds it any more.
 */
export class ObjectHandles<V extends object> implements HandleMap<V> {
  private byValue = new Map<V, number>();
  private values: Array<V | undefined> = [];
  private holders: number[] = [];
  private free: number[] = [];

  get size(): number {
    return this.byValue.size;
  }

  handleOf(v: V): number {
    let h = this.byValue.get(v);
    if (h === undefined) {
      h = this.free.pop() ?? this.values.length;
      this.values[h] = v;
      this.holders[h] = 0;
      this.byValue.set(v, h);
    }
    return h;
  }

  valueOf(h: number): V {
    return this.values[h]!;
  }

  retain(v: V): void {
    this.holders[this.byValue.get(v)!]!++;
  }

  release(v: V): void {
    const h = this.byValue.get(v)!;
    if (--this.holders[h]! > 0) return;
    this.byValue.delete(v);
    this.values[h] = undefined;
    this.free.push(h);
  }
}
