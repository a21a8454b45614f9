// `openpeering rpki check` driven as a user would: with --vrps files and with --rtr against StayRTR.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startStayrtr } from '../src/lab/stayrtr.js';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'op-rpki-cli-'));
const cleanup: Array<() => Promise<void> | void> = [() => fs.rmSync(dir, { recursive: true, force: true })];
after(async () => {
  for (const f of cleanup.reverse()) await f();
});

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, 'rpki', ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const roas = [
  { asn: 13335, prefix: '1.0.0.0/24', maxLength: 24, ta: 'apnic' },
  { asn: 0, prefix: '1.0.0.0/16', maxLength: 24, ta: 'apnic' },
  { asn: 'AS64500', prefix: '2001:db8::/32', maxLength: 48, ta: 'ripe' },
];
const json = path.join(dir, 'vrps.json');
fs.writeFileSync(json, JSON.stringify({ metadata: { buildtime: '2024-01-01T00:00:00Z' }, roas }));
const csv = path.join(dir, 'vrps.csv');
fs.writeFileSync(csv, 'ASN,IP Prefix,Max Length,Trust Anchor\nAS13335,1.0.0.0/24,24,apnic\nAS0,1.0.0.0/16,24,apnic\n');

test('--vrps: the state and every covering VRP with why it matches or not; exit 0 for any state', async () => {
  const v = await cli('check', '1.0.0.0/24', 'AS13335', '--vrps', json);
  assert.equal(v.code, 0, v.stderr);
  assert.match(v.stdout, /^1\.0\.0\.0\/24 from AS13335: valid\n/);
  assert.match(v.stdout, /no match {2}1\.0\.0\.0\/16-24 AS0 \(apnic\): an AS0 VRP never matches/);
  assert.match(v.stdout, /match {5}1\.0\.0\.0\/24-24 AS13335 \(apnic\): origin AS13335 and \/24 within maxLength 24/);
  assert.match(v.stdout, /3 VRPs from .*vrps\.json \(rpki-client-json\)/);

  const i = await cli('check', '1.0.0.0/25', '13335', '--vrps', csv);
  assert.equal(i.code, 0);
  assert.match(i.stdout, /: invalid\n/);
  assert.match(i.stdout, /\/25 is longer than maxLength 24/);

  const n = await cli('check', '9.9.9.0/24', 'AS1', '--vrps', csv);
  assert.equal(n.code, 0);
  assert.match(n.stdout, /9\.9\.9\.0\/24 from AS1: not-found\nno VRP covers 9\.9\.9\.0\/24/);

  const none = await cli('check', '1.0.0.0/24', 'NONE', '--vrps', json, '--json');
  assert.equal(none.code, 0);
  const doc = JSON.parse(none.stdout);
  assert.equal(doc.state, 'invalid');
  assert.equal(doc.origin, 'NONE');
  assert.deepEqual(
    doc.vrps.map((x: { prefix: string; matches: boolean }) => [x.prefix, x.matches]),
    [
      ['1.0.0.0/16', false],
      ['1.0.0.0/24', false],
    ],
  );
});

test('--slurm filters and asserts', async () => {
  const slurm = path.join(dir, 'slurm.json');
  fs.writeFileSync(
    slurm,
    JSON.stringify({
      slurmVersion: 1,
      validationOutputFilters: { prefixFilters: [{ prefix: '1.0.0.0/24' }], bgpsecFilters: [] },
      locallyAddedAssertions: { prefixAssertions: [{ asn: 64511, prefix: '198.51.100.0/24', maxPrefixLength: 25 }], bgpsecAssertions: [] },
    }),
  );
  const r = await cli('check', '198.51.100.128/25', 'AS64511', '--vrps', json, '--slurm', slurm, '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).state, 'valid');
  const f = await cli('check', '1.0.0.0/24', 'AS13335', '--vrps', json, '--slurm', slurm);
  assert.match(f.stdout, /: invalid\n/, 'the filtered VRP is gone; only the AS0 /16 covers it');
  fs.writeFileSync(slurm, JSON.stringify({ slurmVersion: 2 }));
  const bad = await cli('check', '1.0.0.0/24', 'AS13335', '--vrps', json, '--slurm', slurm);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /invalid SLURM file \(RFC 8416\)[\s\S]*slurmVersion: 2 is not supported/);
});

test('errors exit non-zero with a clear message; --help teaches with examples', async () => {
  const badFile = path.join(dir, 'bad.json');
  fs.writeFileSync(badFile, JSON.stringify({ roas: [{ asn: 1, prefix: '10.0.0.0/24', maxLength: 16 }] }));
  const b = await cli('check', '10.0.0.0/24', 'AS1', '--vrps', badFile);
  assert.equal(b.code, 2);
  assert.match(b.stderr, /bad\.json: roas\[0\]: maxLength 16 is less than the prefix length 24/);
  assert.equal((await cli('check', '10.0.0.1/24', 'AS1', '--vrps', json)).code, 2);
  assert.equal((await cli('check', '10.0.0.0/24', 'ASx', '--vrps', json)).code, 2);
  const both = await cli('check', '10.0.0.0/24', 'AS1');
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--vrps FILE or --rtr HOST:PORT/);
  const down = await cli('check', '10.0.0.0/24', 'AS1', '--rtr', '127.0.70.13:1', '--timeout', '1');
  assert.equal(down.code, 1);
  assert.match(down.stderr, /no RTR data from 127\.0\.70\.13:1 within 1000 ms/);
  const h = await cli('check', '--help');
  assert.equal(h.code, 0);
  assert.match(h.stdout, /Examples:\n {2}openpeering rpki check 1\.1\.1\.0\/24 AS13335 --vrps vrps\.json/);
  assert.match(h.stdout, /valid {6}some covering VRP matches/);
});

test('--rtr against StayRTR', async () => {
  const cache = await startStayrtr({ address: '127.0.70.12', roas });
  cleanup.push(() => cache.stop());
  const r = await cli('check', '2001:db8:1::/48', 'AS64500', '--rtr', `${cache.address}:${cache.port}`, '--json');
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.state, 'valid');
  assert.equal(doc.source.version, 1);
  assert.equal(doc.source.vrps, 3);
  const t = await cli('check', '2001:db8:1:2::/64', '64500', '--rtr', `${cache.address}:${cache.port}`);
  assert.equal(t.code, 0);
  assert.match(
    t.stdout,
    /2001:db8:1:2::\/64 from AS64500: invalid\ncovering VRPs \(1\):\n {2}no match {2}2001:db8::\/32-48 AS64500: \/64 is longer than maxLength 48/,
  );
  assert.match(t.stdout, /VRPs from RTR 127\.0\.70\.12:\d+ \(version 1, session \d+, serial 0\)/);
});
