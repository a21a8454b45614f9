// NLRI: prefixes as length + significant octets (RFC 4271 §4.3, RFC 4760), optionally led by a
// 4-octet path identifier (RFC 7911 ADD-PATH). Decoded straight into prefix keys (net/prefix-key.ts),
// the form the rest of the speaker stores, and encoded from them.
import { type PrefixKey, prefixKeyLength, prefixKeyOctet, v4KeyFromWire, v6KeyFromWire } from '../../net/prefix-key.js';
import type { Writer } from './writer.js';

export interface Nlri {
  keys: PrefixKey[];
  /** path identifiers, parallel to keys, when ADD-PATH is in use for the family */
  pathIds: number[] | null;
}

export const emptyNlri = (): Nlri => ({ keys: [], pathIds: null });

/** The empty field of most UPDATEs (no withdrawals), shared: decoded NLRI is never modified. */
const NO_NLRI: Nlri = Object.freeze({ keys: Object.freeze([]) as unknown as PrefixKey[], pathIds: null });

/** Decodes prefixes of `afi` from buf[start, end); a string names the syntax error. */
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
    // Trailing bits past the length are ignored (RFC 4271: "irrelevant"): the keys mask them off.
    keys.push(afi === 1 ? v4KeyFromWire(buf, i, len) : v6KeyFromWire(buf, i, len)!);
    i += n;
  }
  return { keys, pathIds };
}

export function encodePrefixKey(w: Writer, key: PrefixKey, pathId?: number): void {
  if (pathId !== undefined) w.u32(pathId);
  const len = prefixKeyLength(key);
  w.u8(len);
  for (let j = 0, n = (len + 7) >> 3; j < n; j++) w.u8(prefixKeyOctet(key, j));
}

/** Bytes a prefix takes on the wire. */
export function encodedSize(key: PrefixKey, addPath: boolean): number {
  return 1 + ((prefixKeyLength(key) + 7) >> 3) + (addPath ? 4 : 0);
}
