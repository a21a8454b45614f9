// `openpeering mrt dump`: flags, help, bzip2 and stdin input, stderr notes, streaming output.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import zlib from 'node:zlib';
import { BGPDUMP_DATA, bgpdump, CLI, cli, firstDifference, TESTDATA } from './helpers/mrt.js';

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mrt-cli-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const small = path.join(BGPDUMP_DATA, 'updates.20100722.2015.gz');

test('mrt dump --help teaches: formats and examples', () => {
  const r = cli(['mrt', 'dump', '--help']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /Examples:/);
  assert.match(r.stdout, /-M/);
  assert.match(r.stdout, /bzip2/);
  // The exit statuses, the cut-short one included, are documented.
  assert.match(r.stdout, /Exit status:[\s\S]*\n\s+2\s+a compressed file is damaged or cut short/);
});

for (const flags of [['-m'], ['-M'], ['-vm'], ['-v', '-M']]) {
  test(`mrt dump ${flags.join(' ')} prints what bgpdump ${flags.join(' ')} prints`, () => {
    const r = cli(['mrt', 'dump', ...flags, small]);
    assert.equal(r.status, 0, r.stderr);
    const expected = bgpdump(...flags, small);
    if (r.stdout !== expected) assert.fail(firstDifference(r.stdout, expected));
  });
}

test('bzip2 input is recognised by its magic bytes, whatever the name', () => {
  const plain = zlib.gunzipSync(fs.readFileSync(small));
  const raw = path.join(dir, 'updates.bin');
  fs.writeFileSync(raw, plain);
  const z = spawnSync('bzip2', ['-k', raw]);
  if (z.error) assert.fail('bzip2 is not installed: run `bash scripts/install-test-deps.sh`');
  const bz = path.join(dir, 'no-extension');
  fs.renameSync(`${raw}.bz2`, bz);
  const r = cli(['mrt', 'dump', '-m', bz]);
  assert.equal(r.status, 0, r.stderr);
  const expected = bgpdump('-m', small);
  if (r.stdout !== expected) assert.fail(firstDifference(r.stdout, expected));
  const p = cli(['mrt', 'dump', '-m', raw]);
  assert.equal(p.stdout, expected);
});

test('"-" reads standard input (gzip here)', () => {
  const r = cli(['mrt', 'dump', '-m', '-'], fs.readFileSync(small));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, bgpdump('-m', small));
});

test('unsupported records: stdout as bgpdump (empty), stderr names type/subtype', () => {
  const file = path.join(TESTDATA, 'mrtparse', 'openbgpd_rib_table-mp');
  const r = cli(['mrt', 'dump', '-m', file]);
  assert.equal(r.status, 0);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /byte offset 0: BGP4MP\/ENTRY \(16\/2\) not printed/);
  assert.match(r.stderr, /31 records not printed in all/);
  const g = cli(['mrt', 'dump', '-m', path.join(TESTDATA, 'mrtparse', 'openbgpd_rib_table-v2')]);
  assert.match(g.stderr, /TABLE_DUMP_V2\/RIB_GENERIC \(13\/6\) not printed/);
});

test('several files print one after the other', () => {
  const a = path.join(TESTDATA, 'mrtparse', 'quagga_bgp');
  const r = cli(['mrt', 'dump', '-m', a, small]);
  assert.equal(r.status, 0);
  assert.equal(r.stdout, bgpdump('-m', a) + bgpdump('-m', small));
});

test('output streams: a reader that stops early ends the dump quietly', async () => {
  const child = spawn(process.execPath, [CLI, 'mrt', 'dump', '-m', path.join(BGPDUMP_DATA, 'updates.et-header.2015.gz')]);
  let got = '';
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  await new Promise<void>((resolve) => {
    child.stdout.once('data', (d: Buffer) => {
      got += d;
      child.stdout.destroy();
      resolve();
    });
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.match(got, /^BGP4MP_ET\|1445565678\.509481\|STATE\|/);
  assert.equal(stderr, '');
  assert.equal(code, 0);
});
