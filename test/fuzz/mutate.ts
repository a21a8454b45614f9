// The mutation engine: from a seed input (real captured bytes) and a seeded random source, a
// damaged variant. Blind mutations (bit flips, interesting bytes, truncation, splicing) and
// structure-aware ones that use a Layout: a length field set to a neighbouring or extreme
// value, an attribute re-encoded with the other length form, a unit deleted, duplicated,
// repeated past 4096 bytes or swapped with its neighbour, with the enclosing lengths kept right
// (usually) so the damage reaches the decoder behind the framing.
import type { Rng } from '../helpers/rng.js';
import { type Field, Kind, type Layout, type Span } from './layout.js';

/** One input: the bytes and a number the target reads its context from (negotiated options...). */
export interface Seed {
  bytes: Buffer;
  variant: number;
}

/** Where an input's structure is; the layout may describe less than is there (never more). */
export type Locate = (b: Buffer, variant: number) => Layout;

/** Inputs never grow past this (an extended BGP message is at most 65535 bytes). */
export const MAX_INPUT = 70_000;

const INTERESTING8 = [0, 1, 2, 0x7f, 0x80, 0x81, 0xfe, 0xff];
const INTERESTING16 = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xfffe, 0xffff, 4096, 4097, 4077];

const maxOf = (f: Field): number => (f.size === 4 ? 0xffffffff : f.size === 2 ? 0xffff : 0xff);

function readField(b: Buffer, f: Field): number {
  if (f.at < 0 || f.at + f.size > b.length) return 0;
  return f.size === 1 ? b[f.at]! : f.size === 2 ? b.readUInt16BE(f.at) : b.readUInt32BE(f.at);
}

/** Writes v modulo the field's width (a length that overflows wraps, as a careless encoder's would). */
function writeField(b: Buffer, f: Field, v: number): void {
  if (f.at < 0 || f.at + f.size > b.length) return;
  const m = ((v % (maxOf(f) + 1)) + maxOf(f) + 1) % (maxOf(f) + 1);
  if (f.size === 1) b[f.at] = m;
  else if (f.size === 2) b.writeUInt16BE(m, f.at);
  else b.writeUInt32BE(m, f.at);
}

/** Replaces b[start, end) with `insert`; the enclosing lengths follow when `fix`. */
function replace(b: Buffer, start: number, end: number, insert: Buffer, span: Span | undefined, fix: boolean, count = 0): Buffer {
  const out = Buffer.concat([b.subarray(0, start), insert, b.subarray(end)]);
  const delta = insert.length - (end - start);
  if (fix && span) {
    // Every parent field precedes the bytes it counts, so its offset is unchanged.
    for (const p of span.parents) if (p.at < start) writeField(out, p, readField(out, p) + delta);
    if (count && span.counter && span.counter.at < start) writeField(out, span.counter, readField(out, span.counter) + count);
  }
  return out;
}

/** The innermost span holding position p, if any. */
function innermost(L: Layout, p: number): Span | undefined {
  let best: Span | undefined;
  for (const s of L.spans) if (s.start <= p && p < s.end && (!best || s.end - s.start <= best.end - best.start)) best = s;
  return best;
}

type Op = (b: Buffer, rng: Rng, ctx: OpContext) => Buffer;

interface OpContext {
  layout: () => Layout;
  corpus: readonly Seed[];
  locate: Locate;
  variant: number;
}

const flipBits: Op = (b, rng) => {
  if (!b.length) return b;
  for (let n = rng.range(1, 4); n > 0; n--) {
    const p = rng.int(b.length);
    b[p] = b[p]! ^ (1 << rng.int(8));
  }
  return b;
};

const interestingByte: Op = (b, rng) => {
  if (!b.length) return b;
  const p = rng.int(b.length);
  if (rng.bool(0.7) || p + 2 > b.length) b[p] = rng.bool(0.8) ? rng.pick(INTERESTING8) : rng.int(256);
  else b.writeUInt16BE(rng.pick(INTERESTING16), p);
  return b;
};

/** A length, count or prefix length set to a value near the truth, near the end, or extreme. */
const lengthField: Op = (b, rng, ctx) => {
  const L = ctx.layout();
  const fields = L.fields.filter((f) => f.kind !== Kind.Type);
  if (!fields.length) return interestingByte(b, rng, ctx);
  const f = rng.pick(fields);
  const v = readField(b, f);
  if (f.kind === Kind.Flags) {
    b[f.at] = b[f.at]! ^ rng.pick([0x80, 0x40, 0x20, 0x10, 0x01, 0x02, rng.int(256)]);
    return b;
  }
  if (f.kind === Kind.Prefix) {
    writeField(b, f, rng.pick([0, 1, 7, 8, 9, 24, 31, 32, 33, 64, 127, 128, 129, 255, v + 1, v - 1, v + 8, v - 8]));
    return b;
  }
  const rest = b.length - (f.at + f.size);
  const choices = [
    v + 1,
    v - 1,
    v + rng.range(2, 16),
    v - rng.range(2, 16),
    0,
    1,
    maxOf(f),
    maxOf(f) - 1,
    (maxOf(f) + 1) / 2,
    rest,
    rest + 1,
    rest - 1,
    v * 2,
    rng.int(maxOf(f) + 1),
  ];
  if (f.size === 4) choices.push(7, 8, 9, 0x10000, 0x10001, 16 * 1024 * 1024 + 1);
  writeField(b, f, rng.pick(choices));
  return b;
};

/** An attribute re-encoded with the other length form (RFC 4271 Extended Length bit). */
const toggleExtended: Op = (b, rng, ctx) => {
  const attrs = ctx.layout().spans.filter((s) => s.unit === 'attribute' && s.end - s.start >= 3);
  if (!attrs.length) return flipBits(b, rng, ctx);
  const s = rng.pick(attrs);
  const flags = b[s.start]!;
  const fix = rng.bool(0.85);
  if (flags & 0x10) {
    if (s.end - s.start < 4) return b;
    const len = b.readUInt16BE(s.start + 2);
    const head = Buffer.from([flags & ~0x10, b[s.start + 1]!, len & 0xff]);
    return replace(b, s.start, s.start + 4, head, s, fix);
  }
  const head = Buffer.from([flags | 0x10, b[s.start + 1]!, 0, b[s.start + 2]!]);
  return replace(b, s.start, s.start + 3, head, s, fix);
};

const truncate: Op = (b, rng, ctx) => {
  if (b.length < 2) return b;
  const spans = ctx.layout().spans;
  if (spans.length && rng.bool(0.5)) {
    const s = rng.pick(spans);
    return b.subarray(0, Math.max(0, Math.min(b.length, s.end + rng.range(-2, 1))));
  }
  return b.subarray(0, rng.int(b.length));
};

const deleteSpan: Op = (b, rng, ctx) => {
  const spans = ctx.layout().spans;
  if (!spans.length) return truncate(b, rng, ctx);
  const s = rng.pick(spans);
  return replace(b, s.start, s.end, Buffer.alloc(0), s, rng.bool(0.85), -1);
};

/** A unit (attribute, prefix, PDU, record...) repeated: once, or often enough to pass 4096 bytes. */
const duplicateSpan: Op = (b, rng, ctx) => {
  const spans = ctx.layout().spans;
  if (!spans.length) return b;
  const s = rng.pick(spans);
  const one = b.subarray(s.start, s.end);
  // Mostly one copy; sometimes enough to pass 4096 bytes (Extended Messages), rarely 64 KiB.
  const goal = rng.bool(0.9) ? 0 : rng.bool(0.8) ? 4200 : 66_000;
  const times = Math.min(Math.floor((MAX_INPUT - b.length) / one.length), goal ? Math.ceil(goal / one.length) : 1);
  if (times < 1) return b;
  const copies = Buffer.concat(new Array<Buffer>(times).fill(one));
  return replace(b, s.end, s.end, copies, s, rng.bool(0.85), times);
};

const swapNeighbours: Op = (b, rng, ctx) => {
  const spans = ctx.layout().spans;
  if (spans.length < 2) return b;
  const s = rng.pick(spans);
  const t = spans.find((x) => x.start === s.end && x.unit === s.unit);
  if (!t) return b;
  return Buffer.concat([b.subarray(0, s.start), b.subarray(t.start, t.end), b.subarray(s.start, s.end), b.subarray(t.end)]);
};

const insertBytes: Op = (b, rng, ctx) => {
  const p = rng.int(b.length + 1);
  const n = rng.range(1, 16);
  const ins = rng.bool(0.5) ? rng.bytes(n) : Buffer.alloc(n, rng.pick(INTERESTING8));
  return replace(b, p, p, ins, innermost(ctx.layout(), p), rng.bool(0.7));
};

/** Another input's unit of the same kind in place of one of ours, or two inputs glued at random points. */
const splice: Op = (b, rng, ctx) => {
  const other = rng.pick(ctx.corpus);
  if (rng.bool(0.6)) {
    const mine = ctx.layout().spans;
    const theirs = ctx.locate(other.bytes, other.variant).spans;
    if (mine.length && theirs.length) {
      const s = rng.pick(mine);
      const same = theirs.filter((t) => t.unit === s.unit);
      const t = same.length ? rng.pick(same) : rng.pick(theirs);
      return replace(b, s.start, s.end, other.bytes.subarray(t.start, t.end), s, rng.bool(0.85));
    }
  }
  const head = b.subarray(0, rng.int(b.length + 1));
  return Buffer.concat([head, other.bytes.subarray(rng.int(other.bytes.length + 1))]);
};

const OPS: Array<[Op, number]> = [
  [flipBits, 14],
  [interestingByte, 12],
  [lengthField, 22],
  [toggleExtended, 6],
  [truncate, 6],
  [deleteSpan, 8],
  [duplicateSpan, 10],
  [swapNeighbours, 3],
  [insertBytes, 6],
  [splice, 8],
];
const TOTAL = OPS.reduce((n, [, w]) => n + w, 0);

function pickOp(rng: Rng): Op {
  let r = rng.int(TOTAL);
  for (const [op, w] of OPS) if ((r -= w) < 0) return op;
  return flipBits;
}

/**
 * A mutant of `seed`: 1 to 8 stacked mutations (a few inputs go through unchanged, so the
 * valid path is fuzzed too). `locate` is asked again after each change of structure.
 */
export function mutate(seed: Seed, corpus: readonly Seed[], locate: Locate, rng: Rng): Buffer {
  let b: Buffer = Buffer.from(seed.bytes);
  if (rng.bool(0.02)) return b;
  let n = 1;
  while (n < 8 && rng.bool(0.5)) n++;
  for (let k = 0; k < n; k++) {
    let cached: Layout | undefined;
    const cur = b;
    const ctx: OpContext = { layout: () => (cached ??= locate(cur, seed.variant)), corpus, locate, variant: seed.variant };
    b = pickOp(rng)(b, rng, ctx);
    if (b.length > MAX_INPUT) b = b.subarray(0, MAX_INPUT);
  }
  return b;
}
