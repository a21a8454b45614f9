// The fuzzer's short run (fixed seed, a few seconds per target) and checks that the fuzzer
// itself works: inputs are reproducible from (seed, index), the structure-aware mutations reach
// past the framing, and planted bugs (an exception, an endless loop) are found and saved.
// Long runs: `npm run fuzz -- --help` (see test/fuzz/main.ts).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { decodeUpdate, encodeMessage, Framer } from '../src/bgp/wire/index.js';
import { loadFinding } from './fuzz/findings.js';
import { Kind, Layout, locateBgpMessage } from './fuzz/layout.js';
import { runFuzz, type Summary } from './fuzz/runner.js';
import { inputAt } from './fuzz/target.js';
import { contextOf } from './fuzz/targets/bgp.js';
import { TARGETS } from './fuzz/targets/index.js';

const SEED = 11;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openpeering-fuzz-test-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const report = (s: Summary): string[] => s.findings.map((f) => `${f.kind} at input ${f.index}: ${f.message}${f.file ? ` (saved ${f.file})` : ''}`);

describe('short fuzz run (seed 11): no exception, no hang, no broken contract', () => {
  const runs: Array<[string, number]> = [
    ['bgp', 30_000],
    ['rtr', 30_000],
    ['mrt', 10_000],
    ['mrt-file', 3_000],
    ['speaker', 300],
  ];
  for (const [target, count] of runs) {
    test(`${target}: ${count.toLocaleString('en-US')} inputs`, async () => {
      // The live target uses its own loopback addresses, apart from a long run's.
      const s = await runFuzz({ target, seed: SEED, count, timeLimitMs: 30_000, findingsDir: dir, maxFindings: 5, port: 17350, net: '127.73.2.' });
      assert.deepEqual(report(s), []);
      assert.equal(s.inputs, count);
    });
  }
});

describe('the fuzzer', () => {
  test('input i of a seed is the same every time, and differs from input i of another seed', () => {
    const t = TARGETS.bgp!;
    const c = t.corpus();
    for (let i = 0; i < 50; i++) assert.deepEqual(inputAt(t, c, SEED, i), inputAt(t, c, SEED, i));
    let same = 0;
    for (let i = 0; i < 50; i++) if (inputAt(t, c, SEED, i).bytes.equals(inputAt(t, c, SEED + 1, i).bytes)) same++;
    assert.ok(same < 10, `${same} of 50 inputs equal across seeds`);
  });

  test('the layout finds the length fields of an UPDATE where they are', () => {
    const attrs = Buffer.from([0x40, 1, 1, 0, 0x50, 2, 0, 6, 2, 1, 0, 0, 0xfd, 0xea, 0x40, 3, 4, 192, 0, 2, 1]);
    const body = Buffer.concat([Buffer.from([0, 2, 8, 10, 0, attrs.length]), attrs, Buffer.from([24, 198, 51, 100])]);
    const L = new Layout(encodeMessage(2, body));
    locateBgpMessage(L, 0, L.buf.length, [], { as4: true, addPath: false });
    const at = (kind: Kind) => L.fields.filter((f) => f.kind === kind).map((f) => `${f.at}/${f.size}`);
    // header, withdrawn length, attribute length, ORIGIN, AS_PATH (extended), NEXT_HOP
    assert.deepEqual(at(Kind.Length), ['16/2', '19/2', '23/2', '27/1', '31/2', '41/1']);
    assert.deepEqual(at(Kind.Prefix), ['21/1', '46/1']);
    const attrSpans = L.spans.filter((s) => s.unit === 'attribute');
    assert.deepEqual(
      attrSpans.map((s) => [s.start, s.end, s.parents.map((p) => p.at)]),
      [
        [25, 29, [16, 23]],
        [29, 39, [16, 23]],
        [39, 46, [16, 23]],
      ],
    );
  });

  test('structure-aware mutations reach the decoder: repeated attributes, extended messages, RFC 7606 outcomes', () => {
    const t = TARGETS.bgp!;
    const c = t.corpus();
    let decoded = 0,
      repeated = 0,
      extended = 0;
    for (let i = 0; i < 5000; i++) {
      const input = inputAt(t, c, SEED, i);
      const framer = new Framer();
      framer.maxLength = 65535;
      framer.push(input.bytes);
      const f = framer.next();
      if (!f || 'code' in f || f.type !== 2) continue;
      const u = decodeUpdate(f.body, contextOf(input.variant));
      if ('code' in u) continue;
      decoded++;
      if (u.problems.some((p) => /repeated/.test(p.reason))) repeated++;
      if (f.body.length + 19 > 4096) extended++;
    }
    assert.ok(decoded > 1000, `${decoded} of 5000 mutants decoded as UPDATEs`);
    assert.ok(repeated > 20, `${repeated} mutants with a repeated attribute`);
    assert.ok(extended > 20, `${extended} mutants longer than 4096 bytes`);
  });

  test('a planted exception is found, saved, and the saved input reproduces it', async () => {
    const s = await runFuzz({ target: 'canary-throw', seed: SEED, count: 5000, timeLimitMs: 30_000, findingsDir: dir, maxFindings: 1 });
    assert.equal(s.findings.length, 1, 'one finding');
    const f = s.findings[0]!;
    assert.equal(f.kind, 'exception');
    assert.match(f.message, /RangeError/);
    const saved = loadFinding(f.file!);
    assert.throws(() => TARGETS[saved.target]!.run(saved.input), RangeError);
    const t = TARGETS['canary-throw']!;
    assert.deepEqual(inputAt(t, t.corpus(), SEED, f.index).bytes, saved.input.bytes, 'made again from (seed, index)');
  });

  test('a planted endless loop is reported as a hang, with its input', async () => {
    const s = await runFuzz({ target: 'canary-hang', seed: SEED, count: 5000, timeLimitMs: 1000, findingsDir: dir, maxFindings: 1 });
    assert.equal(s.findings.length, 1, 'one finding');
    const f = s.findings[0]!;
    assert.equal(f.kind, 'hang');
    const b = loadFinding(f.file!).input.bytes;
    // The input has an empty type-0 element where an element starts: what the broken decoder loops on.
    let i = 0;
    while (i + 2 <= b.length && !(b[i] === 0 && b[i + 1] === 0)) i += 2 + b[i + 1]!;
    assert.ok(i + 2 <= b.length, `no empty type-0 element in ${b.toString('hex')}`);
  });
});
