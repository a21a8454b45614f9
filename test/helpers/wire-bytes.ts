// Hand-built wire bytes for tests: path attributes, UPDATE bodies and NLRI, with every length
// field computed unless a test wants it to lie.
import { parseIPv4, parseIPv6 } from '../../src/net/address.js';

export const O = 0x80; // Optional
export const T = 0x40; // Transitive
export const P = 0x20; // Partial
export const X = 0x10; // Extended Length

export type Bytes = number[] | Buffer;
export const bytes = (b: Bytes): Buffer => (Buffer.isBuffer(b) ? b : Buffer.from(b));
export const u16 = (n: number): number[] => [(n >> 8) & 0xff, n & 0xff];
export const u32 = (n: number): number[] => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
export const cat = (...parts: Bytes[]): Buffer => Buffer.concat(parts.map(bytes));

/** One path attribute; the length field is 2 octets when the Extended Length flag is set. */
export function attr(flags: number, type: number, value: Bytes = []): Buffer {
  const v = bytes(value);
  return attrLen(flags, type, v.length, v);
}

/** A path attribute whose length field says `len`, whatever the value holds. */
export function attrLen(flags: number, type: number, len: number, value: Bytes = []): Buffer {
  const head = flags & X ? [flags, type, ...u16(len)] : [flags, type, len & 0xff];
  return cat(head, value);
}

/** An UPDATE body; the two length fields are computed unless given (to make them lie). */
export function update(p: { withdrawn?: Bytes; attrs?: Buffer[]; nlri?: Bytes; withdrawnLength?: number; attrLength?: number }): Buffer {
  const w = bytes(p.withdrawn ?? []);
  const a = Buffer.concat(p.attrs ?? []);
  return cat(u16(p.withdrawnLength ?? w.length), w, u16(p.attrLength ?? a.length), a, bytes(p.nlri ?? []));
}

/** Prefixes in NLRI encoding: length octet and the significant octets. */
export function v4(...prefixes: string[]): Buffer {
  return cat(
    ...prefixes.map((s) => {
      const [a, l] = s.split('/') as [string, string];
      const len = Number(l);
      const v = Number(parseIPv4(a));
      return [len, ...u32(v).slice(0, (len + 7) >> 3)];
    }),
  );
}

export function ip6(s: string): number[] {
  return [...Buffer.from(parseIPv6(s)!.toString(16).padStart(32, '0'), 'hex')];
}

export function v6(...prefixes: string[]): Buffer {
  return cat(
    ...prefixes.map((s) => {
      const [a, l] = s.split('/') as [string, string];
      const len = Number(l);
      return [len, ...ip6(a).slice(0, (len + 7) >> 3)];
    }),
  );
}

/** An AS_PATH segment with 2- or 4-octet ASNs. */
export function seg(type: number, asns: number[], size: 2 | 4 = 4): number[] {
  return [type, asns.length, ...asns.flatMap((a) => (size === 4 ? u32(a) : u16(a)))];
}

/** An OPEN body (after the header) with the given fields and raw optional parameters. */
export function openBody(p: { version?: number; as?: number; hold?: number; id?: number; params?: Bytes }): Buffer {
  const params = bytes(p.params ?? []);
  return cat([p.version ?? 4], u16(p.as ?? 65001), u16(p.hold ?? 90), u32(p.id ?? 0xc0000201), [params.length], params);
}
/** One capability: code, length, value. */
export const capability = (code: number, value: Bytes = []) => cat([code, bytes(value).length], value);
/** A Capabilities optional parameter (type 2) holding `caps`. */
export const capParam = (...caps: Buffer[]) => {
  const v = Buffer.concat(caps);
  return cat([2, v.length], v);
};
