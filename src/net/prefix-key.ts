// PrefixKey: a prefix as the speaker, the RIBs and validation key it. Cheap to build from the wire
// (no bigint, one string at most), small in the RIB, usable as a Map key. The bigint `Prefix` of
// prefix.ts stays the exchange type; these convert to and from it at the edges.
//
// IPv4: a number, `addr * 64 + len` (a safe integer below 2^38, unique per prefix: host bits are
// always cleared first).
//
// IPv6: a short string of 16-bit chars: one char holding the length, then ceil(len/16) chars each
// holding one 16-bit group of the (masked) address. A /48 is 4 chars, a /128 is 9. It is opaque:
// it may contain lone surrogates and any other char, so never serialize, log or show it, and do
// not sort it for address order; format it with formatPrefixKey.
//
// `typeof key === 'number'` tells IPv4 from IPv6.
import { formatV4Prefix, MASK4, v4AddrFromWire, v6MaskWord, v6WordsFromBigint, v6WordsToBigint } from './compact.js';
import { formatPrefix, type Prefix, parsePrefix } from './prefix.js';

export type PrefixKey = number | string;

// ---------------------------------------------------------------------------------------------
// IPv4

/** Key of the IPv4 prefix addr/len; host bits are cleared so equal prefixes get equal keys. */
export const v4Key = (addr: number, len: number): number => ((addr & MASK4[len]) >>> 0) * 64 + len;
export const v4KeyAddr = (key: number): number => Math.floor(key / 64);
export const v4KeyLen = (key: number): number => key % 64;

/**
 * Key of an IPv4 NLRI: `len` is the prefix length byte, `offset` the first of the ceil(len/8)
 * address bytes that follow it; trailing bits beyond `len` are cleared (RFC 4271 says they are
 * irrelevant). -1 when `len` exceeds 32. The caller checks that the bytes are in the buffer.
 */
export function v4KeyFromWire(buf: Uint8Array, offset: number, len: number): number {
  if (len > 32) return -1;
  return v4AddrFromWire(buf, offset, len) * 64 + len;
}

// ---------------------------------------------------------------------------------------------
// IPv6

// Groups of the key under construction; module scope so building a key allocates only the string.
const G = new Uint16Array(8);
const fcc = String.fromCharCode;

function keyFromGroups(len: number): string {
  // One fromCharCode call per key, with exactly the significant groups: a flat string, no rope.
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

/** Key of the IPv6 prefix words[off..off+3]/len (4 words, most significant first); host bits are ignored. */
export function v6Key(w: ArrayLike<number>, len: number, off = 0): string {
  for (let i = 0; i < 4; i++) {
    const x = w[off + i] & v6MaskWord(len, i);
    G[2 * i] = x >>> 16;
    G[2 * i + 1] = x & 0xffff;
  }
  return keyFromGroups(len);
}

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

/**
 * Key of an IPv6 NLRI (`len` = the length byte, `offset` = the first of the ceil(len/8) address
 * bytes), trailing bits cleared; undefined when `len` exceeds 128. The caller checks that the
 * bytes are in the buffer.
 */
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

// ---------------------------------------------------------------------------------------------
// Both families

export const prefixKeyFamily = (key: PrefixKey): 4 | 6 => (typeof key === 'number' ? 4 : 6);

export const prefixKeyLength = (key: PrefixKey): number => (typeof key === 'number' ? key % 64 : key.charCodeAt(0));

/**
 * Octet `i` of the key's network address, most significant first: what the NLRI encoder writes
 * after the length, for i below ceil(length/8).
 */
export function prefixKeyOctet(key: PrefixKey, i: number): number {
  if (typeof key === 'number') return i < 4 ? (Math.floor(key / 64) >>> (24 - 8 * i)) & 0xff : 0;
  const c = 1 + (i >> 1);
  const g = c < key.length ? key.charCodeAt(c) : 0;
  return i & 1 ? g & 0xff : g >>> 8;
}

// Conversion buffer for IPv6 keys and Prefix values.
const W = new Uint32Array(4);

export function prefixToKey(p: Prefix): PrefixKey {
  return p.family === 4 ? v4Key(Number(p.value), p.length) : v6Key(v6WordsFromBigint(p.value, W), p.length);
}

export function keyToPrefix(key: PrefixKey): Prefix {
  if (typeof key === 'number') return { family: 4, value: BigInt(v4KeyAddr(key)), length: v4KeyLen(key) };
  return { family: 6, value: v6WordsToBigint(v6KeyWords(key, W)), length: v6KeyLen(key) };
}

/** Key of a prefix in text, or undefined: as strict as parsePrefix (host bits set are refused). */
export function parsePrefixKey(text: string): PrefixKey | undefined {
  const p = parsePrefix(text);
  return p && prefixToKey(p);
}

/** The prefix in text: "192.0.2.0/24", IPv6 as RFC 5952 through prefix.ts ("2001:db8::/32"). */
export const formatPrefixKey = (key: PrefixKey): string =>
  typeof key === 'number' ? formatV4Prefix(v4KeyAddr(key), v4KeyLen(key)) : formatPrefix(keyToPrefix(key));
