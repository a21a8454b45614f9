// Shared bits of the MRT tests: where the data is, running bgpdump and our CLI, formatting in-process.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BgpdumpFormatter, type LineMode, readMrt } from '../../src/mrt/index.js';

// A verbatim copy of the workspace's shared/testdata/bgp (licences and provenance beside the data),
// so a clean clone has everything its tests read.
export const TESTDATA = process.env.OPENPEERING_TESTDATA ?? path.resolve('test', 'data', 'bgp');
if (!fs.existsSync(path.join(TESTDATA, 'bgpdump', 'test_data'))) {
  // Fail loudly, never skip: the MRT tests need the routing data.
  throw new Error(
    `MRT test data not found at ${TESTDATA}: run the tests from the repository root (npm test), ` + 'or set OPENPEERING_TESTDATA to a copy of test/data/bgp',
  );
}
export const BGPDUMP_DATA = path.join(TESTDATA, 'bgpdump', 'test_data');
export const BGPDUMP_EXPECT = path.join(TESTDATA, 'bgpdump', 'test_expect');
export const CLI = path.resolve('dist', 'src', 'cli', 'main.js');

/** bgpdump's stdout for args; fails the test (never skips) when bgpdump is not installed. */
export function bgpdump(...args: string[]): string {
  const r = spawnSync('bgpdump', args, { maxBuffer: 1 << 30, encoding: 'latin1' });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    assert.fail('bgpdump is not installed: run `bash scripts/install-test-deps.sh`');
  }
  assert.equal(r.status, 0, `bgpdump ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

export function cli(args: string[], input?: Buffer): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { maxBuffer: 1 << 30, encoding: 'latin1', ...(input ? { input } : {}) });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Our bgpdump-format text for a file, in-process; skipped records are collected. */
export async function format(file: string, mode: LineMode, maskHostBits = false): Promise<{ text: string; skipped: string[]; errors: string[] }> {
  const parts: string[] = [];
  const skipped: string[] = [];
  const errors: string[] = [];
  const f = new BgpdumpFormatter({ mode, maskHostBits, skipped: (_r, why) => skipped.push(why) });
  await readMrt(
    file,
    (r) => {
      parts.push(f.format(r));
    },
    { onError: (e) => errors.push(e.message) },
  );
  return { text: parts.join(''), skipped, errors };
}

/** Where two texts first differ, for a readable failure. */
export function firstDifference(a: string, b: string): string {
  const la = a.split('\n');
  const lb = b.split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return `line ${i + 1}:\n  expected ${JSON.stringify(lb[i])}\n  actual   ${JSON.stringify(la[i])}`;
  }
  return 'identical';
}

export const mrtparseFiles = (): string[] => {
  const dir = path.join(TESTDATA, 'mrtparse');
  return fs
    .readdirSync(dir)
    .filter((f) => !/\.(conf|rst)$/.test(f) && f !== 'LICENSE')
    .map((f) => path.join(dir, f));
};
