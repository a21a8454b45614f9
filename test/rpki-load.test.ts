// VRP files (rpki-client and Routinator, JSON and CSV) and SLURM (RFC 8416).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parsePrefix } from '../src/net/prefix.js';
import { loadVrpFile, parseVrpText, VrpFileError } from '../src/rpki/load/vrp-file.js';
import { loadSlurmFile, parseSlurm, SlurmError } from '../src/rpki/slurm.js';
import { VrpTable } from '../src/rpki/table.js';
import { formatVrp } from '../src/rpki/vrp.js';
import { VrpList } from '../src/rpki/vrp-list.js';

const texts = (l: VrpList) => l.toArray().map(formatVrp);

test('rpki-client JSON: numeric and "AS" ASNs, IPv4 and IPv6', () => {
  const f = parseVrpText(
    JSON.stringify({
      metadata: { buildmachine: 'x', buildtime: '2024-01-01T00:00:00Z', roas: 2 },
      roas: [
        { asn: 13335, prefix: '1.0.0.0/24', maxLength: 24, ta: 'apnic', expires: 1700000000 },
        { asn: 'AS64500', prefix: '2001:db8::/32', maxLength: 48, ta: 'ripe' },
      ],
    }),
    'a.json',
  );
  assert.equal(f.format, 'rpki-client-json');
  assert.deepEqual(texts(f.vrps), ['1.0.0.0/24-24 AS13335 (apnic)', '2001:db8::/32-48 AS64500 (ripe)']);
});

test('Routinator JSON', () => {
  const f = parseVrpText(
    JSON.stringify({
      metadata: { generated: 1700000000, generatedTime: '2023-11-14T22:13:20Z' },
      roas: [{ asn: 'AS13335', prefix: '1.0.0.0/24', maxLength: 24, ta: 'apnic' }],
    }),
  );
  assert.equal(f.format, 'routinator-json');
  assert.equal(f.vrps.size, 1);
});

test('CSV from Routinator and rpki-client (with Expires), CRLF and blank lines tolerated', () => {
  const r = parseVrpText('ASN,IP Prefix,Max Length,Trust Anchor\r\nAS13335,1.0.0.0/24,24,apnic\r\n\r\nAS64500,2001:db8::/32,40,ripe\r\n');
  assert.equal(r.format, 'routinator-csv');
  assert.deepEqual(texts(r.vrps), ['1.0.0.0/24-24 AS13335 (apnic)', '2001:db8::/32-40 AS64500 (ripe)']);
  const c = parseVrpText('ASN,IP Prefix,Max Length,Trust Anchor,Expires\nAS13335,1.0.0.0/24,24,apnic,1700000000\n');
  assert.equal(c.format, 'rpki-client-csv');
  assert.equal(c.vrps.size, 1);
});

test('errors name the file, the line or index, and the rule broken', () => {
  const bad = (text: string, re: RegExp) =>
    assert.throws(
      () => parseVrpText(text, 'vrps.x'),
      (e: unknown) => {
        assert.ok(e instanceof VrpFileError);
        assert.match(e.message, re);
        return true;
      },
    );
  const j = (roas: unknown[]) => JSON.stringify({ roas });
  bad(
    j([
      { asn: 1, prefix: '10.0.0.0/8', maxLength: 8 },
      { asn: 1, prefix: '10.0.0.0/24', maxLength: 23 },
    ]),
    /^vrps\.x: roas\[1\]: maxLength 23 is less than the prefix length 24/,
  );
  bad(j([{ asn: 1, prefix: '10.0.0.0/8', maxLength: 33 }]), /roas\[0\]: maxLength 33 is more than 32/);
  bad(j([{ asn: 1, prefix: '2001:db8::/32', maxLength: 129 }]), /maxLength 129 is more than 128/);
  bad(j([{ asn: 1, prefix: '10.0.0.1/8', maxLength: 8 }]), /roas\[0\]: bad prefix "10.0.0.1\/8": host bits/);
  bad(j([{ asn: 1, prefix: '300.0.0.0/8', maxLength: 8 }]), /bad prefix "300.0.0.0\/8"/);
  bad(j([{ asn: 'ASX', prefix: '10.0.0.0/8', maxLength: 8 }]), /roas\[0\]: bad ASN "ASX"/);
  bad(j([{ asn: 4294967296, prefix: '10.0.0.0/8', maxLength: 8 }]), /bad ASN 4294967296/);
  bad(j([{ prefix: '10.0.0.0/8' }]), /roas\[0\]: missing asn, maxLength/);
  bad('{"roas": [', /vrps\.x: file: not valid JSON/);
  bad('{"vrps": []}', /no "roas" array/);
  bad('hello,world\n1,2\n', /line 1: not a VRP file/);
  bad('ASN,IP Prefix,Max Length,Trust Anchor\nAS1,10.0.0.0/8,8,x\nAS1,10.0.0.0/8,7,x\n', /^vrps\.x: line 3: maxLength 7 is less than the prefix length 8/);
  bad('ASN,IP Prefix,Max Length,Trust Anchor\nAS1,10.0.0.0/8\n', /line 2: 2 fields, the header has 4/);
  // Several problems are listed together.
  bad(
    j([
      { asn: 1, prefix: 'x', maxLength: 8 },
      { asn: -1, prefix: '10.0.0.0/8', maxLength: 8 },
    ]),
    /2 problems:\n {2}roas\[0\]: .*\n {2}roas\[1\]: /,
  );
});

test('loadVrpFile reads from disk and reports a missing file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'op-rpki-'));
  try {
    const file = path.join(dir, 'v.csv');
    fs.writeFileSync(file, 'ASN,IP Prefix,Max Length,Trust Anchor\nAS13335,1.0.0.0/24,24,apnic\n');
    assert.equal(loadVrpFile(file).vrps.size, 1);
    assert.throws(() => loadVrpFile(path.join(dir, 'nope.json')), /nope\.json: file: cannot read/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

const slurmDoc = (over: Record<string, unknown> = {}) => ({
  slurmVersion: 1,
  validationOutputFilters: {
    prefixFilters: [
      { prefix: '192.0.2.0/24', comment: 'all VRPs in or under 192.0.2.0/24' },
      { asn: 64496, comment: 'every VRP of AS64496' },
      { prefix: '198.51.100.0/24', asn: 64497 },
      { prefix: '2001:db8:bad::/48' },
    ],
    bgpsecFilters: [{ asn: 64496, comment: 'ignored' }],
  },
  locallyAddedAssertions: {
    prefixAssertions: [
      { asn: 64499, prefix: '203.0.113.0/24', comment: 'maxLength defaults to the prefix length' },
      { asn: 64499, prefix: '2001:db8:1::/48', maxPrefixLength: 56 },
    ],
    bgpsecAssertions: [],
  },
  ...over,
});

test('SLURM prefix filters drop VRPs by prefix (equal or more specific), by ASN, or by both; assertions add VRPs', () => {
  const s = parseSlurm(slurmDoc());
  assert.deepEqual(s.notes, ['1 BGPsec filter(s) ignored: router keys are not used']);
  const input = VrpList.from([
    { prefix: parsePrefix('192.0.2.0/24')!, maxLength: 24, asn: 1 },
    { prefix: parsePrefix('192.0.2.128/25')!, maxLength: 25, asn: 2 },
    { prefix: parsePrefix('192.0.0.0/16')!, maxLength: 24, asn: 3 }, // less specific: kept
    { prefix: parsePrefix('10.0.0.0/8')!, maxLength: 8, asn: 64496 },
    { prefix: parsePrefix('198.51.100.0/24')!, maxLength: 24, asn: 64497 },
    { prefix: parsePrefix('198.51.100.0/24')!, maxLength: 24, asn: 64498 }, // other AS: kept
    { prefix: parsePrefix('2001:db8:bad:1::/64')!, maxLength: 64, asn: 5 },
    { prefix: parsePrefix('2001:db8::/32')!, maxLength: 48, asn: 6 },
  ]);
  const out = s.apply(input);
  assert.deepEqual(
    texts(out).sort(),
    [
      '192.0.0.0/16-24 AS3',
      '198.51.100.0/24-24 AS64498',
      '2001:db8::/32-48 AS6',
      '2001:db8:1::/48-56 AS64499 (slurm)',
      '203.0.113.0/24-24 AS64499 (slurm)',
    ].sort(),
  );
  const t = VrpTable.from(out);
  assert.equal(t.validate('203.0.113.0/24', 64499), 'valid');
  assert.equal(t.validate('192.0.2.0/24', 1), 'invalid', 'the /16 VRP of AS3 still covers it');
  assert.equal(t.validate('2001:db8:1:ff00::/56', 64499), 'valid');
});

test('SLURM validation (RFC 8416 §3): every problem is named', () => {
  const bad = (doc: unknown, re: RegExp) =>
    assert.throws(
      () => parseSlurm(doc, 'x.slurm'),
      (e: unknown) => {
        assert.ok(e instanceof SlurmError);
        assert.match(e.message, re);
        return true;
      },
    );
  bad(slurmDoc({ slurmVersion: 2 }), /slurmVersion: 2 is not supported \(must be 1\)/);
  bad({ slurmVersion: 1 }, /top level: missing member "validationOutputFilters"[\s\S]*missing member "locallyAddedAssertions"/);
  bad(slurmDoc({ extra: true }), /top level: unknown member "extra"/);
  bad([], /one JSON object/);
  const d1 = slurmDoc();
  (d1.validationOutputFilters as { prefixFilters: unknown[] }).prefixFilters.push({ comment: 'nothing to filter on' });
  bad(d1, /prefixFilters\[4\]: needs "prefix", "asn" or both/);
  const d2 = slurmDoc();
  (d2.validationOutputFilters as { prefixFilters: unknown[] }).prefixFilters.push({ prefix: '10.0.0.1/8', asn: 'AS1' });
  bad(d2, /prefixFilters\[4\]\.prefix: bad prefix "10\.0\.0\.1\/8": host bits[\s\S]*prefixFilters\[4\]\.asn: "AS1" is not an AS number/);
  const d3 = slurmDoc();
  (d3.locallyAddedAssertions as { prefixAssertions: unknown[] }).prefixAssertions.push(
    { asn: 1, prefix: '10.0.0.0/16', maxPrefixLength: 15 },
    { asn: 1, prefix: '10.0.0.0/16', maxPrefixLength: 33 },
    { prefix: '10.0.0.0/16' },
  );
  bad(
    d3,
    /prefixAssertions\[2\]\.maxPrefixLength: 15 is less than the prefix length 16[\s\S]*prefixAssertions\[3\]\.maxPrefixLength: 33 is more than 32[\s\S]*prefixAssertions\[4\]: missing member "asn"/,
  );
  const d4 = slurmDoc();
  (d4.locallyAddedAssertions as { bgpsecAssertions: unknown[] }).bgpsecAssertions.push({ asn: 1 });
  bad(d4, /bgpsecAssertions\[0\]: missing member "SKI"[\s\S]*missing member "routerPublicKey"/);
  const d5 = slurmDoc();
  (d5.validationOutputFilters as Record<string, unknown>).prefixFilters = {};
  bad(d5, /validationOutputFilters\.prefixFilters: must be an array/);
});

test('loadSlurmFile reports bad JSON with the file name', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'op-slurm-'));
  try {
    const f = path.join(dir, 's.json');
    fs.writeFileSync(f, '{ nope');
    assert.throws(() => loadSlurmFile(f), /s\.json: invalid SLURM file \(RFC 8416\): not valid JSON/);
    fs.writeFileSync(f, JSON.stringify(slurmDoc()));
    assert.equal(loadSlurmFile(f).prefixAssertions.length, 2);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
