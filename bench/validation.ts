// Validation benchmark: the validation engine with a full table's worth of partner routes.
//
// A registry (SQLite, built in-process through the API: validation-registry.ts) with operator
// AS64500, PoPs and routers, partners with peerings and Active connections, registered prefixes
// and customer prefixes (validation-world.ts says what and why). One BIRD 2 process is every
// partner router at once: a `protocol bgp` per session on the partner's address and ASN, each
// exporting its own table (a static protocol with that session's share of the routes). A fresh
// receiver per run takes the same feed:
//
//   openpeering          EdgeDaemon (validation-receiver.ts): import policies + validation engine +
//                        prefix states and events written to the registry - what is measured
//   openpeering-policy   the same speakers and import policies, no engine (policy's own cost)
//   openpeering-plain    the same speakers importing everything (a pure sink)
//   bird                 BIRD 2 with the equivalent import filter per session (the partner's
//                        registered prefixes and more-specifics, community, path <= 3, no private
//                        ASN), keeping filtered routes as our Adj-RIB-In does
//
// Per run, in order: the load (seconds from the first Established to every route received and,
// for openpeering, every prefix in its final state and that state written to the registry; peak
// RSS; CPU); for openpeering `revalidateAll()` over the full view; churn (the sender replaces a
// sample of every session's routes with another MED and back: CPU per route change); the loss of
// one session (the sender disables it: ms from our side seeing it down to the engine having
// re-validated every affected prefix, and to the states being written; BIRD: to its routes being
// flushed) and its return (ms from Established to every route back and every prefix Verified).
//
//   npm run bench:validation -- [--routes 1000000] [--sessions 20] [--registered 50000]
//        [--customers 2000] [--hijacks 10] [--churn 2500] [--flaps 2] [--runs 1]
//        [--receivers openpeering,bird,openpeering-policy,openpeering-plain] [--timeout 1800]
//        [--sqlite-sync full|normal|off] [--seed 1] [--node-args "--cpu-prof ..."] [--settle 2]
//        [--keep] [--no-save]
//
// Addresses: sessions on 127.21.k.0 (operator) - 127.21.k.1 (partner), port 17930; fake next
// hops 192.0.2.x. Every child runs under `setpriv --pdeathsig KILL` and is killed on exit, SIGINT
// and SIGTERM; every wait is bounded.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, type Proc, procStats, run, sleep, spawnProc, stopProc, tail, tempDir } from '../src/lab/process.js';
import { BIN, requireBinary } from '../src/lab/routers/index.js';
import { type RunFlags, receiverFlags, type Usage, usageOf } from './lib/args.js';
import { machineInfo } from './lib/machine.js';
import { runMain } from './lib/main.js';
import type { PhaseCounts } from './lib/phase.js';
import { saveResults } from './lib/results.js';
import { fmt, median } from './lib/stats.js';
import { buildRegistry } from './validation-registry.js';
import { readTargets, verifyRegistry } from './validation-verify.js';
import { birdReceiverConfig, checkWorldOptions, expectedStates, makeWorld, PROTO, senderConfig, type World, writeSenderRoutes } from './validation-world.js';

// ---------------------------------------------------------------------------------------------
// Options

type Receiver = 'openpeering' | 'openpeering-policy' | 'openpeering-plain' | 'bird';
const ALL: Receiver[] = ['openpeering', 'bird', 'openpeering-policy', 'openpeering-plain'];

interface Options extends RunFlags {
  routes: number;
  sessions: number;
  registered: number;
  customers: number;
  hijacks: number;
  churn: number;
  flaps: number;
  receivers: Receiver[];
  sync: 'full' | 'normal' | 'off';
  save: boolean;
}

const usage: Usage = usageOf(
  'bench:validation',
  'usage: node dist/bench/validation.js [--routes N] [--sessions N] [--registered N] [--customers N] [--hijacks N]\n' +
    '         [--churn N] [--flaps K] [--runs K] [--receivers openpeering,bird,openpeering-policy,openpeering-plain]\n' +
    '         [--timeout S] [--sqlite-sync full|normal|off] [--seed N] [--node-args "..."] [--settle S] [--keep] [--no-save]',
);

function parseArgs(argv: string[]): Options {
  const o: Options = {
    routes: 1_000_000,
    sessions: 20,
    registered: 50_000,
    customers: 2000,
    hijacks: 10,
    churn: 2500,
    flaps: 2,
    runs: 1,
    receivers: [...ALL],
    timeoutS: 1800,
    sync: 'full',
    seed: 1,
    nodeArgs: [],
    settleS: 2,
    keep: false,
    save: true,
  };
  receiverFlags(argv, o, ALL, usage, (flag, val, int) => {
    switch (flag) {
      case '--routes':
        o.routes = int(1);
        break;
      case '--sessions':
        o.sessions = int(4);
        break;
      case '--registered':
        o.registered = int(1);
        break;
      case '--customers':
        o.customers = int(0);
        break;
      case '--hijacks':
        o.hijacks = int(0);
        break;
      case '--churn':
        o.churn = int(0);
        break;
      case '--flaps':
        o.flaps = int(0);
        break;
      case '--no-save':
        o.save = false;
        break;
      case '--sqlite-sync': {
        const v = val();
        if (v !== 'full' && v !== 'normal' && v !== 'off') usage('--sqlite-sync is full, normal or off');
        o.sync = v;
        break;
      }
      default:
        return false;
    }
    return true;
  });
  const bad = checkWorldOptions({ ...o });
  if (bad) usage(bad);
  return o;
}

// ---------------------------------------------------------------------------------------------
// Constants, helpers

const PORT = 17930;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const RECEIVER_JS = path.join(ROOT, 'dist', 'bench', 'validation-receiver.js');
/** the session the loss phase drops: the first partner's first session */
const LOSS = 0;

const nowMs = () => performance.timeOrigin + performance.now();
const ms = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : b - a);

/** The machine's CPU use by others: busy fraction over `ms` (all cores), from /proc/stat. */
async function machineBusy(msWindow = 1000): Promise<number> {
  const read = () => {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const idle = f[3]! + (f[4] ?? 0);
    return { idle, total: f.reduce((a, b) => a + b, 0) };
  };
  const a = read();
  await sleep(msWindow);
  const b = read();
  return 1 - (b.idle - a.idle) / Math.max(1, b.total - a.total);
}

function loadAvg(): string {
  return os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
}

// ---------------------------------------------------------------------------------------------
// The sender

interface Sender {
  proc: Proc;
  ctl: string;
  birdc(...a: string[]): Promise<string>;
  stopWaker(): void;
}

/**
 * BIRD 2.0.12 as a sender stalls: the last UPDATEs of a feed can wait up to ~3 s (its poll
 * timeout) unless something wakes its event loop. A `show status` on its control socket every
 * 50 ms does; without it every receiver's time includes up to 3 s of the sender waiting.
 */
function startWaker(ctl: string): () => void {
  let sock: net.Socket | undefined;
  let stopped = false;
  const connect = () => {
    if (stopped) return;
    sock = net.createConnection(ctl);
    sock.on('data', () => {});
    sock.on('error', () => {});
    sock.on('close', () => {
      sock = undefined;
      if (!stopped) setTimeout(connect, 200).unref();
    });
  };
  connect();
  const timer = setInterval(() => {
    if (sock?.writable) sock.write('show status\n');
  }, 50);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
    sock?.destroy();
  };
}

async function startSender(w: World, dir: string, timeoutS: number): Promise<{ sender: Sender; info: Record<string, unknown> }> {
  const routesFile = path.join(dir, 'routes.conf');
  let t = nowMs();
  const bytes = writeSenderRoutes(w, routesFile);
  const writeS = (nowMs() - t) / 1000;
  const conf = path.join(dir, 'sender.conf');
  const ctl = path.join(dir, 'sender.ctl');
  fs.writeFileSync(conf, senderConfig(w, routesFile, PORT));
  t = nowMs();
  const proc = spawnProc('bird sender', BIN.bird, ['-f', '-c', conf, '-s', ctl], { cwd: dir });
  const birdc = async (...a: string[]) => (await run(BIN.birdc, ['-s', ctl, ...a], 60_000)).stdout;
  const deadline = t + timeoutS * 1000;
  let loaded = 0;
  for (;;) {
    if (proc.exited) throw new Error(`the BIRD sender exited while loading (${proc.exitInfo})\n${tail(proc.logs(), 30)}`);
    if (nowMs() > deadline) throw new Error(`the BIRD sender did not load ${w.routesTotal} routes within ${timeoutS} s (${loaded})`);
    if (fs.existsSync(ctl)) {
      try {
        loaded = 0;
        for (const m of (await birdc('show', 'protocols', 'all', '"s*"')).matchAll(/Routes:\s+(\d+) imported/g)) loaded += Number(m[1]);
        if (loaded >= w.routesTotal) break;
      } catch {
        /* starting */
      }
    }
    await sleep(200);
  }
  const loadS = (nowMs() - t) / 1000;
  const s = procStats(proc.pid);
  console.log(
    `sender: BIRD config ${(bytes / 2 ** 20).toFixed(0)} MB written in ${writeS.toFixed(1)} s, ${loaded} routes loaded in ${loadS.toFixed(1)} s, ` +
      `RSS ${fmt(s?.rssMB, 0)} MB, CPU ${fmt(s?.cpuS, 1)} s`,
  );
  return { sender: { proc, ctl, birdc, stopWaker: startWaker(ctl) }, info: { configMB: bytes / 2 ** 20, writeS, loadS, rssMB: s?.rssMB, cpuS: s?.cpuS } };
}

// ---------------------------------------------------------------------------------------------
// Results

interface Churn {
  dir: 'up' | 'down';
  changes: number;
  updates?: number;
  wallMs?: number;
  cpuMs?: number;
  handlerMs?: number;
  stateChanges?: number;
  events?: number;
  note?: string;
}

interface Loss {
  affected: number;
  /** birdc disable issued -> our session down (the sender's NOTIFICATION arrives) */
  cmdToDownMs?: number;
  /** down seen -> Adj-RIB-In of the session cleared (speaker) */
  clearMs?: number;
  /** Adj-RIB-In cleared -> engine.sessionChanged() returned (every affected prefix re-validated) */
  engineMs?: number;
  /** down seen -> every prefix in its expected state */
  statesMs?: number;
  /** down seen -> every state and event written to the registry */
  writtenMs?: number;
  /** BIRD: birdc disable issued -> no route of the session left in its table (polled) */
  flushMs?: number;
  stateChanges?: number;
  events?: number;
  mismatches?: number;
  examples?: string[];
}

interface Restore {
  cmdToEstMs?: number;
  /** Established -> every route of the session back */
  routesMs?: number;
  /** Established -> every prefix back in its expected state */
  statesMs?: number;
  writtenMs?: number;
  stateChanges?: number;
  events?: number;
  mismatches?: number;
}

interface RunResult {
  receiver: Receiver;
  run: number;
  ok: boolean;
  error?: string;
  /** receiver start -> ready (daemon: reload + setView), and -> the startup state writes drained */
  startMs?: number;
  startupWritesS?: number;
  /** first Established -> last Established */
  establishSpreadS?: number;
  /** first Established -> every route received */
  routesS?: number;
  /** first Established -> every prefix in its final state; -> written */
  statesS?: number;
  writtenS?: number;
  /** the headline: max of the above */
  seconds?: number;
  hwmMB?: number;
  rssMB?: number;
  cpuS?: number;
  cpuIngestS?: number;
  senderCpuS?: number;
  heapMB?: number;
  /** the longest event-loop stall of the receiver during the load (and in any phase) */
  loopMaxLoadMs?: number;
  loopMaxMs?: number;
  /** event-loop gaps over 1 s (100 ms ticker) */
  gaps?: Array<{ phase: string; endsAfterEstablishedS: number; ms: number }>;
  updates?: number;
  handlerS?: number;
  stateChanges?: number;
  events?: number;
  verify?: { mismatches: number; examples: string[] };
  revalidateMs?: number[];
  churn: Churn[];
  loss?: Loss;
  restore?: Restore;
  busyBefore?: number;
  loadBefore?: string;
  logTail?: string;
}

// ---------------------------------------------------------------------------------------------
// openpeering runs

interface Status {
  tStart: number;
  tStarted: number;
  startupDrainedAt?: number;
  firstEstablishedAt?: number;
  allEstablishedAt?: number;
  established: number;
  routes: number;
  routesDoneAt?: number;
  statesTotal: number;
  matches: number;
  statesDoneAt?: number;
  writesInFlight: number;
  writesDrainedAt?: number;
  stateChanges: number;
  events: number;
  totalHandlerMs: number;
  totalUpdates: number;
  cpu: Record<string, { self: number; sender: number }>;
  phase: PhaseCounts & { cpuUserMs: number; cpuSystemMs: number; loopMaxMs: number };
  loopMaxMs: number;
  gaps: Array<[number, number, string]>;
  peers: Record<
    string,
    { establishedAt?: number; downSeenAt?: number; clearedAt?: number; engineDoneAt?: number; size: number; sizeBeforeDown?: number; backAt?: number }
  >;
  heapUsedMB: number;
  rssMB: number;
  log: string[];
}

async function runOpenpeering(kind: Receiver, runNo: number, ctx: Ctx): Promise<RunResult> {
  const { w, opts, sender } = ctx;
  const res: RunResult = { receiver: kind, run: runNo, ok: false, churn: [] };
  const dir = path.join(ctx.workDir, `${kind}-${runNo}`);
  fs.mkdirSync(dir);
  const db = path.join(dir, 'registry.db');
  fs.copyFileSync(ctx.templateDb, db);
  const targets = readTargets(ctx.expectedFile);
  const api = await freePort();
  const daemon = kind === 'openpeering';
  res.busyBefore = await machineBusy();
  res.loadBefore = loadAvg();
  const proc = spawnProc(
    kind,
    process.execPath,
    [
      ...opts.nodeArgs,
      RECEIVER_JS,
      '--mode',
      kind,
      '--db',
      db,
      '--api',
      String(api),
      '--bgp-port',
      String(PORT),
      '--expected',
      ctx.expectedFile,
      '--routes',
      String(w.routesTotal),
      '--sync',
      opts.sync,
      '--sender-pid',
      String(sender.proc.pid),
    ],
    { cwd: dir },
  );
  const deadline = nowMs() + opts.timeoutS * 1000;
  const call = async <T>(p: string, method = 'GET'): Promise<T> => {
    const r = await fetch(`http://127.0.0.1:${api}${p}`, { method, signal: AbortSignal.timeout(120_000) });
    const body = (await r.json()) as T & { error?: string };
    if (!r.ok) throw new Error(`${p}: ${body.error ?? r.status}`);
    return body;
  };
  /** Polls the status until `done` (every `every` ms), bounded by the run's deadline; `done` may throw to give up. */
  const until = async (what: string, done: (s: Status) => boolean, every = 100, onPoll?: (s: Status) => void): Promise<Status> => {
    for (;;) {
      if (proc.exited) throw new Error(`${kind} exited (${proc.exitInfo})`);
      if (sender.proc.exited) throw new Error(`the BIRD sender exited (${sender.proc.exitInfo})`);
      let s: Status | undefined;
      try {
        s = await call<Status>('/status');
      } catch {
        /* busy or starting */
      }
      if (s) {
        onPoll?.(s);
        if (done(s)) return s;
      }
      if (nowMs() > deadline)
        throw new Error(
          `timed out waiting for ${what}` +
            (s ? `: ${s.routes} of ${w.routesTotal} routes, ${s.matches} of ${s.statesTotal} states, ${s.writesInFlight} writes in flight` : ''),
        );
      await sleep(every);
    }
  };
  try {
    let seenEst = false;
    let lastPrint = 0;
    const st = await until(
      'the load',
      (s) => {
        if (s.phase.downs.length) {
          throw new Error(
            `${s.phase.downs.length} session(s) went down during the load (${[...new Set(s.phase.downs.map((x) => x[1]))].join('; ')}); ` +
              `longest event-loop stall ${(s.phase.loopMaxMs / 1000).toFixed(1)} s; ${s.routes} routes, ${s.matches}/${s.statesTotal} states final, ${s.stateChanges} state changes, ${s.events} events so far`,
          );
        }
        return s.cpu.done !== undefined;
      },
      200,
      (s) => {
        if (s.firstEstablishedAt !== undefined && !seenEst) {
          seenEst = true;
          console.log(
            `  ${kind} run ${runNo}: started in ${((s.tStarted - s.tStart) / 1000).toFixed(2)} s, first session Established ` +
              `${((s.firstEstablishedAt - s.tStarted) / 1000).toFixed(2)} s later (pid ${proc.pid})`,
          );
        }
        if (nowMs() - lastPrint > 15_000 && s.firstEstablishedAt !== undefined) {
          lastPrint = nowMs();
          console.log(
            `    ${((nowMs() - s.firstEstablishedAt) / 1000).toFixed(0)} s: ${s.established} sessions, ${s.routes} routes, ` +
              `${s.matches}/${s.statesTotal} states final, ${s.writesInFlight} writes in flight, RSS ${s.rssMB.toFixed(0)} MB`,
          );
        }
      },
    );
    const p = procStats(proc.pid);
    // CPU as the receiver saw it at the first Established, when every route was in, and when done.
    const c = st.cpu;
    res.senderCpuS = c.routes && c.established ? (c.routes.sender - c.established.sender) / 1000 : undefined;
    res.cpuS = p?.cpuS;
    res.cpuIngestS = c.done && c.established ? (c.done.self - c.established.self) / 1000 : undefined;
    const est = st.firstEstablishedAt!;
    res.startMs = st.tStarted - st.tStart;
    res.startupWritesS = daemon && st.startupDrainedAt !== undefined ? (st.startupDrainedAt - st.tStarted) / 1000 : undefined;
    res.establishSpreadS = st.allEstablishedAt !== undefined ? (st.allEstablishedAt - est) / 1000 : undefined;
    res.routesS = (st.routesDoneAt! - est) / 1000;
    if (daemon) {
      res.statesS = (st.statesDoneAt! - est) / 1000;
      res.writtenS = (st.writesDrainedAt! - est) / 1000;
    }
    res.seconds = Math.max(res.routesS, res.statesS ?? 0, res.writtenS ?? 0);
    res.loopMaxLoadMs = st.phase.loopMaxMs;
    // (the route handler is timed from the first churn on: not during the load, see the receiver)
    if (st.totalUpdates) {
      res.updates = st.totalUpdates;
      res.handlerS = st.totalHandlerMs / 1000;
    }
    res.stateChanges = st.stateChanges;
    res.events = st.events;
    console.log(
      `  ${kind} run ${runNo}: ${st.routes} routes in ${fmt(res.routesS)} s` +
        (daemon
          ? `, states final after ${fmt(res.statesS)} s, written after ${fmt(res.writtenS)} s (${st.stateChanges} state changes, ${st.events} events)`
          : '') +
        `; sessions Established within ${fmt(res.establishSpreadS)} s; longest event-loop stall ${fmt((res.loopMaxLoadMs ?? NaN) / 1000)} s; CPU ${fmt(res.cpuS)} s (since the first Established ${fmt(res.cpuIngestS)}), sender CPU ${fmt(res.senderCpuS)} s`,
    );
    await sleep(opts.settleS * 1000);
    const settled = await call<Status>('/status');
    const ps = procStats(proc.pid);
    res.hwmMB = ps?.hwmMB;
    res.rssMB = ps?.rssMB;
    res.heapMB = settled.heapUsedMB;
    if (daemon) {
      res.verify = verifyRegistry(db, targets.load!);
      const rv = await call<{ ms: number[] }>('/revalidate?times=5', 'POST');
      res.revalidateMs = rv.ms;
      console.log(
        `  ${kind} run ${runNo}: registry ${res.verify!.mismatches ? `MISMATCHES ${res.verify!.mismatches}: ${res.verify!.examples.join(' | ')}` : 'matches every expected state'}; ` +
          `revalidateAll ${rv.ms.map((x) => x.toFixed(0)).join(', ')} ms`,
      );
    }

    // Churn.
    const churnExpected = w.feeds.reduce((n, f) => n + f.churn.length, 0);
    for (let f = 0; f < opts.flaps && churnExpected > 0; f++) {
      for (const dirn of ['up', 'down'] as const) {
        await call(`/mark?name=churn-${dirn}-${f}`, 'POST');
        await sender.birdc(dirn === 'up' ? 'enable' : 'disable', '"churn_*"');
        let s: Status;
        try {
          s = await until(`churn ${dirn}`, (x) => x.phase.changes >= churnExpected && (!daemon || x.writesInFlight === 0), 50);
        } catch (e) {
          res.churn.push({ dir: dirn, changes: 0, note: (e as Error).message });
          throw e;
        }
        await sleep(300); // late stragglers (there should be none) would show in the counts
        s = await call<Status>('/status');
        const ph = s.phase;
        if (ph.downs.length) throw new Error(`session(s) went down during the churn: ${ph.downs.map((x) => x.join(' ')).join('; ')}`);
        res.churn.push({
          dir: dirn,
          changes: ph.changes,
          updates: ph.updates,
          wallMs: ms(ph.firstUpdate, ph.lastUpdate),
          cpuMs: ph.cpuUserMs + ph.cpuSystemMs,
          handlerMs: ph.handlerMs,
          stateChanges: ph.stateChanges,
          events: ph.events,
        });
      }
    }

    // Loss of one session, and its return.
    const peer = w.sessions[LOSS]!.peerAddress;
    if (daemon) await call('/target?name=loss', 'POST');
    await call('/mark?name=loss', 'POST');
    const tCmd = nowMs();
    await sender.birdc('disable', PROTO(LOSS));
    const sl = await until(
      'the session loss',
      (x) => {
        const pt = x.peers[peer];
        return pt?.engineDoneAt !== undefined && pt.engineDoneAt > tCmd && (!daemon || (x.statesDoneAt !== undefined && x.writesDrainedAt !== undefined));
      },
      20,
    );
    const pt = sl.peers[peer]!;
    const loss: Loss = {
      affected: ctx.affected,
      cmdToDownMs: ms(tCmd, pt.downSeenAt),
      clearMs: ms(pt.downSeenAt, pt.clearedAt),
      engineMs: ms(pt.clearedAt, pt.engineDoneAt),
      stateChanges: sl.phase.stateChanges,
      events: sl.phase.events,
    };
    if (daemon) {
      loss.statesMs = ms(pt.downSeenAt, sl.statesDoneAt);
      loss.writtenMs = ms(pt.downSeenAt, sl.writesDrainedAt);
      const v = verifyRegistry(db, targets.loss!);
      loss.mismatches = v.mismatches;
      loss.examples = v.examples;
    }
    res.loss = loss;
    console.log(
      `  ${kind} run ${runNo}: session ${peer} lost: down seen ${fmt(loss.cmdToDownMs, 1)} ms after the disable, Adj-RIB-In cleared in ${fmt(loss.clearMs, 1)} ms` +
        (daemon
          ? `, engine re-validated in ${fmt(loss.engineMs, 1)} ms (${loss.stateChanges} state changes, ${loss.events} events), written after ${fmt(loss.writtenMs, 1)} ms, registry ${loss.mismatches ? `MISMATCHES ${loss.mismatches}: ${loss.examples!.join(' | ')}` : 'as expected'}`
          : ''),
    );
    await sleep(500);
    if (daemon) await call('/target?name=load', 'POST');
    await call('/mark?name=restore', 'POST');
    const tCmd2 = nowMs();
    await sender.birdc('enable', PROTO(LOSS));
    const sr = await until(
      'the session restore',
      (x) => {
        const q = x.peers[peer];
        return (
          q?.backAt !== undefined &&
          q.establishedAt !== undefined &&
          q.establishedAt > tCmd2 &&
          (!daemon || (x.statesDoneAt !== undefined && x.writesDrainedAt !== undefined))
        );
      },
      20,
    );
    const q = sr.peers[peer]!;
    const restore: Restore = {
      cmdToEstMs: ms(tCmd2, q.establishedAt),
      routesMs: ms(q.establishedAt, q.backAt),
      stateChanges: sr.phase.stateChanges,
      events: sr.phase.events,
    };
    if (daemon) {
      restore.statesMs = ms(q.establishedAt, sr.statesDoneAt);
      restore.writtenMs = ms(q.establishedAt, sr.writesDrainedAt);
      restore.mismatches = verifyRegistry(db, targets.load!).mismatches;
    }
    res.restore = restore;
    console.log(
      `  ${kind} run ${runNo}: session back: Established ${fmt((restore.cmdToEstMs ?? NaN) / 1000)} s after the enable, routes back in ${fmt(restore.routesMs, 1)} ms` +
        (daemon
          ? `, all expected states after ${fmt(restore.statesMs, 1)} ms, written after ${fmt(restore.writtenMs, 1)} ms, registry ${restore.mismatches ? `MISMATCHES ${restore.mismatches}` : 'as expected'}`
          : ''),
    );
    const final = procStats(proc.pid);
    if (final) res.hwmMB = Math.max(res.hwmMB ?? 0, final.hwmMB);
    res.loopMaxMs = sr.loopMaxMs;
    res.gaps = sr.gaps.map(([at, len, ph]) => ({
      phase: ph,
      endsAfterEstablishedS: Number(((at - st.firstEstablishedAt!) / 1000).toFixed(2)),
      ms: Math.round(len),
    }));
    if (res.gaps?.length)
      console.log(
        `  ${kind} run ${runNo}: event-loop gaps over 1 s: ${res.gaps.map((g) => `${(g.ms / 1000).toFixed(1)} s in ${g.phase} (ending ${g.endsAfterEstablishedS} s after the first Established)`).join(', ')}`,
      );
    res.ok = true;
  } catch (e) {
    res.error = (e as Error).message;
    const s = procStats(proc.pid);
    if (s) {
      res.hwmMB = s.hwmMB;
      res.cpuS = s.cpuS;
    }
  } finally {
    // The sender's protocols back to their normal state for the next receiver.
    await sender.birdc('disable', '"churn_*"').catch(() => {});
    await sender.birdc('enable', PROTO(LOSS)).catch(() => {});
    await stopProc(proc, 60_000);
    if (!res.ok) res.logTail = tail(proc.logs(), 40);
  }
  return res;
}

// ---------------------------------------------------------------------------------------------
// BIRD runs

interface BirdPoll {
  established: number;
  imported: number;
  filtered: number;
  received: number;
}

function parseBirdProtocols(out: string): Map<string, BirdPoll> {
  const m = new Map<string, BirdPoll>();
  let cur: BirdPoll | undefined;
  for (const line of out.split('\n')) {
    const head = /^(p\d+)\s+BGP\s/.exec(line);
    if (head) {
      cur = { established: / Established/.test(line) ? 1 : 0, imported: 0, filtered: 0, received: 0 };
      m.set(head[1]!, cur);
      continue;
    }
    if (!cur) continue;
    const r = /Routes:\s+(\d+) imported, (\d+) filtered/.exec(line);
    if (r) {
      cur.imported = Number(r[1]);
      cur.filtered = Number(r[2]);
      continue;
    }
    const u = /Import updates:\s+(\d+)/.exec(line);
    if (u) cur.received = Number(u[1]);
  }
  return m;
}

const sumPolls = (m: Map<string, BirdPoll>): BirdPoll => {
  const s = { established: 0, imported: 0, filtered: 0, received: 0 };
  for (const p of m.values()) {
    s.established += p.established;
    s.imported += p.imported;
    s.filtered += p.filtered;
    s.received += p.received;
  }
  return s;
};

async function runBird(runNo: number, ctx: Ctx): Promise<RunResult> {
  const { w, opts, sender } = ctx;
  const res: RunResult = { receiver: 'bird', run: runNo, ok: false, churn: [] };
  const dir = path.join(ctx.workDir, `bird-${runNo}`);
  fs.mkdirSync(dir);
  const conf = path.join(dir, 'bird.conf');
  const ctl = path.join(dir, 'bird.ctl');
  fs.writeFileSync(conf, birdReceiverConfig(w, PORT));
  await run(BIN.bird, ['-p', '-c', conf]);
  res.busyBefore = await machineBusy();
  res.loadBefore = loadAvg();
  const t0 = nowMs();
  const proc = spawnProc('bird receiver', BIN.bird, ['-f', '-c', conf, '-s', ctl], { cwd: dir });
  const birdc = async (...a: string[]) => (await run(BIN.birdc, ['-s', ctl, ...a], 60_000)).stdout;
  const deadline = t0 + opts.timeoutS * 1000;
  const poll = async (): Promise<Map<string, BirdPoll> | undefined> => {
    if (proc.exited) throw new Error(`bird receiver exited (${proc.exitInfo})\n${tail(proc.logs(), 20)}`);
    if (nowMs() > deadline) throw new Error('timed out');
    if (!fs.existsSync(ctl)) return undefined;
    try {
      return parseBirdProtocols(await birdc('show', 'protocols', 'all', '"p*"'));
    } catch {
      return undefined;
    }
  };
  try {
    let est: number | undefined;
    let allEst: number | undefined;
    let senderCpu0: number | undefined;
    let cpuEst: number | undefined;
    for (;;) {
      const tp = nowMs();
      const m = await poll();
      const ta = nowMs();
      if (m) {
        const s = sumPolls(m);
        if (est === undefined && s.established > 0) {
          est = ta;
          senderCpu0 = procStats(sender.proc.pid)?.cpuS;
          cpuEst = procStats(proc.pid)?.cpuS;
          console.log(`  bird run ${runNo}: first session Established ${((est - t0) / 1000).toFixed(2)} s after start (pid ${proc.pid})`);
        }
        if (allEst === undefined && s.established === w.sessions.length) allEst = ta;
        if (est !== undefined && s.imported + s.filtered >= w.routesTotal) {
          res.routesS = res.seconds = (ta - est) / 1000;
          res.establishSpreadS = allEst !== undefined ? (allEst - est) / 1000 : undefined;
          const p = procStats(proc.pid);
          res.cpuS = p?.cpuS;
          res.cpuIngestS = p && cpuEst !== undefined ? p.cpuS - cpuEst : undefined;
          res.senderCpuS = senderCpu0 !== undefined ? (procStats(sender.proc.pid)?.cpuS ?? 0) - senderCpu0 : undefined;
          console.log(
            `  bird run ${runNo}: ${s.imported} imported + ${s.filtered} filtered routes in ${fmt(res.seconds)} s; sessions Established within ${fmt(res.establishSpreadS)} s; CPU ${fmt(res.cpuS)} s, sender CPU ${fmt(res.senderCpuS)} s`,
          );
          break;
        }
      }
      const wait = 100 - (nowMs() - tp);
      if (wait > 0) await sleep(wait);
    }
    await sleep(opts.settleS * 1000);
    const ps = procStats(proc.pid);
    res.hwmMB = ps?.hwmMB;
    res.rssMB = ps?.rssMB;

    // Churn: the receiver's CPU per route change; wall time from the command to the last poll
    // that sees every change counted (polls every ~20 ms).
    const churnExpected = w.feeds.reduce((n, f) => n + f.churn.length, 0);
    for (let f = 0; f < opts.flaps && churnExpected > 0; f++) {
      for (const dirn of ['up', 'down'] as const) {
        const before = sumPolls((await poll())!).received;
        const cpu0 = procStats(proc.pid)!.cpuS;
        const tCmd = nowMs();
        await sender.birdc(dirn === 'up' ? 'enable' : 'disable', '"churn_*"');
        let seen = 0;
        let tDone: number | undefined;
        for (;;) {
          const m = await poll();
          if (m) {
            seen = sumPolls(m).received - before;
            if (seen >= churnExpected) {
              tDone = nowMs();
              break;
            }
          }
          await sleep(20);
        }
        await sleep(300);
        const cpuMs = (procStats(proc.pid)!.cpuS - cpu0) * 1000;
        res.churn.push({ dir: dirn, changes: seen, wallMs: ms(tCmd, tDone), cpuMs, note: 'wall: from the birdc command (polled)' });
      }
    }

    // Loss: from the disable to no route of the session left (polled as fast as birdc answers).
    const proto = PROTO(LOSS);
    const countOf = async (): Promise<number> => {
      const a = await birdc('show', 'route', 'protocol', proto, 'count');
      const b = await birdc('show', 'route', 'filtered', 'protocol', proto, 'count');
      const n = (s: string) => Number(/Total: (\d+) of/.exec(s)?.[1] ?? /^(\d+) of \d+ routes/m.exec(s)?.[1] ?? NaN);
      return n(a) + n(b);
    };
    const before = await countOf();
    const tCmd = nowMs();
    await sender.birdc('disable', proto);
    let tFlushed: number | undefined;
    let polls = 0;
    while (nowMs() < deadline) {
      polls++;
      if ((await countOf()) === 0) {
        tFlushed = nowMs();
        break;
      }
    }
    res.loss = { affected: before, flushMs: ms(tCmd, tFlushed) };
    console.log(`  bird run ${runNo}: session lost: ${before} routes flushed ${fmt(res.loss.flushMs, 1)} ms after the disable (${polls} polls)`);
    await sleep(500);
    const tCmd2 = nowMs();
    await sender.birdc('enable', proto);
    let tEst: number | undefined;
    let tBack: number | undefined;
    while (nowMs() < deadline) {
      if (tEst === undefined && / Established/.test(await birdc('show', 'protocols', proto))) tEst = nowMs();
      if (tEst !== undefined && (await countOf()) >= before) {
        tBack = nowMs();
        break;
      }
    }
    res.restore = { cmdToEstMs: ms(tCmd2, tEst), routesMs: ms(tEst, tBack) };
    console.log(
      `  bird run ${runNo}: session back: Established ${fmt((res.restore.cmdToEstMs ?? NaN) / 1000)} s after the enable, routes back ${fmt(res.restore.routesMs, 1)} ms later (polled)`,
    );
    res.hwmMB = Math.max(res.hwmMB ?? 0, procStats(proc.pid)?.hwmMB ?? 0);
    res.ok = true;
  } catch (e) {
    res.error = (e as Error).message;
  } finally {
    await sender.birdc('disable', '"churn_*"').catch(() => {});
    await sender.birdc('enable', PROTO(LOSS)).catch(() => {});
    await stopProc(proc, 5000);
    if (!res.ok) res.logTail = tail(proc.logs(), 40);
  }
  return res;
}

// ---------------------------------------------------------------------------------------------
// Main

interface Ctx {
  w: World;
  opts: Options;
  sender: Sender;
  workDir: string;
  templateDb: string;
  expectedFile: string;
  affected: number;
}

/** The commit and whether src/ differs from it (others edit src/ while benches run). */
async function gitState(): Promise<string> {
  if (process.env.BENCH_GIT_REV) return process.env.BENCH_GIT_REV; // a build outside the repository (git archive)
  try {
    const head = (await run('/usr/bin/git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'])).stdout.trim();
    const dirty = (await run('/usr/bin/git', ['-C', ROOT, 'status', '--porcelain', '--', 'src'])).stdout.trim();
    return dirty ? `${head} (src/ modified: ${dirty.split('\n').length} files)` : head;
  } catch {
    return '?';
  }
}

function printTable(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  console.log(line(head));
  console.log(widths.map((x) => '-'.repeat(x)).join('  '));
  for (const r of rows) console.log(line(r));
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  try {
    requireBinary('bird');
  } catch (e) {
    usage((e as Error).message);
  }
  if (opts.receivers.some((r) => r !== 'bird') && !fs.existsSync(RECEIVER_JS)) usage(`${RECEIVER_JS} is missing: npm run build`);
  const workDir = tempDir('openpeering-bench-validation-', opts.keep).path;
  const machine = {
    ...(await machineInfo()),
    loadAvgAtStart: loadAvg(),
    git: await gitState(),
  };
  console.log(`bench:validation  ${new Date().toISOString()}  work dir ${workDir}`);
  console.log(
    `machine: ${machine.nproc} CPUs (${machine.cpu}), ${machine.memGB} GB, node ${machine.node}, BIRD ${machine.bird}, load ${machine.loadAvgAtStart}; git ${machine.git}`,
  );

  // The world and the registry.
  const t = nowMs();
  const w = makeWorld(opts);
  const worldS = (nowMs() - t) / 1000;
  const shape = {
    routes: w.routesTotal,
    distinctPrefixes: w.distinctPrefixes,
    sessions: w.sessions.length,
    partners: w.partners.length,
    pops: w.pops.length,
    routers: w.pops.length * 2,
    peerings: w.peerings.length,
    registered: w.regs.length,
    registeredKinds: w.kinds,
    customers: w.custs.length,
    hijacksPerSession: opts.hijacks,
    churnPerSession: opts.churn,
  };
  console.log(
    `world: ${w.routesTotal} routes (${w.distinctPrefixes} distinct prefixes) on ${w.sessions.length} sessions of ${w.partners.length} partners ` +
      `(${w.peerings.length} peerings in ${w.pops.length} PoPs, ${w.pops.length * 2} routers); ${w.regs.length} registered prefixes ` +
      `(${w.kinds.ok} ok, ${w.kinds['no-community']} without the community, ${w.kinds['long-path']} with a long path, ${w.kinds.partial} on one session only), ` +
      `${w.custs.length} customer prefixes, ${opts.hijacks} hijacks per session; made in ${worldS.toFixed(1)} s`,
  );
  const templateDb = path.join(workDir, 'template.db');
  const built = await buildRegistry(w, templateDb, (l) => console.log(l));
  console.log(`registry: ${built.requests} API requests in ${built.seconds.toFixed(1)} s`);
  // The registry must have given the sessions the addresses the sender uses.
  for (const pe of w.peerings) {
    const fp = built.facts.peerings.find((x) => x.id === pe.key);
    for (const k of pe.sessions) {
      const s = w.sessions[k]!;
      const fs_ = fp?.sessions.find((x) => x.connection === s.connection);
      if (!fs_ || fs_.peerAddress !== s.peerAddress || fs_.operatorAddress !== s.operatorAddress) {
        throw new Error(
          `session ${pe.key} ${s.connection}: the registry has ${fs_?.operatorAddress}-${fs_?.peerAddress}, the bench expected ${s.operatorAddress}-${s.peerAddress}`,
        );
      }
    }
  }
  const load = expectedStates(w, new Set());
  const lossStates = expectedStates(w, new Set([LOSS]));
  let affected = 0;
  for (const [k, v] of lossStates) if (load.get(k) !== v) affected++;
  const count = (m: Map<string, string>) => {
    const c: Record<string, number> = {};
    for (const v of m.values()) {
      const s = v.split('|')[0]!;
      c[s] = (c[s] ?? 0) + 1;
    }
    return c;
  };
  console.log(
    `expected states: after the load ${JSON.stringify(count(load))}; after losing session ${w.sessions[LOSS]!.peerAddress}: ${affected} prefixes change ${JSON.stringify(count(lossStates))}`,
  );
  const expectedFile = path.join(workDir, 'expected.json');
  fs.writeFileSync(expectedFile, JSON.stringify({ load: [...load], loss: [...lossStates] }));

  // The sender.
  const senderDir = path.join(workDir, 'sender');
  fs.mkdirSync(senderDir);
  const { sender, info: senderInfo } = await startSender(w, senderDir, opts.timeoutS);
  const ctx: Ctx = { w, opts, sender, workDir, templateDb, expectedFile, affected };

  const results: RunResult[] = [];
  for (const kind of opts.receivers) {
    for (let r = 1; r <= opts.runs; r++) {
      console.log(`${kind} run ${r} (machine busy ${(100 * (await machineBusy(500))).toFixed(0)}% before, load ${loadAvg()})`);
      const res = kind === 'bird' ? await runBird(r, ctx) : await runOpenpeering(kind, r, ctx);
      results.push(res);
      if (!res.ok) console.log(`  ${kind} run ${r}: FAILED: ${res.error}\n    --- log tail ---\n${(res.logTail ?? '').replace(/^/gm, '    ')}`);
      await sleep(2000); // the sender notices the receiver is gone
    }
  }
  sender.stopWaker();
  await stopProc(sender.proc, 10_000);

  // Summary.
  const okOf = (k: Receiver) => results.filter((x) => x.receiver === k && x.ok);
  const summary = opts.receivers.map((k) => {
    const ok = okOf(k);
    const churnOf = (x: RunResult) => x.churn.filter((c) => c.changes > 0);
    const perChange = (f: (c: Churn) => number | undefined) =>
      median(
        ok.map((x) => {
          const cs = churnOf(x);
          const n = cs.reduce((a, c) => a + c.changes, 0);
          const v = cs.reduce((a, c) => a + (f(c) ?? 0), 0);
          return n ? (v * 1000) / n : undefined; // us per change
        }),
      );
    return {
      receiver: k,
      runs: results.filter((x) => x.receiver === k).length,
      ok: ok.length,
      seconds: median(ok.map((x) => x.seconds)),
      routesS: median(ok.map((x) => x.routesS)),
      statesS: median(ok.map((x) => x.statesS)),
      writtenS: median(ok.map((x) => x.writtenS)),
      hwmMB: median(ok.map((x) => x.hwmMB)),
      cpuS: median(ok.map((x) => x.cpuS)),
      cpuIngestS: median(ok.map((x) => x.cpuIngestS)),
      senderCpuS: median(ok.map((x) => x.senderCpuS)),
      startMs: median(ok.map((x) => x.startMs)),
      startupWritesS: median(ok.map((x) => x.startupWritesS)),
      loopMaxLoadS: median(ok.map((x) => (x.loopMaxLoadMs === undefined ? undefined : x.loopMaxLoadMs / 1000))),
      loopMaxS: median(ok.map((x) => (x.loopMaxMs === undefined ? undefined : x.loopMaxMs / 1000))),
      handlerS: median(ok.map((x) => x.handlerS)),
      updates: median(ok.map((x) => x.updates)),
      stateChanges: median(ok.map((x) => x.stateChanges)),
      events: median(ok.map((x) => x.events)),
      revalidateMs: median(ok.flatMap((x) => x.revalidateMs ?? [])),
      churnCpuUsPerChange: perChange((c) => c.cpuMs),
      churnHandlerUsPerChange: perChange((c) => c.handlerMs),
      churnWallMs: median(ok.flatMap((x) => x.churn.map((c) => c.wallMs))),
      lossCmdToDownMs: median(ok.map((x) => x.loss?.cmdToDownMs)),
      lossClearMs: median(ok.map((x) => x.loss?.clearMs)),
      lossEngineMs: median(ok.map((x) => x.loss?.engineMs)),
      lossStatesMs: median(ok.map((x) => x.loss?.statesMs)),
      lossWrittenMs: median(ok.map((x) => x.loss?.writtenMs)),
      lossFlushMs: median(ok.map((x) => x.loss?.flushMs)),
      lossStateChanges: median(ok.map((x) => x.loss?.stateChanges)),
      lossEvents: median(ok.map((x) => x.loss?.events)),
      restoreRoutesMs: median(ok.map((x) => x.restore?.routesMs)),
      restoreStatesMs: median(ok.map((x) => x.restore?.statesMs)),
      restoreWrittenMs: median(ok.map((x) => x.restore?.writtenMs)),
      mismatches: ok.reduce((n, x) => n + (x.verify?.mismatches ?? 0) + (x.loss?.mismatches ?? 0) + (x.restore?.mismatches ?? 0), 0),
    };
  });
  const bird = summary.find((s) => s.receiver === 'bird' && s.ok);
  const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b ? `${(a / b).toFixed(2)}x` : '-');
  const errors = (k: Receiver) =>
    results
      .filter((x) => x.receiver === k && !x.ok)
      .map((x) => `run ${x.run}: ${x.error!.split('\n')[0]}`)
      .join('; ');

  console.log('');
  console.log(
    `Validation: ${w.routesTotal} routes on ${w.sessions.length} sessions (BIRD ${machine.bird} sender), ${w.regs.length} registered + ${w.custs.length} customer prefixes, ` +
      `${opts.runs} run(s) each (median), SQLite synchronous=${opts.sync}; machine: ${machine.nproc} CPUs, node ${machine.node}`,
  );
  console.log('');
  printTable(
    [
      'receiver',
      'routes s',
      'states s',
      'written s',
      'total s',
      'peak RSS MB',
      'CPU s',
      'sender CPU s',
      'max stall s',
      'time x BIRD',
      'RSS x BIRD',
      'runs ok',
      'note',
    ],
    summary.map((s) => [
      s.receiver,
      fmt(s.routesS),
      fmt(s.statesS),
      fmt(s.writtenS),
      fmt(s.seconds),
      fmt(s.hwmMB, 0),
      fmt(s.cpuS),
      fmt(s.senderCpuS),
      fmt(s.loopMaxS ?? s.loopMaxLoadS),
      ratio(s.seconds, bird?.seconds),
      ratio(s.hwmMB, bird?.hwmMB),
      `${s.ok}/${s.runs}`,
      errors(s.receiver),
    ]),
  );
  console.log('');
  printTable(
    [
      'receiver',
      'churn changes',
      'CPU us/change',
      'x BIRD',
      'handler us/change',
      'wall ms',
      'loss: cmd->down ms',
      'clear ms',
      'engine ms',
      'states ms',
      'written ms',
      'BIRD flush ms',
      'restore: routes ms',
      'states ms',
      'written ms',
    ],
    summary.map((s) => [
      s.receiver,
      fmt(median(okOf(s.receiver).map((x) => x.churn.reduce((n, c) => n + c.changes, 0))), 0),
      fmt(s.churnCpuUsPerChange, 2),
      ratio(s.churnCpuUsPerChange, bird?.churnCpuUsPerChange),
      fmt(s.churnHandlerUsPerChange, 2),
      fmt(s.churnWallMs, 0),
      fmt(s.lossCmdToDownMs, 1),
      fmt(s.lossClearMs, 1),
      fmt(s.lossEngineMs, 1),
      fmt(s.lossStatesMs, 1),
      fmt(s.lossWrittenMs, 0),
      fmt(s.lossFlushMs, 1),
      fmt(s.restoreRoutesMs, 0),
      fmt(s.restoreStatesMs, 0),
      fmt(s.restoreWrittenMs, 0),
    ]),
  );
  for (const op of summary.filter((s) => s.receiver === 'openpeering' && s.ok)) {
    const n = w.regs.length + w.custs.length;
    console.log('');
    console.log(
      `${op.receiver}: daemon start ${fmt(op.startMs, 0)} ms, its startup state writes drained ${fmt(op.startupWritesS)} s later; ` +
        `${fmt(op.stateChanges, 0)} state changes and ${fmt(op.events, 0)} events during the load; ` +
        `revalidateAll ${fmt(op.revalidateMs, 1)} ms for ${n} prefixes (${fmt(op.revalidateMs !== undefined ? (op.revalidateMs * 1000) / n : undefined, 2)} us each); ` +
        `session loss: ${fmt(op.lossStateChanges, 0)} state changes (${affected} expected), ${fmt(op.lossEvents, 0)} events; registry mismatches ${op.mismatches}`,
    );
  }
  console.log('');
  console.log(
    'routes s: first Established to every route received (openpeering: timestamps inside the receiver; BIRD: 0.1 s polls of birdc); ' +
      'states s: to every prefix in its final state; written s: to every state and event stored; peak RSS: VmHWM; CPU: the receiver process since start. ' +
      "max stall: the receiver's longest event-loop stall (perf_hooks) over the run; above the 90 s hold time the partners drop the sessions. " +
      'churn: the sender swaps a sample of routes to another MED and back; CPU us per route change. loss: the sender disables one session; ' +
      'clear = the speaker dropping its Adj-RIB-In, engine = re-validation of every affected prefix, states/written from our side seeing the session down. ' +
      'restore: from Established.',
  );

  if (opts.save) {
    const file = saveResults('validation', {
      date: new Date().toISOString(),
      machine,
      options: { ...opts, keep: undefined },
      world: shape,
      registryBuildS: built.seconds,
      sender: senderInfo,
      expected: { load: count(load), loss: count(lossStates), affectedByLoss: affected },
      summary,
      runs: results,
    });
    console.log(`results: ${path.relative(process.cwd(), file) || file}`);
  }
  if (opts.keep) console.log(`work dir kept: ${workDir}`);
}

runMain('bench:validation', main);
