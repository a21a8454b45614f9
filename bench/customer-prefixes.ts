// Customer-prefix writes at scale (issue 10 §4): a write checks that the new prefix overlaps no
// prefix that holds its space. openpeering does it with two indexed look-ups (src/registry/
// prefix-range.ts); the comparison is the method it replaced, kept here: read every prefix of the
// family and compare in JS. Both run in the same process on the same data:
//
//  - a registry in a temp SQLite file (synchronous=FULL, as `serve` runs it) with one partner, two
//    registered /8s and N customer prefixes (default 50,000, IPv4: the naive method's worst case,
//    it reads one family) inserted by SQL in one transaction, spread over customers to stay under
//    the per-customer quota, seeded random lengths /22-/28 mostly /24, none overlapping;
//  - two HTTP servers over that one store: one with the registry as it is, one whose customer
//    prefixes use the naive check. Timed: W customer-prefix PUTs through each (real HTTP, the
//    customer's key, sequential; first every indexed write, then every naive one, each after 20
//    untimed), each a new prefix that overlaps nothing (the check has to look everywhere); then
//    the check alone, in-process, on the same probes (half overlap nothing, half do).
//
//   npm run bench:customer-prefixes -- [--prefixes 50000] [--writes 500] [--customers 100]
//        [--probes 200] [--seed 1] [--no-save]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { buildServer } from '../src/api/server.js';
import { formatPrefix, overlaps, type Prefix, parsePrefix } from '../src/net/prefix.js';
import { CustomerPrefixes } from '../src/registry/customer-prefixes.js';
import { rangeColumns } from '../src/registry/prefix-range.js';
import { Registry } from '../src/registry/registry.js';
import { openStore } from '../src/store/open.js';
import type { Db, Store } from '../src/store/store.js';
import { saveResults } from './lib/results.js';

interface Options {
  prefixes: number;
  writes: number;
  customers: number;
  probes: number;
  seed: number;
  save: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { prefixes: 50_000, writes: 500, customers: 100, probes: 200, seed: 1, save: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1) throw new Error(`${a} needs a positive integer`);
      return v;
    };
    if (a === '--prefixes') o.prefixes = num();
    else if (a === '--writes') o.writes = num();
    else if (a === '--customers') o.customers = num();
    else if (a === '--probes') o.probes = num();
    else if (a === '--seed') o.seed = num();
    else if (a === '--no-save') o.save = false;
    else throw new Error(`unknown option ${a}; see the head of bench/customer-prefixes.ts`);
  }
  return o;
}

/** The method openpeering used before: every prefix of the family that holds its space, compared in JS. */
class NaiveCustomerPrefixes extends CustomerPrefixes {
  protected override async overlapping(tx: Db, p: Prefix): Promise<boolean> {
    const others = await tx
      .selectFrom('customer_prefixes')
      .select(['prefix'])
      .where('family', '=', p.family)
      .where('state', 'not in', ['Invalid', 'Failed'])
      .execute();
    return others.some((o) => overlaps(parsePrefix(o.prefix)!, p));
  }
  check(db: Db, p: Prefix): Promise<boolean> {
    return this.overlapping(db, p);
  }
}

class IndexedCustomerPrefixes extends CustomerPrefixes {
  check(db: Db, p: Prefix): Promise<boolean> {
    return this.overlapping(db, p);
  }
}

/** The same registry, its customer prefixes checked the naive way. */
class NaiveRegistry extends Registry {
  override readonly customerPrefixes: CustomerPrefixes = new NaiveCustomerPrefixes(this.store, this.customers, this.partners);
}

/** mulberry32: a seeded sequence, so every run fills the same store. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SPACE = ['44.0.0.0/8', '45.0.0.0/8'];
const SPACE_START = 44n << 24n;
const SPACE_END = 46n << 24n;

/** Hands out aligned, non-overlapping IPv4 blocks upwards through 44.0.0.0/7. */
class Allocator {
  private next = SPACE_START;
  take(length: number): Prefix {
    const size = 1n << BigInt(32 - length);
    const start = (this.next + size - 1n) & ~(size - 1n);
    if (start + size > SPACE_END) throw new Error('the test space is full: fewer --prefixes');
    this.next = start + size;
    return { family: 4, value: start, length };
  }
}

async function buildWorld(registry: Registry, opts: Options): Promise<{ keys: string[]; secrets: string[] }> {
  await registry.pops.putOperator({ asn: 64500, name: 'Bench Cloud' });
  await registry.pops.put('ams', { metro: 'Amsterdam', country: 'NL', lat: 52.37, lon: 4.9 });
  for (const r of [1, 2]) await registry.pops.putRouter('ams', `ams-er${r}`, { routerId: `10.255.1.${r}`, addresses: [`127.1.1.${r}`] });
  await registry.partners.put('bench-isp', { kind: 'isp', displayName: 'Bench ISP' });
  await registry.partners.putAsn('bench-isp', 64501, { name: 'Bench', contacts: [{ role: 'Noc', email: 'noc@bench.example' }] });
  await registry.partners.setAsnState('bench-isp', 64501, 'approved');
  const conn = (name: string, router: string, prefix: string) => ({
    name,
    router,
    bandwidthMbps: 10000,
    sessionAddressProvider: 'peer' as const,
    sessionPrefixV4: prefix,
  });
  await registry.peerings.put(
    'bench-isp',
    'bench-ams',
    {
      type: 'peering-service',
      pop: 'ams',
      asn: 64501,
      connections: [conn('c1', 'ams-er1', '127.60.0.0/31'), conn('c2', 'ams-er2', '127.60.0.2/31')],
    },
    'operator',
  );
  for (const c of ['c1', 'c2']) {
    for (const st of ['Approved', 'ProvisioningStarted', 'ProvisioningCompleted', 'Validating', 'Active'] as const) {
      await registry.peerings.transition('bench-isp', 'bench-ams', c, st);
    }
  }
  const keys: string[] = [];
  for (const [i, prefix] of SPACE.entries()) {
    keys.push((await registry.registrations.putPrefix('bench-isp', 'bench-ams', `space-${i}`, { prefix })).resource.key);
  }
  const secrets: string[] = [];
  for (let c = 0; c < opts.customers; c++) {
    await registry.customers.put(`c${c}`, { displayName: `Customer ${c}` });
    await registry.customers.putService(`c${c}`, 'svc', { provider: 'bench-isp', location: { country: 'NL', region: '' }, primaryPop: 'ams' });
    secrets.push((await registry.apiKeys.create({ name: `c${c}`, role: 'customer', customer: `c${c}` })).secret);
  }
  return { keys, secrets };
}

/** N customer prefixes by SQL in one transaction, round-robin over the customers' services. */
async function fill(store: Store, opts: Options, keys: string[], alloc: Allocator, next: () => number): Promise<void> {
  const services = await store.db.selectFrom('peering_services').select(['id', 'customer']).execute();
  const byCustomer = new Map(services.map((s) => [s.customer, s.id]));
  const t = new Date().toISOString();
  await store.transaction(async (tx) => {
    for (let i = 0; i < opts.prefixes; i++) {
      const r = next();
      const length = r < 0.6 ? 24 : r < 0.7 ? 23 : r < 0.75 ? 22 : 25 + Math.floor((r - 0.75) * 16); // /25-/28 for the last quarter
      const p = alloc.take(length);
      const key = keys[p.value < 45n << 24n ? 0 : 1]!;
      await tx
        .insertInto('customer_prefixes')
        .values({
          peering_service_id: byCustomer.get(`c${i % opts.customers}`)!,
          name: `p${i}`,
          prefix: formatPrefix(p),
          family: 4,
          key,
          state: 'Pending',
          error_message: null,
          created_at: t,
          updated_at: t,
          ...rangeColumns(p),
        })
        .execute();
    }
  });
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
function stats(xs: number[]): { median: number; p99: number; max: number } {
  const s = sorted(xs);
  return { median: s[Math.floor((s.length - 1) / 2)]!, p99: s[Math.ceil(s.length * 0.99) - 1]!, max: s[s.length - 1]! };
}
const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openpeering-bench-cp-'));
  const apps: FastifyInstance[] = [];
  const store = await openStore(path.join(dir, 'bench.db'));
  try {
    // A quota above every customer's share, so that the fill and the writes all fit.
    const quota = Math.ceil(opts.prefixes / opts.customers) + 2 * opts.writes + 100;
    const registry = new Registry(store, { maxPrefixesPerCustomer: quota });
    const naiveRegistry = new NaiveRegistry(store, { maxPrefixesPerCustomer: quota });
    const next = rng(opts.seed);
    const alloc = new Allocator();
    let t0 = performance.now();
    const { keys, secrets } = await buildWorld(registry, opts);
    await fill(store, opts, keys, alloc, next);
    // A server that has been running has its WAL checkpointed; the fill's must not land on a timed write.
    await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(store.db);
    const fillS = (performance.now() - t0) / 1000;
    console.log(`filled ${opts.prefixes.toLocaleString('en')} customer prefixes for ${opts.customers} customers in ${fillS.toFixed(1)} s (${dir})`);

    const urls: string[] = [];
    for (const r of [registry, naiveRegistry]) {
      const app = await buildServer(r);
      apps.push(app);
      urls.push(await app.listen({ host: '127.0.0.1', port: 0 }));
    }
    const times: number[][] = [[], []];
    const warmup = Math.min(20, opts.writes);
    let n = 0;
    const put = async (which: number): Promise<number> => {
      const c = n % opts.customers;
      const p = alloc.take(24);
      const key = keys[p.value < 45n << 24n ? 0 : 1]!;
      const started = performance.now();
      const res = await fetch(`${urls[which]}/v1/customers/c${c}/peering-services/svc/prefixes/w${n++}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${secrets[c]}`, 'content-type': 'application/json' },
        body: JSON.stringify({ prefix: formatPrefix(p), key }),
      });
      const body = await res.text();
      const took = performance.now() - started;
      if (res.status !== 201) throw new Error(`PUT ${formatPrefix(p)}: ${res.status} ${body}`);
      return took;
    };
    // One method after the other: interleaved, the naive method's garbage (every prefix of the
    // family, read per write) would be collected during the indexed writes and count against them.
    const phaseS: number[] = [];
    for (const which of [0, 1]) {
      for (let i = 0; i < warmup; i++) await put(which);
      t0 = performance.now();
      for (let i = 0; i < opts.writes; i++) times[which]!.push(await put(which));
      phaseS.push((performance.now() - t0) / 1000);
    }

    // Floors, for scale: a read through the same HTTP path (key, routing, three indexed reads), and
    // one row committed the way the store commits (synchronous=FULL: the disk's flush).
    const reads: number[] = [];
    for (let i = 0; i < 200; i++) {
      const c = i % opts.customers;
      const started = performance.now();
      const res = await fetch(`${urls[0]}/v1/customers/c${c}/peering-services/svc/prefixes/p${c}`, { headers: { authorization: `Bearer ${secrets[c]}` } });
      await res.text();
      reads.push(performance.now() - started);
      if (res.status !== 200) throw new Error(`GET prefix p${c}: ${res.status}`);
    }
    const commits: number[] = [];
    for (let i = 0; i < 200; i++) {
      const started = performance.now();
      // A value that differs every time: an unchanged row is no write at all.
      await store.transaction((tx) =>
        tx
          .updateTable('operator')
          .set({ name: `Bench Cloud ${i}` })
          .execute(),
      );
      commits.push(performance.now() - started);
    }

    // The check alone, in-process: probes that overlap nothing and probes that do.
    const indexed = new IndexedCustomerPrefixes(store, registry.customers, registry.partners);
    const naive = new NaiveCustomerPrefixes(store, registry.customers, registry.partners);
    const checks: number[][] = [[], []];
    for (let i = 0; i < opts.probes; i++) {
      const probe = i % 2 === 0 ? alloc.take(24) : { family: 4 as const, value: SPACE_START + (BigInt(i) << 12n), length: 20 };
      const answers: boolean[] = [];
      for (const [k, m] of [indexed, naive].entries()) {
        const started = performance.now();
        answers.push(await m.check(store.db, probe));
        checks[k]!.push(performance.now() - started);
      }
      if (answers[0] !== answers[1]) throw new Error(`the methods disagree on ${formatPrefix(probe)}: indexed ${answers[0]}, naive ${answers[1]}`);
    }

    const w = times.map(stats);
    const c = checks.map(stats);
    const f = stats(commits);
    const g = stats(reads);
    const ratio = (a: number, b: number) => `${(b / a).toFixed(0)}x`;
    const lines = [
      `customer-prefix PUT through the HTTP API, ${opts.prefixes.toLocaleString('en')} prefixes stored, ${opts.writes} sequential writes each (${phaseS.map((x) => x.toFixed(1)).join(' s and ')} s):`,
      '',
      '| method | median ms | p99 ms | max ms |',
      '|---|---|---|---|',
      `| indexed look-up (openpeering) | ${ms(w[0]!.median)} | ${ms(w[0]!.p99)} | ${ms(w[0]!.max)} |`,
      `| naive: read the family, compare in JS | ${ms(w[1]!.median)} | ${ms(w[1]!.p99)} | ${ms(w[1]!.max)} |`,
      `| naive / indexed | ${ratio(w[0]!.median, w[1]!.median)} | ${ratio(w[0]!.p99, w[1]!.p99)} | ${ratio(w[0]!.max, w[1]!.max)} |`,
      `| (for scale: a GET of one customer prefix, same HTTP path) | ${ms(g.median)} | ${ms(g.p99)} | ${ms(g.max)} |`,
      `| (for scale: a one-row commit, synchronous=FULL) | ${ms(f.median)} | ${ms(f.p99)} | ${ms(f.max)} |`,
      '',
      `the overlap check alone, in-process, ${opts.probes} probes (half overlap nothing, half cover stored prefixes):`,
      '',
      '| method | median ms | p99 ms | max ms |',
      '|---|---|---|---|',
      `| indexed look-up | ${ms(c[0]!.median)} | ${ms(c[0]!.p99)} | ${ms(c[0]!.max)} |`,
      `| naive | ${ms(c[1]!.median)} | ${ms(c[1]!.p99)} | ${ms(c[1]!.max)} |`,
      `| naive / indexed | ${ratio(c[0]!.median, c[1]!.median)} | ${ratio(c[0]!.p99, c[1]!.p99)} | ${ratio(c[0]!.max, c[1]!.max)} |`,
    ];
    console.log(lines.join('\n'));
    console.log(
      `\ntarget: under 5 ms per write at ${opts.prefixes.toLocaleString('en')} prefixes: ${w[0]!.median < 5 ? 'met' : 'NOT met'} (median ${ms(w[0]!.median)} ms, p99 ${ms(w[0]!.p99)} ms)`,
    );
    if (opts.save) {
      const file = saveResults('customer-prefixes', {
        options: opts,
        machine: { cpus: os.cpus().length, loadavg: os.loadavg(), node: process.version },
        fillSeconds: fillS,
        phaseSeconds: phaseS,
        writes: { indexed: w[0], naive: w[1], samplesMs: { indexed: times[0], naive: times[1] } },
        checks: { indexed: c[0], naive: c[1] },
        oneRowCommit: f,
        getOnePrefix: g,
      });
      console.log(`results: ${path.relative(process.cwd(), file) || file}`);
    }
  } finally {
    for (const app of apps) await app.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
