// `npm run fuzz -- [options]`: long fuzzing runs, or one saved finding replayed in-process.
// Options: see USAGE below (`npm run fuzz -- --help`).

import { loadFinding } from './findings.js';
import { runFuzz, type Summary } from './runner.js';
import { inputAt } from './target.js';
import { DECODER_TARGETS, TARGETS } from './targets/index.js';

const num = (s: string | undefined, what: string): number => {
  const n = Number(s?.replace(/_/g, ''));
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${what} needs a number, not ${s}`);
  return n;
};

const USAGE = `usage: npm run fuzz -- [options]
  --target NAME[,NAME]  bgp, rtr, mrt, mrt-file, speaker, or "decoders" (the first four; default)
  --count N             inputs per target (default 1,000,000)
  --seed S              run seed (default: from the clock, printed); input i of a seed is always the same
  --start I             first input index (default 0)
  --time-limit SEC      per input; longer is reported as a hang (default 10)
  --jobs N              parallel workers per target (default 1)
  --findings DIR        where crashing inputs go (default fuzz-findings)
  --max-findings N      stop a target after N distinct findings (default 20)
  --port P              first loopback TCP port for the speaker target (default 17300; job j uses P+j)
  --net PREFIX          loopback address prefix for the speaker target (default 127.73.0.)
  --replay FILE.json    run one saved finding in this process and show what it throws
A finding (an exception other than a BGP error, or a hang) is saved as FILE.json + FILE.bin with the
command that reproduces it; the exit status is 1 when there is one.`;
const OPTIONS = new Set(['target', 'count', 'seed', 'start', 'time-limit', 'jobs', 'findings', 'max-findings', 'port', 'net', 'replay']);

function parse(argv: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}\n${USAGE}`);
    const [k, v] = a.includes('=') ? [a.slice(2, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a.slice(2), argv[++i]];
    if (!OPTIONS.has(k)) throw new Error(`unknown option --${k}\n${USAGE}`);
    if (v === undefined) throw new Error(`--${k} needs a value`);
    m.set(k, v);
  }
  return m;
}

const fmt = (n: number): string => n.toLocaleString('en-US');

async function replay(file: string): Promise<void> {
  const f = loadFinding(file);
  const t = TARGETS[f.target]!;
  console.log(`replaying ${file}: target ${f.target}, ${f.input.bytes.length} bytes, variant ${f.input.variant}; recorded: ${f.message}`);
  await t.setup?.({ port: 17300, net: '127.73.0.', job: 0 });
  try {
    await t.run(f.input);
    console.log('ran without breaking a contract (not reproduced in this process)');
  } catch (e) {
    console.log('reproduced:');
    console.log(e);
    process.exitCode = 1;
  } finally {
    await t.teardown?.();
  }
}

function line(s: Summary): string {
  const rate = s.inputs / Math.max(s.ms / 1000, 1e-3);
  return (
    `fuzz ${s.target}: seed ${s.seed}, inputs ${fmt(s.start)}..${fmt(s.start + s.inputs - 1)}: ${fmt(s.inputs)} inputs in ${(s.ms / 1000).toFixed(1)} s ` +
    `(${fmt(Math.round(rate))}/s), ${s.findings.length} distinct finding(s) from ${fmt(s.repeats.reduce((a, b) => a + b, 0))} input(s)`
  );
}

async function main(): Promise<void> {
  const a = parse(process.argv.slice(2));
  if (a.has('replay')) return replay(a.get('replay')!);
  const list = (a.get('target') ?? 'decoders').split(',').flatMap((n) => (n === 'decoders' ? DECODER_TARGETS : [n]));
  for (const n of list) if (!TARGETS[n]) throw new Error(`unknown target ${n}; known: ${Object.keys(TARGETS).join(', ')}, decoders`);
  const seed = a.has('seed') ? num(a.get('seed'), 'seed') >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0;
  const count = num(a.get('count') ?? '1000000', 'count');
  const findingsDir = a.get('findings') ?? 'fuzz-findings';
  const summaries: Summary[] = [];
  console.log(`fuzz: targets ${list.join(', ')}; seed ${seed}; ${fmt(count)} inputs each; node ${process.version}`);
  for (const target of list) {
    const s = await runFuzz({
      target,
      seed,
      count,
      start: num(a.get('start') ?? '0', 'start'),
      timeLimitMs: num(a.get('time-limit') ?? '10', 'time-limit') * 1000,
      jobs: num(a.get('jobs') ?? '1', 'jobs'),
      findingsDir,
      maxFindings: num(a.get('max-findings') ?? '20', 'max-findings'),
      port: num(a.get('port') ?? '17300', 'port'),
      net: a.get('net') ?? '127.73.0.',
      onProgress: (done, ms) => console.log(`  ${target}: ${fmt(done)} inputs, ${(ms / 1000).toFixed(0)} s, ${fmt(Math.round(done / (ms / 1000)))}/s`),
    });
    summaries.push(s);
    console.log(line(s));
    s.findings.forEach((f, k) => {
      const input = f.hex ? '' : ` (input ${inputAt(TARGETS[target]!, TARGETS[target]!.corpus(), seed, f.index).bytes.length} bytes)`;
      const times = s.repeats[k]! > 1 ? ` [${s.repeats[k]} inputs]` : '';
      console.log(
        `  ${f.kind} at input ${f.index}${input}${times}: ${f.message}${f.file ? `\n    saved: ${f.file}\n    reproduce: node dist/test/fuzz/main.js --replay ${f.file}` : ''}`,
      );
    });
  }
  const inputs = summaries.reduce((n, s) => n + s.inputs, 0);
  const ms = summaries.reduce((n, s) => n + s.ms, 0);
  const findings = summaries.reduce((n, s) => n + s.findings.length, 0);
  const failing = summaries.reduce((n, s) => n + s.repeats.reduce((a, b) => a + b, 0), 0);
  console.log(
    `fuzz total: ${fmt(inputs)} inputs over ${summaries.length} target(s) in ${(ms / 1000).toFixed(1)} s (${fmt(Math.round(inputs / Math.max(ms / 1000, 1e-3)))}/s), ` +
      `${findings} distinct finding(s) from ${fmt(failing)} input(s)`,
  );
  if (findings) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 2;
});
