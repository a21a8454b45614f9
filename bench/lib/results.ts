// Where a benchmark keeps its numbers: bench/results/NAME-STAMP.json, one file per run.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** bench/results/ of the repository (this file runs as dist/bench/lib/results.js). */
const RESULTS = fileURLToPath(new URL('../../../bench/results/', import.meta.url));

/** Writes `data` as JSON to bench/results/<name>-<UTC time>.json (e.g. bgp-2026-01-31T120000Z.json) and returns the file's path. */
export function saveResults(name: string, data: unknown, indent = 1): string {
  fs.mkdirSync(RESULTS, { recursive: true });
  const stamp = new Date()
    .toISOString()
    .replace(/:/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const file = path.join(RESULTS, `${name}-${stamp}.json`);
  fs.writeFileSync(file, `${JSON.stringify(data, null, indent)}\n`);
  return file;
}
