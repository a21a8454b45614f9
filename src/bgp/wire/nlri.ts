// NLRI: prefixes as length + significant octets (RFC 4271 §4.3, RFC 4760), optionally led by a
// 4-octet path identifier (RFC 7911 ADD-PATH).
//
// Prefix keys are what the rest of the speaker stores, chosen to be cheap to build from the wire:
// IPv4: a number, address * 64 + length (a safe integer, unique per prefix);
// IPv6: a string, the hex of the significant octets, "/" and the length ("20010db8/32").
import { formatPrefix, type Prefix, parsePrefix } from '../../net/prefix.js';
import type { Writer } from './writer.js';

export type PrefixKey = number | string;

export interface Nlri {
  keys: PrefixKey[];
  /** path identifiers, parallel to keys, when ADD-PATH is in use for the family */
  pathIds: number[] | null;
}

export const emptyNlri = (): Nlri => ({ keys: [], pathIds: null });

/** Decodes prefixes of `afi` from buf[start, end); a string names the syntax error. */
/** The empty field of most UPDATEs (no withdrawals), shared: decoded NLRI is never modified. */
const NO_NLRI: Nlri = Object.freeze({ keys: Object.freeze([]) as unknown as PrefixKey[], pathIds: null });

export function decodeNlri(buf: Buffer, start: number, end: number, afi: number, addPath: boolean): Nlri | string {
  if (start >= end && !addPath) return NO_NLRI;
  const keys: PrefixKey[] = [];
  const pathIds: number[] | null = addPath ? [] : null;
  const maxLen = afi === 1 ? 32 : 128;
  let i = start;
  while (i < end) {
    if (pathIds) {
      if (i + 4 > end) return 'truncated path identifier';
      pathIds.push(buf.readUInt32BE(i));
      i += 4;
      if (i >= end) return 'path identifier without a prefix';
    }
    const len = buf[i++]!;
    if (len > maxLen) return `prefix length ${len} exceeds ${maxLen}`;
    const n = (len + 7) >> 3;
    if (i + n > end) return `prefix of length ${len} overruns the field`;
    if (afi === 1) {
      let addr = 0;
      for (let j = 0; j < 4; j++) addr = addr * 256 + (j < n ? buf[i + j]! : 0);
      // Trailing bits past the length are ignored (RFC 4271: "irrelevant"), so mask them off.
      if (len < 32) addr -= addr % 2 ** (32 - len);
      keys.push(addr * 64 + len);
    } else {
      keys.push(v6Key(buf, i, n, len));
    }
    i += n;
  }
  return { keys, pathIds };
}

const HEX = Buffer.from('0123456789abcdef');
const scratch = Buffer.alloc(48);

/**
 * The IPv6 key of a prefix: its significant octets in hex (trailing bits past the length
 * masked off), "/", the length. Written into bytes and read as one flat string: a template
 * literal would make a rope that every hash lookup flattens again.
 */
function v6Key(buf: Buffer, start: number, n: number, len: number): string {
  const rem = len & 7;
  let p = 0;
  for (let j = 0; j < n; j++) {
    let b = buf[start + j]!;
    if (j === n - 1 && rem) b &= (0xff << (8 - rem)) & 0xff;
    scratch[p++] = HEX[b >> 4]!;
    scratch[p++] = HEX[b & 15]!;
  }
  scratch[p++] = 0x2f; // '/'
  if (len >= 100) scratch[p++] = 0x30 + Math.floor(len / 100);
  if (len >= 10) scratch[p++] = 0x30 + (Math.floor(len / 10) % 10);
  scratch[p++] = 0x30 + (len % 10);
  return scratch.toString('latin1', 0, p);
}

export function encodePrefixKey(w: Writer, key: PrefixKey, pathId?: number): void {
  if (pathId !== undefined) w.u32(pathId);
  if (typeof key === 'number') {
    const len = key % 64;
    const addr = (key - len) / 64;
    w.u8(len);
    const n = (len + 7) >> 3;
    for (let j = 0; j < n; j++) w.u8(Math.floor(addr / 2 ** (24 - 8 * j)) & 0xff);
  } else {
    const slash = key.indexOf('/');
    w.u8(Number(key.slice(slash + 1)));
    w.bytes(Buffer.from(key.slice(0, slash), 'hex'));
  }
}

/** Bytes a prefix takes on the wire. */
export function encodedSize(key: PrefixKey, addPath: boolean): number {
  const len = typeof key === 'number' ? key % 64 : Number(key.slice(key.indexOf('/') + 1));
  return 1 + ((len + 7) >> 3) + (addPath ? 4 : 0);
}

export function prefixKeyFamily(key: PrefixKey): 4 | 6 {
  return typeof key === 'number' ? 4 : 6;
}

export function keyToPrefix(key: PrefixKey): Prefix {
  if (typeof key === 'number') {
    const len = key % 64;
    return { family: 4, value: BigInt((key - len) / 64), length: len };
  }
  const slash = key.indexOf('/');
  const length = Number(key.slice(slash + 1));
  const hex = key.slice(0, slash).padEnd(32, '0');
  return { family: 6, value: BigInt(`0x${hex}`), length };
}

export function prefixToKey(p: Prefix): PrefixKey {
  if (p.family === 4) return Number(p.value) * 64 + p.length;
  const n = (p.length + 7) >> 3;
  return `${p.value
    .toString(16)
    .padStart(32, '0')
    .slice(0, n * 2)}/${p.length}`;
}

export const keyToText = (key: PrefixKey): string => formatPrefix(keyToPrefix(key));

export function textToKey(text: string): PrefixKey | undefined {
  const p = parsePrefix(text);
  return p && prefixToKey(p);
}
