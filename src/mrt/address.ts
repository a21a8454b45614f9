// Address text exactly as bgpdump prints it: inet_ntoa for IPv4, and bgpdump's own IPv6
// formatter, which differs from RFC 5952 (it compresses a single zero group and writes
// IPv4-compatible addresses as ::a.b.c.d). The octet table keeps IPv4 off the allocation path;
// IPv6 groups use toString(16): a 65,536-entry table cost ~50 ms (with its GC) at every start.
import { zeroRun } from '../net/address.js';

const OCTET: string[] = Array.from({ length: 256 }, (_, i) => String(i));

export function ipv4At(b: Uint8Array, p: number): string {
  return OCTET[b[p]!]! + '.' + OCTET[b[p + 1]!]! + '.' + OCTET[b[p + 2]!]! + '.' + OCTET[b[p + 3]!]!;
}

/** IPv4 from a 32-bit number (network order value). */
export function ipv4Num(v: number): string {
  return OCTET[(v >>> 24) & 255]! + '.' + OCTET[(v >>> 16) & 255]! + '.' + OCTET[(v >>> 8) & 255]! + '.' + OCTET[v & 255]!;
}

const groups = new Uint16Array(8);

export function ipv6At(b: Uint8Array, p: number): string {
  let lead = true;
  for (let i = 0; i < 8; i++) {
    const g = (b[p + 2 * i]! << 8) | b[p + 2 * i + 1]!;
    groups[i] = g;
    if (i < 6 && g !== 0) lead = false;
  }
  if (lead) {
    // IN6_IS_ADDR_V4COMPAT (first 96 bits zero, value > 1) and V4MAPPED (::ffff:a.b.c.d)
    const v4 = ((groups[6]! << 16) | groups[7]!) >>> 0;
    if (v4 > 1) return '::' + ipv4At(b, p + 12);
  }
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    return '::ffff:' + ipv4At(b, p + 12);
  }
  // The longest run of zero groups (first wins on ties), even a single group, becomes "::".
  const run = zeroRun(groups, 1);
  const best = run === -1 ? -1 : run >> 4;
  const bestLen = run & 15;
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (i === best) {
      s += i === 0 ? '::' : ':';
      i += bestLen - 1;
      continue;
    }
    s += groups[i]!.toString(16);
    if (i !== 7) s += ':';
  }
  return s;
}

export function addressAt(afi: number, b: Uint8Array, p: number): string {
  return afi === 2 ? ipv6At(b, p) : ipv4At(b, p);
}
