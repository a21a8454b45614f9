// The openpeering side of the validation benchmark (validation.ts), one process per run:
//
//   --mode openpeering         EdgeDaemon over the registry file: a speaker per edge router, one
//                              session per Active connection with its import policy, the
//                              validation engine, prefix states and events written to the registry
//   --mode openpeering-policy  the same speakers and sessions with the same import policies, no
//                              engine, nothing written (what validation adds on top of policy)
//   --mode openpeering-plain   the same speakers and sessions importing everything (a pure sink)
//
// It watches its speakers and the daemon from inside (timestamps in epoch ms, sub-ms) and
// answers the bench on 127.0.0.1:<api>: GET /status, POST /target?name=load|loss (which
// expected states to count), POST /mark?name=... (start a phase: counters and CPU from now),
// POST /revalidate?times=K (ValidationEngine.revalidateAll), GET /verify (registry vs target).
//
//   node dist/bench/validation-receiver.js --mode M --db FILE --api PORT --bgp-port PORT
//        --expected FILE --routes N [--sync full|normal|off]

import fs from 'node:fs';
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { sql } from 'kysely';
import { Speaker } from '../src/bgp/speaker.js';
import { openRegistry } from '../src/bootstrap.js';
import { EdgeDaemon } from '../src/edge/edge-daemon.js';
import { procStats } from '../src/lab/process.js';
import { parseIPv4 } from '../src/net/address.js';
import { ValidationFacts } from '../src/registry/validation-facts.js';
import type { WatchedKind } from '../src/validation/engine.js';
import { importPolicy } from '../src/validation/import-policy.js';
import { buildView } from '../src/validation/view.js';
import type { PhaseCounts } from './lib/phase.js';

type Mode = 'openpeering' | 'openpeering-policy' | 'openpeering-plain';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1]!);
const need = (k: string): string => {
  const v = args.get(k);
  if (v === undefined) {
    console.error(`validation-receiver: --${k} is required`);
    process.exit(2);
  }
  return v;
};
const mode = need('mode') as Mode;
const dbFile = need('db');
const apiPort = Number(need('api'));
const bgpPort = Number(need('bgp-port'));
const expectedRoutes = Number(need('routes'));
const sync = args.get('sync') ?? 'full';
const senderPid = Number(args.get('sender-pid') ?? 0);
const expectedFile = need('expected');
/**
 * One target's expected states ("kind:id" -> "state|message"), read when it is asked for: every
 * target held at once was about 20 MB of the measured process's heap that the daemon does not have.
 */
const readTarget = (name: string): Map<string, string> | undefined => {
  const t = (JSON.parse(fs.readFileSync(expectedFile, 'utf8')) as Record<string, Array<[string, string]>>)[name];
  return t && new Map(t);
};

const nowMs = () => performance.timeOrigin + performance.now();
const logs: string[] = [];
const log = (l: string) => {
  logs.push(`${new Date().toISOString()} ${l}`);
  if (logs.length > 200) logs.shift();
};

process.on('SIGTERM', () => process.exit(0)); // --cpu-prof writes its profile on exit
process.on('SIGINT', () => process.exit(0));

// ---------------------------------------------------------------------------------------------
// Start

const registry = await openRegistry(dbFile);
if (sync !== 'full') await sql.raw(`PRAGMA synchronous = ${sync.toUpperCase()}`).execute(registry.store.db);
const tStart = nowMs();
let daemon: EdgeDaemon | undefined;
let speakers: ReadonlyMap<string, Speaker>;
if (mode === 'openpeering') {
  daemon = new EdgeDaemon(registry, { port: bgpPort, peerPort: bgpPort, connectRetry: 1, log });
  await daemon.start();
  speakers = daemon.speakers;
} else {
  // The daemon's layout, without the engine: one speaker per router, the same session settings.
  const facts = await new ValidationFacts(registry.store).load();
  const view = buildView(facts);
  const own = new Map<string, Speaker>();
  speakers = own;
  for (const p of facts.peerings) {
    for (const s of p.sessions) {
      let sp = own.get(s.router);
      if (!sp) own.set(s.router, (sp = new Speaker({ asn: facts.operatorAsn!, routerId: Number(parseIPv4(s.routerId) ?? 0n) })));
      sp.addPeer(
        {
          address: s.peerAddress,
          port: bgpPort,
          asn: p.asn,
          localAsn: facts.operatorAsn!,
          localAddress: s.operatorAddress,
          routerId: sp.config.routerId,
          holdTime: 90,
          passive: false,
          families: ['ipv4'],
          routeServerClient: false,
          connectRetryTime: 1,
          addPathReceive: false,
          description: `${p.id} ${s.connection}`,
        },
        {
          import:
            mode === 'openpeering-policy' ? importPolicy({ id: p.id, type: p.type, asn: p.asn }, view.registrations, { checks: view.checks }) : () => undefined,
          export: () => 'no routes are sent to partners',
        },
      );
      await sp.listenOn({ host: s.operatorAddress, port: bgpPort });
    }
  }
  for (const sp of speakers.values()) await sp.start();
}
const tStarted = nowMs();

// ---------------------------------------------------------------------------------------------
// Instruments

interface PeerTrack {
  establishedAt?: number;
  downSeenAt?: number;
  clearedAt?: number;
  engineDoneAt?: number;
  size: number;
  sizeBeforeDown?: number;
  backAt?: number;
}
const peers = new Map<string, PeerTrack>();
const track = (peer: string): PeerTrack => {
  let t = peers.get(peer);
  if (!t) peers.set(peer, (t = { size: 0 }));
  return t;
};

interface Phase extends PhaseCounts {
  cpu0: NodeJS.CpuUsage;
  lastStateAt?: number;
}
// The longest event-loop stall per phase: a stall longer than the hold time (90 s) loses the
// sessions (the partner's hold timer expires: we sent no KEEPALIVE).
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
let loopMaxMs = 0;
/** event-loop gaps over 1 s, measured by a 100 ms ticker: [when (epoch ms, end of the gap), length ms, phase] */
const gaps: Array<[number, number, string]> = [];
let lastTick = nowMs();
setInterval(() => {
  const t = nowMs();
  if (t - lastTick > 1100) {
    gaps.push([t, t - lastTick - 100, phase.name]);
    if (gaps.length > 100) gaps.splice(0, gaps.length - 100);
  }
  lastTick = t;
}, 100).unref();
/** Phase marks on the clock of --cpu-prof profiles (us), in marks.jsonl of the run dir: to cut a profile by phase. */
/** (with the process's memory in MB at the mark: where the peak RSS is reached and what holds it) */
const mark = (name: string) => {
  const m = process.memoryUsage();
  const mb = (n: number) => Math.round(n / 1048576);
  const memory = { rss: mb(m.rss), heapTotal: mb(m.heapTotal), heapUsed: mb(m.heapUsed), external: mb(m.external), arrayBuffers: mb(m.arrayBuffers) };
  fs.appendFileSync('marks.jsonl', `${JSON.stringify({ name, us: Number(process.hrtime.bigint() / 1000n), at: nowMs(), memory })}\n`);
};
const newPhase = (name: string): Phase => {
  mark(name);
  loopMaxMs = Math.max(loopMaxMs, loopDelay.max / 1e6);
  loopDelay.reset();
  return { name, at: nowMs(), cpu0: process.cpuUsage(), updates: 0, changes: 0, handlerMs: 0, stateChanges: 0, events: 0, downs: [] };
};
let phase = newPhase('load');

let routes = 0;
let routesDoneAt: number | undefined;
let firstEstablishedAt: number | undefined;
let allEstablishedAt: number | undefined;
let established = 0;
let totalHandlerMs = 0;
let totalUpdates = 0;
let stateChanges = 0;
let events = 0;
let h0 = 0;
/** CPU (ms, this process and the sender) when the first session came up and when every route was in */
const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
const senderCpuMs = () => (senderPid ? (procStats(senderPid)?.cpuS ?? NaN) * 1000 : NaN);
const cpu: Record<string, { self: number; sender: number }> = {};
const snap = (name: string) => {
  if (!cpu[name]) {
    cpu[name] = { self: cpuMs(), sender: senderCpuMs() };
    if (name === 'done') mark('load-done');
  }
};
const sessionCount = [...speakers.values()].reduce((n, s) => n + s.peerIds().length, 0);

for (const speaker of speakers.values()) {
  speaker.on('session', (peer, state, prev) => {
    const t = track(peer);
    log(`${peer} ${prev} -> ${state}`);
    if (prev === 'Established') {
      t.downSeenAt = nowMs();
      t.sizeBeforeDown = Math.max(t.size, speaker.adjRibIn(peer)?.size ?? 0);
      t.backAt = undefined;
      established--;
    }
    if (state === 'Established') {
      t.establishedAt = nowMs();
      if (firstEstablishedAt === undefined) {
        firstEstablishedAt = t.establishedAt;
        snap('established');
        mark('first-established');
      }
      if (++established === sessionCount) allEstablishedAt ??= t.establishedAt;
    }
  });
}

// Routes are counted by polling the Adj-RIBs-In (below), not per UPDATE: a listener of our own on
// every UPDATE of the load cost the measured process about half a second (and made each emit copy
// its listener list). From the first churn on, listeners around the daemon's own time its route
// handler and count the route changes per UPDATE, for the churn's per-change figures.
let perUpdate = false;
const timeUpdates = () => {
  if (perUpdate) return;
  perUpdate = true;
  for (const speaker of speakers.values()) {
    // Around the daemon's own listeners (it registered them when it made the speaker).
    speaker.prependListener('routes', () => {
      h0 = performance.now();
    });
    speaker.on('routes', (_peer, announced, withdrawn) => {
      const dt = performance.now() - h0;
      totalHandlerMs += dt;
      totalUpdates++;
      const t = nowMs();
      phase.handlerMs += dt;
      phase.updates++;
      phase.changes += announced.length + withdrawn.length;
      phase.firstUpdate ??= t;
      phase.lastUpdate = t;
    });
  }
};
/** Counts the routes in every Adj-RIB-In: when all are in, and when a session that came back has its routes again. */
const countRoutes = () => {
  const t = nowMs();
  let n = 0;
  for (const speaker of speakers.values())
    for (const peer of speaker.peerIds()) {
      const tr = track(peer);
      const size = speaker.adjRibIn(peer)?.size ?? 0;
      tr.size = size;
      n += size;
      if (tr.sizeBeforeDown !== undefined && tr.backAt === undefined && size >= tr.sizeBeforeDown) tr.backAt = t;
    }
  routes = n;
  if (routesDoneAt === undefined && routes >= expectedRoutes) {
    routesDoneAt = t;
    snap('routes');
    mark('routes-done');
  }
};
for (const speaker of speakers.values()) {
  speaker.prependListener('down', (peer) => {
    const tr = track(peer);
    tr.clearedAt = nowMs();
  });
  speaker.on('down', (peer, info) => {
    track(peer).engineDoneAt = nowMs();
    log(`${peer} down: ${info.reason}`);
    if (phase.downs.length < 50) phase.downs.push([peer, info.reason]);
    console.log(`${new Date().toISOString()} ${peer} down (${phase.name}): ${info.reason}`);
  });
  speaker.on('established', (peer) => log(`${peer} established, ${speaker.adjRibIn(peer)?.size} routes`));
}

// Prefix states against the expected ones of the current target.
const current = new Map<string, string>();
let target = readTarget('load') ?? new Map<string, string>();
let matches = 0;
let statesDoneAt: number | undefined;
let writesDrainedAt: number | undefined;
let startupDrainedAt: number | undefined;
let targetAt = nowMs();
/** states and events not yet stored */
const writesPending = (): number => daemon?.writesPending ?? 0;
const recount = () => {
  matches = 0;
  for (const [k, v] of target) if (current.get(k) === v) matches++;
  statesDoneAt = matches === target.size ? nowMs() : undefined;
  writesDrainedAt = undefined;
};
if (daemon) {
  for (const k of target.keys()) {
    const i = k.indexOf(':');
    const r = daemon.engine.result(k.slice(0, i) as WatchedKind, k.slice(i + 1));
    if (r) current.set(k, `${r.state}|${r.message ?? ''}`);
  }
  recount();
  daemon.on('state', (p, r) => {
    // (the engine's own subject string: none made per state)
    const k = p.subject ?? `${p.kind}:${p.id}`;
    const v = `${r.state}|${r.message ?? ''}`;
    const old = current.get(k);
    current.set(k, v);
    stateChanges++;
    phase.stateChanges++;
    phase.lastStateAt = nowMs();
    const want = target.get(k);
    if (want !== undefined) {
      if (old === want) matches--;
      if (v === want) matches++;
      if (matches === target.size) {
        statesDoneAt ??= phase.lastStateAt;
        writesDrainedAt = undefined;
      } else statesDoneAt = undefined;
    }
  });
  daemon.on('event', () => {
    events++;
    phase.events++;
  });
}
setInterval(() => {
  countRoutes();
  if (routesDoneAt !== undefined && !daemon) snap('done');
  if (writesPending()) return;
  startupDrainedAt ??= nowMs();
  if (statesDoneAt !== undefined && writesDrainedAt === undefined) {
    writesDrainedAt = nowMs();
  }
  if (routesDoneAt !== undefined && statesDoneAt !== undefined && writesDrainedAt !== undefined) snap('done');
}, 2).unref();

// ---------------------------------------------------------------------------------------------
// Control

function status(): unknown {
  const phaseCpu = process.cpuUsage(phase.cpu0);
  const mem = process.memoryUsage();
  return {
    mode,
    pid: process.pid,
    tStart,
    tStarted,
    startupDrainedAt,
    firstEstablishedAt,
    allEstablishedAt,
    established,
    sessions: sessionCount,
    routes,
    expectedRoutes,
    routesDoneAt,
    statesTotal: target.size,
    matches,
    statesDoneAt,
    targetAt,
    writesInFlight: writesPending(),
    writesDrainedAt,
    stateChanges,
    events,
    totalHandlerMs,
    totalUpdates,
    cpu,
    phase: { ...phase, cpu0: undefined, cpuUserMs: phaseCpu.user / 1000, cpuSystemMs: phaseCpu.system / 1000, loopMaxMs: loopDelay.max / 1e6 },
    loopMaxMs: Math.max(loopMaxMs, loopDelay.max / 1e6),
    gaps,
    peers: Object.fromEntries(peers),
    heapUsedMB: mem.heapUsed / 2 ** 20,
    rssMB: mem.rss / 2 ** 20,
    externalMB: mem.external / 2 ** 20,
    arrayBuffersMB: mem.arrayBuffers / 2 ** 20,
    log: logs.slice(-20),
  };
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const reply = (code: number, body: unknown) => {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  void (async () => {
    switch (url.pathname) {
      case '/status':
        return reply(200, status());
      case '/target': {
        const name = url.searchParams.get('name') ?? '';
        const t = readTarget(name);
        if (!t) return reply(404, { error: `no target ${name}` });
        target = t;
        targetAt = nowMs();
        recount();
        return reply(200, { matches, total: target.size });
      }
      case '/mark':
        phase = newPhase(url.searchParams.get('name') ?? '?');
        if (phase.name.startsWith('churn')) timeUpdates();
        return reply(200, { at: phase.at });
      case '/revalidate': {
        if (!daemon) return reply(404, { error: 'no engine in this mode' });
        const times = Number(url.searchParams.get('times') ?? 5);
        const ms: number[] = [];
        const before = stateChanges;
        for (let i = 0; i < times; i++) {
          await new Promise((r) => setImmediate(r)); // BGP gets a turn between runs
          const t = performance.now();
          daemon.engine.revalidateAll();
          ms.push(performance.now() - t);
        }
        return reply(200, { ms, prefixes: target.size, stateChanges: stateChanges - before });
      }
      default:
        return reply(404, { error: 'unknown' });
    }
  })().catch((e: Error) => reply(500, { error: e.message }));
});
server.listen(apiPort, '127.0.0.1', () => console.log(`ready ${JSON.stringify({ mode, pid: process.pid, startMs: tStarted - tStart })}`));
