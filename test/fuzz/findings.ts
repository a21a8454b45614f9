// A finding on disk: the input (bytes and variant), what went wrong, and how to run it again.
import fs from 'node:fs';
import path from 'node:path';
import type { Seed } from './mutate.js';

export type FindingKind = 'exception' | 'violation' | 'hang' | 'crash' | 'engine';

export interface Finding {
  target: string;
  seed: number;
  index: number;
  kind: FindingKind;
  message: string;
  stack?: string;
  /** the input, when known (hex) */
  hex?: string;
  variant?: number;
  /** where it was saved */
  file?: string;
}

/** Writes <dir>/<target>-s<seed>-i<index>.json (and .bin, the raw bytes); returns the JSON's path. */
export function saveFinding(dir: string, f: Finding, input: Seed | undefined): string {
  fs.mkdirSync(dir, { recursive: true });
  const base = path.join(dir, `${f.target}-s${f.seed}-i${f.index}`);
  const hex = input ? input.bytes.toString('hex') : f.hex;
  const variant = input ? input.variant : f.variant;
  if (hex !== undefined) fs.writeFileSync(`${base}.bin`, Buffer.from(hex, 'hex'));
  const file = `${base}.json`;
  const doc = {
    ...f,
    hex,
    variant,
    file: undefined,
    reproduce: [`node dist/test/fuzz/main.js --replay ${file}`, `npm run fuzz -- --target ${f.target} --seed ${f.seed} --start ${f.index} --count 1`],
  };
  fs.writeFileSync(file, JSON.stringify(doc, null, 2) + '\n');
  return file;
}

export function loadFinding(file: string): { target: string; input: Seed; message: string } {
  const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as Finding;
  if (doc.hex === undefined) throw new Error(`${file}: no input saved`);
  return { target: doc.target, input: { bytes: Buffer.from(doc.hex, 'hex'), variant: doc.variant ?? 0 }, message: doc.message };
}
