// Attribute interning: a full table has about a million routes but only a few hundred thousand
// distinct attribute sets, so each set is decoded once and shared, counted by reference.
import type { PathAttributes } from '../wire/attributes/types.js';

export interface AttrSet {
  readonly key: string;
  readonly attrs: PathAttributes;
  /** the peer id the set was learned from ('' for the speaker's own routes): sets are per source */
  readonly source: string;
  refs: number;
}

export class AttrStore {
  private byKey = new Map<string, AttrSet>();

  get size(): number { return this.byKey.size; }

  /** The shared set for `key` from `source`, decoding with `make` only the first time. */
  intern(source: string, key: string, make: () => PathAttributes): AttrSet {
    const k = `${source}|${key}`;
    let s = this.byKey.get(k);
    if (!s) {
      s = { key: k, attrs: make(), source, refs: 0 };
      this.byKey.set(k, s);
    }
    return s;
  }

  ref(s: AttrSet): void { s.refs++; }

  unref(s: AttrSet): void {
    if (--s.refs <= 0) this.byKey.delete(s.key);
  }
}
