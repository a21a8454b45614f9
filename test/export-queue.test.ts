// The export side's full-table passes with a stand-in session that negotiated enhanced route
// refresh (RFC 7313; the real Session does not offer it yet): each pass is framed by BoRR/EoRR,
// the initial pass ends with End-of-RIB after its last route, and a burst of ROUTE-REFRESH
// requests during a pass makes exactly one more pass.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExportQueue } from '../src/bgp/export-queue.js';
import type { Peer } from '../src/bgp/peer.js';
import { Changed, Rib } from '../src/bgp/rib/rib.js';
import { RouteTable } from '../src/bgp/rib/route-table.js';
import type { Negotiated } from '../src/bgp/session/negotiated.js';
import type { Session } from '../src/bgp/session/session.js';
import { MessageType } from '../src/bgp/wire/constants.js';
import { Framer } from '../src/bgp/wire/header.js';
import { decodeRouteRefresh } from '../src/bgp/wire/route-refresh.js';
import { decodeUpdate } from '../src/bgp/wire/update.js';

const N = 50_000;

function setup() {
  const rib = new Rib();
  const changed = new Changed();
  for (let j = 0; j < N; j++) rib.setLocal(((10 << 16) + j) * 256 * 64 + 24, { origin: 0 }, changed);
  const sent: Buffer[] = [];
  const session = {
    isEstablished: true,
    localAddress: '127.70.0.1',
    negotiated: { ipv4: true, ipv6: false, fourOctetAs: true, extendedMessage: false, enhancedRouteRefresh: true } as Negotiated,
    sendMessage(buf: Buffer) {
      sent.push(buf);
      return true;
    },
    drain: () => Promise.resolve(),
  } as unknown as Session;
  const peer: Peer = {
    id: '127.70.0.2',
    session,
    importPolicy: () => undefined,
    exportPolicy: () => undefined,
    maxPrefixWarned: false,
    config: {
      address: '127.70.0.2',
      port: 179,
      asn: 65002,
      localAsn: 65001,
      routerId: 1,
      holdTime: 90,
      passive: true,
      families: ['ipv4'],
      routeServerClient: false,
      connectRetryTime: 1,
      addPathReceive: false,
    },
    out: new RouteTable(rib.index, rib.setHandles),
    ...ExportQueue.fresh(),
  };
  const q = new ExportQueue(rib, new Map([[peer.id, peer]]), (_p, text) => {
    throw new Error(text);
  });
  /** what the peer got, in order: 'R' for a run of announced prefixes (with the count), markers by name */
  const log = () => {
    const f = new Framer();
    for (const b of sent) f.push(b);
    const out: string[] = [];
    for (let m = f.next(); m && !('code' in m); m = f.next()) {
      if (m.type === MessageType.ROUTE_REFRESH) {
        const r = decodeRouteRefresh(m.body);
        out.push('code' in r ? '?' : r.subtype === 1 ? 'BoRR' : 'EoRR');
        continue;
      }
      const u = decodeUpdate(m.body, { fourOctetAs: true, ebgp: true, addPathV4: false, addPathV6: false });
      if ('code' in u) {
        out.push('?');
        continue;
      }
      if (u.endOfRib) {
        out.push('EoR');
        continue;
      }
      const n = u.nlri.keys.length;
      const lastRun = out.at(-1);
      if (lastRun?.startsWith('R')) out[out.length - 1] = `R${Number(lastRun.slice(1)) + n}`;
      else out.push(`R${n}`);
    }
    return out;
  };
  return { q, peer, log };
}

const settle = async (peer: Peer) => {
  while (peer.passes[0].running) await new Promise((r) => setImmediate(r));
};

test('the initial pass sends every route, then End-of-RIB; a burst of refreshes makes one BoRR..EoRR pass more', async () => {
  const { q, peer, log } = setup();
  q.request(peer, 4, 'initial');
  // 100 ROUTE-REFRESH while the initial pass runs: one refresh pass after it, not 100.
  for (let i = 0; i < 100; i++) q.request(peer, 4, 'refresh');
  await settle(peer);
  assert.deepEqual(log(), [`R${N}`, 'EoR', 'BoRR', `R${N}`, 'EoRR']);
  assert.equal(q.passes.get(peer.id), 2);
});

test('a refresh pass is framed by BoRR and EoRR; requests during it coalesce into exactly one more', async () => {
  const { q, peer, log } = setup();
  q.request(peer, 4, 'initial');
  await settle(peer);
  q.request(peer, 4, 'refresh');
  await new Promise((r) => setImmediate(r));
  assert.equal(peer.passes[0].running, true, 'the pass is still running: it yields between slices');
  for (let i = 0; i < 50; i++) q.request(peer, 4, 'refresh');
  await settle(peer);
  assert.deepEqual(log(), [`R${N}`, 'EoR', 'BoRR', `R${N}`, 'EoRR', 'BoRR', `R${N}`, 'EoRR']);
  // A policy change during nothing: recomputes, sends nothing that did not change, ends with End-of-RIB as before.
  q.request(peer, 4, 'policy');
  await settle(peer);
  assert.deepEqual(log().slice(8), ['EoR']);
});
