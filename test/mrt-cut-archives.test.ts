// Compressed MRT files cut short (a partial download) or damaged: every complete record before
// the damage prints as bgpdump -m prints it, then the damage is reported (exit 2), through both
// the decompressing program in a child process and the in-process decoders. Fixtures are cut
// from the repository's test data at run time (bzip2 -1: 100 kB blocks, so cuts fall mid-block).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import zlib from 'node:zlib';
import { BGPDUMP_DATA, CLI } from './helpers/mrt.js';

let dir: string;
let raw: Buffer;
/** Where each record starts, and the end of the last one. */
let bounds: number[];
const packed: Record<'gzip' | 'bzip2', Buffer> = { gzip: Buffer.alloc(0), bzip2: Buffer.alloc(0) };
/** A directory of stand-ins for lbzip2 and pigz that note each call, then run the real program. */
let bin: string;
let calls: string;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mrt-cut-'));
  const gz = fs.readFileSync(path.join(BGPDUMP_DATA, 'updates.20070211.0141.gz'));
  raw = zlib.gunzipSync(gz);
  bounds = [];
  let p = 0;
  for (; p + 12 <= raw.length; p += 12 + raw.readUInt32BE(p + 8)) bounds.push(p);
  bounds.push(p);
  packed.gzip = gz;
  const bz = spawnSync('bzip2', ['-1', '-c'], { input: raw, maxBuffer: 1 << 28 });
  if (bz.error) assert.fail('bzip2 is not installed: run `bash scripts/install-test-deps.sh`');
  packed.bzip2 = bz.stdout;
  bin = path.join(dir, 'bin');
  calls = path.join(dir, 'calls');
  fs.mkdirSync(bin);
  for (const [name, real] of [
    ['lbzip2', 'bzip2'],
    ['pigz', 'gzip'],
  ] as const) {
    fs.writeFileSync(
      path.join(bin, name),
      `#!/bin/sh\necho "${name} $*" >> '${calls}'\n` + `PATH='${process.env.PATH}'\nexec "$(command -v ${name} || command -v ${real})" "$@"\n`,
      { mode: 0o755 },
    );
  }
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

type Way = 'program' | 'in-process';

function dump(file: string, way: Way): { status: number | null; stdout: string; stderr: string } {
  const env =
    way === 'program'
      ? { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}`, OPENPEERING_MRT_DECOMPRESS: '' }
      : { ...process.env, OPENPEERING_MRT_DECOMPRESS: 'builtin' };
  fs.rmSync(calls, { force: true });
  const r = spawnSync(process.execPath, [CLI, 'mrt', 'dump', '-m', file], { env, maxBuffer: 1 << 28, encoding: 'latin1' });
  const used = fs.existsSync(calls);
  assert.equal(used, way === 'program', `a decompressing program was ${used ? '' : 'not '}run`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** bgpdump -m's output for bytes (status ignored: on a cut bzip2 file it may abort). */
function bgpdumpOf(file: string, bytes?: Buffer): string {
  if (bytes) fs.writeFileSync(file, bytes);
  const r = spawnSync('bgpdump', ['-m', file], { maxBuffer: 1 << 28, encoding: 'latin1', timeout: 60_000 });
  if (r.error) assert.fail('bgpdump is not installed: run `bash scripts/install-test-deps.sh`');
  return r.stdout;
}

/** The end of the last record wholly inside the first n bytes. */
const lastBoundary = (n: number): number => bounds.filter((b) => b <= n).at(-1)!;

const REPORT = /: byte offset (\d+): (gzip|bzip2) data is cut short: [^\n]*; read up to here: (\d+) complete records \(to byte offset (\d+)\)/;

for (const kind of ['gzip', 'bzip2'] as const) {
  for (const way of ['program', 'in-process'] as const) {
    test(`${kind} cut at several offsets (${way}): every complete record printed as bgpdump prints it, then the cut reported`, () => {
      const whole = packed[kind];
      const cuts = [0.3, 0.55, 0.8].map((f) => Math.floor(whole.length * f));
      if (kind === 'bzip2') cuts.push(5000); // inside the first block: nothing to print
      for (const at of cuts) {
        const file = path.join(dir, `cut-${at}.${kind === 'gzip' ? 'gz' : 'bz2'}`);
        fs.writeFileSync(file, whole.subarray(0, at));
        const r = dump(file, way);
        assert.equal(r.status, 2, `cut at ${at}: ${r.stderr}`);
        assert.doesNotMatch(r.stderr, /\n\s+at /);
        const m = REPORT.exec(r.stderr);
        assert.ok(m, `cut at ${at}: ${r.stderr}`);
        const upTo = Number(m[4]);
        assert.ok(bounds.includes(upTo), `${upTo} is a record boundary`);
        assert.equal(Number(m[3]), bounds.indexOf(upTo));
        // The lines are those of the complete records, byte for byte.
        const expected = upTo ? bgpdumpOf(path.join(dir, 'prefix.mrt'), raw.subarray(0, upTo)) : '';
        assert.ok(r.stdout === expected, `cut at ${at}: ${r.stdout.length} bytes printed, ${expected.length} expected`);
        // Nothing the reference decompressor recovers is missing (bzip2 -d drops up to 5000 bytes more).
        const dc = spawnSync(kind, ['-dc', file], { maxBuffer: 1 << 28 }).stdout;
        assert.ok(raw.subarray(0, dc.length).equals(dc));
        if (kind === 'gzip') assert.equal(upTo, lastBoundary(dc.length));
        else assert.ok(upTo >= lastBoundary(dc.length), `${upTo} < ${lastBoundary(dc.length)}`);
        assert.ok(upTo < raw.length);
        // bgpdump on the same cut file: the same lines (it aborts on a cut bzip2 file, losing its
        // buffered output, so there its lines are a prefix of ours).
        if (upTo === 0) continue; // bgpdump 1.6.2 loops forever on a bzip2 file cut inside its first block
        const ref = bgpdumpOf(file);
        if (kind === 'gzip') assert.ok(ref === r.stdout, `bgpdump printed ${ref.length} bytes, we ${r.stdout.length}`);
        else assert.ok(r.stdout.startsWith(ref) && (upTo === 0 || ref.length > 0), `bgpdump printed ${ref.length} bytes, we ${r.stdout.length}`);
      }
    });

    test(`${kind} damaged mid-file (${way}): the records before the damaged part print, the damage is reported`, () => {
      const bad = Buffer.from(packed[kind]);
      const at = Math.floor(bad.length * 0.5);
      for (let i = 0; i < 64; i++) bad[at + i] ^= 0x5a;
      const file = path.join(dir, `damaged.${kind === 'gzip' ? 'gz' : 'bz2'}`);
      fs.writeFileSync(file, bad);
      const r = dump(file, way);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, new RegExp(`damaged\\.(gz|bz2): byte offset \\d+: ${kind} data is damaged: `));
      assert.doesNotMatch(r.stderr, /\n\s+at /);
      // At least the records a reference decompressor gives for the bytes before the damage.
      const dc = spawnSync(kind, ['-dc'], { input: bad.subarray(0, at), maxBuffer: 1 << 28 }).stdout;
      const upTo = lastBoundary(Math.max(0, dc.length - 256 * 1024));
      assert.ok(upTo > 0);
      const expected = bgpdumpOf(path.join(dir, 'prefix.mrt'), raw.subarray(0, upTo));
      assert.ok(r.stdout.startsWith(expected), `${r.stdout.length} bytes printed, ${expected.length} expected first`);
    });
  }
}

test('no decompressing program on PATH: the in-process decoder reads a cut bzip2 file', () => {
  const file = path.join(dir, 'nopath.bz2');
  const whole = packed.bzip2;
  fs.writeFileSync(file, whole.subarray(0, whole.length >> 1));
  const empty = path.join(dir, 'empty-bin');
  fs.mkdirSync(empty, { recursive: true });
  const r = spawnSync(process.execPath, [CLI, 'mrt', 'dump', '-m', file], {
    env: { ...process.env, PATH: empty, OPENPEERING_MRT_DECOMPRESS: '' },
    maxBuffer: 1 << 28,
    encoding: 'latin1',
  });
  assert.equal(r.status, 2, r.stderr);
  const upTo = Number(REPORT.exec(r.stderr)?.[4]);
  assert.ok(upTo > 0);
  assert.equal(r.stdout, bgpdumpOf(path.join(dir, 'prefix.mrt'), raw.subarray(0, upTo)));
});

test('a cut bzip2 file on standard input: the complete records, then the cut (exit 2)', () => {
  const whole = packed.bzip2;
  const r = spawnSync(process.execPath, [CLI, 'mrt', 'dump', '-m', '-'], {
    input: whole.subarray(0, Math.floor(whole.length * 0.4)),
    maxBuffer: 1 << 28,
    encoding: 'latin1',
  });
  assert.equal(r.status, 2, r.stderr);
  const m = REPORT.exec(r.stderr);
  assert.ok(m, r.stderr);
  assert.match(r.stderr, /^openpeering: -: byte offset/);
  assert.equal(r.stdout, bgpdumpOf(path.join(dir, 'prefix.mrt'), raw.subarray(0, Number(m[4]))));
});
