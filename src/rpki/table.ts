// VrpTable: the VRPs of every source in two Patricia trees (src/net), with route origin
// validation (RFC 6811 §2) on the hot path and one change event per batch (RTR serial update,
// cache reset, file reload) so that validation re-runs only the routes under changed prefixes.
//
// Each VRP is packed into one number, asn * 2^21 + ta * 2^8 + maxLength (below 2^53), kept in a
// Float64Array slot; the trees hold the first slot of a prefix (a small integer, so V8 stores the
// values unboxed) and further VRPs of the same prefix are chained through `nxt`. The trees are
// the store (exact find, covering(), dumps); validate*() reads a flat index (rov-index.ts: a /16
// directory for IPv4, a hash of the /32 for IPv6) that one or two cache lines answer. The index
// is built on the first lookup or after a full replacement, and batches of changes only rebuild
// the buckets they touch. Tables that are never looked up (RTR staging) never build one.

import { v6WordsFromBigint } from '../net/compact.js';
import { type Prefix, parsePrefix } from '../net/prefix.js';
import { TrieV4 } from '../net/trie-v4.js';
import { TrieV6 } from '../net/trie-v6.js';
import { Dir32, HashA } from './rov-index.js';
import { type Vrp, vrpFromCompact } from './vrp.js';
import { VrpList } from './vrp-list.js';

/** MASK[n]: the top n bits of a word. */
const MASK = Int32Array.from({ length: 33 }, (_, n) => (n === 0 ? 0 : n === 32 ? -1 : ~(-1 >>> n)));

/** The words of an IPv6 prefix without bits beyond len (into a shared scratch array). */
const m6 = new Uint32Array(4);
function masked6(k: ArrayLike<number>, len: number): Uint32Array {
  for (let i = 0; i < 4; i++) m6[i] = len >= 32 * (i + 1) ? k[i]! : len <= 32 * i ? 0 : k[i]! & MASK[len - 32 * i]!;
  return m6;
}

/** First slot of a prefix's VRP chain. */
type Packed = number;
const END = -1;

const SHIFT = 2 ** 21;
const pack = (asn: number, ta: number, maxLen: number): number => asn * SHIFT + ta * 256 + maxLen;
const asnOf = (e: number): number => Math.floor(e / SHIFT);
const taOf = (e: number): number => (e % SHIFT) >>> 8;
const maxOf = (e: number): number => e % 256;
/** Same VRP (prefix aside): trust anchors do not make two VRPs different. */
const sameVrp = (e: number, asn: number, maxLen: number): boolean => asnOf(e) === asn && maxOf(e) === maxLen;

/** Validation states as small numbers for hot paths; RovState for everything else. */
export const ROV_NOT_FOUND = 0;
export const ROV_VALID = 1;
export const ROV_INVALID = 2;
export type RovCode = typeof ROV_NOT_FOUND | typeof ROV_VALID | typeof ROV_INVALID;
export type RovState = 'valid' | 'invalid' | 'not-found';
export const ROV_STATES: readonly RovState[] = ['not-found', 'valid', 'invalid'];

/** The origin AS "NONE" of RFC 6811 (path ends in an AS_SET): covered routes are never Valid. */
export const ORIGIN_NONE = -1;

/** One batch of changes, as applied: only VRPs that really appeared or disappeared. */
export class VrpChange {
  constructor(
    readonly added: VrpList,
    readonly removed: VrpList,
    /** The whole table was replaced (reset query, file reload, expiry): `added`/`removed` are still exact. */
    readonly full: boolean,
    /** What caused it, e.g. "rtr serial 42", "file vrps.json". */
    readonly cause: string,
  ) {}

  get size(): number {
    return this.added.size + this.removed.size;
  }

  /** Distinct prefixes of added and removed VRPs: routes equal to or inside them need re-validation. */
  affectedPrefixes(): Prefix[] {
    const all = new VrpList();
    all.append(this.added);
    all.append(this.removed);
    return all.prefixes();
  }
}

export type ChangeListener = (change: VrpChange) => void;

export class VrpTable {
  private v4 = new TrieV4<Packed>();
  private v6 = new TrieV6<Packed>();
  private count = 0;
  private ent = new Float64Array(1024);
  private nxt = new Int32Array(1024);
  private slots = 0; // slots ever used
  private freeSlot = END; // freed slots, chained through nxt
  private tas: string[] = [''];
  private taIndex = new Map<string, number>();
  private readonly listeners = new Set<ChangeListener>();
  // Scratch space for IPv6 words.
  private readonly w = new Uint32Array(4);
  // Lookup index (rov-index.ts): IPv4; IPv6 shorter than /32 by first word; IPv6 /32 and longer.
  // Undefined: not built (changes are not logged then); `ready`: built with nothing pending.
  private ix: { v4: Dir32; v6s: Dir32; v6: HashA } | undefined;
  private ready = false;

  /** Number of VRPs. */
  get size(): number {
    return this.count;
  }

  /** Calls listener after every batch that changed something; returns the unsubscribe function. */
  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(c: VrpChange): VrpChange {
    if (c.size > 0) for (const l of this.listeners) l(c);
    return c;
  }

  /** Index of a trust anchor name in this table (0 for none). */
  taOfName(name: string): number {
    if (!name) return 0;
    let i = this.taIndex.get(name);
    if (i === undefined) {
      i = this.tas.length;
      if (i >= 8192)
        i = 0; // past 8191 names the name is dropped, never the VRP
      else {
        this.tas.push(name);
        this.taIndex.set(name, i);
      }
    }
    return i;
  }

  // -------------------------------------------------------------------------------------------
  // Single VRPs (compact form). add* returns false for a duplicate, remove* for an unknown VRP.

  private alloc(e: number, next: number): number {
    let s = this.freeSlot;
    if (s !== END) this.freeSlot = this.nxt[s]!;
    else {
      s = this.slots++;
      if (s >= this.ent.length) {
        const ent = new Float64Array(this.ent.length * 2);
        ent.set(this.ent);
        this.ent = ent;
        const nxt = new Int32Array(this.nxt.length * 2);
        nxt.set(this.nxt);
        this.nxt = nxt;
      }
    }
    this.ent[s] = e;
    this.nxt[s] = next;
    return s;
  }

  private release(s: number): void {
    this.nxt[s] = this.freeSlot;
    this.freeSlot = s;
  }

  /** Slot of the VRP in the chain starting at `head`, or END. */
  private findEntry(head: number, asn: number, maxLen: number): number {
    for (let s = head; s !== END; s = this.nxt[s]!) if (sameVrp(this.ent[s]!, asn, maxLen)) return s;
    return END;
  }

  private each(head: number, f: (e: number) => void): void {
    for (let s = head; s !== END; s = this.nxt[s]!) f(this.ent[s]!);
  }

  /** Adds to an existing chain (after its head, so the tree keeps its value); false for a duplicate. */
  private addToChain(head: number, e: number, asn: number, maxLen: number): boolean {
    if (this.findEntry(head, asn, maxLen) !== END) return false;
    // alloc() may replace this.nxt: take the slot first, then link it into the new array.
    const s = this.alloc(e, this.nxt[head]!);
    this.nxt[head] = s;
    this.count++;
    return true;
  }

  /** Unlinks the VRP; returns the new head (END when none is left), or undefined when it was not there. */
  private removeFromChain(head: number, asn: number, maxLen: number): number | undefined {
    let prev = END;
    for (let s = head; s !== END; prev = s, s = this.nxt[s]!) {
      if (!sameVrp(this.ent[s]!, asn, maxLen)) continue;
      const next = this.nxt[s]!;
      this.release(s);
      this.count--;
      if (prev === END) return next;
      this.nxt[prev] = next;
      return head;
    }
    return undefined;
  }

  addV4(addr: number, len: number, maxLen: number, asn: number, ta = 0): boolean {
    const e = pack(asn, ta, maxLen);
    const h = this.v4.find(addr, len);
    if (h === 0) {
      this.v4.set(addr, len, this.alloc(e, END));
      this.count++;
    } else if (!this.addToChain(this.v4.valueAt(h), e, asn, maxLen)) return false;
    if (this.ix) this.logV4(addr, len, maxLen, asn, 1);
    return true;
  }

  removeV4(addr: number, len: number, maxLen: number, asn: number): boolean {
    const h = this.v4.find(addr, len);
    if (h === 0) return false;
    const head = this.v4.valueAt(h);
    const next = this.removeFromChain(head, asn, maxLen);
    if (next === undefined) return false;
    if (next === END) this.v4.delete(addr, len);
    else if (next !== head) this.v4.set(addr, len, next);
    if (this.ix) this.logV4(addr, len, maxLen, asn, -1);
    return true;
  }

  hasV4(addr: number, len: number, maxLen: number, asn: number): boolean {
    const h = this.v4.find(addr, len);
    return h !== 0 && this.findEntry(this.v4.valueAt(h), asn, maxLen) !== END;
  }

  addV6(w: ArrayLike<number>, off: number, len: number, maxLen: number, asn: number, ta = 0): boolean {
    const k = this.words(w, off);
    const e = pack(asn, ta, maxLen);
    const h = this.v6.find(k, len);
    if (h === 0) {
      this.v6.set(k, len, this.alloc(e, END));
      this.count++;
    } else if (!this.addToChain(this.v6.valueAt(h), e, asn, maxLen)) return false;
    if (this.ix) this.logV6(k, len, maxLen, asn, 1);
    return true;
  }

  removeV6(w: ArrayLike<number>, off: number, len: number, maxLen: number, asn: number): boolean {
    const k = this.words(w, off);
    const h = this.v6.find(k, len);
    if (h === 0) return false;
    const head = this.v6.valueAt(h);
    const next = this.removeFromChain(head, asn, maxLen);
    if (next === undefined) return false;
    if (next === END) this.v6.delete(k, len);
    else if (next !== head) this.v6.set(k, len, next);
    if (this.ix) this.logV6(k, len, maxLen, asn, -1);
    return true;
  }

  hasV6(w: ArrayLike<number>, off: number, len: number, maxLen: number, asn: number): boolean {
    const k = this.words(w, off);
    const h = this.v6.find(k, len);
    return h !== 0 && this.findEntry(this.v6.valueAt(h), asn, maxLen) !== END;
  }

  // -------------------------------------------------------------------------------------------
  // Lookup index upkeep.

  private logV4(addr: number, len: number, maxLen: number, asn: number, d: 1 | -1): void {
    const ix = this.ix!;
    ix.v4.log(addr & MASK[len]!, len, maxLen, asn, d);
    this.changed(ix);
  }

  /** k: the prefix's words (bits beyond len may be set: they are cleared here). */
  private logV6(k: Uint32Array, len: number, maxLen: number, asn: number, d: 1 | -1): void {
    const ix = this.ix!;
    if (len >= 32) ix.v6.log(masked6(k, len), 0, len, maxLen, asn, d);
    else ix.v6s.log(k[0]! & MASK[len]!, len, maxLen, asn, d);
    this.changed(ix);
  }

  private changed(ix: NonNullable<VrpTable['ix']>): void {
    this.ready = false;
    // Past an eighth of the table a full rebuild is cheaper than merging the changes.
    if (ix.v4.pending + ix.v6s.pending + ix.v6.pending > 4096 + (this.count >> 3)) this.ix = undefined;
  }

  /** Builds the index, or applies the changes logged since; lookups call it when needed. */
  private refresh(): void {
    let ix = this.ix;
    if (ix === undefined) {
      // Full build, straight from the trees (address order), with no log in between.
      ix = { v4: new Dir32(), v6s: new Dir32(), v6: new HashA() };
      ix.v4.build((visit) => this.v4.forEach((a, l, v) => this.each(v, (e) => visit(a, l, maxOf(e), asnOf(e)))));
      ix.v6s.build((visit) =>
        this.v6.forEach((w, l, v) => {
          if (l < 32) this.each(v, (e) => visit(w[0]!, l, maxOf(e), asnOf(e)));
        }),
      );
      ix.v6.build((visit) =>
        this.v6.forEach((w, l, v) => {
          if (l >= 32) this.each(v, (e) => visit(w, l, maxOf(e), asnOf(e)));
        }),
      );
      this.ix = ix;
    } else {
      ix.v4.flush();
      ix.v6s.flush();
      ix.v6.flush();
    }
    this.ready = true;
  }

  private words(w: ArrayLike<number>, off: number): Uint32Array {
    const k = this.w;
    k[0] = w[off]!;
    k[1] = w[off + 1]!;
    k[2] = w[off + 2]!;
    k[3] = w[off + 3]!;
    return k;
  }

  has(v: Vrp): boolean {
    const p = v.prefix;
    return p.family === 4 ? this.hasV4(Number(p.value), p.length, v.maxLength, v.asn) : this.hasV6(v6WordsFromBigint(p.value), 0, p.length, v.maxLength, v.asn);
  }

  // -------------------------------------------------------------------------------------------
  // Batches: each emits one change event with what really changed.

  /** Withdraws then announces; duplicates and unknown withdrawals are skipped (the RTR client checks them first). */
  update(announce: VrpList, withdraw: VrpList, cause: string): VrpChange {
    const added = new VrpList();
    const removed = new VrpList();
    withdraw.forEachV4((a, l, m, asn, ta) => {
      if (this.removeV4(a, l, m, asn)) removed.pushV4(a, l, m, asn, removed.ta(withdraw.tas[ta]));
    });
    withdraw.forEachV6((w, o, l, m, asn, ta) => {
      if (this.removeV6(w, o, l, m, asn)) removed.pushV6(w, o, l, m, asn, removed.ta(withdraw.tas[ta]));
    });
    const map = announce.tas.map((t) => this.taOfName(t));
    announce.forEachV4((a, l, m, asn, ta) => {
      if (this.addV4(a, l, m, asn, map[ta])) added.pushV4(a, l, m, asn, added.ta(announce.tas[ta]));
    });
    announce.forEachV6((w, o, l, m, asn, ta) => {
      if (this.addV6(w, o, l, m, asn, map[ta])) added.pushV6(w, o, l, m, asn, added.ta(announce.tas[ta]));
    });
    // Listeners re-validate routes: apply the batch to the index first (if there is one).
    if (!this.ready && this.ix) this.refresh();
    return this.emit(new VrpChange(added, removed, false, cause));
  }

  /** Replaces the whole content (a reset or reload); the event lists the exact difference. */
  replace(list: VrpList, cause: string): VrpChange {
    const staging = new VrpTable();
    const map = list.tas.map((t) => staging.taOfName(t));
    list.forEachV4((a, l, m, asn, ta) => {
      staging.addV4(a, l, m, asn, map[ta]);
    });
    list.forEachV6((w, o, l, m, asn, ta) => {
      staging.addV6(w, o, l, m, asn, map[ta]);
    });
    return this.replaceWith(staging, cause);
  }

  /**
   * Takes over the content of `staging` (a table the caller filled, e.g. from an RTR reset
   * response) as a full replacement; `staging` must not be used afterwards.
   */
  replaceWith(staging: VrpTable, cause: string): VrpChange {
    const added = new VrpList();
    const removed = new VrpList();
    const [ntas, otas] = [staging.tas, this.tas];
    staging.v4.forEach((a, l, v) =>
      staging.each(v, (e) => {
        if (this.count === 0 || !this.hasV4(a, l, maxOf(e), asnOf(e))) added.pushV4(a, l, maxOf(e), asnOf(e), added.ta(ntas[taOf(e)]));
      }),
    );
    staging.v6.forEach((w, l, v) =>
      staging.each(v, (e) => {
        if (this.count === 0 || !this.hasV6(w, 0, l, maxOf(e), asnOf(e))) added.pushV6(w, 0, l, maxOf(e), asnOf(e), added.ta(ntas[taOf(e)]));
      }),
    );
    if (this.count > 0) {
      this.v4.forEach((a, l, v) =>
        this.each(v, (e) => {
          if (!staging.hasV4(a, l, maxOf(e), asnOf(e))) removed.pushV4(a, l, maxOf(e), asnOf(e), removed.ta(otas[taOf(e)]));
        }),
      );
      this.v6.forEach((w, l, v) =>
        this.each(v, (e) => {
          if (!staging.hasV6(w, 0, l, maxOf(e), asnOf(e))) removed.pushV6(w, 0, l, maxOf(e), asnOf(e), removed.ta(otas[taOf(e)]));
        }),
      );
    }
    this.v4 = staging.v4;
    this.v6 = staging.v6;
    this.count = staging.count;
    this.ent = staging.ent;
    this.nxt = staging.nxt;
    this.slots = staging.slots;
    this.freeSlot = staging.freeSlot;
    this.tas = staging.tas;
    this.taIndex = staging.taIndex;
    staging.v4 = new TrieV4<Packed>();
    staging.v6 = new TrieV6<Packed>();
    staging.count = 0;
    staging.ent = new Float64Array(16);
    staging.nxt = new Int32Array(16);
    staging.slots = 0;
    staging.freeSlot = END;
    staging.ix = undefined;
    staging.ready = false;
    this.ix = undefined;
    this.optimize();
    return this.emit(new VrpChange(added, removed, true, cause));
  }

  /** Drops every VRP (e.g. RTR data expired). */
  clear(cause: string): VrpChange {
    return this.replace(new VrpList(), cause);
  }

  /** Lays the trees out and builds the lookup index; replace() does it, call it after many single adds. */
  optimize(): void {
    this.v4.optimize();
    this.v6.optimize();
    this.refresh();
  }

  // -------------------------------------------------------------------------------------------
  // Route origin validation (RFC 6811 §2). origin: the route's origin AS, or ORIGIN_NONE.

  /** State of the IPv4 route addr/len originated by `origin`; allocation-free. */
  validateV4(addr: number, len: number, origin: number): RovCode {
    if (!this.ready) this.refresh();
    // AS0 VRPs never match (RFC 6483 §4), so a route "from AS0" cannot be Valid either: -1
    // matches no AS.
    return this.ix!.v4.lookup(addr, len, origin > 0 ? origin : -1) as RovCode;
  }

  /** State of the IPv6 route words/len originated by `origin`; allocation-free. */
  validateV6(words: ArrayLike<number>, len: number, origin: number): RovCode {
    if (!this.ready) this.refresh();
    const ix = this.ix!;
    const o = origin > 0 ? origin : -1;
    const w0 = words[0]!;
    if (len < 32) return ix.v6s.lookup(w0, len, o) as RovCode;
    const a = ix.v6.lookup(w0, words[1]!, words[2]!, words[3]!, len, o);
    if (a === ROV_VALID) return ROV_VALID;
    const b = ix.v6s.lookup(w0, len, o);
    return (b !== ROV_NOT_FOUND ? b : a) as RovCode;
  }

  /** State of a route; origin null means NONE (the AS_PATH ends in an AS_SET). */
  validate(route: Prefix | string, origin: number | null): RovState {
    const p = typeof route === 'string' ? parsePrefix(route) : route;
    if (!p) throw new RangeError(`not a prefix: ${String(route)}`);
    const o = origin === null ? ORIGIN_NONE : origin;
    const code = p.family === 4 ? this.validateV4(Number(p.value), p.length, o) : this.validateV6(v6WordsFromBigint(p.value, this.w), p.length, o);
    return ROV_STATES[code]!;
  }

  /** Every VRP whose prefix equals or covers the route, least specific first. */
  covering(route: Prefix | string): Vrp[] {
    const p = typeof route === 'string' ? parsePrefix(route) : route;
    if (!p) throw new RangeError(`not a prefix: ${String(route)}`);
    const out: Vrp[] = [];
    if (p.family === 4) {
      this.v4.covering(Number(p.value), p.length, (a, l, v) =>
        this.each(v, (e) => out.push(vrpFromCompact({ family: 4, addr: a, len: l }, maxOf(e), asnOf(e), this.tas[taOf(e)]))),
      );
    } else {
      this.v6.covering(v6WordsFromBigint(p.value), p.length, (w, l, v) =>
        this.each(v, (e) => out.push(vrpFromCompact({ family: 6, words: w.slice(0, 4), len: l }, maxOf(e), asnOf(e), this.tas[taOf(e)]))),
      );
    }
    return out;
  }

  /** The whole content as a list (for dumps and tests). */
  toList(): VrpList {
    const out = new VrpList();
    this.v4.forEach((a, l, v) => this.each(v, (e) => out.pushV4(a, l, maxOf(e), asnOf(e), out.ta(this.tas[taOf(e)]))));
    this.v6.forEach((w, l, v) => this.each(v, (e) => out.pushV6(w, 0, l, maxOf(e), asnOf(e), out.ta(this.tas[taOf(e)]))));
    return out;
  }

  /** A table holding the list (no event: nobody listens yet). */
  static from(list: VrpList): VrpTable {
    const t = new VrpTable();
    t.replace(list, 'initial');
    return t;
  }
}
