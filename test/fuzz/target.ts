// What a fuzz target is, and how an input is made from (seed, index) alone: any input of a run
// can be made again from those two numbers, in any process, to reproduce a finding.
import { Rng } from '../helpers/rng.js';
import { type Locate, mutate, type Seed } from './mutate.js';

export interface Target {
  name: string;
  /** the seed inputs (built once per process) */
  corpus(): Seed[];
  locate: Locate;
  /** An input's variant (the context bits this target reads), mostly its seed's own context. */
  variant(rng: Rng, seed: Seed): number;
  /** Runs one input. Throws (a Violation or anything else) only when the code under test broke its contract. */
  run(input: Seed): void | Promise<void>;
  /** for targets with live state (sockets, a speaker) */
  setup?(options: TargetOptions): Promise<void>;
  teardown?(): Promise<void>;
}

export interface TargetOptions {
  /** first loopback port the target may use */
  port: number;
  /** loopback address prefix, e.g. "127.73.0." */
  net: string;
  /** index of this worker among parallel ones (separate ports and addresses) */
  job: number;
}

/** A broken contract that is not an exception of the code under test (a wrong value, a bad NOTIFICATION). */
export class Violation extends Error {
  override name = 'Violation';
}

/** Mixes (seed, index) into one 32-bit generator seed. */
function mix(seed: number, index: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (index >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (index & 0xffff) ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Input number `index` of the run with `seed`. */
export function inputAt(t: Target, corpus: readonly Seed[], seed: number, index: number): Seed {
  const rng = new Rng(mix(seed, index));
  const base = corpus[rng.int(corpus.length)]!;
  const variant = t.variant(rng, base);
  return { bytes: mutate(base, corpus, t.locate, rng), variant };
}
