// The edge routers' BGP speakers: one per router with sessions, listening on the operator
// addresses of its sessions, one peer per partner address. The pool owns the speakers, their
// listeners and what each session was configured from; it applies a SessionDiff in two steps:
// configure() changes what is configured at once (no await: the view is never half applied), and
// connect() then opens listeners and starts what was added.

import type { ImportPolicy } from '../bgp/rib/rib.js';
import { type AdjRibInView, type PeerOptions, type SessionInfo, Speaker } from '../bgp/speaker.js';
import type { PlannedSession, RouterChange, RunningRouter, SessionDiff } from './session-plan.js';

export type { Speaker } from '../bgp/speaker.js';

export interface PoolOptions {
  /** TCP port the edge routers' sessions listen on */
  port: number;
  /** TCP port of the partner routers, when not the same (tests and the lab) */
  peerPort?: number;
  /** seconds between connection attempts to a partner */
  connectRetry?: number;
  log: (line: string) => void;
}

/** What the pool tells its owner: speakers to hook, sessions that went away. */
export interface PoolHooks {
  /** a new speaker (before any of its sessions starts) */
  created(router: string, speaker: Speaker): void;
  /** a session stopped because the registry dropped or changed it */
  removed(peer: string): void;
  /** the import policy of a session to configure */
  importPolicy(s: PlannedSession): ImportPolicy;
}

/** What configure() leaves for connect(): the work that awaits. */
export interface PendingConnect {
  /** speakers taken out, stopped in connect(): their sessions' 'down' events come after the view is whole */
  stopping: Speaker[];
  routers: Array<{ router: string; fresh: boolean; add: PlannedSession[] }>;
}

export class SpeakerPool {
  private readonly byRouter = new Map<string, Speaker>();
  /** per router: partner address -> the signature its session was configured from */
  private readonly signatures = new Map<string, Map<string, string>>();
  /** "address:port" -> the router whose speaker listens there */
  private readonly listening = new Map<string, string>();

  constructor(
    private readonly opts: PoolOptions,
    private readonly hooks: PoolHooks,
  ) {}

  /** Speakers by edge router name. */
  get speakers(): ReadonlyMap<string, Speaker> {
    return this.byRouter;
  }

  /** What runs now, for the next diff. */
  running(): Map<string, RunningRouter> {
    const out = new Map<string, RunningRouter>();
    for (const [router, speaker] of this.byRouter) out.set(router, { routerId: speaker.config.routerId, sessions: this.signatures.get(router) ?? new Map() });
    return out;
  }

  adjRibIn(router: string, peer: string): AdjRibInView | undefined {
    return this.byRouter.get(router)?.adjRibIn(peer);
  }

  session(router: string, peer: string): SessionInfo | undefined {
    return this.byRouter
      .get(router)
      ?.sessions()
      .find((s) => s.id === peer);
  }

  /**
   * Configures what the diff changes, synchronously: speakers that go are taken out (they stop
   * in connect()), removed sessions stop, new ones are added but not started.
   */
  configure(diff: SessionDiff, localAsn: number): PendingConnect {
    const pending: PendingConnect = { stopping: [], routers: [] };
    for (const { router, why } of diff.stop) {
      const speaker = this.takeOut(router);
      if (speaker) pending.stopping.push(speaker);
      if (why === 'no sessions left') this.opts.log(`${router}: no sessions left, speaker stopped`);
    }
    for (const change of diff.routers) {
      const speaker = this.speakerFor(change, localAsn);
      const signatures = this.signatures.get(change.router)!;
      for (const peer of change.remove) {
        speaker.removePeer(peer);
        signatures.delete(peer);
        this.hooks.removed(peer);
      }
      for (const s of change.add) {
        speaker.addPeer(this.peerOptions(s, localAsn), {
          import: this.hooks.importPolicy(s),
          // Nothing is announced to partners yet: steering (a later issue) decides what is.
          export: () => 'no routes are sent to partners',
        });
        signatures.set(s.peer, s.signature);
        this.opts.log(`${s.router}: session to ${s.peer} (${s.peering.id} ${s.session.connection}, AS${s.peering.asn}) configured`);
      }
      if (change.fresh || change.add.length) pending.routers.push({ router: change.router, fresh: change.fresh, add: change.add });
    }
    return pending;
  }

  /** The awaiting half: old speakers finish stopping, listeners open, added sessions start. */
  async connect(pending: PendingConnect): Promise<void> {
    await Promise.all(pending.stopping.map((s) => s.stop()));
    for (const { router, fresh, add } of pending.routers) {
      const speaker = this.byRouter.get(router);
      if (!speaker) continue; // stopped meanwhile
      for (const s of add) await this.listen(router, speaker, s);
      if (fresh) await speaker.start();
      else for (const s of add) speaker.peer(s.peer)?.session.start();
    }
  }

  async stop(): Promise<void> {
    await Promise.all([...this.byRouter.keys()].map((router) => this.takeOut(router)?.stop()));
  }

  private speakerFor(change: RouterChange, localAsn: number): Speaker {
    const existing = this.byRouter.get(change.router);
    if (existing && !change.fresh) return existing;
    const speaker = new Speaker({ asn: localAsn, routerId: change.routerId });
    this.byRouter.set(change.router, speaker);
    this.signatures.set(change.router, new Map());
    this.hooks.created(change.router, speaker);
    return speaker;
  }

  /** Forgets a router's speaker at once; the caller stops it. */
  private takeOut(router: string): Speaker | undefined {
    const speaker = this.byRouter.get(router);
    this.byRouter.delete(router);
    this.signatures.delete(router);
    for (const [addr, r] of this.listening) if (r === router) this.listening.delete(addr);
    return speaker;
  }

  private async listen(router: string, speaker: Speaker, s: PlannedSession): Promise<void> {
    const port = this.opts.port;
    const addr = `${s.session.operatorAddress}:${port}`;
    if (this.listening.has(addr)) return;
    try {
      await speaker.listenOn({ host: s.session.operatorAddress, port });
      this.listening.set(addr, router);
    } catch (e) {
      this.opts.log(`${router}: cannot listen on ${addr} (${(e as Error).message}); the session to ${s.peer} will only be opened from here`);
    }
  }

  private peerOptions({ session: s, peering: p }: PlannedSession, localAsn: number): PeerOptions {
    const port = this.opts.port;
    return {
      address: s.peerAddress,
      port: this.opts.peerPort ?? port,
      asn: p.asn,
      localAsn,
      localAddress: s.operatorAddress,
      routerId: Number(this.byRouter.get(s.router)!.config.routerId),
      holdTime: 90,
      passive: false,
      families: s.families.map((f) => (f === 4 ? ('ipv4' as const) : ('ipv6' as const))),
      routeServerClient: false,
      connectRetryTime: this.opts.connectRetry ?? 5,
      addPathReceive: false,
      description: `${p.id} ${s.connection}`,
      // The connection's TCP MD5 key (RFC 2385): without the addon the session is refused, never run unsigned.
      ...(s.md5Key ? { md5Key: s.md5Key } : {}),
      ...(s.maxPrefixes > 0
        ? {
            maxPrefix: {
              limit: s.maxPrefixes,
              ...(s.maxPrefixesV6 !== undefined ? { limitV6: s.maxPrefixesV6 } : {}),
              action: 'teardown' as const,
              restartSeconds: 60,
            },
          }
        : {}),
    };
  }
}
