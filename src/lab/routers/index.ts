// Third-party BGP routers (BIRD 2, GoBGP, FRR bgpd, ExaBGP) on loopback, as peers of our speaker: for the
// interop tests and the lab's partner routers. startDaemon() checks the spec, makes the daemon's temp
// dir and starts the kind; daemon.ts has the spec types and the conventions (AS paths, fake next
// hops, what "received" means), bird.ts / gobgp.ts / frr.ts / exabgp.ts the per-kind configs and
// queries, ../process.ts the child-process handling.
//
// Set OPENPEERING_KEEP_DAEMON_DIRS=1 to keep the daemons' temp dirs (configs, logs) for debugging.
import { type Proc, spawnProc, stopProc, tempDir } from '../process.js';
import { startBird } from './bird.js';
import {
  assertLoopback,
  type Daemon,
  type DaemonKind,
  type DaemonSpec,
  makeDaemon,
  requireBinary,
  type StartContext,
  type Started,
  validateRoute,
} from './daemon.js';
import { startExabgp } from './exabgp.js';
import { startFrr } from './frr.js';
import { startGobgp } from './gobgp.js';

export { parseBirdRoutes } from './bird.js';
export {
  type AnnouncedRoute,
  BIN,
  type Daemon,
  type DaemonKind,
  type DaemonSpec,
  fakeNextHop,
  type LearnedRoute,
  type OriginName,
  type PeerSpec,
  requireBinary,
  sortCommunities,
  stopAll,
} from './daemon.js';
export { parseFrrRoutes } from './frr.js';
export { parseGobgpRib } from './gobgp.js';

const START: Record<DaemonKind, (spec: DaemonSpec, ctx: StartContext) => Promise<Started>> = {
  bird: startBird,
  gobgp: startGobgp,
  frr: startFrr,
  exabgp: startExabgp,
};

/** Starts a daemon and resolves once it answers queries (its sessions may still be coming up). */
export async function startDaemon(spec: DaemonSpec): Promise<Daemon> {
  requireBinary(spec.kind);
  assertLoopback(spec.address, `${spec.kind} address`);
  for (const p of spec.peers) assertLoopback(p.address, `${spec.kind} peer`);
  for (const r of spec.routes ?? []) validateRoute(spec, r);
  const dir = tempDir(`openpeering-${spec.kind}-`, Boolean(process.env.OPENPEERING_KEEP_DAEMON_DIRS));
  const started: Proc[] = [];
  const ctx: StartContext = {
    dir: dir.path,
    spawn(name, file, args, env) {
      // unref: a forgotten stop() must not keep a test process alive (the exit hook still kills it).
      const proc = spawnProc(name, file, args, { cwd: dir.path, env, unref: true });
      started.push(proc);
      return proc;
    },
  };
  try {
    const { proc, adapter } = await START[spec.kind](spec, ctx);
    return makeDaemon(spec, dir.path, proc, adapter, dir.remove);
  } catch (e) {
    // A daemon that started but never became usable must not outlive the failed start.
    await Promise.all(started.map((p) => stopProc(p)));
    dir.remove();
    throw e;
  }
}
