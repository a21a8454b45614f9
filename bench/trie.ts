// Prefix trie benchmark: a full-table-sized IPv4 set (500,000 prefixes, realistic length mix) and
// 100,000 IPv6 prefixes; ns per lookup over 1,000,000 random queries and memory per entry.
// Reference: hash-based longest match (a Map keyed by v4Key, probing each stored length from the
// longest down), the usual alternative to a trie.
// Run: node --expose-gc dist/bench/trie.js

import { MASK4 } from '../src/net/compact.js';
import { v4Key } from '../src/net/prefix-key.js';
import { PrefixTrie } from '../src/net/trie.js';
import { V4_LENGTHS, V6_LENGTHS } from './lib/prefix-lengths.js';
import { mulberry32 } from './lib/rng.js';

const r = mulberry32(20240);

/** Picks a length from [length, weight in %] pairs. */
function lengthPicker(mix: Array<[number, number]>): () => number {
  const table: number[] = [];
  for (const [len, pct] of mix) for (let i = 0; i < Math.round(pct * 1000); i++) table.push(len);
  return () => table[r() % table.length]!;
}

const V4N = 500_000;
const V6N = 100_000;
const QN = 1_000_000;

// IPv4 table: unicast space 1.0.0.0-223.255.255.255, distinct prefixes, lengths as in a real table.
const v4Len = lengthPicker(V4_LENGTHS);
const v4Addr = new Uint32Array(V4N);
const v4Lens = new Uint8Array(V4N);
{
  const seen = new Set<number>();
  for (let i = 0; i < V4N; ) {
    const len = v4Len();
    const addr = ((r() % (223 * 2 ** 24)) + 2 ** 24) & MASK4[len];
    const key = v4Key(addr, len);
    if (seen.has(key)) continue;
    seen.add(key);
    v4Addr[i] = addr;
    v4Lens[i++] = len;
  }
}

// IPv6 table: inside 2000::/4, a few hundred "RIR blocks" so that prefixes share leading bits.
// The real table's mix with longer prefixes added (/64, /56, /128), for the trie's deeper levels;
// /64 stands after /29, where it always stood, so that the seed draws the same table as before.
const v6Len = lengthPicker([...V6_LENGTHS.slice(0, 6), [64, 3], ...V6_LENGTHS.slice(6), [56, 0.5], [128, 0.5]]);
const blocks = Array.from({ length: 400 }, () => (0x2000 + (r() % 0x1000)) << 16);
const v6Words = new Uint32Array(4 * V6N);
const v6Lens = new Uint8Array(V6N);
for (let i = 0; i < V6N; i++) {
  const len = v6Len();
  const w = [blocks[r() % blocks.length]! | (r() & 0xffff), r(), r(), r()];
  for (let j = 0; j < 4; j++) {
    const m = len - 32 * j >= 32 ? -1 : len - 32 * j <= 0 ? 0 : MASK4[len - 32 * j]!;
    v6Words[4 * i + j] = w[j]! & m;
  }
  v6Lens[i] = len;
}

// Queries: uniform random addresses, and addresses inside a stored prefix (always a match).
const qRandom = new Uint32Array(QN);
const qHit = new Uint32Array(QN);
const qRoute = new Uint32Array(QN); // index of a stored prefix, for covering() of whole routes
for (let i = 0; i < QN; i++) {
  qRandom[i] = r();
  const k = r() % V4N;
  qHit[i] = (v4Addr[k]! | (r() & ~MASK4[v4Lens[k]!]!)) >>> 0;
  qRoute[i] = k;
}
const q6 = new Uint32Array(4 * QN);
for (let i = 0; i < QN; i++) {
  const k = r() % V6N;
  for (let j = 0; j < 4; j++) q6[4 * i + j] = v6Words[4 * k + j]! | (r() & (j === 0 ? 0 : 0xffff));
}

const gc = (globalThis as { gc?: () => void }).gc;
function used(): number {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const rows: Array<[string, string, string, string]> = [];
let sink = 0;

/**
 * Times fn over [0, n) in chunks of CHUNK queries, RUNS times after a warm-up pass. The machine
 * is shared, so the table shows the best chunk (least disturbed) and the median chunk.
 */
const RUNS = 5;
const CHUNK = 100_000;
const medians = new Map<string, number>();
function time(name: string, n: number, fn: (from: number, to: number) => void, note = ''): void {
  fn(0, n); // warm-up: let the JIT settle
  const samples: number[] = [];
  for (let k = 0; k < RUNS; k++) {
    for (let from = 0; from < n; from += CHUNK) {
      const to = Math.min(n, from + CHUNK);
      const t0 = process.hrtime.bigint();
      fn(from, to);
      samples.push(Number(process.hrtime.bigint() - t0) / (to - from));
    }
  }
  samples.sort((a, b) => a - b);
  const median = samples[samples.length >> 1]!;
  medians.set(name, median);
  rows.push([name, samples[0]!.toFixed(0), median.toFixed(0), note]);
}

// ---------------------------------------------------------------------------------------------

let base = used();
const trie = new PrefixTrie<number>();
let t0 = process.hrtime.bigint();
for (let i = 0; i < V4N; i++) trie.v4.set(v4Addr[i]!, v4Lens[i]!, i);
const v4Build = Number(process.hrtime.bigint() - t0) / V4N;
const v4Mem = used() - base;

base = used();
t0 = process.hrtime.bigint();
for (let i = 0; i < V6N; i++) trie.v6.set(v6Words.subarray(4 * i, 4 * i + 4), v6Lens[i]!, i);
const v6Build = Number(process.hrtime.bigint() - t0) / V6N;
const v6Mem = used() - base;

base = used();
const map = new Map<number, number>();
const lengths = new Set<number>();
for (let i = 0; i < V4N; i++) {
  map.set(v4Key(v4Addr[i]!, v4Lens[i]!), i);
  lengths.add(v4Lens[i]!);
}
const mapMem = used() - base;
const probe = [...lengths].sort((a, b) => b - a);
function mapLongest(addr: number): number | undefined {
  for (const len of probe) {
    const v = map.get(((addr & MASK4[len]!) >>> 0) * 64 + len);
    if (v !== undefined) return v;
  }
  return undefined;
}

const v4 = trie.v4;
let visited = 0;
const count = (): void => {
  visited++;
};
const handles = new Int32Array(33);
const w = new Uint32Array(4);

function lookups(when: string): void {
  const tag = (name: string): string => (when ? `${name} ${when}` : name);
  time(
    tag('longestMatchV4, random address'),
    QN,
    (from, to) => {
      for (let i = from; i < to; i++) sink += trie.longestMatchV4(qRandom[i]!) ?? 0;
    },
    'uniform over 2^32',
  );
  time(
    tag('longestMatchV4, address in table'),
    QN,
    (from, to) => {
      for (let i = from; i < to; i++) sink += trie.longestMatchV4(qHit[i]!) ?? 0;
    },
    'inside a random stored prefix',
  );
  visited = 0;
  time(
    tag('coveringV4, route in table'),
    QN,
    (from, to) => {
      for (let i = from; i < to; i++) {
        const k = qRoute[i]!;
        v4.covering(v4Addr[k]!, v4Lens[k]!, count);
      }
    },
    'ROV shape: visit every covering entry',
  );
  time(
    tag('v4.coveringNodes, route in table'),
    QN,
    (from, to) => {
      for (let i = from; i < to; i++) {
        const k = qRoute[i]!;
        sink += v4.coveringNodes(v4Addr[k]!, v4Lens[k]!, handles);
      }
    },
    'same, handles into an Int32Array',
  );
  time(
    tag('longestMatchV6, address in table'),
    QN,
    (from, to) => {
      for (let i = from; i < to; i++) {
        w[0] = q6[4 * i]!;
        w[1] = q6[4 * i + 1]!;
        w[2] = q6[4 * i + 2]!;
        w[3] = q6[4 * i + 3]!;
        sink += trie.longestMatchV6(w) ?? 0;
      }
    },
    '100k IPv6 prefixes',
  );
}

lookups('');
const avgCovering = visited / ((RUNS + 1) * QN);
base = used();
t0 = process.hrtime.bigint();
trie.optimize();
const optimizeMs = Number(process.hrtime.bigint() - t0) / 1e6;
const afterOptimize = used() - base;
lookups('(optimized)');
time(
  'reference: Map probe per length',
  QN,
  (from, to) => {
    for (let i = from; i < to; i++) sink += mapLongest(qHit[i]!) ?? 0;
  },
  `address in table, ${probe.length} lengths at most`,
);
const FEW = 100_000;
const addrs = Array.from({ length: FEW }, (_, i) => ({ family: 4 as const, value: BigInt(qHit[i]!) }));
time(
  'longestMatch(Address), bigint facade',
  FEW,
  (from, to) => {
    for (let i = from; i < to; i++) sink += trie.longestMatch(addrs[i]!)?.value ?? 0;
  },
  'conversion + result object',
);

// ---------------------------------------------------------------------------------------------

const pad = (s: string, n: number) => s.padEnd(n);
console.log(`IPv4: ${v4.size} prefixes, ${v4.nodeCount} nodes; IPv6: ${trie.v6.size} prefixes, ${trie.v6.nodeCount} nodes`);
console.log(gc ? '(memory after global.gc)' : '(run with --expose-gc for stable memory numbers)');
console.log();
console.log(`${pad('operation', 46)} ${'ns/op'.padStart(6)} ${'median'.padStart(6)}  note`);
console.log(`${'-'.repeat(46)} ${'-'.repeat(6)} ${'-'.repeat(6)}  ${'-'.repeat(30)}`);
for (const [name, best, median, note] of rows) console.log(`${pad(name, 46)} ${best.padStart(6)} ${median.padStart(6)}  ${note}`);
console.log();
const mb = (b: number) => (b / 1048576).toFixed(1);
console.log(`${pad('structure', 38)} ${'MB'.padStart(8)}  bytes/entry   build ns/insert`);
console.log(`${pad('IPv4 trie (500k)', 38)} ${mb(v4Mem).padStart(8)}  ${(v4Mem / V4N).toFixed(1).padStart(11)}   ${v4Build.toFixed(0)}`);
console.log(`${pad('IPv6 trie (100k)', 38)} ${mb(v6Mem).padStart(8)}  ${(v6Mem / V6N).toFixed(1).padStart(11)}   ${v6Build.toFixed(0)}`);
console.log(`${pad('reference Map<v4Key, value> (500k)', 38)} ${mb(mapMem).padStart(8)}  ${(mapMem / V4N).toFixed(1).padStart(11)}`);
console.log();
const ratio = (a: string) => (medians.get('reference: Map probe per length')! / medians.get(a)!).toFixed(1);
console.log(
  `vs the Map probe reference (medians): longestMatchV4 ${ratio('longestMatchV4, address in table')}x faster, ` +
    `${ratio('longestMatchV4, address in table (optimized)')}x after optimize()`,
);
console.log(`optimize(): ${optimizeMs.toFixed(0)} ms for both trees; memory change ${mb(afterOptimize)} MB (arrays trimmed to size)`);
console.log(`covering entries per route: ${avgCovering.toFixed(2)} on average (checksum ${sink % 1000})`);
