// Full-table receive benchmark: one BIRD 2 sender announces a generated realistic table (see
// table.ts) to a FRESH receiver process per run - openpeering's speaker, BIRD, FRR bgpd, GoBGP -
// each configured as a pure sink (import all, export nothing). Per run it records the seconds from
// Established (first poll that sees it) to the first poll where the receiver's accepted count
// reaches the table size, the receiver's peak RSS (VmHWM) and CPU seconds (utime+stime), then
// stops the receiver. Each receiver is polled every 0.2 s through its own CLI or status API.
//
//   npm run bench:bgp -- [--routes 1000000] [--v6 0] [--runs 1]
//                        [--receivers openpeering,bird,frr,gobgp] [--timeout 600] [--seed 1]
//                        [--sets N] [--node-args "--cpu-prof --cpu-prof-dir=/tmp/prof"] [--settle 3] [--keep]
//
// --timeout bounds each receiver run (and the sender's load); --settle is how long a receiver
// stays up after its ingest before its peak RSS is read (longer: time to take a heap snapshot);
// --node-args are extra node flags for openpeering's speaker; --keep keeps the work dir.
//
// Everything runs on 127.0.80.0/24 (sender .20, receivers .21-.24, port 17900); next hops are the
// fake 192.0.2.20 / 2001:db8::20. Every child runs under `setpriv --pdeathsig KILL` and is killed
// on exit, SIGINT and SIGTERM; every wait is bounded.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, type Proc, procStats, run, sleep, spawnProc, stopProc, tail, tempDir } from '../src/lab/process.js';
import { bgpdArgs } from '../src/lab/routers/frr.js';
import { BIN, type DaemonKind, requireBinary } from '../src/lab/routers/index.js';
import { type RunFlags, receiverFlags, type Usage, usageOf } from './lib/args.js';
import { machineInfo } from './lib/machine.js';
import { runMain } from './lib/main.js';
import { saveResults } from './lib/results.js';
import { fmt, median } from './lib/stats.js';
import { birdSenderConfig, generateTable, lengthHistogram, type Table, writeBirdStatic } from './table.js';

// ---------------------------------------------------------------------------------------------
// Options

type Receiver = 'openpeering' | 'bird' | 'frr' | 'gobgp';
const ALL_RECEIVERS: Receiver[] = ['openpeering', 'bird', 'frr', 'gobgp'];

/** With RunFlags' settleS: seconds to keep a receiver up after its ingest (peak RSS is read at the end). */
interface Options extends RunFlags {
  routes: number;
  v6: number;
  receivers: Receiver[];
  sets: number | undefined;
}

const usage: Usage = usageOf(
  'bench:bgp',
  'usage: node dist/bench/bgp.js [--routes N] [--v6 N] [--runs K] [--receivers openpeering,bird,frr,gobgp]\n' +
    '                    [--timeout S] [--seed N] [--sets N] [--node-args "..."] [--settle S] [--keep]',
);

function parseArgs(argv: string[]): Options {
  const o: Options = {
    routes: 1_000_000,
    v6: 0,
    runs: 1,
    receivers: [...ALL_RECEIVERS],
    timeoutS: 600,
    seed: 1,
    sets: undefined,
    nodeArgs: [],
    keep: false,
    settleS: 3,
  };
  receiverFlags(argv, o, ALL_RECEIVERS, usage, (flag, _val, int) => {
    switch (flag) {
      case '--routes':
        o.routes = int(1);
        break;
      case '--v6':
        o.v6 = int(0);
        break;
      case '--sets':
        o.sets = int(1);
        break;
      default:
        return false;
    }
    return true;
  });
  return o;
}

// ---------------------------------------------------------------------------------------------
// Addresses, binaries

const PORT = 17900;
const SENDER = { address: '127.0.80.20', asn: 65020, nh4: '192.0.2.20', nh6: '2001:db8::20' };
const RX: Record<Receiver, { address: string; asn: number }> = {
  openpeering: { address: '127.0.80.21', asn: 65021 },
  bird: { address: '127.0.80.22', asn: 65022 },
  frr: { address: '127.0.80.23', asn: 65023 },
  gobgp: { address: '127.0.80.24', asn: 65024 },
};
/** The daemon each role needs installed (openpeering's speaker needs only node). */
const NEEDS: Record<Receiver | 'sender', DaemonKind | undefined> = {
  sender: 'bird',
  openpeering: undefined,
  bird: 'bird',
  frr: 'frr',
  gobgp: 'gobgp',
};

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI_MAIN = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');
const POLL_MS = 200;
const CLI_TIMEOUT_MS = 10_000;

const now = () => performance.now();

// ---------------------------------------------------------------------------------------------
// Receivers: config, start, and one poll (Established? how many accepted?)

interface Poll {
  established: boolean;
  count: number;
  updates?: number;
}

interface RunningReceiver {
  proc: Proc;
  poll(): Promise<Poll>;
  /** SIGTERM grace before SIGKILL */
  graceMs: number;
}

async function startReceiver(kind: Receiver, dir: string, opts: Options): Promise<RunningReceiver> {
  const me = RX[kind];
  const peer = SENDER.address;
  const v6 = opts.v6 > 0;
  fs.mkdirSync(dir, { recursive: true });
  switch (kind) {
    case 'openpeering': {
      const api = await freePort();
      const conf = path.join(dir, 'speaker.yaml');
      fs.writeFileSync(
        conf,
        [
          `asn: ${me.asn}`,
          `routerId: ${me.address}`,
          `listen: ${me.address}:${PORT}`,
          `api: 127.0.0.1:${api}`,
          'peers:',
          `  - { address: ${peer}, asn: ${SENDER.asn}, port: ${PORT}, passive: true, import: all, export: none, families: [${v6 ? 'ipv4, ipv6' : 'ipv4'}] }`,
          '',
        ].join('\n'),
      );
      const proc = spawnProc('openpeering speaker', process.execPath, [...opts.nodeArgs, CLI_MAIN, 'speaker', '-c', conf], { cwd: dir });
      return {
        proc,
        graceMs: 60_000, // --cpu-prof writes its profile on exit
        async poll() {
          const res = await fetch(`http://127.0.0.1:${api}/sessions`, { signal: AbortSignal.timeout(CLI_TIMEOUT_MS) });
          const s = ((await res.json()) as Array<{ peer: string; state: string; accepted: number }>).find((x) => x.peer === peer);
          return { established: s?.state === 'Established', count: s?.accepted ?? 0 };
        },
      };
    }
    case 'bird': {
      const conf = path.join(dir, 'bird.conf');
      const ctl = path.join(dir, 'bird.ctl');
      fs.writeFileSync(
        conf,
        [
          `router id ${me.address};`,
          'log stderr { warning, error, fatal };',
          'protocol device {}',
          'protocol bgp from_tx {',
          `  local ${me.address} port ${PORT} as ${me.asn};`,
          `  neighbor ${peer} port ${PORT} as ${SENDER.asn};`,
          '  strict bind;',
          '  multihop;',
          '  passive on;',
          '  ipv4 { import all; export none; };',
          ...(v6 ? ['  ipv6 { import all; export none; };'] : []),
          '}',
          '',
        ].join('\n'),
      );
      const proc = spawnProc('bird receiver', BIN.bird, ['-f', '-c', conf, '-s', ctl], { cwd: dir });
      return {
        proc,
        graceMs: 5000,
        async poll() {
          const { stdout: out } = await run(BIN.birdc, ['-s', ctl, 'show', 'protocols', 'all', 'from_tx']);
          let count = 0;
          for (const m of out.matchAll(/Routes:\s+(\d+) imported/g)) count += Number(m[1]);
          return { established: /\sEstablished/.test(out), count };
        },
      };
    }
    case 'frr': {
      const conf = path.join(dir, 'frr.conf');
      const vty = path.join(dir, 'vty');
      fs.mkdirSync(vty);
      const af = (fam: string) => [
        ` address-family ${fam} unicast`,
        `  neighbor ${peer} activate`,
        `  neighbor ${peer} route-map SINK out`,
        ' exit-address-family',
      ];
      fs.writeFileSync(
        conf,
        [
          'frr defaults traditional',
          'hostname bench-rx',
          'log stdout informational',
          'route-map SINK deny 10',
          'exit',
          `router bgp ${me.asn}`,
          ` bgp router-id ${me.address}`,
          ' no bgp ebgp-requires-policy',
          ' no bgp network import-check',
          ` neighbor ${peer} remote-as ${SENDER.asn}`,
          ` neighbor ${peer} port ${PORT}`,
          ` neighbor ${peer} update-source ${me.address}`,
          ` neighbor ${peer} disable-connected-check`,
          ` neighbor ${peer} passive`,
          ...af('ipv4'),
          ...(v6 ? af('ipv6') : []),
          'exit',
          '',
        ].join('\n'),
      );
      const proc = spawnProc('frr bgpd receiver', BIN.bgpd, bgpdArgs(conf, dir, me.address, PORT), { cwd: dir });
      interface FrrNeighbor {
        bgpState?: string;
        messageStats?: { updatesRecv?: number };
        addressFamilyInfo?: Record<string, { acceptedPrefixCounter?: number }>;
      }
      return {
        proc,
        graceMs: 5000,
        async poll() {
          if (!fs.existsSync(path.join(vty, 'bgpd.vty'))) return { established: false, count: 0 };
          const j = JSON.parse((await run(BIN.vtysh, ['--vty_socket', vty, '-c', `show bgp neighbors ${peer} json`])).stdout) as Record<string, FrrNeighbor>;
          const n = j[peer];
          let count = 0;
          for (const a of Object.values(n?.addressFamilyInfo ?? {})) count += a.acceptedPrefixCounter ?? 0;
          return {
            established: n?.bgpState === 'Established',
            count,
            ...(n?.messageStats?.updatesRecv !== undefined ? { updates: n.messageStats.updatesRecv } : {}),
          };
        },
      };
    }
    case 'gobgp': {
      const api = await freePort();
      const conf = path.join(dir, 'gobgp.toml');
      const fam = (f: string) => ['  [[neighbors.afi-safis]]', '    [neighbors.afi-safis.config]', `      afi-safi-name = "${f}-unicast"`];
      fs.writeFileSync(
        conf,
        [
          '[global.config]',
          `  as = ${me.asn}`,
          `  router-id = "${me.address}"`,
          `  port = ${PORT}`,
          `  local-address-list = ["${me.address}"]`,
          '[global.apply-policy.config]',
          '  default-export-policy = "reject-route"',
          '[[neighbors]]',
          '  [neighbors.config]',
          `    neighbor-address = "${peer}"`,
          `    peer-as = ${SENDER.asn}`,
          '  [neighbors.timers.config]',
          '    connect-retry = 2',
          '    idle-hold-time-after-reset = 1',
          '  [neighbors.transport.config]',
          `    local-address = "${me.address}"`,
          '    passive-mode = true',
          ...fam('ipv4'),
          ...(v6 ? fam('ipv6') : []),
          '',
        ].join('\n'),
      );
      const proc = spawnProc('gobgpd receiver', BIN.gobgpd, ['-f', conf, '-t', 'toml', '-p', '--pprof-disable', '--api-hosts', `127.0.0.1:${api}`], {
        cwd: dir,
      });
      interface GobgpNeighbor {
        state?: { session_state?: number; messages?: { received?: { update?: number } } };
        afi_safis?: Array<{ state?: { received?: number; accepted?: number } }>;
      }
      return {
        proc,
        graceMs: 5000,
        async poll() {
          const j = JSON.parse((await run(BIN.gobgp, ['-u', '127.0.0.1', '-p', String(api), 'neighbor', peer, '-j'])).stdout) as GobgpNeighbor;
          let count = 0;
          for (const a of j.afi_safis ?? []) count += a.state?.accepted ?? a.state?.received ?? 0;
          const updates = j.state?.messages?.received?.update;
          return { established: j.state?.session_state === 6, count, ...(updates !== undefined ? { updates } : {}) };
        },
      };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// One run

interface RunResult {
  receiver: Receiver;
  run: number;
  ok: boolean;
  error?: string;
  /** seconds from receiver start to the first poll seeing Established */
  startToEstS?: number;
  /** seconds from Established to the first poll with count >= expected */
  seconds?: number;
  count: number;
  expected: number;
  /** VmHWM at completion and `settle` seconds later (MB) */
  hwmDoneMB?: number;
  hwmMB?: number;
  rssSettledMB?: number;
  /** utime+stime at completion (since the process started) and during the ingest only */
  cpuS?: number;
  cpuIngestS?: number;
  senderCpuS?: number;
  updates?: number;
  /** [seconds since Established, count] every poll */
  samples: Array<[number, number]>;
  logTail?: string;
}

async function runOne(kind: Receiver, runNo: number, opts: Options, sender: Proc, baseDir: string): Promise<RunResult> {
  const expected = opts.routes + opts.v6;
  const dir = path.join(baseDir, `${kind}-${runNo}`);
  const result: RunResult = { receiver: kind, run: runNo, ok: false, count: 0, expected, samples: [] };
  const senderCpu0 = procStats(sender.pid)?.cpuS ?? 0;
  const t0 = now();
  const deadline = t0 + opts.timeoutS * 1000;
  let rx: RunningReceiver | undefined;
  try {
    rx = await startReceiver(kind, dir, opts);
    const pid = rx.proc.pid;
    let tEst: number | undefined;
    let cpuEst = 0;
    let lastErr = '';
    for (;;) {
      const tPoll = now();
      if (rx.proc.exited) throw new Error(`${rx.proc.name} exited (${rx.proc.exitInfo})`);
      if (sender.exited) throw new Error(`the BIRD sender exited (${sender.exitInfo})`);
      let p: Poll | undefined;
      try {
        p = await rx.poll();
        lastErr = '';
      } catch (e) {
        lastErr = (e as Error).message;
      }
      const tAns = now(); // the answer describes the receiver as of now (a busy receiver answers late)
      if (p) {
        if (p.updates !== undefined) result.updates = p.updates;
        result.count = p.count;
        if (tEst === undefined && p.established) {
          tEst = tAns;
          cpuEst = procStats(pid)?.cpuS ?? 0;
          result.startToEstS = (tEst - t0) / 1000;
          process.stdout.write(`  ${kind} run ${runNo}: Established after ${result.startToEstS.toFixed(2)} s (pid ${pid})\n`);
        }
        if (tEst !== undefined) result.samples.push([Number(((tAns - tEst) / 1000).toFixed(3)), p.count]);
        if (tEst !== undefined && p.count >= expected) {
          result.seconds = (tAns - tEst) / 1000;
          const s = procStats(pid);
          result.hwmDoneMB = s?.hwmMB;
          result.cpuS = s?.cpuS;
          result.cpuIngestS = s ? s.cpuS - cpuEst : undefined;
          result.senderCpuS = (procStats(sender.pid)?.cpuS ?? senderCpu0) - senderCpu0;
          process.stdout.write(
            `  ${kind} run ${runNo}: ${p.count} routes ${result.seconds.toFixed(2)} s after Established, ` +
              `peak RSS so far ${fmt(s?.hwmMB, 0)} MB, CPU ${fmt(s?.cpuS)} s (settling ${opts.settleS} s)\n`,
          );
          break;
        }
      }
      if (tAns > deadline) {
        throw new Error(
          `timed out after ${opts.timeoutS} s: ${tEst === undefined ? 'never Established' : `${result.count} of ${expected} routes`}` +
            (lastErr ? `; last poll error: ${lastErr}` : ''),
        );
      }
      const wait = POLL_MS - (now() - tPoll);
      if (wait > 0) await sleep(wait);
    }
    // Let the receiver settle (post-ingest work may still raise the peak), then read again.
    await sleep(opts.settleS * 1000);
    if (!rx.proc.exited) {
      const s = procStats(pid);
      result.hwmMB = s?.hwmMB;
      result.rssSettledMB = s?.rssMB;
    } else {
      throw new Error(`${rx.proc.name} exited right after the ingest (${rx.proc.exitInfo})`);
    }
    if (kind === 'frr' || kind === 'gobgp') {
      try {
        const p = await rx.poll();
        if (p.updates !== undefined) result.updates = p.updates;
      } catch {
        /* keep the last value */
      }
    }
    result.ok = true;
  } catch (e) {
    result.error = (e as Error).message;
    if (rx) {
      const s = procStats(rx.proc.pid);
      if (s) {
        result.hwmMB = s.hwmMB;
        result.cpuS = s.cpuS;
      }
    }
  } finally {
    if (rx) {
      await stopProc(rx.proc, rx.graceMs);
      if (!result.ok) result.logTail = tail(rx.proc.logs(), 40);
    }
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  for (const k of ['sender', ...opts.receivers] as const) {
    const kind = NEEDS[k];
    try {
      if (kind) requireBinary(kind);
    } catch (e) {
      usage(`${k}: ${(e as Error).message}`);
    }
  }
  if (opts.receivers.includes('openpeering') && !fs.existsSync(CLI_MAIN)) usage(`${CLI_MAIN} is missing: npm run build`);

  // Removed at exit (unless --keep); children are killed at exit, whatever the reason.
  const workDir = tempDir('openpeering-bench-bgp-', opts.keep).path;
  const machine = await machineInfo();
  console.log(`bench:bgp  ${new Date().toISOString()}  work dir ${workDir}`);
  console.log(`machine: ${machine.nproc} CPUs (${machine.cpu}), ${machine.memGB} GB, node ${machine.node}, BIRD ${machine.bird}`);

  // The table.
  let t = now();
  const table: Table = generateTable({ v4: opts.routes, v6: opts.v6, seed: opts.seed, ...(opts.sets ? { sets: opts.sets } : {}) });
  const genS = (now() - t) / 1000;
  const routesFile = path.join(workDir, 'routes.conf');
  t = now();
  const bytes = writeBirdStatic(table, routesFile);
  const writeS = (now() - t) / 1000;
  const distinctPaths = new Set(table.sets.map((s) => s.asPath.join(' '))).size;
  const hist = lengthHistogram(table, 4);
  const pct = (l: number) => (100 * (hist.get(l) ?? 0)) / opts.routes;
  const shape = {
    v4: opts.routes,
    v6: opts.v6,
    seed: opts.seed,
    attributeSets: table.sets.length,
    attributeSetsUsedV4: table.setsUsedV4,
    attributeSetsUsedV6: table.setsUsedV6,
    distinctAsPaths: distinctPaths,
    /** prefixes per distinct attribute set: the mean per UPDATE if every set went out in one UPDATE */
    prefixesPerSet: Number(((opts.routes + opts.v6) / (table.setsUsedV4 + table.setsUsedV6)).toFixed(2)),
    lengthMixPct: Object.fromEntries([...hist].map(([l, c]) => [`/${l}`, Number(((100 * c) / opts.routes).toFixed(2))])),
    birdConfigMB: Number((bytes / 2 ** 20).toFixed(1)),
  };
  console.log(
    `table: ${opts.routes} IPv4${opts.v6 ? ` + ${opts.v6} IPv6` : ''} prefixes (seed ${opts.seed}; /24 ${pct(24).toFixed(1)}%, /22 ${pct(22).toFixed(1)}%, ` +
      `/23 ${pct(23).toFixed(1)}%, /21 ${pct(21).toFixed(1)}%, /20 ${pct(20).toFixed(1)}%, /19 ${pct(19).toFixed(1)}%, /16 ${pct(16).toFixed(1)}%), ` +
      `${table.setsUsedV4 + table.setsUsedV6} attribute sets used (${distinctPaths} distinct AS paths), ${shape.prefixesPerSet} prefixes per set; ` +
      `generated in ${genS.toFixed(1)} s, BIRD config ${shape.birdConfigMB} MB written in ${writeS.toFixed(1)} s`,
  );

  // The sender.
  const senderDir = path.join(workDir, 'sender');
  fs.mkdirSync(senderDir);
  const senderConf = path.join(senderDir, 'bird.conf');
  const ctl = path.join(senderDir, 'bird.ctl');
  fs.writeFileSync(
    senderConf,
    birdSenderConfig({
      routerId: SENDER.address,
      address: SENDER.address,
      port: PORT,
      asn: SENDER.asn,
      routesFile,
      peers: opts.receivers.map((r) => ({ name: `to_${r}`, address: RX[r].address, port: PORT, asn: RX[r].asn })),
      nextHopV4: SENDER.nh4,
      nextHopV6: SENDER.nh6,
      ipv6: opts.v6 > 0,
    }),
  );
  const expected = opts.routes + opts.v6;
  t = now();
  const sender = spawnProc('bird sender', BIN.bird, ['-f', '-c', senderConf, '-s', ctl], { cwd: senderDir });
  const loadDeadline = t + opts.timeoutS * 1000;
  let loaded = 0;
  let parsedS: number | undefined;
  for (;;) {
    if (sender.exited) throw new Error(`the BIRD sender exited while loading (${sender.exitInfo})\n${tail(sender.logs(), 30)}`);
    if (now() > loadDeadline) throw new Error(`the BIRD sender did not load ${expected} routes within ${opts.timeoutS} s (${loaded} so far)`);
    if (fs.existsSync(ctl)) {
      try {
        const { stdout: out } = await run(BIN.birdc, ['-s', ctl, 'show', 'route', 'count']);
        parsedS ??= (now() - t) / 1000;
        loaded = 0;
        for (const m of out.matchAll(/^(\d+) of \d+ routes .* in table /gm)) loaded += Number(m[1]);
        if (loaded >= expected) break;
      } catch {
        /* still starting */
      }
    }
    await sleep(POLL_MS);
  }
  const loadS = (now() - t) / 1000;
  const senderStats = procStats(sender.pid);
  const senderInfo = {
    loadS: Number(loadS.toFixed(2)),
    controlSocketAfterS: parsedS,
    rssMB: senderStats?.rssMB,
    hwmMB: senderStats?.hwmMB,
    cpuS: senderStats?.cpuS,
  };
  console.log(
    `sender: BIRD loaded ${loaded} routes in ${loadS.toFixed(1)} s (control socket up after ${fmt(parsedS, 1)} s), ` +
      `RSS ${fmt(senderStats?.rssMB, 0)} MB, peak ${fmt(senderStats?.hwmMB, 0)} MB, CPU ${fmt(senderStats?.cpuS, 1)} s`,
  );

  // The receivers, one fresh process per run.
  const results: RunResult[] = [];
  for (const kind of opts.receivers) {
    for (let r = 1; r <= opts.runs; r++) {
      const res = await runOne(kind, r, opts, sender, workDir);
      results.push(res);
      if (res.ok) {
        console.log(
          `  ${kind} run ${r}: done: ${fmt(res.seconds)} s, peak RSS ${fmt(res.hwmMB, 0)} MB, CPU ${fmt(res.cpuS)} s` +
            (res.updates ? `, ${res.updates} UPDATEs` : ''),
        );
      } else {
        console.log(`  ${kind} run ${r}: FAILED: ${res.error}\n    --- ${kind} log tail ---\n${(res.logTail ?? '').replace(/^/gm, '    ')}`);
      }
      // Give the sender a moment to notice the session is gone.
      await sleep(1000);
    }
  }
  await stopProc(sender, 5000);

  // Summary.
  const summary = opts.receivers.map((kind) => {
    const ok = results.filter((x) => x.receiver === kind && x.ok);
    return {
      receiver: kind,
      runs: results.filter((x) => x.receiver === kind).length,
      ok: ok.length,
      seconds: median(ok.map((x) => x.seconds!)),
      hwmMB: median(ok.map((x) => x.hwmMB!)),
      cpuS: median(ok.map((x) => x.cpuS!)),
      cpuIngestS: median(ok.map((x) => x.cpuIngestS!)),
      updates: median(ok.filter((x) => x.updates).map((x) => x.updates!)),
    };
  });
  const bird = summary.find((s) => s.receiver === 'bird' && s.ok);
  const upd = summary.find((s) => s.updates)?.updates;
  const perUpdate = upd ? expected / upd : undefined;
  const perUpdateText = summary
    .filter((s) => s.updates)
    .map((s) => `${(expected / s.updates!).toFixed(2)} (${s.updates} UPDATEs at ${s.receiver})`)
    .join(', ');

  console.log('');
  console.log(
    `Full-table receive: BIRD ${machine.bird} sender -> receiver, ${opts.routes} IPv4${opts.v6 ? ` + ${opts.v6} IPv6` : ''} routes, ` +
      `${opts.runs} run(s) each (median), fresh receiver per run`,
  );
  console.log(
    `table: ${table.setsUsedV4 + table.setsUsedV6} distinct attribute sets, ${distinctPaths} distinct AS paths, ` +
      `${shape.prefixesPerSet} prefixes per set, mean prefixes per UPDATE ${perUpdateText || 'unknown (run frr or gobgp to count UPDATEs)'}`,
  );
  console.log(`machine: nproc ${machine.nproc}, ${machine.cpu}, node ${machine.node}`);
  console.log('');
  const head = ['receiver', 'seconds', 'peak RSS MB', 'CPU s', 'ingest CPU s', 'time x BIRD', 'RSS x BIRD', 'runs ok', 'note'];
  const rows = summary.map((s) => [
    s.receiver,
    fmt(s.seconds),
    fmt(s.hwmMB, 0),
    fmt(s.cpuS),
    fmt(s.cpuIngestS),
    bird?.seconds && s.seconds !== undefined ? fmt(s.seconds / bird.seconds) : '-',
    bird?.hwmMB && s.hwmMB !== undefined ? fmt(s.hwmMB / bird.hwmMB) : '-',
    `${s.ok}/${s.runs}`,
    results
      .filter((x) => x.receiver === s.receiver && !x.ok)
      .map((x) => `run ${x.run}: ${x.error!.split('\n')[0]}` + (x.hwmMB !== undefined ? ` (RSS peak ${x.hwmMB.toFixed(0)} MB, CPU ${fmt(x.cpuS, 1)} s)` : ''))
      .join('; '),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  console.log('');
  console.log(
    'seconds: Established (first 0.2 s poll that sees it) to the first poll with every route accepted; ' +
      `peak RSS: VmHWM ${opts.settleS} s after; CPU: utime+stime of the receiver process since it started (ingest: since Established).`,
  );

  const file = saveResults('bgp', {
    date: new Date().toISOString(),
    machine,
    options: { ...opts, keep: undefined },
    table: { ...shape, meanPrefixesPerUpdate: perUpdate, updatesSeen: upd },
    sender: senderInfo,
    summary,
    runs: results,
  });
  console.log(`results: ${path.relative(process.cwd(), file) || file}`);
  if (opts.keep) console.log(`work dir kept: ${workDir}`);
}

// Children are killed (and the work dir removed) at exit, whatever the reason (lib/main.ts).
runMain('bench:bgp', main);
