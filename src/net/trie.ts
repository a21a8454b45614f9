// PrefixTrie: one map from IPv4 and IPv6 prefixes to values, with longest match, covering
// prefixes and more-specifics. It is a facade over two Patricia trees (trie-v4.ts, trie-v6.ts)
// that never use bigint inside; the `Prefix`/`Address` methods convert at the edge, and the
// *V4/*V6 methods (and the `v4`/`v6` trees themselves) are the allocation-free hot paths.
// After a bulk load (a full table), optimize() lays the trees out for lookups.
import type { Address } from './address.js';
import { v6WordsFromBigint, v6WordsToBigint } from './compact.js';
import type { Prefix } from './prefix.js';
import { keyToPrefix, type PrefixKey, v4KeyAddr, v4KeyLen } from './prefix-key.js';
import { TrieV4, type TrieV4Options, type V4Visit } from './trie-v4.js';
import { TrieV6, type V6Visit } from './trie-v6.js';
import { V4Blocks } from './v4-blocks.js';

export { TrieV4, type TrieV4Options, TrieV6, type V4Visit, type V6Visit };

export interface TrieEntry<T> {
  prefix: Prefix;
  value: T;
}

type Target = Address | Prefix;
const lengthOf = (t: Target): number => ('length' in t ? t.length : t.family === 4 ? 32 : 128);

function checkLength(p: Prefix): void {
  const max = p.family === 4 ? 32 : 128;
  if (!(Number.isInteger(p.length) && p.length >= 0 && p.length <= max)) {
    throw new RangeError(`bad IPv${p.family} prefix length ${p.length}`);
  }
}

export class PrefixTrie<T> {
  readonly v4: TrieV4<T>;
  readonly v6 = new TrieV6<T>();
  // Conversion buffer for IPv6 arguments; the trees copy it into locals before doing anything else.
  private readonly w = new Uint32Array(4);
  /** longestMatchKey's IPv4 answers by node handle, checked against the node on every use */
  private readonly hits = new Map<number, { addr: number; len: number; entry: TrieEntry<T> }>();
  /** longestMatchKey's filter of the IPv4 blocks the stored prefixes touch, as of a count of changes */
  private blocks: { filter: V4Blocks | undefined; at: number; asked: number } = { filter: undefined, at: -1, asked: 0 };

  constructor(options: { v4?: TrieV4Options } = {}) {
    this.v4 = new TrieV4<T>(options.v4);
  }

  get size(): number {
    return this.v4.size + this.v6.size;
  }

  private words(value: bigint): Uint32Array {
    return v6WordsFromBigint(value, this.w);
  }

  set(p: Prefix, value: T): this {
    checkLength(p);
    if (p.family === 4) this.v4.set(Number(p.value), p.length, value);
    else this.v6.set(this.words(p.value), p.length, value);
    return this;
  }

  get(p: Prefix): T | undefined {
    checkLength(p);
    return p.family === 4 ? this.v4.get(Number(p.value), p.length) : this.v6.get(this.words(p.value), p.length);
  }

  has(p: Prefix): boolean {
    checkLength(p);
    return p.family === 4 ? this.v4.has(Number(p.value), p.length) : this.v6.has(this.words(p.value), p.length);
  }

  delete(p: Prefix): boolean {
    checkLength(p);
    return p.family === 4 ? this.v4.delete(Number(p.value), p.length) : this.v6.delete(this.words(p.value), p.length);
  }

  clear(): void {
    this.v4.clear();
    this.v6.clear();
    this.hits.clear();
  }

  /** Lays both trees out for fast lookups; worth it after a bulk load (see TrieV4.optimize). */
  optimize(): void {
    this.v4.optimize();
    this.v6.optimize();
  }

  /** The most specific stored prefix that covers the address, or equals or covers the prefix. */
  longestMatch(a: Target): TrieEntry<T> | undefined {
    if ('length' in a) checkLength(a);
    const len = lengthOf(a);
    if (a.family === 4) {
      const h = this.v4.longest(Number(a.value), len);
      if (h === 0) return undefined;
      return { prefix: { family: 4, value: BigInt(this.v4.addrAt(h)), length: this.v4.lengthAt(h) }, value: this.v4.valueAt(h) };
    }
    const h = this.v6.longest(this.words(a.value), len);
    if (h === 0) return undefined;
    return { prefix: { family: 6, value: v6WordsToBigint(this.v6.wordsAt(h)), length: this.v6.lengthAt(h) }, value: this.v6.valueAt(h) };
  }

  /**
   * longestMatch() for a route's key. An IPv4 key allocates nothing, and a prefix found again
   * returns the same entry: an import policy asks this for every route of a full table.
   */
  longestMatchKey(key: PrefixKey): TrieEntry<T> | undefined {
    if (typeof key !== 'number') return this.longestMatch(keyToPrefix(key));
    const first = v4KeyAddr(key);
    if (this.v4Blocks()?.mayCover(first) === false) return undefined;
    const h = this.v4.longest(first, v4KeyLen(key));
    if (h === 0) return undefined;
    const addr = this.v4.addrAt(h);
    const len = this.v4.lengthAt(h);
    const value = this.v4.valueAt(h);
    // (a handle can be reused after a delete or a relayout: the node says whether the entry is still its own)
    const hit = this.hits.get(h);
    if (hit && hit.addr === addr && hit.len === len && hit.entry.value === value) return hit.entry;
    const entry = v4Entry(addr, len, value);
    this.hits.set(h, { addr, len, entry });
    return entry;
  }

  /**
   * The block filter for the IPv4 prefixes as they are, made once a big tree has been asked by
   * key as many times as it holds prefixes since it last changed (so its cost, a mark per prefix,
   * is paid by lookups that then skip the walk; a tree that keeps changing never makes one).
   */
  private v4Blocks(): V4Blocks | undefined {
    const b = this.blocks;
    const at = this.v4.storedChanges;
    if (b.at === at) {
      if (b.filter || ++b.asked < this.v4.size || this.v4.size < BLOCKS_FROM) return b.filter;
    } else {
      this.blocks = { filter: undefined, at, asked: 1 };
      return undefined;
    }
    const filter = new V4Blocks();
    for (const [addr, len] of this.v4.entries()) filter.add(addr, len);
    b.filter = filter;
    return filter;
  }

  /** All stored prefixes that equal or cover p, least specific first. */
  covering(p: Target): Array<TrieEntry<T>> {
    if ('length' in p) checkLength(p);
    const out: Array<TrieEntry<T>> = [];
    if (p.family === 4) this.v4.covering(Number(p.value), lengthOf(p), (a, l, v) => out.push(v4Entry(a, l, v)));
    else this.v6.covering(this.words(p.value), lengthOf(p), (w, l, v) => out.push(v6Entry(w, l, v)));
    return out;
  }

  /** Stored prefixes strictly inside p (and p itself with includeExact), in address order. */
  moreSpecifics(p: Prefix, includeExact = false): Array<TrieEntry<T>> {
    checkLength(p);
    const out: Array<TrieEntry<T>> = [];
    if (p.family === 4) this.v4.moreSpecifics(Number(p.value), p.length, includeExact, (a, l, v) => out.push(v4Entry(a, l, v)));
    else this.v6.moreSpecifics(this.words(p.value), p.length, includeExact, (w, l, v) => out.push(v6Entry(w, l, v)));
    return out;
  }

  /** All entries in address order: IPv4 first, then IPv6. */
  *entries(): Generator<TrieEntry<T>> {
    for (const [a, l, v] of this.v4.entries()) yield v4Entry(a, l, v);
    for (const [w, l, v] of this.v6.entries()) yield v6Entry(w, l, v);
  }

  [Symbol.iterator](): Generator<TrieEntry<T>> {
    return this.entries();
  }

  // Hot paths: compact numbers in, no allocation per call (see compact.ts for the forms).

  /** Value of the most specific IPv4 prefix covering addr/len (an address when len is 32). */
  longestMatchV4(addr: number, len = 32): T | undefined {
    return this.v4.longestValue(addr, len);
  }

  coveringV4(addr: number, len: number, visit: V4Visit<T>): void {
    this.v4.covering(addr, len, visit);
  }

  moreSpecificsV4(addr: number, len: number, includeExact: boolean, visit: V4Visit<T>): void {
    this.v4.moreSpecifics(addr, len, includeExact, visit);
  }

  /** Value of the most specific IPv6 prefix covering words/len (an address when len is 128). */
  longestMatchV6(words: ArrayLike<number>, len = 128): T | undefined {
    return this.v6.longestValue(words, len);
  }

  coveringV6(words: ArrayLike<number>, len: number, visit: V6Visit<T>): void {
    this.v6.covering(words, len, visit);
  }

  moreSpecificsV6(words: ArrayLike<number>, len: number, includeExact: boolean, visit: V6Visit<T>): void {
    this.v6.moreSpecifics(words, len, includeExact, visit);
  }
}

/** longestMatchKey() filters the IPv4 blocks of a tree from this many prefixes (a smaller walk is cheap). */
const BLOCKS_FROM = 4096;

const v4Entry = <T>(addr: number, len: number, value: T): TrieEntry<T> => ({ prefix: { family: 4, value: BigInt(addr), length: len }, value });

const v6Entry = <T>(w: Uint32Array, len: number, value: T): TrieEntry<T> => ({ prefix: { family: 6, value: v6WordsToBigint(w), length: len }, value });
