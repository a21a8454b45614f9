// Damaged input: a clear error naming the file and byte offset, resynchronisation where the
// framing allows, never a crash. Fixtures are made from the test data in a temp dir.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import zlib from 'node:zlib';
import { BGPDUMP_DATA, cli, format } from './helpers/mrt.js';

let dir: string;
let plain: Buffer;
let offsets: number[];
let full: string;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mrt-damaged-'));
  plain = zlib.gunzipSync(fs.readFileSync(path.join(BGPDUMP_DATA, 'updates.20020722.2238.gz')));
  offsets = [];
  for (let p = 0; p + 12 <= plain.length; p += 12 + plain.readUInt32BE(p + 8)) offsets.push(p);
  fs.writeFileSync(path.join(dir, 'plain.mrt'), plain);
  full = (await format(path.join(dir, 'plain.mrt'), 'm')).text;
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a file cut inside a record: error names file and offset, earlier records still print', async () => {
  const cutRecord = offsets[500]!;
  const file = path.join(dir, 'cut.mrt');
  fs.writeFileSync(file, plain.subarray(0, cutRecord + 20));
  const r = cli(['mrt', 'dump', '-m', file]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: byte offset ${cutRecord}: record cut short`));
  const before500 = (await format(path.join(dir, 'plain.mrt'), 'm')).text;
  assert.ok(before500.startsWith(r.stdout));
  assert.ok(r.stdout.length > 0);
});

test('a flipped length byte in a record header: reported, then the reader resynchronises', async () => {
  const bad = offsets[300]!;
  const damaged = Buffer.from(plain);
  damaged[bad + 8] = 0xee; // length now far beyond any sane record
  const file = path.join(dir, 'flipped.mrt');
  fs.writeFileSync(file, damaged);
  const ours = await format(file, 'm');
  assert.ok(ours.errors.length >= 1);
  assert.match(ours.errors[0]!, new RegExp(`byte offset ${bad}: implausible MRT header`));
  assert.ok(ours.errors.some((e) => /resynchronised at byte offset/.test(e)));
  // Everything after the damaged record prints as before.
  const lines = full.split('\n');
  const got = ours.text.split('\n');
  assert.equal(got.at(-2), lines.at(-2));
  assert.ok(got.length >= lines.length - 20, `${got.length} vs ${lines.length}`);
  const r = cli(['mrt', 'dump', '-m', file]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /flipped\.mrt: byte offset \d+: implausible MRT header/);
});

test('flipped type bytes: still no crash, error names the offset', async () => {
  const bad = offsets[100]!;
  const damaged = Buffer.from(plain);
  damaged[bad + 4] = 0x7f;
  damaged[bad + 5] = 0x01;
  const file = path.join(dir, 'type.mrt');
  fs.writeFileSync(file, damaged);
  const ours = await format(file, 'm');
  assert.match(ours.errors[0]!, new RegExp(`byte offset ${bad}:`));
  assert.equal(ours.text.split('\n').at(-2), full.split('\n').at(-2));
});

test('a truncated gzip file: error names the file, exit 1, no stack trace', () => {
  const gz = fs.readFileSync(path.join(BGPDUMP_DATA, 'updates.20020722.2238.gz'));
  const file = path.join(dir, 'cut.gz');
  fs.writeFileSync(file, gz.subarray(0, gz.length >> 1));
  const r = cli(['mrt', 'dump', '-m', file]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /cut\.gz: byte offset \d+: gzip data is cut short/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('random bytes and a missing file: messages, exit 1, no crash', () => {
  const file = path.join(dir, 'noise.mrt');
  let x = 12345;
  fs.writeFileSync(file, Buffer.from(Array.from({ length: 5000 }, () => ((x = (x * 1103515245 + 12345) & 0x7fffffff) >> 16) & 255)));
  const r = cli(['mrt', 'dump', '-m', file, path.join(dir, 'missing.mrt')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /noise\.mrt: byte offset 0:/);
  assert.match(r.stderr, /missing\.mrt: byte offset 0: cannot open: no such file/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('garbage inside records decodes without throwing', async () => {
  let x = 99;
  const damaged = Buffer.from(plain);
  // Scribble over bodies only, keeping every header intact.
  for (const o of offsets.slice(0, 400)) {
    const len = damaged.readUInt32BE(o + 8);
    for (let i = 0; i < len; i += 7) damaged[o + 12 + i] = (x = (x * 1103515245 + 12345) & 0x7fffffff) & 255;
  }
  const file = path.join(dir, 'scribbled.mrt');
  fs.writeFileSync(file, damaged);
  const ours = await format(file, 'm');
  assert.deepEqual(ours.errors, []);
});
