// Prefixes for property tests of the compact forms and prefix keys: random ones and their NLRI bytes.

import assert from 'node:assert/strict';
import { type Prefix, parsePrefix } from '../../src/net/prefix.js';

/** A prefix fixture that must parse. */
export const P = (s: string): Prefix => {
  const p = parsePrefix(s);
  assert.ok(p, `fixture ${s} must parse`);
  return p;
};

const bigMask = (bits: number, len: number): bigint => {
  const all = (1n << BigInt(bits)) - 1n;
  return all ^ ((1n << BigInt(bits - len)) - 1n);
};

/** A random prefix of `family` (any length, `length` fixed when given). */
export function randomPrefix(r: () => number, family: 4 | 6, length?: number): Prefix {
  const bits = family === 4 ? 32 : 128;
  const len = length ?? r() % (bits + 1);
  let v = 0n;
  for (let i = 0; i < bits / 32; i++) v = (v << 32n) | BigInt(r());
  return { family, value: v & bigMask(bits, len), length: len };
}

/** The NLRI encoding of p: length byte then ceil(len/8) bytes, with random bits after the prefix. */
export function nlri(p: Prefix, r: () => number, lead = 0): Buffer {
  const bits = p.family === 4 ? 32 : 128;
  const n = (p.length + 7) >> 3;
  const buf = Buffer.alloc(lead + 1 + n + 3, 0xee);
  buf[lead] = p.length;
  const noise = BigInt(r()) & ((1n << BigInt(bits - p.length)) - 1n);
  const v = p.value | (p.length === bits ? 0n : noise);
  for (let i = 0; i < n; i++) buf[lead + 1 + i] = Number((v >> BigInt(bits - 8 - 8 * i)) & 0xffn);
  return buf;
}
