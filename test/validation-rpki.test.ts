// RPKI in validation: which routes a batch of VRP changes affects, the received-routes state
// names, and a VRP file source that reloads when the file is replaced.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parsePrefix } from '../src/net/prefix.js';
import { parsePrefixKey } from '../src/net/prefix-key.js';
import { loadVrpFile } from '../src/rpki/load/vrp-file.js';
import { openRpkiSource, parseHostPort } from '../src/rpki/source.js';
import { type VrpChange, VrpTable } from '../src/rpki/table.js';
import { affectedBy, rpkiInvalid, rpkiState } from '../src/validation/rpki.js';

const write = (file: string, roas: unknown[]) => {
  fs.writeFileSync(`${file}.tmp`, JSON.stringify({ roas }));
  fs.renameSync(`${file}.tmp`, file);
};

test('a VRP change affects the routes equal to or inside its prefixes, IPv4 and IPv6', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'op-rpki-'));
  try {
    const file = path.join(dir, 'v.json');
    write(file, [
      { asn: 64496, prefix: '45.66.0.0/23', maxLength: 24, ta: 't' },
      { asn: 64496, prefix: '2001:db8::/32', maxLength: 48, ta: 't' },
    ]);
    const table = new VrpTable();
    let change: VrpChange | undefined;
    table.onChange((c) => {
      change = c;
    });
    table.replace(loadVrpFile(file).vrps, 'test');
    const a = affectedBy(change!);
    for (const [p, want] of [
      ['45.66.0.0/23', true],
      ['45.66.1.0/24', true],
      ['45.66.0.0/22', false],
      ['45.67.0.0/24', false],
      ['2001:db8:1::/48', true],
      ['2001:db9::/32', false],
    ] as const) {
      assert.equal(a.route(parsePrefixKey(p)!), want, p);
      assert.equal(a.prefix(p), want, p);
    }
    const p24 = parsePrefix('45.66.1.0/24')!;
    assert.equal(rpkiState(table, p24, 64496), 'Valid');
    assert.equal(rpkiState(table, p24, 64499), 'Invalid');
    assert.equal(rpkiState(table, p24, undefined), 'Invalid', 'an AS_SET origin is NONE');
    assert.equal(rpkiState(table, parsePrefix('192.0.2.0/24')!, 64499), 'NotFound');
    assert.equal(rpkiState(undefined, p24, 64499), 'Unknown', 'no RPKI source');
    assert.equal(rpkiInvalid(table)(p24, 64499), true);
    assert.equal(rpkiInvalid(table)(p24, 64496), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a VRP file source reloads a replaced file and keeps its VRPs when the new file is broken', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'op-rpki-'));
  const lines: string[] = [];
  const file = path.join(dir, 'v.json');
  write(file, [{ asn: 64496, prefix: '45.66.0.0/23', maxLength: 24, ta: 't' }]);
  const src = openRpkiSource({ vrps: file, pollMs: 20, log: (l) => lines.push(l) });
  try {
    assert.equal(src.table.size, 1);
    assert.equal(src.describe, `file ${file}`);
    let c: VrpChange | undefined;
    src.table.onChange((x) => {
      c = x;
    });
    await new Promise((r) => setTimeout(r, 30)); // a new mtime
    write(file, [
      { asn: 64511, prefix: '45.66.0.0/23', maxLength: 24, ta: 't' },
      { asn: 64511, prefix: '203.0.113.0/24', maxLength: 24, ta: 't' },
    ]);
    // (the source's poll timer does not hold the process open: this loop does)
    for (const end = Date.now() + 5000; !c && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual([c!.added.size, c!.removed.size, src.table.size], [2, 1, 2]);
    await new Promise((r) => setTimeout(r, 30));
    fs.writeFileSync(file, '{"roas": [');
    const deadline = Date.now() + 5000;
    while (!lines.some((l) => l.includes('not reloaded')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(
      lines.some((l) => l.startsWith(`RPKI: ${file}: not reloaded, keeping 2 VRPs`)),
      lines.join('\n'),
    );
    assert.equal(src.table.size, 2);
  } finally {
    src.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  assert.throws(() => openRpkiSource({}), /give one RPKI source/);
  assert.throws(() => openRpkiSource({ rtr: 'nope' }), /expected HOST:PORT/);
  assert.deepEqual(parseHostPort('[::1]:8282'), { host: '::1', port: 8282 });
});
