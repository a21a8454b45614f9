// Target (d): the MRT decoder and reader. `mrt` frames a short mutated stream in memory (any
// type, any length: more than the reader would pass on) and hands each record to decodeRecord
// and to the bgpdump formatter, which are documented never to throw. `mrt-file` writes the
// stream to a file (some gzip-compressed, some with the compressed bytes damaged) and reads it
// with readMrt: it must resolve, report problems through onError, and frame records inside
// the bytes it read.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { BgpdumpFormatter } from '../../../src/mrt/bgpdump-format.js';
import { decodeRecord, newDecodeState } from '../../../src/mrt/decode.js';
import { MrtError, readMrt } from '../../../src/mrt/reader.js';
import type { MrtRecord } from '../../../src/mrt/types.js';
import { mrtCorpus } from '../corpus.js';
import { Layout, locateMrt } from '../layout.js';
import type { Seed } from '../mutate.js';
import { type Target, Violation } from '../target.js';

/** Variant bits: host bits masked, -M time format, gzip the file, damage the gzip bytes. */
const MASK = 1,
  HUMAN = 2,
  GZIP = 4,
  DAMAGE = 8;

// A formatter takes ~15 ms to build (its caches): one per option pair, its decoding state
// cleared for each input. The caches are byte-keyed and only ever make formatting faster.
const formatters = new Map<number, BgpdumpFormatter>();

function formatter(variant: number): BgpdumpFormatter {
  const k = variant & (MASK | HUMAN);
  let f = formatters.get(k);
  if (!f) formatters.set(k, (f = new BgpdumpFormatter({ mode: variant & HUMAN ? 'M' : 'm', maskHostBits: (variant & MASK) !== 0 })));
  f.state.peerIndex = undefined;
  return f;
}

/** Decodes and formats one record; whatever it throws is a violation of decode.ts's contract. */
function decodeOne(r: MrtRecord, state: ReturnType<typeof newDecodeState>, f: BgpdumpFormatter, variant: number): void {
  decodeRecord(r, state, { maskHostBits: (variant & MASK) !== 0 });
  f.format(r);
}

export function runMrtRecords(input: Seed): void {
  const b = input.bytes;
  const state = newDecodeState();
  const f = formatter(input.variant);
  for (let i = 0; i + 12 <= b.length; ) {
    const type = b.readUInt16BE(i + 4);
    const len = b.readUInt32BE(i + 8);
    const end = Math.min(b.length, i + 12 + len);
    const et = type === 17 || type === 33 || type === 49;
    const r: MrtRecord = {
      offset: i,
      timestamp: b.readUInt32BE(i),
      microseconds: et && i + 16 <= end ? b.readUInt32BE(i + 12) : 0,
      type,
      subtype: b.readUInt16BE(i + 6),
      buf: b,
      start: Math.min(end, i + (et ? 16 : 12)),
      end,
    };
    decodeOne(r, state, f, input.variant);
    i = end;
  }
}

let dir: string | undefined;
let serial = 0;

export async function runMrtFile(input: Seed): Promise<void> {
  dir ??= fs.mkdtempSync(path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'openpeering-fuzz-'));
  const file = path.join(dir, `in-${serial++ % 4}.mrt`);
  let bytes = input.bytes;
  if (input.variant & GZIP) {
    bytes = zlib.gzipSync(bytes, { level: 1 });
    if (input.variant & DAMAGE && bytes.length > 12) {
      const p = 10 + ((input.variant >>> 4) % (bytes.length - 10));
      bytes[p] = bytes[p]! ^ (1 << ((input.variant >>> 24) & 7));
    }
  }
  fs.writeFileSync(file, bytes);
  const state = newDecodeState();
  const f = formatter(input.variant);
  let problem: unknown;
  let last = -1;
  let records = 0;
  const errors: MrtError[] = [];
  const summary = await readMrt(
    file,
    (r) => {
      records++;
      try {
        if (r.offset <= last) throw new Violation(`record at byte offset ${r.offset} after one at ${last}`);
        if (r.start > r.end || r.end > r.buf.length) {
          throw new Violation(`record bounds ${r.start}..${r.end} outside its buffer of ${r.buf.length}`);
        }
        last = r.offset;
        decodeOne(r, state, f, input.variant);
      } catch (e) {
        problem ??= e;
      }
    },
    { onError: (e) => errors.push(e) },
  );
  if (problem) throw problem;
  if (summary.records !== records) throw new Violation(`summary says ${summary.records} records, ${records} were passed on`);
  if (!(input.variant & GZIP) && summary.bytes !== input.bytes.length)
    throw new Violation(`summary says ${summary.bytes} bytes, the file has ${input.bytes.length}`);
  for (const e of errors) {
    if (!(e instanceof MrtError) || e.offset < 0 || e.offset > summary.bytes)
      throw new Violation(`error at offset ${e.offset} outside the ${summary.bytes} bytes read: ${e.message}`);
  }
}

export function removeFileDir(): void {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
}

const locate = (b: Buffer): Layout => {
  const L = new Layout(b);
  locateMrt(L);
  return L;
};

export const mrtTarget: Target = {
  name: 'mrt',
  corpus: mrtCorpus,
  locate,
  variant: (rng) => rng.int(4),
  run: runMrtRecords,
};

export const mrtFileTarget: Target = {
  name: 'mrt-file',
  corpus: mrtCorpus,
  locate,
  variant: (rng) => rng.int(4) | (rng.bool(0.15) ? GZIP | (rng.bool(0.5) ? DAMAGE : 0) : 0) | (rng.int(1 << 20) << 4) | (rng.int(8) << 24),
  run: runMrtFile,
  teardown: async () => removeFileDir(),
};
