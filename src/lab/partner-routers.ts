// The lab's partner routers: real BIRD 2 or GoBGP processes on the partners' session addresses
// (src/lab/routers), or, where neither is installed, openpeering's own BGP speaker in this process.
// Each announces its planned routes to the operator's edge router and can be stopped and started
// again (the failover demo).
import { fixedRejection, Speaker } from '../bgp/speaker.js';
import { parseIPv4 } from '../net/address.js';
import { parsePrefixKey } from '../net/prefix-key.js';
import type { ServiceCommunity } from '../validation/route-checks.js';
import { run } from './process.js';
import { type AnnouncedRoute, BIN, type Daemon, fakeNextHop, requireBinary, startDaemon } from './routers/index.js';
import { type LabRoute, type LabRouter, routeAttributes } from './world.js';

export type RouterKind = 'bird' | 'gobgp' | 'speaker';
export const ROUTER_KINDS = ['bird', 'gobgp', 'speaker', 'auto'] as const;

export const KIND_NAMES: Record<RouterKind, string> = { bird: 'BIRD 2', gobgp: 'GoBGP', speaker: "openpeering's own BGP speaker (in this process)" };

/** Whether a daemon kind is installed: undefined when it is, else why not (with the install hint). */
export function missing(kind: 'bird' | 'gobgp'): string | undefined {
  try {
    requireBinary(kind);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** The kind to run: the one asked for (failing when it is not installed), or for auto BIRD, else GoBGP, else the speaker. */
export function chooseKind(want: RouterKind | 'auto'): { kind: RouterKind; why: string } {
  if (want === 'speaker') return { kind: 'speaker', why: '--routers speaker' };
  if (want !== 'auto') {
    const m = missing(want);
    if (m) throw new Error(`--routers ${want}: ${m}`);
    return { kind: want, why: `--routers ${want}` };
  }
  if (!missing('bird')) return { kind: 'bird', why: `auto: ${BIN.bird} is installed` };
  if (!missing('gobgp')) return { kind: 'gobgp', why: `auto: BIRD is not installed, ${BIN.gobgpd} is` };
  return { kind: 'speaker', why: 'auto: neither BIRD nor GoBGP is installed (bash scripts/install-test-deps.sh installs both)' };
}

/** "BIRD 2.0.12", best effort. */
export async function kindVersion(kind: RouterKind): Promise<string> {
  if (kind === 'speaker') return KIND_NAMES.speaker;
  try {
    const r = await run(kind === 'bird' ? BIN.bird : BIN.gobgpd, ['--version'], 3000);
    const v = /(\d+\.\d+(?:\.\d+)?)/.exec(r.stdout + r.stderr)?.[1];
    if (v) return `${kind === 'bird' ? 'BIRD' : 'GoBGP'} ${v}`;
  } catch {
    /* the name alone then */
  }
  return KIND_NAMES[kind];
}

/** A partner router the lab started: its process, and how to stop it. */
export interface RunningPartnerRouter {
  kind: RouterKind;
  /** the process it runs in (this process for the speaker) */
  pid: number;
  /** false once it stopped or its process died */
  alive(): boolean;
  stop(): Promise<void>;
  /** the end of its log, for error messages */
  logs(): string;
}

export interface RouterContext {
  kind: RouterKind;
  /** the BGP port of both sides */
  port: number;
  operatorAsn: number;
  community: ServiceCommunity;
}

function announcedRoute(r: LabRoute, community: ServiceCommunity): AnnouncedRoute {
  const a: AnnouncedRoute = { prefix: r.prefix, asPath: [r.origin] };
  if (r.community) {
    if (community.kind === 'standard') a.communities = [community.text];
    else a.largeCommunities = [community.text];
  }
  return a;
}

/** Starts one partner router; resolves once it runs (its session may still be coming up). */
export async function startRouter(r: LabRouter, ctx: RouterContext): Promise<RunningPartnerRouter> {
  const families = r.families.map((f) => (f === 4 ? ('ipv4' as const) : ('ipv6' as const)));
  if (ctx.kind === 'speaker') return startSpeaker(r, ctx);
  const d: Daemon = await startDaemon({
    kind: ctx.kind,
    address: r.address,
    port: ctx.port,
    asn: r.asn,
    routerId: r.family === 4 ? r.address : fakeNextHop(r.address, 'ipv4'),
    // A 1 s keepalive also bounds BIRD 2.0's wait before the first UPDATE of a new session (up to
    // 3 s otherwise: see PeerSpec.keepalive).
    peers: [{ address: r.operatorAddress, port: ctx.port, asn: ctx.operatorAsn, families, keepalive: 1 }],
    routes: r.routes.map((x) => announcedRoute(x, ctx.community)),
  });
  let stopped = false;
  return {
    kind: ctx.kind,
    pid: d.pid,
    alive() {
      if (stopped) return false;
      try {
        process.kill(d.pid, 0);
        return true;
      } catch {
        return false;
      }
    },
    async stop() {
      stopped = true;
      await d.stop();
    },
    logs: () => d.logs(),
  };
}

async function startSpeaker(r: LabRouter, ctx: RouterContext): Promise<RunningPartnerRouter> {
  const routerId = Number(parseIPv4(r.family === 4 ? r.address : fakeNextHop(r.address, 'ipv4')) ?? 1n);
  const s = new Speaker({ asn: r.asn, routerId, listen: { host: r.address, port: ctx.port } });
  s.addPeer(
    {
      address: r.operatorAddress,
      port: ctx.port,
      asn: ctx.operatorAsn,
      localAsn: r.asn,
      localAddress: r.address,
      routerId,
      holdTime: 90,
      passive: false,
      families: r.families.map((f) => (f === 4 ? ('ipv4' as const) : ('ipv6' as const))),
      routeServerClient: false,
      connectRetryTime: 1,
      addPathReceive: false,
      nextHopV4: fakeNextHop(r.address, 'ipv4'),
      nextHopV6: fakeNextHop(r.address, 'ipv6'),
    },
    { import: () => fixedRejection('a lab partner router imports nothing'), export: () => undefined },
  );
  // Attributes as the partner originates them: the speaker prepends its own ASN towards the operator.
  s.announce(
    r.routes.map((x) => {
      const attrs = routeAttributes(r.asn, x, ctx.community);
      attrs.asPath = [{ type: attrs.asPath![0]!.type, asns: [x.origin] }];
      return { key: parsePrefixKey(x.prefix)!, attrs };
    }),
  );
  await s.start();
  let running = true;
  return {
    kind: 'speaker',
    pid: process.pid,
    alive: () => running,
    async stop() {
      if (!running) return;
      running = false;
      await s.stop();
    },
    logs: () => '',
  };
}
