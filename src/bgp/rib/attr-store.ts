// Attribute interning: a full table has about a million routes but only a few hundred thousand
// distinct attribute sets, so each set is decoded once and shared, counted by reference.
import type { PathAttributes } from '../wire/attributes/types.js';

export interface AttrSet {
  readonly key: string;
  readonly attrs: PathAttributes;
  refs: number;
}

export class AttrStore {
  private byKey = new Map<string, AttrSet>();

  get size(): number { return this.byKey.size; }

  /** The shared set for `key`, decoding with `make` only the first time. */
  intern(key: string, make: () => PathAttributes): AttrSet {
    let s = this.byKey.get(key);
    if (!s) {
      s = { key, attrs: make(), refs: 0 };
      this.byKey.set(key, s);
    }
    return s;
  }

  ref(s: AttrSet): void { s.refs++; }

  unref(s: AttrSet): void {
    if (--s.refs <= 0) this.byKey.delete(s.key);
  }
}
