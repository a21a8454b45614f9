// bench:mrt — `openpeering mrt dump -m` against `bgpdump -m` on the same files in the same run.
//
// Headline inputs: a realistic full-table TABLE_DUMP_V2 RIB (1M IPv4 + 200k IPv6 prefixes, 4
// IPv4 and 2 IPv6 peers, ~4M routes; mrt-rib.ts) made with the project's MRT writer, as raw,
// gzip and bzip2 files (made once into a cache directory, OPENPEERING_BENCH_CACHE, default
// <tmp>/openpeering-bench-mrt). Also a BGP4MP update file: a sample file concatenated until it
// holds at least 500,000 records (concatenated gzip members are one valid gzip stream).
//
// Each tool runs as a process with stdout to /dev/null, so the disk is not timed; the time is
// whole-process wall clock, startup included, the median of RUNS runs (default 3), runs of the
// two tools interleaved. A separate untimed run of each per input is hashed: the outputs must be
// byte-identical. Before each input the bench waits (up to a minute) until the machine's other
// CPU use is low, and records it. The decompressing program alone (`lbzip2 -dc`, `pigz -dc`, as
// `mrt dump` would pick) is timed too. JSON goes to bench/results/mrt-<date>.json.
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decompressTool } from '../src/mrt/decompress.js';
import { readMrt } from '../src/mrt/reader.js';
import { saveResults } from './lib/results.js';
import { median as medianOf } from './lib/stats.js';
import { ribFiles } from './mrt-rib.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DATA = process.env.OPENPEERING_TESTDATA ?? path.resolve(ROOT, 'test', 'data', 'bgp');
const SAMPLES = path.join(DATA, 'bgpdump', 'test_data');
const UPDATES = 'updates.20160811.1600.gz';
/** the update input: at least this many copies, and at least LARGE_RECORDS records */
const MIN_COPIES = 8;
const LARGE_RECORDS = 500_000;
const RUNS = Number(process.env.RUNS ?? 3);
const CACHE = process.env.OPENPEERING_BENCH_CACHE ?? path.join(os.tmpdir(), 'openpeering-bench-mrt');
const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');

/** Runs cmd with stdout to /dev/null; resolves wall seconds. */
function timed(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'ignore'] });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${cmd} ${args.join(' ')} exited ${code}`));
      resolve(Number(process.hrtime.bigint() - t0) / 1e9);
    });
  });
}

/** Runs cmd and resolves the SHA-256 and size of its stdout. */
function hashed(cmd: string, args: string[]): Promise<{ sha: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    const h = crypto.createHash('sha256');
    let bytes = 0;
    child.stdout.on('data', (d: Buffer) => {
      h.update(d);
      bytes += d.length;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${cmd} ${args.join(' ')} exited ${code}`));
      resolve({ sha: h.digest('hex'), bytes });
    });
  });
}

/** The median of timings that always exist. */
const median = (xs: number[]): number => medianOf(xs) ?? NaN;

/** Fraction of all CPUs busy over the next second (from /proc/stat); -1 where unknown. */
async function busy(): Promise<number> {
  const sample = (): number[] | undefined => {
    try {
      const f = fs.readFileSync('/proc/stat', 'latin1').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
      return [f[3]! + (f[4] ?? 0), f.reduce((a, b) => a + b, 0)];
    } catch {
      return undefined;
    }
  };
  const a = sample();
  await new Promise((r) => setTimeout(r, 1000));
  const b = sample();
  if (!a || !b || b[1] === a[1]) return -1;
  return 1 - (b[0]! - a[0]!) / (b[1]! - a[1]!);
}

/** Waits (up to a minute) for other CPU use below a quarter of the machine; returns the last reading. */
async function quiet(): Promise<number> {
  let load = await busy();
  for (let i = 0; i < 12 && load > 0.25; i++) {
    await new Promise((r) => setTimeout(r, 4000));
    load = await busy();
  }
  return load;
}

async function main(): Promise<void> {
  let version = '';
  try {
    execFileSync('bgpdump', ['-T'], { stdio: 'ignore' });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
    version = execFileSync('dpkg-query', ['-W', '-f=${Version}', 'bgpdump'], { encoding: 'utf8' }).trim();
  } catch {
    if (!version) {
      console.error('bench:mrt: bgpdump is not installed: run `bash scripts/install-test-deps.sh`');
      process.exit(1);
    }
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-mrt-'));
  const machine = { nproc: os.cpus().length, cpu: os.cpus()[0]?.model ?? '?', node: process.version, bgpdump: version };
  console.log(`bench:mrt  ${new Date().toISOString()}`);
  console.log(`machine: ${machine.nproc} CPUs (${machine.cpu}), node ${machine.node}, bgpdump ${machine.bgpdump}; median of ${RUNS} runs, stdout to /dev/null`);

  const t0 = Date.now();
  const rib = ribFiles(CACHE);
  console.log(
    `RIB input: ${rib.entries} routes (${path.basename(rib.raw)}), in ${CACHE}${Date.now() - t0 > 1000 ? `, made in ${((Date.now() - t0) / 1000).toFixed(0)} s` : ''}`,
  );
  const mb = (f: string) => (fs.statSync(f).size / 1e6).toFixed(1);
  const inputs: Array<{ name: string; file: string; records: number; large: boolean; tool: string }> = [
    { name: `RIB raw (${mb(rib.raw)} MB)`, file: rib.raw, records: rib.entries, large: true, tool: 'cat' },
    { name: `RIB gzip (${mb(rib.gzip)} MB)`, file: rib.gzip, records: rib.entries, large: true, tool: decompressTool('gzip') ?? 'in-process' },
    { name: `RIB bzip2 (${mb(rib.bzip2)} MB)`, file: rib.bzip2, records: rib.entries, large: true, tool: decompressTool('bzip2') ?? 'in-process' },
  ];
  {
    const file = path.join(SAMPLES, UPDATES);
    const { records } = await readMrt(file, () => {});
    const copies = Math.max(MIN_COPIES, Math.ceil(LARGE_RECORDS / records));
    const big = path.join(tmp, `x${copies}.${UPDATES}`);
    const data = fs.readFileSync(file);
    fs.writeFileSync(big, Buffer.concat(Array.from({ length: copies }, () => data)));
    inputs.push({ name: `${UPDATES} x${copies}`, file: big, records: records * copies, large: false, tool: decompressTool('gzip') ?? 'in-process' });
  }

  const empty = path.join(tmp, 'empty.mrt');
  fs.writeFileSync(empty, '');
  const ourArgs = (file: string): string[] => [CLI, 'mrt', 'dump', '-m', file];
  const startup = { openpeering: [] as number[], bgpdump: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    startup.openpeering.push(await timed(process.execPath, ourArgs(empty)));
    startup.bgpdump.push(await timed('bgpdump', ['-m', empty]));
  }
  console.log(`startup (empty file): openpeering ${median(startup.openpeering).toFixed(3)} s, bgpdump ${median(startup.bgpdump).toFixed(3)} s`);

  const rows: Array<Record<string, unknown>> = [];
  for (const input of inputs) {
    const ours = await hashed(process.execPath, ourArgs(input.file));
    const ref = await hashed('bgpdump', ['-m', input.file]);
    const otherCpu = await quiet();
    const t = { openpeering: [] as number[], bgpdump: [] as number[], zcat: [] as number[] };
    for (let i = 0; i < RUNS; i++) {
      t.openpeering.push(await timed(process.execPath, ourArgs(input.file)));
      t.bgpdump.push(await timed('bgpdump', ['-m', input.file]));
      t.zcat.push(input.tool === 'in-process' ? 0 : input.tool === 'cat' ? await timed('cat', [input.file]) : await timed(input.tool, ['-dc', input.file]));
    }
    const o = median(t.openpeering);
    const b = median(t.bgpdump);
    const row = {
      input: input.name,
      large: input.large,
      decompressor: path.basename(input.tool),
      records: input.records,
      outputMB: +(ref.bytes / 1e6).toFixed(1),
      openpeeringSeconds: +o.toFixed(3),
      bgpdumpSeconds: +b.toFixed(3),
      decompressorSeconds: +median(t.zcat).toFixed(3),
      openpeeringRecordsPerSecond: Math.round(input.records / o),
      bgpdumpRecordsPerSecond: Math.round(input.records / b),
      ratio: +(b / o).toFixed(2),
      identical: ours.sha === ref.sha,
      runs: { openpeering: t.openpeering.map((x) => +x.toFixed(3)), bgpdump: t.bgpdump.map((x) => +x.toFixed(3)) },
      otherCpuBefore: +otherCpu.toFixed(2),
    };
    rows.push(row);
    console.log(`  ${row.input}: ${row.ratio}x (${row.openpeeringSeconds} s vs ${row.bgpdumpSeconds} s), identical: ${row.identical}`);
  }
  fs.rmSync(tmp, { recursive: true, force: true });

  const head = [
    'input',
    'records',
    'output MB',
    'openpeering s',
    'bgpdump s',
    'decompressor',
    'alone s',
    'openpeering rec/s',
    'bgpdump rec/s',
    'ratio',
    'identical',
  ];
  const cells = rows.map((r) => [
    String(r.input),
    String(r.records),
    String(r.outputMB),
    String(r.openpeeringSeconds),
    String(r.bgpdumpSeconds),
    String(r.decompressor),
    String(r.decompressorSeconds),
    String(r.openpeeringRecordsPerSecond),
    String(r.bgpdumpRecordsPerSecond),
    `${r.ratio}x`,
    r.identical ? 'yes' : 'NO',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ');
  console.log('');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const c of cells) console.log(line(c));
  const large = rows.filter((r) => r.large);
  const total = (k: string) => large.reduce((s, r) => s + (r[k] as number), 0);
  console.log('');
  console.log(
    `headline (the RIB in its three forms together): ${(total('bgpdumpSeconds') / total('openpeeringSeconds')).toFixed(2)}x bgpdump's speed; lowest: ${Math.min(...large.map((r) => r.ratio as number))}x`,
  );
  const file = saveResults(
    'mrt',
    {
      date: new Date().toISOString(),
      machine,
      runs: RUNS,
      minCopies: MIN_COPIES,
      largeRecords: LARGE_RECORDS,
      startupSeconds: { openpeering: +median(startup.openpeering).toFixed(3), bgpdump: +median(startup.bgpdump).toFixed(3) },
      headlineRatio: +(total('bgpdumpSeconds') / total('openpeeringSeconds')).toFixed(2),
      rows,
    },
    2,
  );
  console.log(`results: ${path.relative(process.cwd(), file) || file}`);
  if (rows.some((r) => !r.identical)) process.exit(1);
}

await main();
