// Deliberately broken decoders, for checking the fuzzer itself: it must find the exception in
// one and the endless loop in the other within a few thousand inputs, and save both inputs.
// The format: elements of type(1) length(1) value(length).
import { Kind, Layout } from '../layout.js';
import type { Seed } from '../mutate.js';
import type { Target } from '../target.js';

function seeds(): Seed[] {
  const el = (t: number, v: number[]) => [t, v.length, ...v];
  return [
    [...el(1, [1, 2, 3]), ...el(2, [9]), ...el(3, [0, 0, 0, 0])],
    [...el(4, [7, 7]), ...el(5, [1, 2, 3, 4, 5, 6])],
  ].map((a) => ({ bytes: Buffer.from(a), variant: 0 }));
}

function locate(b: Buffer): Layout {
  const L = new Layout(b);
  for (let i = 0; i + 2 <= b.length; i += 2 + b[i + 1]!) {
    L.field(i, 1, Kind.Type);
    L.field(i + 1, 1, Kind.Length);
    L.span(i, i + 2 + b[i + 1]!, 'attribute', []);
  }
  return L;
}

/** Trusts the length of a type-0xff element: a RangeError when it points past the end. */
function throwing(input: Seed): void {
  const b = input.bytes;
  for (let i = 0; i + 2 <= b.length; i += 2 + b[i + 1]!) if (b[i] === 0xff) b.readUInt32BE(i + 2 + b[i + 1]!);
}

/** Does not advance past an empty type-0 element: an endless loop. */
function looping(input: Seed): void {
  const b = input.bytes;
  for (let i = 0; i + 2 <= b.length; ) {
    if (b[i] === 0 && b[i + 1] === 0) continue;
    i += 2 + b[i + 1]!;
  }
}

export const canaryThrowTarget: Target = { name: 'canary-throw', corpus: seeds, locate, variant: () => 0, run: throwing };
export const canaryHangTarget: Target = { name: 'canary-hang', corpus: seeds, locate, variant: () => 0, run: looping };
