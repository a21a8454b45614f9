// Flat lookup index for route origin validation (RFC 6811 §2), kept next to the VrpTable's
// tries: the tries stay the store (exact find, covering(), dumps), this answers validate*().
//
// Why: a trie walk over 500,000 VRPs is a chain of dependent cache misses (~600 ns per lookup).
// Here a lookup reads one directory record and one or two cache lines of a bucket:
//
// - Dir32 covers prefixes of a 32-bit key: all of IPv4, and the first word of IPv6 prefixes
//   shorter than /32. A 65,536-record directory is indexed by the top 16 bits. Prefixes of /16
//   or longer sit in their /16's bucket; prefixes shorter than /16 (few) sit in one small
//   "short" array, and each directory record points at the most specific short prefix that
//   covers its /16 (so short VRPs are never replicated, and a /0 costs one entry).
// - HashA covers IPv6 prefixes of /32 or longer, bucketed by their first word (the /32) in an
//   open-addressing hash table: IPv6 space is too sparse for a direct directory, and most IPv6
//   VRPs are /32 to /48, so one /32 holds a route's candidates. (A /16 directory instead would
//   put whole RIR blocks such as 2a02::/16 in one bucket; hashing the /29 would need a third
//   band for /29../31 anyway.) The rarer IPv6 VRPs shorter than /32 go to a second Dir32 on the
//   first word, checked after HashA.
//
// A bucket is a sorted run of entries in address order (start ascending, shorter first, then
// maxLength and AS) with a parent link to the nearest entry that covers it. The entries covering
// a point are then exactly "the last entry starting at or before the point, and its ancestors":
// a binary search plus a short walk up, inside the bucket. Each entry is 16 bytes (IPv4) or 32
// bytes (IPv6), so a typical bucket of a few VRPs is one or two cache lines.
//
// A full build (build()) fills the pool straight from a tree walk, at its final size. Updates
// are logged (prefix, maxLength, AS, +1/-1) and applied in one pass per batch (flush()): only
// the touched buckets are rebuilt (merge of the old run with the sorted changes); a bucket that
// grows moves to the end of the pool, and the pool is compacted when half of it is garbage.
// Changes to short prefixes rebuild the short array and the directory's heads (65,536 writes).

export { Dir32 } from './rov-dir32.js';
export { HashA } from './rov-hash.js';
