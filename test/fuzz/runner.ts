// The supervisor: runs a target's inputs in worker threads (one per job, each a contiguous
// range of input indexes), watches each worker's current index, and when an input takes longer
// than the time limit (a hang) or the worker dies (an uncaught exception, an unhandled
// rejection), records the input, saves it, and goes on with a fresh worker after it.
import { Worker } from 'node:worker_threads';
import { type Finding, saveFinding } from './findings.js';
import { inputAt } from './target.js';
import { TARGETS } from './targets/index.js';
import type { FindingMessage, WorkerData } from './worker.js';

export interface RunOptions {
  target: string;
  seed: number;
  /** first input index */
  start?: number;
  count: number;
  /** per input; longer is a hang */
  timeLimitMs: number;
  jobs?: number;
  /** where findings are saved (nothing is saved without) */
  findingsDir?: string;
  /** stop after this many distinct findings (same kind, message shape and place); repeats are counted, not saved */
  maxFindings?: number;
  /** loopback ports and addresses for live targets */
  port?: number;
  net?: string;
  /** called about every progressMs with the inputs done so far */
  onProgress?: (done: number, ms: number) => void;
  progressMs?: number;
}

export interface Summary {
  target: string;
  seed: number;
  start: number;
  inputs: number;
  ms: number;
  /** the first of each distinct finding */
  findings: Finding[];
  /** how often each distinct finding came up, in the order of `findings` */
  repeats: number[];
}

/** Same kind, same message but for its numbers, same innermost place in our code: the same bug. */
function signature(f: Finding): string {
  const place =
    f.stack
      ?.split('\n')
      .find((l) => /\/(src|test)\//.test(l))
      ?.replace(/:\d+\)?$/, '') ?? '';
  return `${f.kind}|${f.message.replace(/\d+/g, 'N').replace(/[0-9a-f]{16,}/g, 'HEX')}|${place}`;
}

/** A worker gets this long to load its corpus and set up before its first input. */
const STARTUP_LIMIT_MS = 120_000;

interface Outcome {
  kind: 'done' | 'hang' | 'crash';
  index: number;
  inputs: number;
  error?: string;
  stack?: string;
}

export async function runFuzz(o: RunOptions): Promise<Summary> {
  const t = TARGETS[o.target];
  if (!t) throw new Error(`unknown fuzz target ${o.target}; known: ${Object.keys(TARGETS).join(', ')}`);
  const start = o.start ?? 0;
  const jobs = Math.max(1, Math.min(o.jobs ?? 1, o.count));
  const findings: Finding[] = [];
  const maxFindings = o.maxFindings ?? 20;
  const t0 = Date.now();
  const done = new Array<number>(jobs).fill(0);
  const live = new Array<Int32Array | undefined>(jobs);

  const seen = new Map<string, number>();
  const repeats: number[] = [];
  const record = (f: Finding): void => {
    const sig = signature(f);
    const k = seen.get(sig);
    if (k !== undefined) {
      repeats[k]!++;
      return;
    }
    seen.set(sig, findings.length);
    repeats.push(1);
    if (o.findingsDir) {
      // Hangs and crashes are made again from (seed, index) here; the others came with their input.
      const input = f.hex === undefined && f.index >= 0 ? inputAt(t, t.corpus(), o.seed, f.index) : undefined;
      f.file = saveFinding(o.findingsDir, f, input);
    }
    findings.push(f);
  };

  async function supervise(job: number, from: number, to: number): Promise<void> {
    let next = from;
    while (next < to && findings.length < maxFindings) {
      const state = new Int32Array(new SharedArrayBuffer(8));
      state[0] = -1;
      live[job] = state;
      const wd: WorkerData = {
        target: o.target,
        seed: o.seed,
        from: next,
        to,
        state: state.buffer as SharedArrayBuffer,
        maxFindings: 50 * (maxFindings - findings.length), // repeats of a known bug do not stop a run at once
        options: { port: o.port ?? 17300, net: o.net ?? '127.73.0.', job },
      };
      const w = new Worker(new URL('./worker.js', import.meta.url), { workerData: wd });
      const out = await watch(w, state, o.timeLimitMs, (m) => record({ target: o.target, seed: o.seed, ...m }));
      live[job] = undefined;
      // A worker stops early after many findings: go on after them unless enough distinct ones are in.
      if (out.kind === 'done') {
        done[job]! += out.inputs;
        next += out.inputs;
        continue;
      }
      if (out.index < 0) throw new Error(`fuzz worker for ${o.target} failed before its first input: ${out.error}\n${out.stack ?? ''}`);
      record({
        target: o.target,
        seed: o.seed,
        index: out.index,
        kind: out.kind,
        message: out.kind === 'hang' ? `input ${out.index} ran longer than ${o.timeLimitMs} ms` : (out.error ?? 'worker died'),
        ...(out.stack ? { stack: out.stack } : {}),
      });
      done[job]! += out.index - next + 1;
      next = out.index + 1;
    }
  }

  const total = (): number => done.reduce((a, b, j) => a + b + (live[j] ? Math.max(0, Atomics.load(live[j]!, 1)) : 0), 0);
  const timer = o.onProgress ? setInterval(() => o.onProgress!(total(), Date.now() - t0), o.progressMs ?? 10_000) : undefined;
  try {
    const per = Math.ceil(o.count / jobs);
    await Promise.all(Array.from({ length: jobs }, (_, j) => supervise(j, start + j * per, Math.min(start + o.count, start + (j + 1) * per))));
  } finally {
    if (timer) clearInterval(timer);
  }
  return { target: o.target, seed: o.seed, start, inputs: done.reduce((a, b) => a + b, 0), ms: Date.now() - t0, findings, repeats };
}

/** Resolves when the worker finishes, dies, or sits on one input past the limit (then it is terminated). */
function watch(w: Worker, state: Int32Array, limitMs: number, onFinding: (m: Omit<FindingMessage, 'type'>) => void): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    let last = -2;
    let since = Date.now();
    const finish = (out: Outcome): void => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      resolve(out);
    };
    const timer = setInterval(
      () => {
        const cur = Atomics.load(state, 0);
        if (cur !== last) {
          last = cur;
          since = Date.now();
          return;
        }
        if (Date.now() - since > (cur < 0 ? STARTUP_LIMIT_MS : limitMs)) {
          finish({ kind: 'hang', index: cur, inputs: 0 });
          void w.terminate();
        }
      },
      Math.max(10, Math.min(250, limitMs / 4)),
    );
    w.on('message', (m: FindingMessage | { type: 'done'; inputs: number }) => {
      if (m.type === 'done') finish({ kind: 'done', index: -1, inputs: m.inputs });
      else {
        const { type: _t, ...rest } = m;
        onFinding(rest);
      }
    });
    w.on('error', (e) =>
      finish({ kind: 'crash', index: Atomics.load(state, 0), inputs: 0, error: `${e.name}: ${e.message}`, ...(e.stack ? { stack: e.stack } : {}) }),
    );
    w.on('exit', (code) => finish({ kind: 'crash', index: Atomics.load(state, 0), inputs: 0, error: `worker exited with code ${code}` }));
  });
}
