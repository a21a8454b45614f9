// Attribute interning: a full table has about a million routes but only a few hundred thousand
// distinct attribute sets, so each set is stored once and shared, counted by reference.
//
// Sets are per source (one store per peer, one for own routes) and keyed by their raw bytes:
// an UPDATE is looked up by hashing its attribute bytes where they lie in the message, so a
// repeated set costs neither a decode nor a key string. A set keeps its bytes in the store's
// arena and the few values the decision process compares; the decoded attributes are rebuilt
// on demand and only the most recently used stay cached. That keeps a full table's attributes
// to about 200 bytes per set instead of a tree of small objects for the garbage collector.

import { parseIPv4 } from '../../net/address.js';
import { firstAs, pathLength } from '../wire/attributes/as-path.js';
import type { PathAttributes } from '../wire/attributes/types.js';
import type { Route } from '../wire/update.js';
import { DEFAULT_LOCAL_PREF } from './decision.js';
import { Handles } from './handles.js';

/** Decodes stored attribute bytes again (they decoded cleanly once with the same session). */
export type AttrDecoder = (buf: Buffer, start: number, end: number) => PathAttributes;

// (Route: what the decision process compares and policies see; declared with the codec, which
// finds known sets by it.)
export type { Route };

const F_CLEAN = 1;
const F_PINNED = 2;
const F_LOOPS = 4;
/** the decoded attributes are in the store's recently-used ring */
const F_RECENT = 8;

export class AttrSet implements Route {
  /** table entries and ADD-PATH routes holding the set; it leaves its store at 0 */
  refs = 0;
  /** this set's number among all sets of the RIB (see handles.ts) */
  handle = -1;
  /** start of the set's bytes in the store's arena */
  off: number;
  /** decoded attributes while cached (always, for pinned sets) */
  cached: PathAttributes | undefined;
  /** F_* bits (internal to this module) */
  flags: number;
  // Decision-process values as int32 (read back with >>> 0): no decoding to pick a best path.
  private readonly lp: number;
  private readonly medValue: number;
  private readonly originatorValue: number;
  private readonly firstAsValue: number;
  /** origin (2 bits), AS path length (bits 2-11), cluster list length (bits 12-19) */
  private readonly shape: number;

  constructor(
    readonly store: AttrStore,
    off: number,
    readonly len: number,
    attrs: PathAttributes,
    flags: number,
  ) {
    this.off = off;
    this.flags = flags;
    this.cached = attrs;
    this.lp = (attrs.localPref ?? DEFAULT_LOCAL_PREF) | 0;
    this.medValue = (attrs.med ?? 0) | 0;
    this.originatorValue = attrs.originatorId ? Number(parseIPv4(attrs.originatorId) ?? 0n) | 0 : -1;
    this.firstAsValue = (firstAs(attrs.asPath) ?? -1) | 0;
    this.shape = (attrs.origin ?? 2) | (Math.min(pathLength(attrs.asPath), 1023) << 2) | (Math.min(attrs.clusterList?.length ?? 0, 255) << 12);
  }

  /** the peer id the set was learned from ('' for the speaker's own routes) */
  get source(): string {
    return this.store.source;
  }

  get attrs(): PathAttributes {
    return this.cached ?? this.store.decode(this);
  }

  /**
   * The decoded attributes for one reading, not kept: a re-validation reads 200,000 sets once, and
   * caching them would push out the sets the speaker uses and leave them all to the old generation.
   */
  peek(): PathAttributes {
    return this.cached ?? this.store.decodeOnce(this);
  }

  /** decoded without problems and without MP attributes: the same bytes need no decoding again */
  get clean(): boolean {
    return (this.flags & F_CLEAN) !== 0;
  }

  /** the AS path contains the receiving speaker's own AS (a loop, RFC 4271 §9.1.2) */
  get loops(): boolean {
    return (this.flags & F_LOOPS) !== 0;
  }

  get pinned(): boolean {
    return (this.flags & F_PINNED) !== 0;
  }

  get localPref(): number {
    return this.lp >>> 0;
  }
  get med(): number {
    return this.medValue >>> 0;
  }
  get origin(): number {
    return this.shape & 3;
  }
  get pathLength(): number {
    return (this.shape >> 2) & 1023;
  }
  get clusterListLength(): number {
    return (this.shape >> 12) & 255;
  }
  /** ORIGINATOR_ID as uint32, or undefined */
  get originatorId(): number | undefined {
    return this.originatorValue === -1 ? undefined : this.originatorValue >>> 0;
  }
  /** the neighbouring AS (first of the path), or undefined for an empty path */
  get neighborAs(): number | undefined {
    return this.firstAsValue === -1 ? undefined : this.firstAsValue >>> 0;
  }
}

const CACHE_SIZE = 8192;

/** Handles for attribute sets whose route-table entries count as references. */
export const setHandles = (): Handles<AttrSet> => new Handles<AttrSet>(AttrStore.ref, AttrStore.unref);

export class AttrStore {
  /** open-addressing table of set handles + 1 (0 empty), with their hashes alongside for cheap probing */
  private table = new Int32Array(1024);
  private hashes = new Int32Array(1024);
  private mask = 1023;
  private count = 0;
  private arena = Buffer.allocUnsafe(64 * 1024);
  private used = 0;
  private dead = 0;
  /** sets whose decoded attributes are cached, oldest first (a ring) */
  private ring: Array<AttrSet | undefined> = new Array(CACHE_SIZE).fill(undefined);
  private ringPos = 0;

  /**
   * @param source the peer id ('' for own routes)
   * @param decoder rebuilds attributes from stored bytes; without one every set stays decoded
   * @param ownAsn marks sets whose AS path contains it (0: none)
   */
  constructor(
    readonly source: string,
    public decoder?: AttrDecoder,
    public ownAsn = 0,
    readonly handles: Handles<AttrSet> = setHandles(),
  ) {}

  get size(): number {
    return this.count;
  }

  /** The clean set with exactly these bytes, if there is one (see decodeUpdate's `known`). */
  find(buf: Buffer, start: number, end: number): AttrSet | undefined {
    const s = this.lookup(buf, start, end, hashBytes(buf, start, end));
    return s?.clean ? s : undefined;
  }

  /**
   * The shared set for these bytes, made from `attrs` the first time. `clean` sets (decoded
   * without problems or MP attributes) may later be found by find() and decoded again from
   * their bytes; others keep their decoded attributes for good.
   */
  intern(key: Buffer, attrs: PathAttributes, clean: boolean): AttrSet {
    const h = hashBytes(key, 0, key.length);
    const found = this.lookup(key, 0, key.length, h);
    if (found) return found;
    const off = this.store(key);
    let flags = clean && this.decoder ? F_CLEAN : F_PINNED;
    if (this.ownAsn && attrs.asPath?.some((seg) => seg.asns.includes(this.ownAsn))) flags |= F_LOOPS;
    const s = new AttrSet(this, off, key.length, attrs, flags);
    this.insert(s, h);
    return s;
  }

  static ref(s: AttrSet): void {
    s.refs++;
  }

  /** Drops a set's decoded attributes unless the set keeps them for good (pinned) or recently used. */
  static forget(s: AttrSet): void {
    if (!(s.flags & (F_PINNED | F_RECENT))) s.cached = undefined;
  }

  static unref(s: AttrSet): void {
    if (--s.refs <= 0) s.store.remove(s);
  }

  /** Decodes a set from its bytes without caching the result. */
  decodeOnce(s: AttrSet): PathAttributes {
    return this.decoder!(this.arena, s.off, s.off + s.len);
  }

  /** Decodes a set from its bytes and caches the result for a while. */
  decode(s: AttrSet): PathAttributes {
    const attrs = this.decoder!(this.arena, s.off, s.off + s.len);
    s.cached = attrs;
    this.remember(s);
    return attrs;
  }

  private remember(s: AttrSet): void {
    const old = this.ring[this.ringPos];
    if (old && old !== s && !old.pinned) {
      old.cached = undefined;
      old.flags &= ~F_RECENT;
    }
    s.flags |= F_RECENT;
    this.ring[this.ringPos] = s;
    this.ringPos = (this.ringPos + 1) % CACHE_SIZE;
  }

  private lookup(buf: Buffer, start: number, end: number, h: number): AttrSet | undefined {
    const len = end - start;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const t = this.table[i]!;
      if (t === 0) return undefined;
      if (this.hashes[i] !== h) continue;
      const s = this.handles.valueOf(t - 1);
      if (s.len === len && this.arena.compare(buf, start, end, s.off, s.off + len) === 0) return s;
    }
  }

  private insert(s: AttrSet, h: number): void {
    let i = h & this.mask;
    while (this.table[i] !== 0) i = (i + 1) & this.mask;
    this.table[i] = this.handles.add(s) + 1;
    this.hashes[i] = h;
    if (++this.count * 2 > this.table.length) this.resize(this.table.length * 2);
  }

  private resize(size: number): void {
    const table = this.table;
    const hashes = this.hashes;
    this.table = new Int32Array(size);
    this.hashes = new Int32Array(size);
    this.mask = size - 1;
    for (let j = 0; j < table.length; j++) {
      const t = table[j]!;
      if (t === 0) continue;
      let i = hashes[j]! & this.mask;
      while (this.table[i] !== 0) i = (i + 1) & this.mask;
      this.table[i] = t;
      this.hashes[i] = hashes[j]!;
    }
  }

  private remove(s: AttrSet): void {
    const table = this.table;
    const mask = this.mask;
    const h = hashBytes(this.arena, s.off, s.off + s.len);
    const t = s.handle + 1;
    let i = h & mask;
    while (table[i] !== t) {
      if (table[i] === 0) return; // not in the table (already removed)
      i = (i + 1) & mask;
    }
    table[i] = 0;
    // Backward-shift deletion: no tombstones to slow later probes.
    for (let j = (i + 1) & mask; table[j] !== 0; j = (j + 1) & mask) {
      const home = this.hashes[j]! & mask;
      const inRange = i <= j ? home > i && home <= j : home > i || home <= j;
      if (inRange) continue;
      table[i] = table[j]!;
      this.hashes[i] = this.hashes[j]!;
      table[j] = 0;
      i = j;
    }
    this.count--;
    this.handles.remove(s);
    s.cached = undefined;
    this.dead += s.len;
    if (this.dead > 1 << 20 && this.dead * 2 > this.used) this.compact();
  }

  /** Copies the bytes into the arena, growing it by doubling. */
  private store(key: Buffer): number {
    if (this.used + key.length > this.arena.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.arena.length * 2, this.used + key.length));
      this.arena.copy(bigger, 0, 0, this.used);
      this.arena = bigger;
    }
    key.copy(this.arena, this.used);
    this.used += key.length;
    return this.used - key.length;
  }

  /** Drops the bytes of removed sets once they are half the arena. */
  private compact(): void {
    const live = this.used - this.dead;
    const next = Buffer.allocUnsafe(Math.max(64 * 1024, live * 2));
    let used = 0;
    for (const t of this.table) {
      if (t === 0) continue;
      const s = this.handles.valueOf(t - 1);
      this.arena.copy(next, used, s.off, s.off + s.len);
      s.off = used;
      used += s.len;
    }
    this.arena = next;
    this.used = used;
    this.dead = 0;
  }
}

/** A 32-bit hash of buf[start, end), four octets at a time (murmur-style mixing). */
export function hashBytes(buf: Buffer, start: number, end: number): number {
  let h = 0x811c9dc5 ^ (end - start);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    let k = buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
  }
  for (; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h;
}
