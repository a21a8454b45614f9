// Compact, bigint-free forms of IPv4 and IPv6 prefixes for hot paths (wire decoding, RIB keys,
// trie lookups). The bigint `Prefix` of prefix.ts stays the exchange type; these convert to and
// from it at the edges.
//
// IPv4: the address is a uint32 `number`; a prefix key is `addr * 64 + len`, a safe integer below
// 2^38, unique per prefix (host bits are always cleared first).
//
// IPv6: the address is 4 uint32 words, most significant first. A prefix key is a short string:
// one char holding the length, then ceil(len/16) chars each holding one 16-bit group of the
// (masked) address. A /48 is 4 chars, a /128 is 9. It is opaque: fine as a Map key, but it may
// contain lone surrogates, so never serialize it; format it with formatV6Key.
import { formatPrefix, type Prefix, parsePrefix } from './prefix.js';

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

/** Packs an IPv4 prefix into a safe integer; host bits are cleared so equal prefixes get equal keys. */
export const v4Key = (addr: number, len: number): number => ((addr & MASK4[len]) >>> 0) * 64 + len;
export const v4KeyAddr = (key: number): number => Math.floor(key / 64);
export const v4KeyLen = (key: number): number => key % 64;

export function v4FromPrefix(p: Prefix): number {
  if (p.family !== 4) throw new RangeError('not an IPv4 prefix');
  return Number(p.value);
}

export const v4KeyFromPrefix = (p: Prefix): number => v4Key(v4FromPrefix(p), p.length);

export function v4ToPrefix(addr: number, len: number): Prefix {
  return { family: 4, value: BigInt(v4Network(addr, len)), length: len };
}

export const v4KeyToPrefix = (key: number): Prefix => v4ToPrefix(v4KeyAddr(key), v4KeyLen(key));

/** Key of an IPv4 prefix text, or undefined (same strictness as parsePrefix: host bits refused). */
export function parseV4Key(text: string): number | undefined {
  const p = parsePrefix(text);
  return p && p.family === 4 ? v4KeyFromPrefix(p) : undefined;
}

export function formatV4(addr: number): string {
  return `${addr >>> 24}.${(addr >>> 16) & 255}.${(addr >>> 8) & 255}.${addr & 255}`;
}

export const formatV4Prefix = (addr: number, len: number): string => `${formatV4(addr)}/${len}`;
export const formatV4Key = (key: number): string => formatV4Prefix(v4KeyAddr(key), v4KeyLen(key));

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

/** v4Key of an IPv4 NLRI (see v4AddrFromWire), or -1 when `len` exceeds 32. */
export function v4KeyFromWire(buf: Uint8Array, offset: number, len: number): number {
  if (len > 32) return -1;
  return v4AddrFromWire(buf, offset, len) * 64 + len;
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

// Groups of the key under construction; module scope so building a key allocates only the string.
const G = new Uint16Array(8);
const fcc = String.fromCharCode;

function keyFromGroups(len: number): string {
  // One fromCharCode call per key, with exactly the significant groups.
  switch ((len + 15) >> 4) {
    case 0:
      return fcc(len);
    case 1:
      return fcc(len, G[0]);
    case 2:
      return fcc(len, G[0], G[1]);
    case 3:
      return fcc(len, G[0], G[1], G[2]);
    case 4:
      return fcc(len, G[0], G[1], G[2], G[3]);
    case 5:
      return fcc(len, G[0], G[1], G[2], G[3], G[4]);
    case 6:
      return fcc(len, G[0], G[1], G[2], G[3], G[4], G[5]);
    case 7:
      return fcc(len, G[0], G[1], G[2], G[3], G[4], G[5], G[6]);
    default:
      return fcc(len, G[0], G[1], G[2], G[3], G[4], G[5], G[6], G[7]);
  }
}

/** Key of the IPv6 prefix words[off..off+3]/len; host bits are ignored. */
export function v6Key(w: ArrayLike<number>, len: number, off = 0): string {
  for (let i = 0; i < 4; i++) {
    const x = w[off + i] & v6MaskWord(len, i);
    G[2 * i] = x >>> 16;
    G[2 * i + 1] = x & 0xffff;
  }
  return keyFromGroups(len);
}

export const v6KeyFromPrefix = (p: Prefix): string => v6Key(v6FromPrefix(p), p.length);

export const v6KeyLen = (key: string): number => key.charCodeAt(0);

/** The words of a key's network address. */
export function v6KeyWords(key: string, out: Uint32Array = new Uint32Array(4), off = 0): Uint32Array {
  for (let i = 0; i < 4; i++) {
    const hi = 1 + 2 * i < key.length ? key.charCodeAt(1 + 2 * i) : 0;
    const lo = 2 + 2 * i < key.length ? key.charCodeAt(2 + 2 * i) : 0;
    out[off + i] = ((hi << 16) | lo) >>> 0;
  }
  return out;
}

export const v6KeyToPrefix = (key: string): Prefix => v6ToPrefix(v6KeyWords(key), v6KeyLen(key));

export function parseV6Key(text: string): string | undefined {
  const p = parsePrefix(text);
  return p && p.family === 6 ? v6KeyFromPrefix(p) : undefined;
}

// Text goes through prefix.ts so that there is one RFC 5952 formatter.
export const formatV6Prefix = (w: ArrayLike<number>, len: number, off = 0): string => formatPrefix(v6ToPrefix(w, len, off));
export const formatV6Key = (key: string): string => formatPrefix(v6KeyToPrefix(key));

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

/** v6Key of an IPv6 NLRI (see v6WordsFromWire), or undefined when `len` exceeds 128. */
export function v6KeyFromWire(buf: Uint8Array, offset: number, len: number): string | undefined {
  if (len > 128) return undefined;
  const n = (len + 7) >> 3;
  for (let g = 0; g < 8; g++) {
    const b = 2 * g;
    const hi = b < n ? buf[offset + b] : 0;
    const lo = b + 1 < n ? buf[offset + b + 1] : 0;
    // Mask of this group: bits of the prefix that fall inside it.
    const r = len - 16 * g;
    const m = r >= 16 ? 0xffff : r <= 0 ? 0 : (0xffff << (16 - r)) & 0xffff;
    G[g] = ((hi << 8) | lo) & m;
  }
  return keyFromGroups(len);
}
