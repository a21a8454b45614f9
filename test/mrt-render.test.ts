// The fast path's direct renderer (route-bytes.ts) prints what the decoder-based route text
// prints: on every sample file, and on seeded random attribute blocks (odd lengths, duplicates,
// AS sets and confederations, well-known communities, AS4 attributes, MP_REACH forms) where it
// either renders the same bytes or declines.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ipv4At, ipv4Num, ipv6At } from '../src/mrt/address.js';
import { decodeAttributes } from '../src/mrt/attributes.js';
import { ByteSink } from '../src/mrt/byte-sink.js';
import { Cursor } from '../src/mrt/cursor.js';
import { BgpdumpFormatter, type LineMode, readMrt } from '../src/mrt/index.js';
import { NH_ATTR, NH_GIVEN, NH_RIB, renderRoute } from '../src/mrt/route-bytes.js';
import { nextHopText, routeText } from '../src/mrt/route-text.js';
import { BGPDUMP_DATA, firstDifference, mrtparseFiles, TESTDATA } from './helpers/mrt.js';
import { Rng } from './helpers/rng.js';

async function text(file: string, mode: LineMode, decoderOnly: boolean): Promise<string> {
  const f = new BgpdumpFormatter({ mode, decoderOnly });
  const sink = new ByteSink();
  await readMrt(file, (r) => f.formatInto(r, sink), { onError: () => {} });
  return sink.takeString();
}

test('renderer and decoder print the same on every sample file (-m and -M)', async () => {
  const files = [
    ...fs.readdirSync(BGPDUMP_DATA).map((f) => path.join(BGPDUMP_DATA, f)),
    ...mrtparseFiles(),
    path.join(TESTDATA, 'bgpstream', 'ris.rrc06.updates.1427846400.gz'),
  ];
  for (const file of files) {
    for (const mode of ['m', 'M'] as const) {
      const fast = await text(file, mode, false);
      const slow = await text(file, mode, true);
      if (fast !== slow) assert.fail(`${path.basename(file)} -${mode}: ${firstDifference(fast, slow)}`);
    }
  }
});

function attr(rng: Rng, type: number, value: number[]): number[] {
  const ext = value.length > 255 || rng.bool(0.1);
  const flags = (rng.bool() ? 0x40 : 0xc0) | (ext ? 0x10 : 0);
  return ext ? [flags, type, value.length >> 8, value.length & 255, ...value] : [flags, type, value.length, ...value];
}

const bytes = (rng: Rng, n: number): number[] => Array.from({ length: n }, () => rng.int(256));
const u32 = (v: number): number[] => [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];

function asPath(rng: Rng, w: number): number[] {
  const out: number[] = [];
  for (let s = rng.int(4); s > 0; s--) {
    const type = rng.bool(0.05) ? rng.int(6) : rng.bool(0.7) ? 2 : rng.range(1, 4);
    const n = rng.int(6);
    out.push(type, rng.bool(0.05) ? n + 1 : n);
    for (let i = 0; i < n; i++) {
      const asn = rng.bool(0.2) ? rng.int(2 ** 32) : rng.int(70000);
      out.push(...(w === 4 ? u32(asn) : [(asn >> 8) & 255, asn & 255]));
    }
  }
  if (rng.bool(0.03)) out.push(2);
  return out;
}

function block(rng: Rng, asnLen: 2 | 4): number[] {
  const parts: number[][] = [];
  const odd = (n: number): number => (rng.bool(0.04) ? rng.int(n + 3) : n);
  if (rng.bool(0.95))
    parts.push(
      attr(
        rng,
        1,
        bytes(rng, odd(1)).map((x) => (rng.bool(0.9) ? x % 3 : x)),
      ),
    );
  if (rng.bool(0.95)) parts.push(attr(rng, 2, asPath(rng, asnLen)));
  if (rng.bool(0.8)) parts.push(attr(rng, 3, bytes(rng, odd(4))));
  if (rng.bool(0.5)) parts.push(attr(rng, 4, rng.bool(0.3) ? u32(0x80000000 + rng.int(2 ** 31)) : bytes(rng, odd(4))));
  if (rng.bool(0.5)) parts.push(attr(rng, 5, rng.bool(0.3) ? u32(0xffffffff) : bytes(rng, odd(4))));
  if (rng.bool(0.2)) parts.push(attr(rng, 6, bytes(rng, odd(0))));
  if (rng.bool(0.3)) {
    const v = [...(asnLen === 4 ? u32(rng.int(2 ** 32)) : [rng.int(256), rng.int(256)]), ...(rng.bool(0.2) ? [255, 255, 255, 255] : bytes(rng, 4))];
    parts.push(attr(rng, 7, rng.bool(0.05) ? v.slice(0, rng.int(v.length)) : v));
  }
  if (rng.bool(0.5)) {
    const v: number[] = [];
    for (let n = rng.int(8); n > 0; n--) v.push(...(rng.bool(0.3) ? [255, 255, 255, rng.range(0, 4)] : bytes(rng, 4)));
    if (rng.bool(0.05)) v.push(1);
    parts.push(attr(rng, 8, v));
  }
  if (rng.bool(0.2))
    parts.push(
      attr(
        rng,
        14,
        rng.bool(0.7) ? [rng.bool() ? 16 : 32, ...bytes(rng, odd(16)), ...(rng.bool() ? bytes(rng, 16) : [])] : [0, 2, 1, 16, ...bytes(rng, 16), 0],
      ),
    );
  if (rng.bool(0.1)) parts.push(attr(rng, 17, asPath(rng, 4)));
  if (rng.bool(0.1)) parts.push(attr(rng, 18, bytes(rng, odd(8))));
  if (rng.bool(0.2)) parts.push(attr(rng, rng.bool() ? 32 : rng.range(19, 255), bytes(rng, rng.int(24))));
  if (rng.bool(0.05) && parts.length) parts.push(parts[rng.int(parts.length)]!);
  for (let i = parts.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [parts[i], parts[j]] = [parts[j]!, parts[i]!];
  }
  const out = parts.flat();
  if (rng.bool(0.03)) out.push(...bytes(rng, rng.range(1, 2)));
  return out;
}

test('renderer prints what the decoder prints for random attribute blocks, or declines', () => {
  const rng = new Rng(6396);
  let rendered = 0;
  const sink = new ByteSink(1 << 16);
  for (let i = 0; i < 20000; i++) {
    const asnLen = rng.bool() ? 4 : 2;
    const attrs = block(rng, asnLen);
    const nh = bytes(rng, 16);
    const b = Buffer.from([attrs.length >> 8, attrs.length & 255, ...attrs, ...nh]);
    const e = 2 + attrs.length;
    const full = rng.bool(0.8);
    const mode = rng.int(3);
    const nhAfi = rng.bool() ? 1 : 2;
    const signed = mode === NH_GIVEN && nhAfi === 1;
    sink.pos = 0;
    const m = mode === 0 ? NH_ATTR : mode === 1 ? NH_RIB : NH_GIVEN;
    if (!renderRoute(b, 2, e, asnLen, full, m, e, nhAfi, signed, sink)) {
      assert.equal(sink.pos, 0);
      continue;
    }
    rendered++;
    const a = decodeAttributes(new Cursor(b, 0, e), asnLen, false, {});
    const hop = m === NH_ATTR ? ipv4Num(a.nextHop) : m === NH_RIB ? nextHopText(a) : nhAfi === 1 ? ipv4At(b, e) : ipv6At(b, e);
    const want = routeText(a, hop, signed, full);
    assert.equal(sink.takeString(), want, `block ${i}: ${b.toString('hex')} asnLen ${asnLen} nh ${m}`);
  }
  assert.ok(rendered > 5000, `only ${rendered} blocks rendered`);
});
