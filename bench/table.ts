// A seeded, realistic-looking full BGP table for benchmarks, and writers for a BIRD sender.
//
// IPv4: N distinct, properly masked prefixes from public-looking space (no prefix overlaps a
// bogon range), with the real-world length mix (/24 59%, /22 11%, /23 9%, /21 5%, /20 5%, /19 3%,
// /16 2.4%, the rest /8-/18 in the proportions of a 2024 table).
// Attribute sets: about N*0.3 distinct sets (AS path, MED, communities), so that UPDATEs carry few
// prefixes each, as in real tables. AS path lengths 1-8 follow the histogram
// {1:88, 2:404, 3:1061, 4:1047, 5:663, 6:411, 7:213, 8:113}; ~35% of origins are 4-byte ASNs;
// ~15% of paths prepend the origin; ~45% of sets carry a MED; 0-3 communities per set.
// Every set is used at least once; the remaining prefixes go to sets with a skew (a few sets carry
// thousands of prefixes, most carry one to three), like origins in a real table.
// IPv6 (optional): prefixes /28-/48 (/48 45%, /32 16%, /44 10%, /40 8%, ...) inside a few hundred
// /16 blocks of 2003::/16-2fff::/16 (2001::/16 and 2002::/16 are skipped: documentation, Teredo,
// ORCHID, 6to4), sharing the attribute-set pool.
//
// Generated ASNs are public ones only (1-64495 without 23456, 131072-400000), so the private ASNs
// the benchmark gives its sender and receivers never appear in a path (no loop rejections).
//
// Everything is deterministic for a given seed; no dependency on src/.
import { V4_LENGTHS, V6_LENGTHS } from './lib/prefix-lengths.js';
import { mulberry32 } from './lib/rng.js';
import { writeTextFile } from './lib/text-file.js';

export interface AttrSetSpec {
  /** AS_SEQUENCE, first hop first, origin last (the sender prepends its own ASN on export). */
  asPath: number[];
  med?: number;
  /** [asn16, value] pairs */
  communities: Array<[number, number]>;
}

export interface Table {
  seed: number;
  /** IPv4 prefixes: network address (uint32), length, and index into `sets`. */
  v4: { addr: Uint32Array; len: Uint8Array; set: Uint32Array };
  /** IPv6 prefixes: the first 64 bits as two uint32 words (all lengths are <= 48), length, set. */
  v6: { hi: Uint32Array; lo: Uint32Array; len: Uint8Array; set: Uint32Array };
  sets: AttrSetSpec[];
  /** distinct attribute sets actually used by the IPv4 / IPv6 prefixes */
  setsUsedV4: number;
  setsUsedV6: number;
}

export interface TableOptions {
  /** IPv4 prefixes (default 1,000,000) */
  v4?: number;
  /** IPv6 prefixes (default 0) */
  v6?: number;
  /** distinct attribute sets (default round(0.3 * v4), at least 1) */
  sets?: number;
  seed?: number;
}

// ---------------------------------------------------------------------------------------------
// Random numbers

/** Picks a value from [value, weight] pairs. */
function weighted<T>(rand: () => number, pairs: Array<[T, number]>): () => T {
  const cum: number[] = [];
  let total = 0;
  for (const [, w] of pairs) cum.push((total += w));
  return () => {
    const x = (rand() / 2 ** 32) * total;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return pairs[lo]![0];
  };
}

// ---------------------------------------------------------------------------------------------
// Prefix space

const mask4 = (len: number): number => (len === 0 ? 0 : (-1 << (32 - len)) >>> 0);

const parse4 = (s: string): number => s.split('.').reduce((a, o) => a * 256 + Number(o), 0);

/** Bogons (RFC 6890 and friends) that no generated prefix may overlap. */
export const BOGONS_V4: Array<[string, number]> = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 3],
];
const BOGONS = BOGONS_V4.map(([a, l]) => [parse4(a), l] as const);

function overlapsBogon(addr: number, len: number): boolean {
  for (const [b, bl] of BOGONS) {
    const m = mask4(Math.min(len, bl));
    if ((addr & m) >>> 0 === (b & m) >>> 0) return true;
  }
  return false;
}

export function v4Text(addr: number, len: number): string {
  return `${addr >>> 24}.${(addr >>> 16) & 255}.${(addr >>> 8) & 255}.${addr & 255}/${len}`;
}

export function v6Text(hi: number, lo: number, len: number): string {
  const g = [hi >>> 16, hi & 0xffff, lo >>> 16, lo & 0xffff].map((x) => x.toString(16));
  return `${g.join(':')}::/${len}`;
}

// ---------------------------------------------------------------------------------------------
// ASNs and attribute sets

const PATH_LENGTHS: Array<[number, number]> = [
  [1, 88],
  [2, 404],
  [3, 1061],
  [4, 1047],
  [5, 663],
  [6, 411],
  [7, 213],
  [8, 113],
];

function asn2(rand: () => number): number {
  for (;;) {
    const a = 1 + (rand() % 64495);
    if (a !== 23456) return a;
  }
}
const asn4 = (rand: () => number): number => 131072 + (rand() % (400000 - 131072));

/** Index in [0, n) skewed towards 0: u^k scaled. */
const skewed = (rand: () => number, n: number, k: number): number => Math.min(n - 1, Math.floor(n * (rand() / 2 ** 32) ** k));

function makeSets(rand: () => number, count: number): AttrSetSpec[] {
  const upstreams = Array.from({ length: 30 }, () => asn2(rand));
  const transit = Array.from({ length: 3000 }, () => (rand() % 100 < 8 ? asn4(rand) : asn2(rand)));
  const origins = Array.from({ length: Math.max(100, Math.round(count / 4)) }, () => (rand() % 100 < 35 ? asn4(rand) : asn2(rand)));
  const pathLen = weighted(rand, PATH_LENGTHS);
  const nComms = weighted(rand, [
    [0, 35],
    [1, 30],
    [2, 20],
    [3, 15],
  ]);
  const MEDS = [0, 0, 10, 20, 50, 100, 100, 200, 1000];
  const seen = new Set<string>();
  const sets: AttrSetSpec[] = [];
  let attempts = 0;
  while (sets.length < count) {
    if (++attempts > count * 20 + 1000) throw new Error(`could not make ${count} distinct attribute sets`);
    const L = pathLen();
    const origin = origins[skewed(rand, origins.length, 2)]!;
    const path: number[] = [];
    if (L >= 2) {
      path.push(upstreams[skewed(rand, upstreams.length, 2)]!);
      while (path.length < L - 1) {
        const t = transit[skewed(rand, transit.length, 3)]!;
        if (!path.includes(t) && t !== origin) path.push(t);
      }
      if (path[0] === origin) path[0] = upstreams[(upstreams.indexOf(origin) + 1) % upstreams.length]!;
    }
    path.push(origin);
    if (L >= 2 && rand() % 100 < 15) {
      // Origin prepending: the last k+1 hops are the origin (the path keeps its length).
      const k = 1 + (rand() % Math.min(3, L - 1));
      for (let i = L - 1 - k; i < L - 1; i++) path[i] = origin;
    }
    const set: AttrSetSpec = { asPath: path, communities: [] };
    if (rand() % 100 < 45) set.med = rand() % 4 === 0 ? rand() % 5000 : MEDS[rand() % MEDS.length]!;
    const nc = nComms();
    const tag = path.find((a) => a <= 65535) ?? upstreams[0]!;
    while (set.communities.length < nc) {
      const v = 100 + (rand() % 3900);
      if (!set.communities.some(([, x]) => x === v)) set.communities.push([tag, v]);
    }
    const key = `${path.join(' ')}|${set.med ?? ''}|${set.communities.map((c) => c.join(':')).join(' ')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    sets.push(set);
  }
  return sets;
}

/** Every one of the first `nSets` sets once (in prefix order), then a skewed pick. */
function assignSets(rand: () => number, n: number, nSets: number): { set: Uint32Array; used: number } {
  const set = new Uint32Array(n);
  const usedFlags = new Uint8Array(nSets);
  let used = 0;
  for (let i = 0; i < n; i++) {
    const s = i < nSets ? i : skewed(rand, nSets, 3);
    set[i] = s;
    if (!usedFlags[s]) {
      usedFlags[s] = 1;
      used++;
    }
  }
  return { set, used };
}

// ---------------------------------------------------------------------------------------------
// The table

export function generateTable(opts: TableOptions = {}): Table {
  const n4 = opts.v4 ?? 1_000_000;
  const n6 = opts.v6 ?? 0;
  const seed = opts.seed ?? 1;
  const nSets = Math.max(1, opts.sets ?? Math.round(0.3 * n4));
  const rand = mulberry32(seed);

  // IPv4 prefixes from 1.0.0.0-223.255.255.255, distinct, none overlapping a bogon.
  const len4 = weighted(rand, V4_LENGTHS);
  const addr = new Uint32Array(n4);
  const len = new Uint8Array(n4);
  const seen4 = new Set<number>();
  for (let i = 0; i < n4; i++) {
    // Keep the drawn length on a collision (re-drawing it would thin out the crowded short lengths).
    const l = len4();
    for (let tries = 0; ; tries++) {
      if (tries > 1_000_000) throw new Error(`no room left for another /${l}`);
      const u = (((rand() % (223 * 2 ** 24)) + 2 ** 24) & mask4(l)) >>> 0;
      if (overlapsBogon(u, l)) continue;
      const key = u * 64 + l;
      if (seen4.has(key)) continue;
      seen4.add(key);
      addr[i] = u;
      len[i] = l;
      break;
    }
  }
  seen4.clear();

  // IPv6 prefixes inside /16 "RIR blocks" (so prefixes share leading bits, as in real tables).
  const len6 = weighted(rand, V6_LENGTHS);
  const blocks = Array.from({ length: 400 }, () => 0x2003 + (rand() % (0x3000 - 0x2003)));
  const hi = new Uint32Array(n6);
  const lo = new Uint32Array(n6);
  const len6s = new Uint8Array(n6);
  const seen6 = new Set<string>();
  for (let i = 0; i < n6; i++) {
    const l = len6();
    for (let tries = 0; ; tries++) {
      if (tries > 1_000_000) throw new Error(`no room left for another IPv6 /${l}`);
      const h = ((blocks[rand() % blocks.length]! << 16) | (rand() & 0xffff)) & mask4(Math.min(32, l));
      const w = l <= 32 ? 0 : rand() & mask4(l - 32);
      const key = `${h >>> 0}:${w >>> 0}/${l}`;
      if (seen6.has(key)) continue;
      seen6.add(key);
      hi[i] = h >>> 0;
      lo[i] = w >>> 0;
      len6s[i] = l;
      break;
    }
  }
  seen6.clear();

  const sets = makeSets(rand, nSets);
  const a4 = assignSets(rand, n4, nSets);
  const a6 = assignSets(rand, n6, Math.max(1, Math.min(nSets, Math.round(0.3 * n6))));
  return {
    seed,
    v4: { addr, len, set: a4.set },
    v6: { hi, lo, len: len6s, set: a6.set },
    sets,
    setsUsedV4: a4.used,
    setsUsedV6: n6 ? a6.used : 0,
  };
}

/** Prefix-length histogram (length -> count) for the IPv4 or IPv6 part. */
export function lengthHistogram(t: Table, family: 4 | 6): Map<number, number> {
  const h = new Map<number, number>();
  for (const l of family === 4 ? t.v4.len : t.v6.len) h.set(l, (h.get(l) ?? 0) + 1);
  return new Map([...h].sort((a, b) => a[0] - b[0]));
}

// ---------------------------------------------------------------------------------------------
// BIRD sender

/** The statements of a BIRD per-route block that give a route this attribute set. */
export function birdAttrBlock(s: AttrSetSpec): string {
  const stmts: string[] = [];
  // prepend() puts an ASN in front: prepend from the origin backwards.
  for (let i = s.asPath.length - 1; i >= 0; i--) stmts.push(`bgp_path.prepend(${s.asPath[i]});`);
  if (s.med !== undefined) stmts.push(`bgp_med = ${s.med};`);
  for (const [a, b] of s.communities) stmts.push(`bgp_community.add((${a},${b}));`);
  return stmts.join(' ');
}

/**
 * Writes the table as BIRD static protocols (`gen4`, and `gen6` when there are IPv6 prefixes),
 * one `route P blackhole { attrs };` line per prefix, for `include` in a BIRD config.
 * Returns the file size in bytes.
 */
export function writeBirdStatic(t: Table, file: string): number {
  const blocks = t.sets.map(birdAttrBlock);
  return writeTextFile(file, (put) => {
    put('protocol static gen4 {\n  ipv4 { import all; };\n');
    for (let i = 0; i < t.v4.addr.length; i++) {
      put(`  route ${v4Text(t.v4.addr[i]!, t.v4.len[i]!)} blackhole { ${blocks[t.v4.set[i]!]} };\n`);
    }
    put('}\n');
    if (t.v6.hi.length) {
      put('protocol static gen6 {\n  ipv6 { import all; };\n');
      for (let i = 0; i < t.v6.hi.length; i++) {
        put(`  route ${v6Text(t.v6.hi[i]!, t.v6.lo[i]!, t.v6.len[i]!)} blackhole { ${blocks[t.v6.set[i]!]} };\n`);
      }
      put('}\n');
    }
  });
}

export interface BirdSenderPeer {
  /** protocol name */
  name: string;
  address: string;
  port: number;
  asn: number;
}

export interface BirdSenderOptions {
  routerId: string;
  address: string;
  port: number;
  asn: number;
  /** the file written by writeBirdStatic */
  routesFile: string;
  peers: BirdSenderPeer[];
  /** the fake next hops announced to every peer */
  nextHopV4: string;
  nextHopV6: string;
  ipv6: boolean;
}

/**
 * A BIRD 2 config announcing the table to every peer (export all, import none). BIRD dials the
 * peers (`connect retry time 1`), so a receiver started later is connected to within a second.
 * MED survives eBGP export only when the export filter sets it, hence the filter.
 */
export function birdSenderConfig(o: BirdSenderOptions): string {
  const out = [
    `router id ${o.routerId};`,
    'log stderr { warning, error, fatal };',
    'protocol device {}',
    `include "${o.routesFile}";`,
    'filter tx_export {',
    '  if defined(bgp_med) then bgp_med = bgp_med;',
    '  accept;',
    '}',
  ];
  for (const p of o.peers) {
    out.push(
      `protocol bgp ${p.name} {`,
      `  local ${o.address} port ${o.port} as ${o.asn};`,
      `  neighbor ${p.address} port ${p.port} as ${p.asn};`,
      '  strict bind;',
      '  multihop;',
      '  connect delay time 1; connect retry time 1; error wait time 1,2;',
      `  ipv4 { import none; export filter tx_export; next hop address ${o.nextHopV4}; };`,
      ...(o.ipv6 ? [`  ipv6 { import none; export filter tx_export; next hop address ${o.nextHopV6}; };`] : []),
      '}',
    );
  }
  return out.join('\n') + '\n';
}
