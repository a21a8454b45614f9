// `openpeering lab`: the example world, live. The API runs in this process on a fresh database and
// the world is applied through it; real partner routers (BIRD or GoBGP, one process per partner
// session address; openpeering's own speaker where neither is installed) start on the partners'
// session addresses, then the edge daemon, whose sessions pick up what they announce: the
// registered and customer prefixes, one prefix without its community, and a hijack (./world.ts
// plans it). It waits until every prefix is where it should be, prints where to look and how long
// validation took, then logs state changes and events until Ctrl-C. With `failover`, it stops the
// partner router carrying a prefix's active path and starts it again.
import fs from 'node:fs';
import net from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import readline from 'node:readline';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../api/server.js';
import { EdgeDaemon, type EdgeDaemonEvents } from '../edge/edge-daemon.js';
import { labDatabaseFile, labFacts, openLabRegistry, storedHijack } from './database.js';
import { chooseKind, kindVersion, type RouterKind, startRouter } from './partner-routers.js';
import { installCleanupHooks } from './process.js';
import { pad, printFailoverHelp, printPrefixes, printRouters, printTimes, printWhereToLook, type RouterSlot } from './report.js';
import { type Delay, seconds, Timing } from './timing.js';
import { planLab, readWorld } from './world.js';

export interface LabOptions {
  world: string;
  /** a database file to create (must not exist yet); default a temp file removed on exit */
  db?: string;
  listen: { host: string; port: number };
  /** --listen was given: a busy address is an error, not a reason to pick another port */
  listenGiven: boolean;
  bgpPort: number;
  routers: RouterKind | 'auto';
  /** print the summary (and run the failover demo, if asked) and exit */
  exitAfterReady: boolean;
  failover: boolean;
  /** how long to wait for every prefix to reach its state */
  timeoutSeconds: number;
  verbose: boolean;
  /** applies the world through the HTTP API (the `apply` command's code path) */
  applyWorld(url: string, key: string, doc: unknown): Promise<{ created: number; updated: number; unchanged: number; steps: number }>;
  out?: (text: string) => void;
}

class LabError extends Error {}

const clock = () => new Date().toISOString().slice(11, 23);

/** Fails unless `host:port` can be bound right now. */
function probe(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(undefined)));
  });
}

/** Runs the lab; resolves with the exit code (only with exitAfterReady: otherwise it runs until a signal). */
export async function runLab(o: LabOptions): Promise<number> {
  const out = o.out ?? ((t: string) => process.stdout.write(t));
  const say = (line = '') => out(line + '\n');
  const t0 = performance.now();
  const since = () => seconds(performance.now() - t0);

  const doc = readWorld(o.world);
  const { kind, why } = chooseKind(o.routers);

  // The database: never an existing file (the lab must not touch a real registry).
  const { file: dbFile, tempDir: tempDbDir } = labDatabaseFile(o.db);

  // The API address: the default falls back to a free port when taken; an asked-for one must work.
  let { host, port } = o.listen;
  const busy = await probe(host, port);
  let apiNote = '';
  if (busy) {
    if (o.listenGiven)
      throw new LabError(
        `--listen ${host}:${port}: cannot listen there (${busy}); is \`openpeering serve\` or another lab running? Pick another with --listen`,
      );
    apiNote = ` (${host}:${port} is taken: ${busy}; pass --listen to choose)`;
    port = 0;
  }

  const { registry, secret } = await openLabRegistry(dbFile);
  const routers = new Map<string, RouterSlot>();
  /** sessions that went down before the live log started (the summary names them) */
  const quietDowns: string[] = [];
  let live = o.verbose;
  let shuttingDown = false;
  const log = (what: string, subject: string, text: string) => {
    if (live && !shuttingDown) say(`${clock()}  ${pad(what, 5)}  ${pad(subject, 28)} ${text}`);
  };

  const daemon = new EdgeDaemon(registry, {
    port: o.bgpPort,
    peerPort: o.bgpPort,
    connectRetry: 1,
    log: (line) => {
      if (!o.verbose && / configured$/.test(line)) return;
      if (!live && !shuttingDown && / down: /.test(line)) quietDowns.push(`${clock()} ${line}`);
      const i = line.indexOf(': ');
      log('bgp', i > 0 ? line.slice(0, i) : '', i > 0 ? line.slice(i + 2) : line);
    },
  });
  let timing: Timing | undefined;
  // A new edge speaker is timed before its sessions can come up.
  daemon.on('speaker', (_router, speaker) => timing?.hook([speaker]));
  let watchdog: NodeJS.Timeout | undefined;
  let rl: readline.Interface | undefined;
  // As `serve` does: writes through the API reload the sessions and policies shortly after, once
  // (ignored until the daemon runs: the lab's own world is in by then).
  const onWrite = () => daemon.requestReload();
  const app: FastifyInstance = await buildServer(registry, { onWrite, live: daemon.live });

  // Before anything stops: validation lets go of every prefix, so the teardown (sessions closing)
  // is not recorded as prefixes turning Failed; the database keeps the states the lab reached.
  const freeze = () => {
    shuttingDown = true;
    void daemon.engine.stop();
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.prependOnceListener(sig, freeze);
  let stopped: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    stopped ??= (async () => {
      freeze();
      clearInterval(watchdog);
      rl?.close();
      await Promise.all([...routers.values()].map((r) => r.running?.stop().catch(() => {})));
      await daemon.stop().catch(() => {});
      await app.close().catch(() => {});
      await registry.store.close().catch(() => {});
      if (tempDbDir) fs.rmSync(tempDbDir, { recursive: true, force: true });
    })();
    return stopped;
  };
  // Ctrl-C: process.ts kills every child process first (they never outlive us), then this.
  installCleanupHooks((sig, killed) => {
    void shutdown().finally(() => {
      process.stdout.write(
        `\nlab stopped (${sig}): ${killed} partner router process${killed === 1 ? '' : 'es'} killed, the edge daemon and the API closed${tempDbDir ? ', the temp database removed' : `; the database stays in ${dbFile}`}\n`,
      );
      process.exit(0);
    });
  });

  try {
    const url = await app.listen({ host, port });
    say(`openpeering lab: ${o.world}`);
    say(`  database  ${dbFile}${tempDbDir ? ' (fresh, removed on exit)' : ' (fresh, kept)'}`);
    say(`  API       ${url}${apiNote}`);
    const applied = await o.applyWorld(url, secret, doc);
    const facts = await labFacts(registry);
    const plan = planLab(facts, doc);
    const sessions = plan.routers.length;
    say(
      `  world     applied through the API: ${applied.created} created, ${applied.updated} updated, ${applied.steps} lifecycle moves ` +
        `(AS${plan.operatorAsn}, ${list(doc.pops).length} PoPs, ${facts.peerings.length} peerings, ${plan.expectations.length} prefixes watched)`,
    );
    for (const s of plan.skipped) say(`  skipped   ${s.name}: ${s.why}`);

    // Every address the lab binds must be free on the BGP port (another lab, a test, a daemon).
    const addresses = [...new Set(plan.routers.flatMap((r) => [r.operatorAddress, r.address]))];
    for (const a of addresses) {
      const why2 = await probe(a, o.bgpPort);
      if (why2)
        throw new LabError(`--bgp-port ${o.bgpPort}: cannot listen on ${a}:${o.bgpPort} (${why2}); is another lab running? Pick another port with --bgp-port`);
    }

    timing = new Timing(plan.expectations.map((e) => e.watched.prefix));
    const lastState = new Map<string, EdgeDaemonEvents['state'][1]>();
    const firstVerified = new Map<string, Delay>();
    const lastVerified = new Map<string, Delay>();
    const hijacks = new Set<string>();
    const stateChanged = new Set<() => void>();
    daemon.on('state', (p, r) => {
      const prev = lastState.get(p.id);
      lastState.set(p.id, r);
      let note = '';
      if (r.state === 'Verified') {
        const d = timing!.delay(p);
        if (!firstVerified.has(p.id)) firstVerified.set(p.id, d);
        lastVerified.set(p.id, d);
        note = ` (${seconds(d.afterRoute)} after the announcement)`;
      }
      log('state', p.id, `${prev?.state ?? 'Pending'} -> ${r.state}${r.message ? `: ${r.message}` : ''}${note}`);
      for (const f of stateChanged) f();
    });
    daemon.on('event', (p, e) => {
      if (e.type === 'PrefixHijackEvent') hijacks.add(p.id);
      log('event', p.id, `${e.type} (${e.level}): ${e.summary}`);
      for (const f of stateChanged) f();
    });
    const until = (cond: () => boolean, ms: number): Promise<boolean> =>
      new Promise((resolve) => {
        if (cond()) return resolve(true);
        const check = () => {
          if (cond()) {
            done();
            resolve(true);
          }
        };
        const timer = setTimeout(() => {
          done();
          resolve(cond());
        }, ms);
        const poll = setInterval(check, 200);
        const done = () => {
          clearTimeout(timer);
          clearInterval(poll);
          stateChanged.delete(check);
        };
        stateChanged.add(check);
      });

    // The partner routers first, all at once: each listens on its session address (and dials the
    // edge, which is not there yet). Then the edge daemon, whose sessions dial them at once: the
    // sessions come up together, without waiting for a retry timer, and no process is spawned
    // while the edge validates what they announce.
    const version = await kindVersion(kind);
    say(`  partners  ${version} (${why})`);
    const ctx = { kind, port: o.bgpPort, operatorAsn: plan.operatorAsn, community: plan.community };
    const tRouters = performance.now();
    for (const r of plan.routers) routers.set(r.name, { plan: r, running: undefined, stopping: false });
    await Promise.all(
      [...routers.values()].map(async (slot) => {
        try {
          slot.running = await startRouter(slot.plan, ctx);
        } catch (e) {
          throw new LabError(`partner router ${slot.plan.name} (${kind} on ${slot.plan.address}) did not start: ${(e as Error).message}`);
        }
      }),
    );
    const tStarted = performance.now();
    say(`  started   ${routers.size} partner routers in ${seconds(tStarted - tRouters)} on their session addresses`);

    // Validation runs on this process's event loop; a stall delays every UPDATE behind it.
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    let writes = 0;
    const countWrite = () => {
      writes++;
    };
    daemon.on('state', countWrite);
    daemon.on('event', countWrite);
    await daemon.start();
    say(
      `  BGP       ${daemon.speakers.size} edge routers with ${sessions} partner sessions on port ${o.bgpPort}; waiting for the prefixes (at most ${o.timeoutSeconds} s) ...`,
    );

    const established = () => plan.routers.filter((r) => daemon.speakers.get(r.edgeRouter)?.peer(r.address)?.session.state === 'Established').length;
    const unmet = () =>
      plan.expectations.filter((e) => {
        const r = daemon.engine.result(e.watched.kind, e.watched.id);
        return !r || r.state !== e.state || r.message !== e.message;
      });
    const ready = () => unmet().length === 0 && (!plan.hijack || hijacks.has(plan.hijack.registered)) && established() === sessions;
    const ok = await until(ready, o.timeoutSeconds * 1000);
    const tReady = performance.now();
    loop.disable();
    daemon.off('state', countWrite);
    daemon.off('event', countWrite);
    const stalls = { max: loop.max / 1e6, p99: loop.percentile(99) / 1e6, writes };
    const hijackStored = plan.hijack ? await storedHijack(registry, plan.hijack.registered) : undefined;

    // ---- The summary ----
    say('');
    if (ok)
      say(
        `Ready after ${since()} (API and world ${seconds(tRouters - t0)}, partner routers started in ${seconds(tStarted - tRouters)}, every prefix in place ${seconds(tReady - tStarted)} after the edge daemon started).`,
      );
    else {
      say(`NOT READY after ${o.timeoutSeconds} s: sessions Established ${established()}/${sessions}.`);
      for (const e of unmet()) {
        const r = daemon.engine.result(e.watched.kind, e.watched.id);
        say(`  ${e.watched.id}: expected ${e.state}${e.message ? ` (${e.message})` : ''}, is ${r?.state ?? 'Pending'}${r?.message ? ` (${r.message})` : ''}`);
      }
      if (plan.hijack && !hijacks.has(plan.hijack.registered)) say(`  no PrefixHijackEvent for ${plan.hijack.registered} yet`);
      for (const r of plan.routers) {
        const st = daemon.speakers.get(r.edgeRouter)?.peer(r.address)?.session.state;
        if (st !== 'Established')
          say(
            `  session ${r.edgeRouter} ${r.operatorAddress} - ${r.name} ${r.address}: ${st ?? 'not configured'}\n${indent(routers.get(r.name)?.running?.logs().slice(-1500) ?? '')}`,
          );
      }
    }
    if (quietDowns.length) {
      say('Sessions that went down meanwhile:');
      for (const l of quietDowns) say(`  ${l}`);
    }
    say('');
    printRouters(say, plan, routers);
    say('');
    printPrefixes(say, plan, daemon, firstVerified);
    say('');
    if (plan.hijack) {
      const h = plan.hijack;
      say('Hijack');
      say(`  ${h.router.name} (${h.router.address}, AS${h.router.asn}) announces ${h.prefix} from AS${h.origin}; it is registered by ${h.owner}.`);
      say(
        `  Rejected by the import policy of ${h.router.edgeRouter}; PrefixHijackEvent ${hijackStored ? 'stored' : 'NOT stored'} for ${h.touched.join(' and ')}.`,
      );
      say('');
    }
    printTimes(say, plan, firstVerified, stalls);
    say('');
    printWhereToLook(say, url, secret, plan);
    say('');
    printFailoverHelp(say, plan, routers, o.exitAfterReady);
    say('');

    // ---- Failover demo ----
    for (const l of quietDowns.splice(0)) say(`${l}   (while the summary was printed)`);
    live = true;
    if (o.failover && plan.failover) {
      const f = plan.failover;
      const slot = routers.get(f.router.name)!;
      say(
        `Failover demo: stopping ${f.router.name} (${kind} ${f.router.address}${kind !== 'speaker' ? `, pid ${slot.running?.pid}` : ''}), which carries the active path of ${f.watched.id}`,
      );
      const tStop = performance.now();
      await stopSlot(slot);
      const is = (state: string, message: string | null) => () => {
        const r = daemon.engine.result(f.watched.kind, f.watched.id);
        return r?.state === state && r.message === message;
      };
      const warned = await until(is(f.state, f.message), 15_000);
      const r1 = daemon.engine.result(f.watched.kind, f.watched.id);
      say(
        warned
          ? `  => ${f.watched.id} is ${r1?.state} ${seconds(performance.now() - tStop)} after the stop: ${r1?.message}${f.nextActive ? `; the active path moves to ${f.nextActive}` : ''}`
          : `  => ${f.watched.id} did not turn ${f.state} (${f.message}); it is ${r1?.state}: ${r1?.message}`,
      );
      say(`Failover demo: starting ${f.router.name} again`);
      const tStart = performance.now();
      await startSlot(slot, ctx);
      // (and every other prefix as it was before the stop: the router carries more than this one,
      // and a lab that exits now must leave them all back in the registry)
      const back = await until(() => is('Verified', null)() && unmet().length === 0, 20_000);
      const d = lastVerified.get(f.watched.id) ?? { afterRoute: undefined, afterUp: undefined };
      const up = timing.upAt(f.router.address);
      say(
        back
          ? `  => ${f.watched.id} is Verified again ${seconds(performance.now() - tStart)} after the restart: the session came up after ${seconds(up === undefined ? undefined : up - tStart)}, Verified ${seconds(d.afterRoute)} after the announcement`
          : `  => ${f.watched.id} did not turn Verified again; it is ${daemon.engine.result(f.watched.kind, f.watched.id)?.state}`,
      );
      say('');
      if (!warned || !back) {
        await shutdown();
        return 1;
      }
    }

    if (o.exitAfterReady) {
      await shutdown();
      say(`lab stopped: ${ok ? 'ready' : 'NOT ready'}${tempDbDir ? '' : `; the database stays in ${dbFile}`}`);
      return ok ? 0 : 1;
    }

    // ---- Live ----
    say('Live log (state changes, events, BGP sessions); commands: stop NAME, start NAME, routers, prefixes, help; Ctrl-C stops the lab.');
    watchdog = setInterval(() => {
      for (const slot of routers.values()) {
        if (!slot.running || slot.stopping || slot.running.alive()) continue;
        const was = slot.running;
        slot.running = undefined;
        log('lab', slot.plan.name, `partner router exited (${was.kind}, pid ${was.pid}); \`start ${slot.plan.name}\` brings it back`);
        void was.stop();
      }
    }, 500);
    if (process.stdin.readable) {
      rl = readline.createInterface({ input: process.stdin, terminal: false });
      rl.on('line', (line) => void command(line.trim()).catch((e: Error) => say(`lab: ${e.message}`)));
    }
    const command = async (line: string) => {
      const [cmd, arg] = line.split(/\s+/);
      const find = (a: string | undefined) => {
        const s = [...routers.values()].find((x) => x.plan.name === a || x.plan.address === a || x.plan.connection === a);
        if (!s) throw new Error(`no partner router ${a ?? ''}: \`routers\` lists them`);
        return s;
      };
      switch (cmd) {
        case '':
          return;
        case 'stop': {
          const s = find(arg);
          if (!s.running) return say(`lab: ${s.plan.name} is not running`);
          log('lab', s.plan.name, `stopping (${s.running.kind}, pid ${s.running.pid})`);
          return stopSlot(s);
        }
        case 'start': {
          const s = find(arg);
          if (s.running) return say(`lab: ${s.plan.name} is running (pid ${s.running.pid})`);
          await startSlot(s, ctx);
          return log('lab', s.plan.name, `started (${s.running!.kind}, pid ${s.running!.pid})`);
        }
        case 'routers':
          return printRouters(say, plan, routers);
        case 'prefixes':
          return printPrefixes(say, plan, daemon, firstVerified);
        default:
          return say('lab: commands: stop NAME|ADDRESS, start NAME|ADDRESS, routers, prefixes; Ctrl-C stops the lab');
      }
    };
    await new Promise<never>(() => {}); // until a signal
    return 0;
  } catch (e) {
    await shutdown();
    throw e;
  }
}

async function stopSlot(slot: RouterSlot): Promise<void> {
  slot.stopping = true;
  try {
    await slot.running?.stop();
    slot.running = undefined;
  } finally {
    slot.stopping = false;
  }
}

async function startSlot(slot: RouterSlot, ctx: Parameters<typeof startRouter>[1]): Promise<void> {
  slot.running = await startRouter(slot.plan, ctx);
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const indent = (s: string) =>
  s
    .split('\n')
    .filter(Boolean)
    .map((l) => `      ${l}`)
    .join('\n');
