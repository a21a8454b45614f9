// The export side: keeps every established peer's Adj-RIB-Out in line with the Loc-RIB. Changed
// prefixes are queued per peer and flushed in bounded rounds; full-table passes (after
// Established, a ROUTE-REFRESH, a policy change) walk the Loc-RIB in bounded slices and coalesce
// per peer and family, so one peer's requests can neither stall the event loop (every session's
// KEEPALIVEs, the API) nor make us send the table once per request.

import { formatPrefixKey, type PrefixKey } from '../net/prefix-key.js';
import type { FamilyPasses, PassKind, Peer } from './peer.js';
import type { AttrSet } from './rib/attr-store.js';
import { type ExportTarget, exportAttributes, ineligible, nextHopProblem } from './rib/export.js';
import type { Rib } from './rib/rib.js';
import { MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH } from './wire/constants.js';
import { encodeRouteRefresh } from './wire/route-refresh.js';
import { encodeAnnouncements, encodeEndOfRib, encodeWithdrawals } from './wire/update.js';

/** Prefix indexes a full-table pass marks before it lets the event loop run again. */
const SLICE = 16_384;
/** Prefixes one flush round looks at before it lets the event loop run again. */
const ROUND = 16_384;

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
const freshPasses = (): [FamilyPasses, FamilyPasses] => [
  { running: false, next: undefined },
  { running: false, next: undefined },
];

/** 'refresh' includes what 'policy' does, and 'initial' what both do. */
const STRENGTH: Record<PassKind, number> = { policy: 0, refresh: 1, initial: 2 };

export class ExportQueue {
  /** routes not sent because they cannot be sent to that peer, per peer id (status and tests) */
  readonly unsent = new Map<string, number>();
  /** full-table passes run, per peer id (status and tests: refreshes coalesce) */
  readonly passes = new Map<string, number>();
  private flushScheduled = false;

  constructor(
    private readonly rib: Rib,
    private readonly peers: Map<string, Peer>,
    private readonly problem: (peer: string, text: string) => void,
  ) {}

  static fresh(): Pick<Peer, 'dirty' | 'force' | 'epoch' | 'passes' | 'flushing'> {
    return { dirty: new Set(), force: new Set(), epoch: 0, passes: freshPasses(), flushing: undefined };
  }

  /** The session came up or went down: nothing was sent, nothing is pending, running passes stop. */
  reset(p: Peer): void {
    p.out.clear();
    p.dirty.clear();
    p.force.clear();
    p.epoch++;
    p.passes = freshPasses();
  }

  /** Queues prefixes whose best path changed for every established peer. */
  changed(idx: readonly number[]): void {
    const loc = this.rib.loc;
    for (const p of this.peers.values()) {
      if (!p.session.isEstablished) continue;
      for (const i of idx) {
        // A route is never sent back to where it came from; skip it unless something was sent before.
        if (loc.getAt(i)?.source === p.id && p.out.getAt(i) === undefined) continue;
        p.dirty.add(i);
      }
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        for (const p of this.peers.values()) if (p.dirty.size) void this.flush(p);
      });
    }
  }

  /**
   * Asks for a full-table pass. While one runs for the peer and family, requests coalesce into
   * at most one more, of the strongest kind asked for.
   */
  request(p: Peer, family: 4 | 6, kind: PassKind): void {
    const st = p.passes[family === 4 ? 0 : 1];
    if (st.running) {
      if (st.next === undefined || STRENGTH[kind] > STRENGTH[st.next]) st.next = kind;
      return;
    }
    st.running = true;
    void this.run(p, family, kind, st).catch((e) => this.problem(p.id, `sending the table failed: ${(e as Error)?.message ?? String(e)}`));
  }

  private async run(p: Peer, family: 4 | 6, first: PassKind, st: FamilyPasses): Promise<void> {
    const epoch = p.epoch;
    const afi = family === 4 ? 1 : 2;
    const v4 = family === 4;
    try {
      for (let kind: PassKind | undefined = first; kind !== undefined; kind = st.next, st.next = undefined) {
        const n = p.session.negotiated;
        // Nothing, not even an End-of-RIB, for a family the session did not negotiate: GoBGP (rightly)
        // resets a session that gets an UPDATE for an AFI it never agreed to.
        if (!n || (v4 ? !n.ipv4 : !n.ipv6)) return;
        this.passes.set(p.id, (this.passes.get(p.id) ?? 0) + 1);
        const enhanced = kind === 'refresh' && n.enhancedRouteRefresh;
        // RFC 7313: an enhanced refresh is framed by Beginning- and End-of-Route-Refresh markers.
        if (enhanced) p.session.sendMessage(encodeRouteRefresh({ afi, safi: 1, subtype: 1 }));
        const { loc, index } = this.rib;
        for (let start = 0; start < loc.capacity; start += SLICE) {
          const end = Math.min(start + SLICE, loc.capacity);
          for (let idx = start; idx < end; idx++) {
            if (!loc.hasAt(idx) || index.isV4(idx) !== v4) continue;
            p.dirty.add(idx);
            if (kind === 'refresh') p.force.add(idx);
          }
          // Each slice is sent before the next is marked: the queue stays one slice deep.
          await this.flush(p);
          if (p.epoch !== epoch || !p.session.isEstablished) return;
          await yieldToLoop();
          if (p.epoch !== epoch) return;
        }
        // End-of-RIB (RFC 4724) closes the initial pass; it also closes a policy pass, as it always has.
        if (enhanced) p.session.sendMessage(encodeRouteRefresh({ afi, safi: 1, subtype: 2 }));
        else if (kind !== 'refresh') p.session.sendMessage(encodeEndOfRib(afi));
      }
    } finally {
      st.running = false;
    }
  }

  private target(p: Peer): ExportTarget {
    const local = p.session.localAddress ?? '0.0.0.0';
    return {
      localAsn: p.config.localAsn,
      ebgp: p.config.asn !== p.config.localAsn,
      routeServerClient: p.config.routeServerClient,
      nextHopV4: p.config.nextHopV4 ?? (local.includes(':') ? '0.0.0.0' : local),
      ...(p.config.nextHopV6 ? { nextHopV6: p.config.nextHopV6 } : local.includes(':') ? { nextHopV6: local } : {}),
    };
  }

  /** Counts and reports routes that cannot be sent to `p` (see flushRound). */
  private unsendable(p: Peer, keys: PrefixKey[], why: string): void {
    this.unsent.set(p.id, (this.unsent.get(p.id) ?? 0) + keys.length);
    this.problem(p.id, `${keys.length} route(s) not sent: ${why} (e.g. ${formatPrefixKey(keys[0]!)})`);
  }

  /**
   * Sends what changed for this peer; resolves when its queue is empty (or the session is gone).
   * One flush runs per peer: a caller during it shares it.
   */
  flush(p: Peer): Promise<void> {
    if (p.flushing) return p.flushing;
    // With work to do the loop awaits before it ends, so it is recorded here before it clears itself.
    if (!p.dirty.size || !p.session.isEstablished) return Promise.resolve();
    return (p.flushing = this.flushLoop(p));
  }

  private async flushLoop(p: Peer): Promise<void> {
    try {
      while (p.dirty.size && p.session.isEstablished) {
        await this.flushRound(p);
        // Between rounds every other session's timers and sockets get their turn.
        if (p.dirty.size) await yieldToLoop();
      }
    } catch (e) {
      // One session's send path must never take down the process or another session.
      this.problem(p.id, `sending routes failed: ${(e as Error)?.message ?? String(e)}`);
    } finally {
      // Cleared in the same turn the loop saw an empty queue: a later caller starts a new flush.
      p.flushing = undefined;
    }
  }

  /** One bounded round: up to ROUND queued prefixes, grouped by attribute set, written with TCP backpressure. */
  private async flushRound(p: Peer): Promise<void> {
    const n = p.session.negotiated!;
    const opts = { fourOctetAs: n.fourOctetAs, maxLength: n.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH };
    const target = this.target(p);
    const withdraw: [PrefixKey[], PrefixKey[]] = [[], []];
    const groups = new Map<AttrSet, PrefixKey[]>();
    const { index, loc, peers } = this.rib;
    let budget = ROUND;
    for (const idx of p.dirty) {
      if (budget-- === 0) break;
      p.dirty.delete(idx);
      const forced = p.force.size > 0 && p.force.delete(idx);
      // A prefix no table holds any more was never sent (the Adj-RIB-Out would hold it).
      if (!index.live(idx)) continue;
      const v4 = index.isV4(idx);
      if (v4 ? !n.ipv4 : !n.ipv6) continue;
      const k = index.keyOf(idx);
      const best = loc.getAt(idx);
      const send =
        best &&
        best.source !== p.id &&
        ineligible(best.source === '' ? undefined : peers.get(best.source)?.info.ebgp, target) === undefined &&
        p.exportPolicy(k, best, best.source) === undefined
          ? best
          : undefined;
      const sent = p.out.getAt(idx);
      if (send === sent && !(forced && send)) continue;
      if (send) {
        p.out.setAt(idx, send);
        const g = groups.get(send);
        if (g) g.push(k);
        else groups.set(send, [k]);
      } else {
        p.out.deleteAt(idx);
        withdraw[v4 ? 0 : 1].push(k);
      }
    }
    const msgs: Buffer[] = [];
    const announce: Buffer[] = [];
    for (const [set, keys] of groups) {
      const local = set.source === '';
      for (const family of [4, 6] as const) {
        const fkeys = keys.filter((k) => (typeof k === 'number') === (family === 4));
        if (!fkeys.length) continue;
        try {
          const attrs = exportAttributes(set.attrs, family, target, local);
          const nh = nextHopProblem(attrs, family);
          if (nh) throw new Error(nh);
          announce.push(...encodeAnnouncements(family === 4 ? 1 : 2, attrs, fkeys, opts));
        } catch (e) {
          // A route that cannot be sent to this peer (its attributes do not fit one message once
          // our AS is prepended, a 2-octet AS_PATH is added or Extended Messages are missing; no
          // next hop we could give) is not sent; what the peer had of these prefixes is withdrawn.
          // Nothing here may reach another session.
          for (const k of fkeys) p.out.deleteAt(index.find(k));
          withdraw[family === 4 ? 0 : 1].push(...fkeys);
          this.unsendable(p, fkeys, (e as Error).message);
        }
      }
    }
    if (withdraw[0].length) msgs.push(...encodeWithdrawals(1, withdraw[0], opts));
    if (withdraw[1].length) msgs.push(...encodeWithdrawals(2, withdraw[1], opts));
    msgs.push(...announce);
    // Many small UPDATEs go out as few large writes: one syscall per ~64 KiB, not per message.
    for (let j = 0; j < msgs.length; ) {
      let size = 0;
      const start = j;
      while (j < msgs.length && (size === 0 || size + msgs[j]!.length <= 65536)) size += msgs[j++]!.length;
      const chunk = j - start === 1 ? msgs[start]! : Buffer.concat(msgs.slice(start, j), size);
      if (!p.session.sendMessage(chunk)) await p.session.drain();
      if (!p.session.isEstablished) return;
    }
  }
}
