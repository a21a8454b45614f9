// Settling after a start: the states the registry holds stand until the sessions have had their
// chance to bring their routes back. A session is ready for a family once it is Established and
// has sent End-of-RIB for it (RFC 4724), or did not negotiate that family at all; with an RPKI
// source, the first VRPs must be in too (else routes would be judged without RPKI for a moment).
// A bounded grace time ends settling for sessions that never come up or never send End-of-RIB
// (many routers send it only with graceful restart negotiated).

import type { Family } from '../net/address.js';

export interface SettlingOptions {
  graceMs: number;
  /** an RPKI source is configured and has no VRPs yet */
  rpkiPending?: boolean;
  /** called once, when every expected session is ready or the grace time has passed */
  onSettled(why: string): void;
}

const k = (peer: string, family: Family) => `${family}|${peer}`;

export class Settling {
  private ready = new Set<string>();
  private expected = new Set<string>();
  private rpkiPending: boolean;
  private timer: NodeJS.Timeout | undefined;
  private over = false;

  constructor(private readonly o: SettlingOptions) {
    this.rpkiPending = o.rpkiPending ?? false;
    this.timer = setTimeout(() => this.finish(`the grace time of ${Math.round(o.graceMs / 1000)} s passed`), o.graceMs);
    this.timer.unref?.();
  }

  get done(): boolean {
    return this.over;
  }

  /** The sessions (per family they may carry) the registry has now; settling waits for these. */
  expect(sessions: Iterable<[peer: string, families: Family[]]>): void {
    this.expected.clear();
    for (const [peer, families] of sessions) for (const f of families) this.expected.add(k(peer, f));
    this.check();
  }

  /** A session came up: families it did not negotiate will never bring routes. */
  established(peer: string, configured: Family[], negotiated: Family[]): void {
    for (const f of configured) if (!negotiated.includes(f)) this.ready.add(k(peer, f));
    this.check();
  }

  endOfRib(peer: string, family: Family): void {
    this.ready.add(k(peer, family));
    this.check();
  }

  rpkiLoaded(): void {
    this.rpkiPending = false;
    this.check();
  }

  /** Whether a session has had its chance for a family (always, once settling is over). */
  isReady(peer: string, family: Family): boolean {
    return this.over || (!this.rpkiPending && this.ready.has(k(peer, family)));
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private check(): void {
    if (this.over || this.rpkiPending) return;
    for (const e of this.expected) if (!this.ready.has(e)) return;
    this.finish('every session sent End-of-RIB');
  }

  private finish(why: string): void {
    if (this.over) return;
    this.over = true;
    clearTimeout(this.timer);
    this.o.onSettled(why);
  }
}
