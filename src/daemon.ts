// The service's live side: one BGP speaker per edge router of the registry, listening on that
// router's session addresses, one session per Active partner connection, each with the import
// policy its peering calls for, and the validation engine kept in line with what the sessions
// receive. Prefix states go back into the registry; events go to listeners (the event log).
import { EventEmitter } from 'node:events';
import { Speaker } from './bgp/speaker.js';
import { keyToText, textToKey } from './bgp/wire/nlri.js';
import { parseIPv4 } from './net/address.js';
import type { Registry } from './registry/registry.js';
import { ValidationFacts, type FactPeering, type FactSession } from './registry/validation-facts.js';
import { ValidationEngine, type WatchedPrefix } from './validation/engine.js';
import type { PrefixEvent } from './validation/events.js';
import { importPolicy } from './validation/import-policy.js';
import type { RouteLookup, StateResult } from './validation/prefix-state.js';
import type { ServiceCommunity } from './validation/route-checks.js';
import { buildView } from './validation/view.js';

export interface EdgeDaemonOptions {
  /** TCP port the edge routers' sessions listen on (default 179) */
  port?: number;
  /** TCP port of the partner routers, when not the same (tests and the lab) */
  peerPort?: number;
  community?: ServiceCommunity;
  /** seconds between connection attempts to a partner */
  connectRetry?: number;
  log?: (line: string) => void;
}

export interface EdgeDaemonEvents {
  event: [prefix: WatchedPrefix, event: PrefixEvent];
  state: [prefix: WatchedPrefix, result: StateResult];
}

export class EdgeDaemon extends EventEmitter<EdgeDaemonEvents> {
  /** speakers by edge router name */
  readonly speakers = new Map<string, Speaker>();
  readonly engine: ValidationEngine;
  private readonly facts: ValidationFacts;
  private readonly log: (line: string) => void;
  /** state writes in flight, so stop() can wait for them */
  private writes = new Set<Promise<void>>();

  constructor(private readonly registry: Registry, private readonly opts: EdgeDaemonOptions = {}) {
    super();
    this.facts = new ValidationFacts(registry.store);
    this.log = opts.log ?? (() => {});
    this.engine = new ValidationEngine(this.lookup, {
      state: (p, r) => this.onState(p, r),
      event: (p, e) => this.onEvent(p, e),
    });
  }

  /** Reads the registry, starts a speaker per edge router with sessions, and validates. */
  async start(): Promise<void> {
    const snapshot = await this.facts.load();
    const view = buildView(snapshot, this.opts.community ? { community: this.opts.community } : {});
    const operatorAsn = snapshot.operatorAsn!;
    const byRouter = new Map<string, Array<{ s: FactSession; p: FactPeering }>>();
    for (const p of snapshot.peerings) {
      for (const s of p.sessions) {
        const list = byRouter.get(s.router) ?? [];
        list.push({ s, p });
        byRouter.set(s.router, list);
      }
    }
    const port = this.opts.port ?? 179;
    for (const [router, sessions] of byRouter) {
      const routerId = Number(parseIPv4(sessions[0]!.s.routerId) ?? 0n);
      const addresses = [...new Set(sessions.map(({ s }) => s.operatorAddress))];
      const speaker = new Speaker({ asn: operatorAsn, routerId, listen: addresses.map((host) => ({ host, port })) });
      for (const { s, p } of sessions) {
        speaker.addPeer({
          address: s.peerAddress, port: this.opts.peerPort ?? port, asn: p.asn, localAsn: operatorAsn, localAddress: s.operatorAddress, routerId,
          holdTime: 90, passive: false, families: [s.family === 4 ? 'ipv4' : 'ipv6'], routeServerClient: false,
          connectRetryTime: this.opts.connectRetry ?? 5, addPathReceive: false, description: `${p.key} ${s.connection}`,
          ...(s.maxPrefixes > 0 ? { maxPrefix: { limit: s.maxPrefixes, action: 'teardown' as const, restartSeconds: 60 } } : {}),
        }, {
          import: importPolicy({ id: p.key, type: p.type, asn: p.asn }, view.registrations, { checks: view.checks }),
          // Nothing is announced to partners yet: steering (a later issue) decides what is.
          export: () => 'no routes are sent to partners',
        });
      }
      speaker.on('routes', (_peer, announced, withdrawn) => this.engine.routesChanged([...announced, ...withdrawn].map(keyToText)));
      speaker.on('established', (peer) => { this.log(`${router}: session with ${peer} established`); this.engine.sessionChanged(peer); });
      speaker.on('down', (peer, info) => { this.log(`${router}: session with ${peer} down: ${info.reason}`); this.engine.sessionChanged(peer); });
      speaker.on('problem', (peer, text) => this.log(`${router}: ${peer}: ${text}`));
      this.speakers.set(router, speaker);
      await speaker.start();
      this.log(`${router}: listening on ${addresses.map((a) => `${a}:${port}`).join(', ')} with ${sessions.length} session(s)`);
    }
    this.engine.setView(view.engine);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.speakers.values()].map((s) => s.stop()));
    this.speakers.clear();
    await Promise.all(this.writes);
  }

  /** What a session received for a prefix, accepted or not (validation explains rejections too). */
  private readonly lookup: RouteLookup = (session, prefix) => {
    const rib = this.speakers.get(session.router)?.rib.peers.get(session.peerAddress)?.rib;
    const key = textToKey(prefix);
    const set = rib && key !== undefined ? rib.get(key) : undefined;
    return set && { attrs: set.attrs };
  };

  private onState(p: WatchedPrefix, r: StateResult): void {
    this.emit('state', p, r);
    this.write(this.facts.setState(p.kind, p.id, r.state, r.message), `the state of ${p.id}`);
  }

  private onEvent(p: WatchedPrefix, e: PrefixEvent): void {
    this.emit('event', p, e);
    const subject = { kind: p.kind, id: p.id, prefix: p.prefix, partner: p.partner ?? null, customer: p.customer ?? null };
    this.write(this.registry.events.add(subject, e).then(() => {}), `an event of ${p.id}`);
  }

  /** Stores without holding up BGP; stop() waits for what is in flight. */
  private write(w: Promise<void>, what: string): void {
    const tracked = w.catch((e: Error) => this.log(`could not store ${what}: ${e.message}`)).finally(() => this.writes.delete(tracked));
    this.writes.add(tracked);
  }
}
