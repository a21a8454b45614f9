// RPKI benchmark: StayRTR serves N generated, realistic VRPs (IPv4 and IPv6, varied lengths and
// maxLength) on 127.0.70.50; openpeering's RTR client does a full sync in a fresh node process
// (seconds from connect to End of Data, peak RSS), then route origin validation lookups on a
// realistic route mix (valid, wrong origin, too specific, uncovered). As a reference, rtrdump
// (shipped with stayrtr) does the same full sync in version 1 and writes its JSON dump.
//
//   npm run bench:rpki -- [--vrps 500000] [--v6 0.2] [--lookups 2000000] [--runs 1] [--seed 1] [--keep] [--no-save]
//
// --no-save: print only, no results/rpki-<date>.json (for trial runs).
//
// Only loopback is used; stayrtr reads a local file (-cache <path>, -checktime=false) and binds
// RTR and metrics to 127.0.70.50. Children run under `setpriv --pdeathsig KILL` and are killed, and
// the work dir removed, at exit and on SIGINT/SIGTERM/SIGHUP (../src/lab/process.ts); every wait is
// bounded.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { killProc, pdeathsigCommand, procStats, sleep, spawnProc, tail, tempDir } from '../src/lab/process.js';
import { type RoaJson, RTRDUMP, startStayrtr } from '../src/lab/stayrtr.js';
import { RtrClient } from '../src/rpki/rtr/client.js';
import { ROV_STATES } from '../src/rpki/table.js';
import { type CompactPrefix, parseCompactPrefix } from '../src/rpki/vrp.js';
import { VrpList } from '../src/rpki/vrp-list.js';
import { saveResults } from './lib/results.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SELF = fileURLToPath(import.meta.url);
const ADDRESS = '127.0.70.50';

interface Options {
  vrps: number;
  v6: number;
  lookups: number;
  runs: number;
  seed: number;
  keep: boolean;
  save: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { vrps: 500_000, v6: 0.2, lookups: 2_000_000, runs: 1, seed: 1, keep: false, save: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const num = () => Number((argv[++i] ?? '').replace(/_/g, ''));
    if (a === '--vrps') o.vrps = num();
    else if (a === '--v6') o.v6 = num();
    else if (a === '--lookups') o.lookups = num();
    else if (a === '--runs') o.runs = num();
    else if (a === '--seed') o.seed = num();
    else if (a === '--keep') o.keep = true;
    else if (a === '--no-save') o.save = false;
    else {
      console.error(
        `bench:rpki: unknown argument ${a}\nusage: node dist/bench/rpki.js [--vrps N] [--v6 0.2] [--lookups N] [--runs K] [--seed N] [--keep] [--no-save]`,
      );
      process.exit(2);
    }
  }
  for (const [k, v] of Object.entries(o))
    if (typeof v === 'number' && !(v >= 0)) {
      console.error(`bench:rpki: bad --${k}`);
      process.exit(2);
    }
  return o;
}

// A small seeded PRNG (xorshift32): same data for the same seed.
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

/** Realistic VRPs: IPv4 mostly /24 and /22-/23 with maxLength mostly equal; IPv6 /32-/48 with maxLength up to /48. */
function generateVrps(n: number, v6Share: number, seed: number): RoaJson[] {
  const r = rng(seed);
  const seen = new Set<string>();
  const out: RoaJson[] = [];
  const asns = Array.from({ length: 70_000 }, () => 1 + Math.floor(r() * 400_000));
  // Length mix close to the published VRP sets: 60% /24, few shorter than /16.
  const pick4 = () => {
    const x = r();
    return x < 0.6
      ? 24
      : x < 0.69
        ? 23
        : x < 0.81
          ? 22
          : x < 0.85
            ? 21
            : x < 0.89
              ? 20
              : x < 0.92
                ? 19
                : x < 0.95
                  ? 16
                  : x < 0.99
                    ? 17 + Math.floor(r() * 2)
                    : 8 + Math.floor(r() * 8);
  };
  const pick6 = () => {
    const x = r();
    return x < 0.5 ? 48 : x < 0.65 ? 32 : x < 0.8 ? 44 : 29 + Math.floor(r() * 19);
  };
  while (out.length < n) {
    const v6 = r() < v6Share;
    const asn = asns[Math.floor(r() * asns.length)]!;
    if (!v6) {
      const len = pick4();
      const a = ((1 + Math.floor(r() * 222)) * 2 ** 24 + Math.floor(r() * 2 ** 24)) >>> 0;
      const net = len === 0 ? 0 : (a & (-1 << (32 - len))) >>> 0;
      const prefix = `${net >>> 24}.${(net >>> 16) & 255}.${(net >>> 8) & 255}.${net & 255}/${len}`;
      const maxLength = r() < 0.75 ? len : Math.min(32, Math.max(len, 24 - Math.floor(r() * 3)));
      const k = `${prefix}|${maxLength}|${asn}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push({ asn: r() < 0.5 ? asn : `AS${asn}`, prefix, maxLength, ta: ['afrinic', 'apnic', 'arin', 'lacnic', 'ripe'][Math.floor(r() * 5)]! });
    } else {
      const len = pick6();
      const g = [0x2001 + Math.floor(r() * 0x3ff), Math.floor(r() * 65536), Math.floor(r() * 65536)];
      // Keep `len` bits of the three first groups.
      const bits = (i: number) => {
        const keep = Math.max(0, Math.min(16, len - 16 * i));
        return keep === 0 ? 0 : g[i]! & (0xffff << (16 - keep)) & 0xffff;
      };
      const prefix = `${bits(0).toString(16)}:${bits(1).toString(16)}:${bits(2).toString(16)}::/${len}`;
      const maxLength = r() < 0.6 ? len : Math.max(len, 48);
      const k = `${prefix}|${maxLength}|${asn}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push({ asn: `AS${asn}`, prefix, maxLength, ta: 'ripe' });
    }
  }
  return out;
}

/** Our own VmRSS or VmHWM (MB). */
function status(key: 'rssMB' | 'hwmMB'): number {
  return procStats(process.pid)?.[key] ?? NaN;
}

// ---------------------------------------------------------------------------------------------
// Child: sync, then lookups; prints one JSON line.

async function child(target: string, roasFile: string, lookups: number, seed: number): Promise<void> {
  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  const rssBefore = status('rssMB');
  const c = new RtrClient({ host, port, responseTimeoutMs: 120_000 });
  const t0 = performance.now();
  c.start();
  const s = await c.waitSynced(600_000);
  const syncS = (performance.now() - t0) / 1000;
  c.stop();
  global.gc?.();
  const rssAfter = status('rssMB');
  const hwm = status('hwmMB');
  const t = c.table;
  const vrps = t.size;

  // Routes: VRP prefixes and more-specifics with right and wrong origins, plus uncovered space.
  const roas = JSON.parse(fs.readFileSync(roasFile, 'utf8')).roas as RoaJson[];
  const r = rng(seed + 99);
  const n4 = Math.min(lookups, 1 << 21);
  const addr = new Uint32Array(n4),
    len = new Uint8Array(n4),
    origin = new Uint32Array(n4);
  const v4 = roas.filter((x) => !x.prefix.includes(':'));
  for (let i = 0; i < n4; i++) {
    const x = r();
    if (x < 0.8) {
      const v = v4[Math.floor(r() * v4.length)]!;
      const [a, l] = v.prefix.split('/');
      const o = a!.split('.').map(Number);
      const base = ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0;
      const L = Math.min(32, Number(l) + (r() < 0.7 ? 0 : Math.floor(r() * 3)));
      const span = 2 ** (32 - Number(l));
      addr[i] = (base + Math.floor(r() * span)) >>> 0;
      len[i] = L;
      origin[i] = r() < 0.85 ? Number(String(v.asn).replace('AS', '')) : 1 + Math.floor(r() * 400_000);
    } else {
      addr[i] = Math.floor(r() * 2 ** 32) >>> 0;
      len[i] = 16 + Math.floor(r() * 9);
      origin[i] = 1 + Math.floor(r() * 400_000);
    }
    addr[i] = len[i] === 0 ? 0 : (addr[i]! & (-1 << (32 - len[i]!))) >>> 0;
  }
  const counts = [0, 0, 0];
  for (let i = 0; i < n4; i++) counts[t.validateV4(addr[i]!, len[i]!, origin[i]!)]!++;
  // Timed passes over the same routes (the first pass above warmed the JIT).
  let done = 0;
  let sink = 0;
  const tl = performance.now();
  while (done < lookups) {
    const m = Math.min(n4, lookups - done);
    for (let i = 0; i < m; i++) sink += t.validateV4(addr[i]!, len[i]!, origin[i]!);
    done += m;
  }
  const lookS = (performance.now() - tl) / 1000;

  // IPv6 routes.
  const v6 = roas.filter((x) => x.prefix.includes(':'));
  const n6 = Math.min(200_000, v6.length * 2);
  const w = new Uint32Array(4 * n6),
    l6 = new Uint8Array(n6),
    o6 = new Uint32Array(n6);
  for (let i = 0; i < n6; i++) {
    const v = v6[Math.floor(r() * v6.length)]!;
    const g = v.prefix
      .split('/')[0]!
      .replace('::', '')
      .split(':')
      .map((h) => parseInt(h || '0', 16));
    w[4 * i] = (((g[0] ?? 0) << 16) | (g[1] ?? 0)) >>> 0;
    w[4 * i + 1] = ((g[2] ?? 0) << 16) >>> 0;
    l6[i] = Math.min(64, Number(v.prefix.split('/')[1]) + (r() < 0.7 ? 0 : 8));
    o6[i] = r() < 0.85 ? Number(String(v.asn).replace('AS', '')) : 7;
  }
  const ww = new Uint32Array(4);
  const one6 = (i: number) => {
    ww[0] = w[4 * i]!;
    ww[1] = w[4 * i + 1]!;
    ww[2] = 0;
    ww[3] = 0;
    return t.validateV6(ww, l6[i]!, o6[i]!);
  };
  for (let i = 0; i < n6; i++) sink += one6(i);
  const t6 = performance.now();
  const reps6 = Math.max(1, Math.floor(1_000_000 / Math.max(1, n6)));
  for (let k = 0; k < reps6; k++) for (let i = 0; i < n6; i++) sink += one6(i);
  const look6S = (performance.now() - t6) / 1000;

  // RTR-serial-like batches on the loaded table: 1,000 withdrawals and 1,000 announcements each
  // (IPv4 and IPv6 as in the table), timed with the first lookup after them; median of 5.
  const batchMs: number[] = [];
  let batchVrps = 0;
  for (let k = 0; k < 5; k++) {
    const wd = new VrpList(),
      ann = new VrpList();
    for (let i = 0; i < 1000; i++) {
      const v = roas[Math.floor(r() * roas.length)]!;
      const p = parseCompactPrefix(v.prefix) as CompactPrefix;
      wd.pushCompact(p, v.maxLength, Number(String(v.asn).replace('AS', '')));
      ann.pushCompact(p, v.maxLength, 4_200_000_000 + 1000 * k + i);
    }
    const tu = performance.now();
    batchVrps = t.update(ann, wd, 'bench').size;
    sink += t.validateV4(addr[k]!, len[k]!, origin[k]!);
    batchMs.push(performance.now() - tu);
  }
  const updateMs = [...batchMs].sort((a, b) => a - b)[2]!;

  process.stdout.write(
    JSON.stringify({
      ok: true,
      vrps,
      version: s.version,
      syncSeconds: syncS,
      rssBeforeMB: rssBefore,
      rssAfterMB: rssAfter,
      peakRssMB: hwm,
      v4: {
        lookups,
        seconds: lookS,
        nsPerLookup: (lookS * 1e9) / lookups,
        perSecond: lookups / lookS,
        states: Object.fromEntries(ROV_STATES.map((st, i) => [st, counts[i]])),
      },
      v6: { lookups: reps6 * n6, seconds: look6S, nsPerLookup: (look6S * 1e9) / (reps6 * n6), perSecond: (reps6 * n6) / look6S },
      update: { vrps: batchVrps, ms: updateMs, all: batchMs },
      sink,
    }) + '\n',
  );
}

// ---------------------------------------------------------------------------------------------
// Parent

/**
 * Runs a child to its end within `timeoutMs` (SIGKILL after that) and resolves with its stdout,
 * or rejects when it fails. `stderr` 'inherit' forwards its stderr to ours, 'keep' returns it.
 */
async function runToEnd(
  name: string,
  file: string,
  args: string[],
  timeoutMs: number,
  stderr: 'inherit' | 'keep',
): Promise<{ stdout: string; stderr: string }> {
  const p = spawnProc(name, file, args, { cwd: process.cwd() });
  let out = '';
  let err = '';
  p.child.stdout!.on('data', (d: Buffer) => {
    out += d.toString('utf8');
  });
  p.child.stderr!.on('data', (d: Buffer) => {
    if (stderr === 'inherit') process.stderr.write(d);
    else err += d.toString('utf8');
  });
  // 'close': the exit, and all of its output read (at 'exit' some may still be in the pipes).
  let timer: NodeJS.Timeout | undefined;
  const closed = new Promise<boolean>((resolve) => {
    p.child.once('close', () => resolve(true));
    p.child.once('error', () => resolve(true));
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const done = await closed;
  clearTimeout(timer);
  if (!done) {
    await killProc(p);
    throw new Error(`${name}: timed out after ${timeoutMs} ms: ${tail(out + err, 20)}`);
  }
  if (p.child.exitCode !== 0) throw new Error(`${name} ${p.exitInfo}: ${tail(out + err, 20)}`);
  return { stdout: out, stderr: err };
}

async function runChild(args: string[], timeoutMs: number): Promise<string> {
  return (await runToEnd('client child', process.execPath, ['--expose-gc', SELF, ...args], timeoutMs, 'inherit')).stdout;
}

async function timeRtrdump(port: number, dir: string): Promise<{ seconds: number; peakRssMB: number; vrps: number }> {
  const out = path.join(dir, 'rtrdump.json');
  const t0 = performance.now();
  // GNU time reports rtrdump's peak RSS (%M, kB) on its stderr, last; rtrdump dies with time.
  const [cmd, argv] = pdeathsigCommand(RTRDUMP, ['-connect', `${ADDRESS}:${port}`, '-rtr.version', '1', '-file', out, '-loglevel', 'warn']);
  const { stderr } = await runToEnd('rtrdump', '/usr/bin/time', ['-f', '%M', cmd, ...argv], 600_000, 'keep');
  const seconds = (performance.now() - t0) / 1000;
  const kb = Number(stderr.trim().split('\n').pop());
  let vrps = 0;
  try {
    vrps = (JSON.parse(fs.readFileSync(out, 'utf8')).roas as unknown[]).length;
  } catch {
    /* counted as 0 */
  }
  return { seconds, peakRssMB: kb / 1024, vrps };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') return child(argv[1]!, argv[2]!, Number(argv[3]), Number(argv[4]));
  const o = parseArgs(argv);
  const work = tempDir('op-bench-rpki-', o.keep);
  const dir = work.path;
  console.log(`bench:rpki  ${new Date().toISOString()}  ${o.vrps} VRPs (${Math.round(o.v6 * 100)}% IPv6), work dir ${dir}`);
  const tg = performance.now();
  const roas = generateVrps(o.vrps, o.v6, o.seed);
  const roasFile = path.join(dir, 'roas.json');
  fs.writeFileSync(roasFile, JSON.stringify({ roas }));
  console.log(`generated in ${((performance.now() - tg) / 1000).toFixed(1)} s; starting stayrtr on ${ADDRESS}`);
  const cache = await startStayrtr({ address: ADDRESS, roas, refresh: 3600, readyTimeoutMs: 120_000 });
  const ours: Array<Record<string, any>> = [];
  const ref: Array<{ seconds: number; peakRssMB: number; vrps: number }> = [];
  try {
    for (let run = 1; run <= o.runs; run++) {
      ref.push(await timeRtrdump(cache.port, dir));
      console.log(`run ${run}: rtrdump ${ref.at(-1)!.seconds.toFixed(2)} s, ${ref.at(-1)!.peakRssMB.toFixed(0)} MB, ${ref.at(-1)!.vrps} VRPs`);
      ours.push(JSON.parse(await runChild(['--child', `${ADDRESS}:${cache.port}`, roasFile, String(o.lookups), String(o.seed)], 600_000)));
      const u = ours.at(-1)!;
      console.log(
        `run ${run}: openpeering ${u.syncSeconds.toFixed(2)} s, peak ${u.peakRssMB.toFixed(0)} MB, RSS after sync ${u.rssAfterMB.toFixed(0)} MB (${u.rssBeforeMB.toFixed(0)} before), ${u.vrps} VRPs, ` +
          `IPv4 ${u.v4.nsPerLookup.toFixed(0)} ns/lookup, IPv6 ${u.v6.nsPerLookup.toFixed(0)} ns/lookup`,
      );
      await sleep(200);
    }
  } finally {
    await cache.stop();
    work.remove();
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const sum = {
    vrps: o.vrps,
    v6Share: o.v6,
    runs: o.runs,
    node: process.version,
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    openpeering: {
      syncSeconds: med(ours.map((u) => u.syncSeconds)),
      peakRssMB: med(ours.map((u) => u.peakRssMB)),
      rssAfterMB: med(ours.map((u) => u.rssAfterMB)),
      v4NsPerLookup: med(ours.map((u) => u.v4.nsPerLookup)),
      v4LookupsPerSecond: med(ours.map((u) => u.v4.perSecond)),
      v6NsPerLookup: med(ours.map((u) => u.v6.nsPerLookup)),
      v6LookupsPerSecond: med(ours.map((u) => u.v6.perSecond)),
      rssBeforeMB: med(ours.map((u) => u.rssBeforeMB)),
      updateMs: med(ours.map((u) => u.update.ms)),
      updateVrps: ours[0]!.update.vrps,
      states: ours[0]!.v4.states,
      vrpsReceived: ours[0]!.vrps,
    },
    rtrdump: { syncSeconds: med(ref.map((x) => x.seconds)), peakRssMB: med(ref.map((x) => x.peakRssMB)), vrpsReceived: ref[0]!.vrps },
    raw: { ours, ref },
  };
  const r = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
  console.log('\n| client | full sync s | peak RSS MB | time vs rtrdump | RSS vs rtrdump |');
  console.log('|---|---|---|---|---|');
  console.log(
    `| openpeering | ${sum.openpeering.syncSeconds.toFixed(2)} | ${sum.openpeering.peakRssMB.toFixed(0)} | ${r(sum.openpeering.syncSeconds, sum.rtrdump.syncSeconds)} | ${r(sum.openpeering.peakRssMB, sum.rtrdump.peakRssMB)} |`,
  );
  console.log(`| rtrdump (stayrtr ${'0.5.1'}) | ${sum.rtrdump.syncSeconds.toFixed(2)} | ${sum.rtrdump.peakRssMB.toFixed(0)} | 1.00x | 1.00x |`);
  console.log(
    `\nROV lookups (${sum.openpeering.vrpsReceived} VRPs): IPv4 ${sum.openpeering.v4NsPerLookup.toFixed(0)} ns/lookup (${(sum.openpeering.v4LookupsPerSecond / 1e6).toFixed(1)} M/s), ` +
      `IPv6 ${sum.openpeering.v6NsPerLookup.toFixed(0)} ns/lookup (${(sum.openpeering.v6LookupsPerSecond / 1e6).toFixed(1)} M/s); IPv4 states ${JSON.stringify(sum.openpeering.states)}`,
  );
  console.log(
    `RSS after the sync ${sum.openpeering.rssAfterMB.toFixed(0)} MB (${sum.openpeering.rssBeforeMB.toFixed(0)} MB before it); ` +
      `update batch of ${sum.openpeering.updateVrps} VRP changes ${sum.openpeering.updateMs.toFixed(1)} ms incl. the first lookup after it`,
  );
  if (!o.save) return;
  const file = saveResults('rpki', sum, 2);
  console.log(`\nwrote ${path.relative(ROOT, file)}`);
}

await main();
