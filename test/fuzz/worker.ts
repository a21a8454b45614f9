// One fuzzing worker: runs inputs [from, to) of one target, writing the index it is on into
// shared memory before each (the supervisor's watchdog reads it to spot a hang) and posting
// every broken contract. An uncaught exception or unhandled rejection ends the worker: the
// supervisor sees the 'error' and blames the index in shared memory.
import { parentPort, workerData } from 'node:worker_threads';
import type { Seed } from './mutate.js';
import { inputAt, type TargetOptions, Violation } from './target.js';
import { TARGETS } from './targets/index.js';

export interface WorkerData {
  target: string;
  seed: number;
  from: number;
  to: number;
  /** Int32 [current index, inputs done] */
  state: SharedArrayBuffer;
  options: TargetOptions;
  maxFindings: number;
}

export interface FindingMessage {
  type: 'finding';
  index: number;
  kind: 'exception' | 'violation' | 'engine';
  message: string;
  stack?: string;
  hex?: string;
  variant?: number;
}

const data = workerData as WorkerData;
const state = new Int32Array(data.state);
const t = TARGETS[data.target]!;
const corpus = t.corpus();
await t.setup?.(data.options);

const errorText = (e: unknown): { message: string; stack?: string } =>
  e instanceof Error ? { message: `${e.name}: ${e.message}`, ...(e.stack ? { stack: e.stack } : {}) } : { message: String(e) };

let found = 0;
let i = data.from;
for (; i < data.to && found < data.maxFindings; i++) {
  Atomics.store(state, 0, i);
  let input: Seed;
  try {
    input = inputAt(t, corpus, data.seed, i);
  } catch (e) {
    found++;
    parentPort!.postMessage({ type: 'finding', index: i, kind: 'engine', ...errorText(e) } satisfies FindingMessage);
    continue;
  }
  try {
    const r = t.run(input);
    if (r) await r;
  } catch (e) {
    found++;
    const kind = e instanceof Violation ? 'violation' : 'exception';
    parentPort!.postMessage({
      type: 'finding',
      index: i,
      kind,
      ...errorText(e),
      hex: input.bytes.toString('hex'),
      variant: input.variant,
    } satisfies FindingMessage);
    // A live target may be left in a bad state: start it afresh.
    if (t.setup) {
      await t.teardown?.();
      await t.setup(data.options);
    }
  }
  if ((i & 63) === 0) Atomics.store(state, 1, i - data.from + 1);
}
await t.teardown?.();
parentPort!.postMessage({ type: 'done', inputs: i - data.from });
