// Validated ROA Payloads (RFC 6811 §2, RFC 8210 §5.6): prefix, maxLength, origin AS, and the rules
// every source (RTR, files, SLURM) checks before a VRP enters a table.
import { MAX_ASN } from '../net/asn.js';
import { formatV4Prefix, formatV6Prefix, v6WordsFromBigint, v6WordsToBigint } from '../net/compact.js';
import { formatPrefix, type Prefix, parsePrefixStrict } from '../net/prefix.js';

export interface Vrp {
  prefix: Prefix;
  maxLength: number;
  asn: number;
  /** Trust anchor, when the source names one (files do, RTR does not). */
  ta?: string;
}

/** A prefix in the compact form the tables use: IPv4 as a uint32, IPv6 as 4 words. */
export type CompactPrefix = { family: 4; addr: number; len: number } | { family: 6; words: Uint32Array; len: number };

export const formatVrp = (v: Vrp): string => `${formatPrefix(v.prefix)}-${v.maxLength} AS${v.asn}${v.ta ? ` (${v.ta})` : ''}`;

export function formatCompact(p: CompactPrefix): string {
  return p.family === 4 ? formatV4Prefix(p.addr, p.len) : formatV6Prefix(p.words, p.len);
}

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/**
 * Parses a prefix into its compact form, or returns the rule it breaks. IPv4 skips bigint (files
 * hold hundreds of thousands); anything unusual goes through the strict parser for its message.
 */
export function parseCompactPrefix(text: unknown): CompactPrefix | string {
  if (typeof text !== 'string') return 'prefix must be a string like "192.0.2.0/24"';
  const m = V4.exec(text);
  if (m) {
    const o = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
    const len = Number(m[5]);
    if (o.every((x, i) => x <= 255 && String(x) === m[i + 1]) && len <= 32 && String(len) === m[5]) {
      const addr = ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0;
      const mask = len === 0 ? 0 : (-1 << (32 - len)) >>> 0;
      if ((addr & mask) >>> 0 !== addr) return `bad prefix "${text}": host bits set beyond /${len}`;
      return { family: 4, addr, len };
    }
  }
  const r = parsePrefixStrict(text);
  if (!r.ok) {
    const why = r.reason === 'length' ? 'length out of range' : r.reason === 'host-bits' ? 'host bits set beyond the length' : 'not an IP prefix';
    return `bad prefix "${text}": ${why}`;
  }
  const p = r.prefix;
  return p.family === 4 ? { family: 4, addr: Number(p.value), len: p.length } : { family: 6, words: v6WordsFromBigint(p.value), len: p.length };
}

/** An AS number from 13335, "13335" or "AS13335", or the rule it breaks. */
export function parseAsn(v: unknown): number | string {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && /^(AS)?\d{1,10}$/i.test(v.trim())) n = Number(v.trim().replace(/^AS/i, ''));
  else return `bad ASN ${JSON.stringify(v)}: expected a number or "AS<number>"`;
  if (!Number.isInteger(n) || n < 0 || n > MAX_ASN) return `bad ASN ${JSON.stringify(v)}: must be an integer 0..${MAX_ASN}`;
  return n;
}

/** The maxLength rule of RFC 6482 §3.3 / RFC 8210 §5.6, or undefined when it holds. */
export function checkMaxLength(family: 4 | 6, len: number, maxLength: unknown): string | undefined {
  const bits = family === 4 ? 32 : 128;
  if (typeof maxLength !== 'number' || !Number.isInteger(maxLength)) return `bad maxLength ${JSON.stringify(maxLength)}: must be an integer`;
  if (maxLength < len) return `maxLength ${maxLength} is less than the prefix length ${len}`;
  if (maxLength > bits) return `maxLength ${maxLength} is more than ${bits} (IPv${family})`;
  return undefined;
}

/** Builds a Vrp from compact parts (the edge where numbers become the exchange type). */
export function vrpFromCompact(p: CompactPrefix, maxLength: number, asn: number, ta?: string): Vrp {
  const prefix: Prefix = p.family === 4 ? { family: 4, value: BigInt(p.addr), length: p.len } : { family: 6, value: v6WordsToBigint(p.words), length: p.len };
  return ta ? { prefix, maxLength, asn, ta } : { prefix, maxLength, asn };
}

/** Compact form of a Prefix. */
export function compactOf(p: Prefix): CompactPrefix {
  return p.family === 4 ? { family: 4, addr: Number(p.value), len: p.length } : { family: 6, words: v6WordsFromBigint(p.value), len: p.length };
}
