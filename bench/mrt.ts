// bench:mrt — `openpeering mrt dump -m` against `bgpdump -m` on the same files in the same run.
// Each tool runs as a process writing to a file (best of N runs, wall clock), records/s are
// MRT records per second, and the two outputs must be byte-identical. JSON goes to
// bench/results/mrt-<date>.json.
//
// Two ratios are printed. "wall" is whole-process time, startup included: what a user waits
// for. "steady" leaves startup out: for openpeering a fresh process (this file with --steady)
// loads the MRT modules, then times reading and printing the file the way `mrt dump -m` does
// (cold JIT included); for bgpdump its wall time less its run on an empty file (~0.02 s).
// Node's own ~0.1 s start exceeds bgpdump's whole run on small files, so both are shown.
import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readMrt } from '../src/mrt/reader.js';
import { BgpdumpFormatter } from '../src/mrt/bgpdump-format.js';
import { ByteSink } from '../src/mrt/byte-sink.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DATA = process.env.OPENPEERING_TESTDATA ?? path.resolve(ROOT, '..', 'shared', 'testdata', 'bgp');
const FILES = [
  path.join(DATA, 'bgpdump', 'test_data', 'updates.et-header.2015.gz'),
  path.join(DATA, 'bgpdump', 'test_data', 'bview.20020722.2337.gz'),
  path.join(DATA, 'bgpdump', 'test_data', 'updates.20160811.1600.gz'),
];
const RUNS = Number(process.env.RUNS ?? 3);
const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');

/** Runs cmd with stdout to a file; resolves wall seconds and the output's SHA-256. */
function run(cmd: string, args: string[], out: string): Promise<{ seconds: number; sha: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const fd = fs.openSync(out, 'w');
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', fd, 'ignore'] });
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      fs.closeSync(fd);
      if (code !== 0) return reject(new Error(`${cmd} exited ${code}`));
      const data = fs.readFileSync(out);
      resolve({ seconds, sha: crypto.createHash('sha256').update(data).digest('hex'), bytes: data.length });
    });
  });
}

/** Child mode: `--steady FILE OUT` prints the seconds taken to format FILE into OUT, startup excluded. */
async function steady(file: string, out: string): Promise<void> {
  const fd = fs.openSync(out, 'w');
  const t0 = process.hrtime.bigint();
  const fmt = new BgpdumpFormatter({ mode: 'm' });
  const sink = new ByteSink();
  const write = () => { fs.writeSync(fd, sink.buf, 0, sink.pos); sink.pos = 0; };
  await readMrt(file, (r) => {
    fmt.formatInto(r, sink);
    if (sink.pos > 1 << 20) write();
  });
  write();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  fs.closeSync(fd);
  process.stdout.write(JSON.stringify({ seconds }) + '\n');
}

async function steadyBest(file: string, out: string): Promise<number> {
  let b = Infinity;
  for (let i = 0; i < RUNS; i++) {
    const text = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--steady', file, out], { encoding: 'utf8' });
    b = Math.min(b, (JSON.parse(text) as { seconds: number }).seconds);
  }
  return b;
}

async function main(): Promise<void> {
  let version = '';
  try {
    version = execFileSync('bgpdump', ['-T'], { encoding: 'utf8' }).length ? '1.6.2' : '';
    version = (execFileSync('dpkg-query', ['-W', '-f=${Version}', 'bgpdump'], { encoding: 'utf8' }) || version).trim();
  } catch {
    console.error('bench:mrt: bgpdump is not installed: run `bash scripts/install-test-deps.sh`');
    process.exit(1);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-mrt-'));
  const machine = { nproc: os.cpus().length, cpu: os.cpus()[0]?.model ?? '?', node: process.version, bgpdump: version };
  console.log(`bench:mrt  ${new Date().toISOString()}`);
  console.log(`machine: ${machine.nproc} CPUs (${machine.cpu}), node ${machine.node}, bgpdump ${machine.bgpdump}; best of ${RUNS} runs`);
  const rows: Array<Record<string, unknown>> = [];
  const best = async (cmd: string, args: string[], out: string) => {
    let b: { seconds: number; sha: string; bytes: number } | undefined;
    for (let i = 0; i < RUNS; i++) {
      const r = await run(cmd, args, out);
      if (!b || r.seconds < b.seconds) b = r;
    }
    return b!;
  };
  const ourCmd = (file: string): string[] => [CLI, 'mrt', 'dump', '-m', file];
  const empty = path.join(tmp, 'empty.mrt');
  fs.writeFileSync(empty, '');
  const ourStart = (await best(process.execPath, ourCmd(empty), path.join(tmp, 'ours.txt'))).seconds;
  const refStart = (await best('bgpdump', ['-m', empty], path.join(tmp, 'ref.txt'))).seconds;
  console.log(`startup (empty file, best of ${RUNS}): openpeering ${ourStart.toFixed(3)} s, bgpdump ${refStart.toFixed(3)} s`);
  for (const file of FILES) {
    const { records } = await readMrt(file, () => {});
    const ours = await best(process.execPath, ourCmd(file), path.join(tmp, 'ours.txt'));
    const ref = await best('bgpdump', ['-m', file], path.join(tmp, 'ref.txt'));
    const ourWork = await steadyBest(file, path.join(tmp, 'steady.txt'));
    const refWork = Math.max(ref.seconds - refStart, 1e-3);
    rows.push({
      file: path.basename(file), records, outputMB: +(ref.bytes / 1e6).toFixed(1),
      openpeeringSeconds: +ours.seconds.toFixed(3), bgpdumpSeconds: +ref.seconds.toFixed(3),
      openpeeringRecordsPerSecond: Math.round(records / ours.seconds), bgpdumpRecordsPerSecond: Math.round(records / ref.seconds),
      speedup: +(ref.seconds / ours.seconds).toFixed(2),
      openpeeringSteadyRecordsPerSecond: Math.round(records / ourWork), bgpdumpSteadyRecordsPerSecond: Math.round(records / refWork),
      steadySpeedup: +(refWork / ourWork).toFixed(2),
      identical: ours.sha === ref.sha
        && crypto.createHash('sha256').update(fs.readFileSync(path.join(tmp, 'steady.txt'))).digest('hex') === ref.sha,
    });
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  const head = ['file', 'records', 'output MB', 'openpeering rec/s', 'bgpdump rec/s', 'wall ratio',
    'steady openpeering rec/s', 'steady bgpdump rec/s', 'steady ratio', 'identical'];
  const cells = rows.map((r) => [String(r.file), String(r.records), String(r.outputMB), String(r.openpeeringRecordsPerSecond),
    String(r.bgpdumpRecordsPerSecond), `${r.speedup}x`, String(r.openpeeringSteadyRecordsPerSecond),
    String(r.bgpdumpSteadyRecordsPerSecond), `${r.steadySpeedup}x`, r.identical ? 'yes' : 'NO']);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ');
  console.log('');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const c of cells) console.log(line(c));
  console.log('');
  const dir = path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `mrt-${new Date().toISOString().replace(/:/g, '').replace(/\.\d+Z$/, 'Z')}.json`);
  fs.writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), machine, runs: RUNS, startupSeconds: { openpeering: +ourStart.toFixed(3), bgpdump: +refStart.toFixed(3) }, rows }, null, 2) + '\n');
  console.log(`results: ${path.relative(process.cwd(), file) || file}`);
  if (rows.some((r) => !r.identical)) process.exit(1);
}

if (process.argv[2] === '--steady') await steady(process.argv[3]!, process.argv[4]!);
else await main();
