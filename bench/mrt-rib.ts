// A realistic full-table TABLE_DUMP_V2 RIB dump for bench:mrt, written with the project's own MRT
// writer from the seeded table of table.ts: by default 1M IPv4 + 200k IPv6 prefixes seen by
// several peers (IPv4 peers and IPv6 peers, each holding ~90% of its family's table), each peer
// with its own AS path per prefix (same origin, different transit), next hop, MED and
// communities, so the number of distinct attribute blocks per peer is of the order of a real
// collector's. The dump is written raw, gzip and bzip2 once into a cache directory and reused.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { encodePeerIndexTable, encodeRib, encodeRibAttributes, type PeerIndexPeer, type RibEntryInput } from '../src/mrt/writer.js';
import { mulberry32 } from './lib/rng.js';
import { generateTable, v4Text, v6Text } from './table.js';

export interface RibSpec {
  v4: number;
  v6: number;
  peers4: number;
  peers6: number;
  seed: number;
}

export const DEFAULT_RIB: RibSpec = { v4: 1_000_000, v6: 200_000, peers4: 4, peers6: 2, seed: 11 };

const DUMP_TIME = 1_700_000_000;

/** The peers: IPv4 ones first, then IPv6 ones (their index in the peer table). */
function peersOf(spec: RibSpec): PeerIndexPeer[] {
  const out: PeerIndexPeer[] = [];
  for (let i = 0; i < spec.peers4; i++)
    out.push({ bgpId: `198.32.${i}.1`, address: `198.32.${i}.1`, asn: [3356, 174, 6939, 2914, 1299, 3257][i % 6]! + Math.floor(i / 6) });
  for (let i = 0; i < spec.peers6; i++)
    out.push({ bgpId: `198.32.${100 + i}.1`, address: `2001:7f8:4::${(i + 1).toString(16)}:1`, asn: [6939, 1299, 174, 3356][i % 4]! + 10 * Math.floor(i / 4) });
  return out;
}

/** Writes the raw dump to file; returns the number of RIB entries (lines bgpdump prints). */
export function writeRib(spec: RibSpec, file: string): number {
  const t = generateTable({ v4: spec.v4, v6: spec.v6, seed: spec.seed });
  const rand = mulberry32(spec.seed * 7 + 1);
  const peers = peersOf(spec);
  const fd = fs.openSync(file, 'w');
  const pending: Buffer[] = [];
  let size = 0;
  const put = (b: Buffer): void => {
    pending.push(b);
    size += b.length;
    if (size > 1 << 22) {
      fs.writeSync(fd, Buffer.concat(pending));
      pending.length = 0;
      size = 0;
    }
  };
  put(encodePeerIndexTable(DUMP_TIME, '198.32.0.254', 'bench', peers));
  // Attribute blocks by (set, peer): a peer reuses its block for every prefix of that set.
  const blocks = new Map<number, Buffer>();
  const nSets = t.sets.length;
  const block = (set: number, peer: number): Buffer => {
    const key = set * 64 + peer;
    let b = blocks.get(key);
    if (b) return b;
    const own = t.sets[set]!;
    // Another set's transit hops, this set's origin: peers see different paths to one origin.
    const via = t.sets[(set + peer * 7919) % nSets]!.asPath;
    const asPath = [peers[peer]!.asn, ...via.slice(0, -1), own.asPath.at(-1)!];
    const v6 = peer >= spec.peers4;
    b = encodeRibAttributes({
      origin: (set % 17 === 0 ? 2 : 0) as 0 | 2,
      asPath,
      nextHop: peers[peer]!.address,
      ...(v6 ? { nextHopLocal: `fe80::${(peer + 1).toString(16)}` } : {}),
      ...(own.med !== undefined ? { med: own.med } : {}),
      ...(peer % 2 === 1 ? { localPref: 100 } : {}),
      communities: own.communities.map(([a, v]) => ((a << 16) | v) >>> 0),
      ...(set % 23 === 0 ? { largeCommunities: [[peers[peer]!.asn, 1, set % 1000] as [number, number, number]] } : {}),
    });
    blocks.set(key, b);
    return b;
  };
  let seq = 0;
  let entries = 0;
  const rib = (prefix: string, set: number, first: number, count: number): void => {
    const list: RibEntryInput[] = [];
    for (let p = first; p < first + count; p++) {
      if (rand() % 10 === 0) continue; // this peer lacks the route
      list.push({ peerIndex: p, originated: DUMP_TIME - 86400 * 30 + (rand() % (86400 * 30)), attributes: block(set, p) });
    }
    if (!list.length) return;
    entries += list.length;
    put(encodeRib(DUMP_TIME, seq++, prefix, list));
  };
  // A RIB dump lists prefixes in order; sorting the generated ones keeps that shape.
  const order4 = Array.from({ length: spec.v4 }, (_, i) => i).sort((a, b) => t.v4.addr[a]! - t.v4.addr[b]! || t.v4.len[a]! - t.v4.len[b]!);
  for (const i of order4) rib(v4Text(t.v4.addr[i]!, t.v4.len[i]!), t.v4.set[i]!, 0, spec.peers4);
  const order6 = Array.from({ length: spec.v6 }, (_, i) => i).sort(
    (a, b) => t.v6.hi[a]! - t.v6.hi[b]! || t.v6.lo[a]! - t.v6.lo[b]! || t.v6.len[a]! - t.v6.len[b]!,
  );
  for (const i of order6) rib(v6Text(t.v6.hi[i]!, t.v6.lo[i]!, t.v6.len[i]!), t.v6.set[i]!, spec.peers4, spec.peers6);
  if (pending.length) fs.writeSync(fd, Buffer.concat(pending));
  fs.closeSync(fd);
  return entries;
}

/** Compresses file with the first tool found (parallel ones first); the output is a standard stream. */
function compress(file: string, out: string, tools: string[]): void {
  for (const tool of tools) {
    const fd = fs.openSync(out, 'w');
    const r = spawnSync(tool, ['-c', file], { stdio: ['ignore', fd, 'inherit'] });
    fs.closeSync(fd);
    if (!r.error && r.status === 0) return;
  }
  throw new Error(`cannot compress ${file} with ${tools.join(' or ')}`);
}

export interface RibFiles {
  raw: string;
  gzip: string;
  bzip2: string;
  entries: number;
}

/** The dump in the three forms, made once per spec into dir (a marker file says it is complete). */
export function ribFiles(dir: string, spec: RibSpec = DEFAULT_RIB): RibFiles {
  const name = `rib-v4_${spec.v4}-v6_${spec.v6}-p${spec.peers4}_${spec.peers6}-s${spec.seed}`;
  const base = path.join(dir, name);
  const files = { raw: `${base}.mrt`, gzip: `${base}.mrt.gz`, bzip2: `${base}.mrt.bz2` };
  const done = `${base}.done`;
  if (fs.existsSync(done)) return { ...files, entries: Number(fs.readFileSync(done, 'utf8')) };
  fs.mkdirSync(dir, { recursive: true });
  const entries = writeRib(spec, files.raw);
  compress(files.raw, files.gzip, ['pigz', 'gzip']);
  compress(files.raw, files.bzip2, ['lbzip2', 'bzip2']);
  fs.writeFileSync(done, String(entries));
  return { ...files, entries };
}
