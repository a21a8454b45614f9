// IP prefixes (network address + length) with the relations the registry needs.
import { type Address, type Family, familyBits, formatAddress, parseAddress } from './address.js';

export interface Prefix {
  family: Family;
  /** network address; host bits are zero */
  value: bigint;
  length: number;
}

export type PrefixParse = { ok: true; prefix: Prefix } | { ok: false; reason: 'syntax' | 'length' | 'host-bits' };

const mask = (f: Family, len: number): bigint => {
  const bits = BigInt(familyBits(f));
  return ((1n << bits) - 1n) ^ ((1n << (bits - BigInt(len))) - 1n);
};

/** Parses "a.b.c.d/n" or "x::/n". With host bits set the parse fails: a prefix must name its network. */
export function parsePrefixStrict(s: string): PrefixParse {
  if (typeof s !== 'string') return { ok: false, reason: 'syntax' };
  const slash = s.indexOf('/');
  if (slash === -1) return { ok: false, reason: 'syntax' };
  const addr = parseAddress(s.slice(0, slash));
  const lenText = s.slice(slash + 1);
  if (!addr || !/^(0|[1-9]\d{0,2})$/.test(lenText)) return { ok: false, reason: 'syntax' };
  const length = Number(lenText);
  if (length > familyBits(addr.family)) return { ok: false, reason: 'length' };
  if ((addr.value & mask(addr.family, length)) !== addr.value) return { ok: false, reason: 'host-bits' };
  return { ok: true, prefix: { family: addr.family, value: addr.value, length } };
}

/**
 * Why `s` is not a prefix, in words for an error message ("host bits are set: the network is
 * 1.2.3.0/24"), or undefined when it is one. Callers put the field and the text in front.
 */
export function prefixProblem(s: string): string | undefined {
  const r = parsePrefixStrict(s);
  if (r.ok) return undefined;
  if (r.reason === 'host-bits') {
    const slash = s.indexOf('/');
    const addr = parseAddress(s.slice(0, slash))!;
    const length = Number(s.slice(slash + 1));
    const network = formatPrefix({ family: addr.family, value: addr.value & mask(addr.family, length), length });
    return `host bits are set beyond /${length}: the network is ${network}`;
  }
  if (r.reason === 'length') {
    const family = parseAddress(s.slice(0, s.indexOf('/')))!.family;
    return `the length is out of range for IPv${family} (0-${familyBits(family)})`;
  }
  return 'not a prefix in CIDR notation (address/length, e.g. 192.0.2.0/24 or 2001:db8::/32)';
}

export function parsePrefix(s: string): Prefix | undefined {
  const r = parsePrefixStrict(s);
  return r.ok ? r.prefix : undefined;
}

export function formatPrefix(p: Prefix): string {
  return `${formatAddress({ family: p.family, value: p.value })}/${p.length}`;
}

/** True when `outer` equals or covers `inner`. */
export function covers(outer: Prefix, inner: Prefix): boolean {
  return outer.family === inner.family && outer.length <= inner.length && (inner.value & mask(inner.family, outer.length)) === outer.value;
}

export const overlaps = (a: Prefix, b: Prefix): boolean => covers(a, b) || covers(b, a);

export function containsAddress(p: Prefix, a: Address): boolean {
  return p.family === a.family && (a.value & mask(p.family, p.length)) === p.value;
}

/** The first address of the prefix plus `offset` (used to derive /31 and /127 session addresses). */
export function addressAt(p: Prefix, offset: bigint): Address {
  return { family: p.family, value: p.value + offset };
}

export function prefixSize(p: Prefix): bigint {
  return 1n << BigInt(familyBits(p.family) - p.length);
}
