// Prefixes as indexed ranges: each stored prefix keeps its first address as fixed-width hex
// (8 digits for IPv4, 32 for IPv6; text order is then numeric order) and its length, indexed with
// the family. Overlap is then two indexed look-ups instead of reading every prefix of a family:
//  - covering prefixes: at most 33 (IPv4) or 129 (IPv6) exact probes, one per shorter length;
//  - more-specifics (and equal or covering ones starting at the same address): one range scan,
//    `start BETWEEN net.start AND net.end`, which needs only its first row.
// Aligned blocks are nested or disjoint, so these two find every overlapping prefix.
import { familyBits } from '../net/address.js';
import type { Prefix } from '../net/prefix.js';

const hexDigits = (p: Prefix): number => familyBits(p.family) / 4;

/** The prefix's first address as fixed-width lowercase hex: sortable as text. */
export function startHex(p: Prefix): string {
  return p.value.toString(16).padStart(hexDigits(p), '0');
}

/** The prefix's last address, same encoding. */
export function endHex(p: Prefix): string {
  const host = (1n << BigInt(familyBits(p.family) - p.length)) - 1n;
  return (p.value | host).toString(16).padStart(hexDigits(p), '0');
}

/** The columns a stored prefix carries for the look-ups (null when the text is no prefix). */
export function rangeColumns(p: Prefix | undefined): { net_start: string | null; net_length: number | null } {
  return p ? { net_start: startHex(p), net_length: p.length } : { net_start: null, net_length: null };
}

/** The network address of `p` cut to `length` bits, as hex. */
function startAt(p: Prefix, length: number): string {
  const bits = familyBits(p.family);
  const host = (1n << BigInt(bits - length)) - 1n;
  return (p.value & ~host).toString(16).padStart(hexDigits(p), '0');
}

/** The distinct start addresses of every prefix that equals or covers `p` (lengths 0..p.length). */
export function coveringStarts(p: Prefix): string[] {
  const out = new Set<string>();
  for (let len = 0; len <= p.length; len++) out.add(startAt(p, len));
  return [...out];
}

/** A stored row as the look-ups see it. */
export interface RangeRow {
  net_start: string | null;
  net_length: number | null;
}

/**
 * True when `row` equals or covers `p`. The covering probe selects rows by start address only,
 * so a row that starts at a covering start but is longer than that start's length is dropped here.
 */
export function rowCovers(row: RangeRow, p: Prefix): boolean {
  return row.net_start !== null && row.net_length !== null && row.net_length <= p.length && startAt(p, row.net_length) === row.net_start;
}

/**
 * The first stored prefix overlapping `p`, or undefined. The caller runs the two indexed queries
 * on its own table with its own filters (state, partner):
 *  - `covering(starts, maxLength)`: rows with family = p.family, net_start IN starts, net_length <= maxLength;
 *  - `inside(start, end)`: one row with family = p.family and net_start BETWEEN start AND end.
 */
export async function firstOverlap<R extends RangeRow>(
  p: Prefix,
  covering: (starts: string[], maxLength: number) => Promise<R[]>,
  inside: (start: string, end: string) => Promise<R | undefined>,
): Promise<R | undefined> {
  const under = await inside(startHex(p), endHex(p));
  if (under) return under;
  return (await covering(coveringStarts(p), p.length)).find((r) => rowCovers(r, p));
}
