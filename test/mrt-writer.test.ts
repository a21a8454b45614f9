// What the writer writes, our reader and the installed `bgpdump -m` read back identically.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  type Decoded,
  decodeRecord,
  encodeBgp4mpMessage,
  encodePeerIndexTable,
  encodeRib,
  encodeRibAttributes,
  encodeStateChange,
  mrtRecords,
  newDecodeState,
} from '../src/mrt/index.js';
import { bgpdump, firstDifference, format } from './helpers/mrt.js';

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mrt-writer-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const T = 1700000000;

/** A BGP UPDATE (marker included) with 4-octet AS_PATH; IPv6 NLRI go into MP_REACH_NLRI. */
function update(withdrawn: Buffer, attrs: Buffer, nlri: Buffer): Buffer {
  const body = Buffer.concat([u16(withdrawn.length), withdrawn, u16(attrs.length), attrs, nlri]);
  return Buffer.concat([Buffer.alloc(16, 0xff), u16(19 + body.length), Buffer.from([2]), body]);
}
const u16 = (v: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v);
  return b;
};
const v4nlri = (a: number[], len: number) => Buffer.from([len, ...a.slice(0, (len + 7) >> 3)]);

function ribFile(): Buffer {
  const peers = [
    { bgpId: '192.0.2.1', address: '192.0.2.1', asn: 65001 },
    { bgpId: '192.0.2.2', address: '2001:db8::2', asn: 4200000002 },
  ];
  const a1 = encodeRibAttributes({
    origin: 0,
    asPath: [65001, 3356, 4200000001],
    nextHop: '192.0.2.1',
    med: 10,
    localPref: 200,
    communities: [(65001 << 16) | 100, 0xffffff01],
    aggregator: { asn: 4200000001, address: '198.51.100.7' },
  });
  const a2 = encodeRibAttributes({
    origin: 2,
    asPath: [4200000002, 174],
    nextHop: '2001:db8::2',
    nextHopLocal: 'fe80::2',
    atomicAggregate: true,
  });
  return Buffer.concat([
    encodePeerIndexTable(T, '192.0.2.254', 'openpeering', peers),
    encodeRib(T, 0, '203.0.113.0/24', [{ peerIndex: 0, originated: T - 60, attributes: a1 }]),
    encodeRib(T, 1, '2001:db8:100::/48', [{ peerIndex: 1, originated: T - 30, attributes: a2 }]),
    encodeRib(T, 2, '198.51.100.0/22', [
      { peerIndex: 0, originated: T - 5, pathId: 1, attributes: a1 },
      { peerIndex: 0, originated: T - 4, pathId: 2, attributes: a1 },
    ]),
  ]);
}

function updatesFile(): Buffer {
  const peers = { peerAs: 4200000009, localAs: 65000, peerAddress: '192.0.2.9', localAddress: '192.0.2.254' };
  const attrs = encodeRibAttributes({ origin: 0, asPath: [4200000009, 65010], nextHop: '192.0.2.9', communities: [(65010 << 16) | 7] });
  // IPv6 over an IPv6 session: full MP_REACH_NLRI inside the UPDATE.
  const mp = Buffer.concat([
    u16(2),
    Buffer.from([1, 16]),
    Buffer.from('20010db8000000000000000000000009', 'hex'),
    Buffer.from([0, 32, 0x20, 0x01, 0x0d, 0xb9]),
  ]);
  const attrs6 = Buffer.concat([
    encodeRibAttributes({ origin: 1, asPath: [4200000009], nextHop: '192.0.2.9' }).subarray(0, 4 + 3 + 4 + 2),
    Buffer.from([0x80, 14, mp.length]),
    mp,
  ]);
  const peers6 = { peerAs: 4200000009, localAs: 65000, peerAddress: '2001:db8::9', localAddress: '2001:db8::fe' };
  return Buffer.concat([
    encodeStateChange(T, peers, 5, 6),
    encodeBgp4mpMessage(T + 1, peers, update(Buffer.alloc(0), attrs, Buffer.concat([v4nlri([203, 0, 113, 0], 24), v4nlri([10, 1, 0, 0], 16)]))),
    encodeBgp4mpMessage(T + 2, peers, update(v4nlri([203, 0, 113, 0], 24), Buffer.alloc(0), Buffer.alloc(0)), 123456),
    encodeBgp4mpMessage(T + 3, peers6, update(Buffer.alloc(0), attrs6, Buffer.alloc(0))),
    encodeStateChange(T + 4, peers6, 6, 1, 42),
  ]);
}

for (const [name, make] of [
  ['rib.mrt', ribFile],
  ['updates.mrt', updatesFile],
] as const) {
  test(`writer: ${name} reads back identically with our reader and bgpdump -m`, async () => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, make());
    const expected = bgpdump('-m', file);
    const ours = await format(file, 'm');
    assert.deepEqual(ours.errors, []);
    assert.deepEqual(ours.skipped, []);
    if (ours.text !== expected) assert.fail(firstDifference(ours.text, expected));
    assert.ok(expected.split('\n').length > 3);
  });
}

test('writer: decoded values are what was written', async () => {
  const file = path.join(dir, 'rib2.mrt');
  fs.writeFileSync(file, ribFile());
  const state = newDecodeState();
  const out: Decoded[] = [];
  for await (const r of mrtRecords(file)) out.push(decodeRecord(r, state));
  assert.equal(out.length, 4);
  const pit = out[0]!;
  assert.equal(pit.kind, 'peer_index_table');
  if (pit.kind === 'peer_index_table') {
    assert.equal(pit.viewName, 'openpeering');
    assert.deepEqual(
      pit.peers.map((p) => [p.address, p.asn]),
      [
        ['192.0.2.1', 65001],
        ['2001:db8::2', 4200000002],
      ],
    );
  }
  const v6 = out[2]!;
  assert.equal(v6.kind, 'rib');
  if (v6.kind === 'rib') {
    assert.equal(v6.prefix.address + '/' + v6.prefix.length, '2001:db8:100::/48');
    const a = v6.entries[0]!.attributes;
    assert.equal(a.asPath?.text, '4200000002 174');
    assert.equal(a.mpReach[0]?.nextHop, '2001:db8::2');
    assert.equal(a.mpReach[0]?.nextHopLocal, 'fe80::2');
  }
  const ap = out[3]!;
  assert.ok(ap.kind === 'rib' && ap.addPath && ap.entries.map((e) => e.pathId).join() === '1,2');
});
