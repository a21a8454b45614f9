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

/** Handles for strings (reject reasons: few distinct texts), kept for good. */
export class StringHandles implements HandleMap<string> {
  private byText = new Map<string, number>();
  private texts: string[] = [];

  handleOf(s: string): number {
    let h = this.byText.get(s);
    if (h === undefined) {
      h = this.texts.push(s) - 1;
      this.byText.set(s, h);
    }
    return h;
  }

  valueOf(h: number): string {
    return this.texts[h]!;
  }
}
