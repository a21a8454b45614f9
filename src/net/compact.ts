// Compact, bigint-free forms of IPv4 and IPv6 addresses for hot paths (wire decoding, trie
// lookups, RPKI tables): network masks and address words. The bigint `Prefix` of prefix.ts stays the
// exchange type; these convert to and from it at the edges. Prefix keys built on them (the form the
// RIBs key prefixes by) are in prefix-key.ts.
//
// IPv4: the address is a uint32 `number`.
// IPv6: the address is 4 uint32 words, most significant first.
import { formatPrefix, type Prefix } from './prefix.js';

// ---------------------------------------------------------------------------------------------
// IPv4

/** MASK4[len]: the network mask of a /len as an int32 bit pattern (index 0..32). */
export const MASK4: Int32Array = (() => {
  const m = new Int32Array(33);
  for (let l = 1; l <= 32; l++) m[l] = -1 << (32 - l);
  return m;
})();

/** Network mask of a /len as a uint32. */
export const v4Mask = (len: number): number => MASK4[len] >>> 0;

/** Clears the host bits of `addr` beyond `len`. */
export const v4Network = (addr: number, len: number): number => (addr & MASK4[len]) >>> 0;

export function v4FromPrefix(p: Prefix): number {
  if (p.family !== 4) throw new RangeError('not an IPv4 prefix');
  return Number(p.value);
}

export function v4ToPrefix(addr: number, len: number): Prefix {
  return { family: 4, value: BigInt(v4Network(addr, len)), length: len };
}

export function formatV4(addr: number): string {
  return `${addr >>> 24}.${(addr >>> 16) & 255}.${(addr >>> 8) & 255}.${addr & 255}`;
}

export const formatV4Prefix = (addr: number, len: number): string => `${formatV4(addr)}/${len}`;

/**
 * The address of an IPv4 NLRI: `len` is the prefix length byte, `offset` the first of the
 * ceil(len/8) address bytes that follow it. Trailing bits beyond `len` are cleared (RFC 4271 says
 * they are irrelevant). The caller checks `len <= 32` and that the bytes are in the buffer.
 */
export function v4AddrFromWire(buf: Uint8Array, offset: number, len: number): number {
  const n = (len + 7) >> 3;
  let a = 0;
  if (n > 0) a = buf[offset] << 24;
  if (n > 1) a |= buf[offset + 1] << 16;
  if (n > 2) a |= buf[offset + 2] << 8;
  if (n > 3) a |= buf[offset + 3];
  return (a & MASK4[len]) >>> 0;
}

// ---------------------------------------------------------------------------------------------
// IPv6

/** Mask of word `i` (0 = most significant) of a /len IPv6 network, as an int32 bit pattern. */
export function v6MaskWord(len: number, i: number): number {
  const r = len - 32 * i;
  return r >= 32 ? -1 : r <= 0 ? 0 : MASK4[r];
}

/** Clears the host bits of words[off..off+3] beyond `len`, in place. */
export function v6MaskInPlace(words: Uint32Array, len: number, off = 0): void {
  for (let i = 0; i < 4; i++) words[off + i] = words[off + i] & v6MaskWord(len, i);
}

/** The 4 words of an IPv6 prefix or address value (bigint, 128 bits). */
export function v6WordsFromBigint(v: bigint, out: Uint32Array = new Uint32Array(4), off = 0): Uint32Array {
  out[off] = Number((v >> 96n) & 0xffffffffn);
  out[off + 1] = Number((v >> 64n) & 0xffffffffn);
  out[off + 2] = Number((v >> 32n) & 0xffffffffn);
  out[off + 3] = Number(v & 0xffffffffn);
  return out;
}

export function v6WordsToBigint(w: ArrayLike<number>, off = 0): bigint {
  let v = 0n;
  for (let i = 0; i < 4; i++) v = (v << 32n) | BigInt(w[off + i] >>> 0);
  return v;
}

export function v6FromPrefix(p: Prefix, out?: Uint32Array): Uint32Array {
  if (p.family !== 6) throw new RangeError('not an IPv6 prefix');
  return v6WordsFromBigint(p.value, out);
}

export function v6ToPrefix(w: ArrayLike<number>, len: number, off = 0): Prefix {
  const m = new Uint32Array(4);
  for (let i = 0; i < 4; i++) m[i] = w[off + i] & v6MaskWord(len, i);
  return { family: 6, value: v6WordsToBigint(m), length: len };
}

// Text goes through prefix.ts so that there is one RFC 5952 formatter.
export const formatV6Prefix = (w: ArrayLike<number>, len: number, off = 0): string => formatPrefix(v6ToPrefix(w, len, off));

/**
 * Fills out[off..off+3] with the address of an IPv6 NLRI (`len` = the length byte, `offset` = the
 * first of the ceil(len/8) address bytes), trailing bits cleared. Returns false when `len` > 128.
 * The caller checks that the bytes are in the buffer.
 */
export function v6WordsFromWire(buf: Uint8Array, offset: number, len: number, out: Uint32Array, off = 0): boolean {
  if (len > 128) return false;
  const n = (len + 7) >> 3;
  for (let i = 0; i < 4; i++) {
    const b = 4 * i;
    let x = 0;
    if (b < n) x = buf[offset + b] << 24;
    if (b + 1 < n) x |= buf[offset + b + 1] << 16;
    if (b + 2 < n) x |= buf[offset + b + 2] << 8;
    if (b + 3 < n) x |= buf[offset + b + 3];
    out[off + i] = x & v6MaskWord(len, i);
  }
  return true;
}
