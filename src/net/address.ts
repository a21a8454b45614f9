// IPv4 and IPv6 addresses as numbers (IPv4 in 32 bits, IPv6 in 128 bits), parsed strictly.
// bigint keeps one code path for both families; the BGP hot paths get their own compact form.

export type Family = 4 | 6;

/** An address family by name, as configurations spell it (a BGP peer's, a lab router's). */
export type FamilyName = 'ipv4' | 'ipv6';

export interface Address {
  family: Family;
  value: bigint;
}

export const familyBits = (f: Family): number => (f === 4 ? 32 : 128);

const V4_OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

export function parseIPv4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!V4_OCTET.test(p)) return undefined;
    v = (v << 8n) | BigInt(Number(p));
  }
  return v;
}

export function parseIPv6(s: string): bigint | undefined {
  if (s.length < 2 || s.length > 45) return undefined;
  // An embedded IPv4 tail (::ffff:192.0.2.1) is rewritten as the two groups it stands for.
  const lastColon = s.lastIndexOf(':');
  if (s.indexOf('.', lastColon) !== -1) {
    const v4 = parseIPv4(s.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    s = `${s.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const dbl = s.indexOf('::');
  if (dbl !== -1 && s.indexOf('::', dbl + 1) !== -1) return undefined;
  const split = (x: string) => (x === '' ? [] : x.split(':'));
  let groups: string[];
  if (dbl !== -1) {
    const left = split(s.slice(0, dbl));
    const right = split(s.slice(dbl + 2));
    const fill = 8 - left.length - right.length;
    if (fill < 1) return undefined;
    groups = [...left, ...Array<string>(fill).fill('0'), ...right];
  } else {
    groups = split(s);
  }
  if (groups.length !== 8) return undefined;
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  return v;
}

export function parseAddress(s: string): Address | undefined {
  if (typeof s !== 'string') return undefined;
  if (s.includes(':')) {
    const v = parseIPv6(s);
    return v === undefined ? undefined : { family: 6, value: v };
  }
  const v = parseIPv4(s);
  return v === undefined ? undefined : { family: 4, value: v };
}

export function formatIPv4(v: bigint): string {
  return [24n, 16n, 8n, 0n].map((sh) => String((v >> sh) & 0xffn)).join('.');
}

/**
 * The run of zero groups that IPv6 text writes as "::": the longest (the first on ties) of at
 * least `shortest` groups among the 8 of `g`, as start * 16 + length; -1 when there is none.
 * RFC 5952 compresses runs of two or more groups; bgpdump (mrt/) a single group too.
 */
export function zeroRun(g: ArrayLike<number>, shortest: number): number {
  let best = -1;
  let bestLen = shortest - 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  return best === -1 ? -1 : best * 16 + bestLen;
}

/** RFC 5952 text form: lowercase, longest zero run (of two or more groups) compressed. */
export function formatIPv6(v: bigint): string {
  // IPv4-mapped addresses keep their IPv4 part dotted (RFC 5952 section 5).
  if (v >> 32n === 0xffffn) return `::ffff:${formatIPv4(v & 0xffffffffn)}`;
  const g: number[] = [];
  for (let i = 7; i >= 0; i--) g.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  const run = zeroRun(g, 2);
  const hex = g.map((x) => x.toString(16));
  if (run === -1) return hex.join(':');
  const at = run >> 4;
  return `${hex.slice(0, at).join(':')}::${hex.slice(at + (run & 15)).join(':')}`;
}

export function formatAddress(a: Address): string {
  return a.family === 4 ? formatIPv4(a.value) : formatIPv6(a.value);
}

/** Canonical text of an address string, or undefined when it is not an address. */
export function canonicalAddress(s: string): string | undefined {
  const a = parseAddress(s);
  return a && formatAddress(a);
}
