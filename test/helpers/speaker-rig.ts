// A Speaker (AS 65001) on one loopback address with scripted peers (CapsPeer) already Established,
// for tests that drive the export side the way peer routers would. Every peer is passive on our
// side, with import and export all unless the spec says otherwise.

import assert from 'node:assert/strict';
import { after } from 'node:test';
import type { ImportPolicy } from '../../src/bgp/rib/rib.js';
import { type ExportPolicy, type PeerOptions, Speaker } from '../../src/bgp/speaker.js';
import type { PathAttributes } from '../../src/bgp/wire/attributes/types.js';
import type { Capabilities } from '../../src/bgp/wire/capabilities.js';
import { formatPrefixKey, type PrefixKey } from '../../src/net/prefix-key.js';
import { CapsPeer } from './caps-peer.js';
import { acceptAll, ip, peerOptions } from './peer-options.js';

export const PORT = 17001;

export interface RigPeer {
  addr: string;
  asn: number;
  caps?: Partial<Capabilities>;
  options?: Partial<PeerOptions>;
  policies?: { import?: ImportPolicy; export?: ExportPolicy };
}

export async function rig(listen: string, peers: RigPeer[], routes: Array<{ key: PrefixKey; attrs: PathAttributes }> = []) {
  const s = new Speaker({ asn: 65001, routerId: ip('192.0.2.1'), listen: { host: listen, port: PORT } });
  const problems: string[] = [];
  const downs: string[] = [];
  s.on('problem', (_peer, text) => problems.push(text));
  s.on('down', (peer, info) => downs.push(`${peer}: ${info.reason}`));
  for (const p of peers) {
    s.addPeer(peerOptions({ address: p.addr, asn: p.asn, port: PORT, localAddress: listen, nextHopV6: '2001:db8::1', ...p.options }), p.policies ?? acceptAll);
  }
  s.announce(routes);
  await s.start();
  const raws = new Map<string, CapsPeer>();
  for (const p of peers) {
    raws.set(
      p.addr,
      new CapsPeer({ asn: p.asn, bgpId: ip(p.addr), connect: { host: listen, port: PORT, localAddress: p.addr }, ...(p.caps ? { capabilities: p.caps } : {}) }),
    );
  }
  after(async () => {
    for (const r of raws.values()) r.stop();
    await s.stop();
  });
  for (const r of raws.values()) await r.start();
  const peer = (addr: string) => raws.get(addr)!;
  /** prefixes announced to `addr` so far, as text */
  const got = (addr: string) => peer(addr).updates.flatMap((u) => [...u.nlri.keys, ...(u.mpReach?.nlri.keys ?? [])].map((k) => formatPrefixKey(k)));
  /** the last UPDATE that announced `prefix` to `addr` */
  const last = (addr: string, prefix: string) =>
    peer(addr).updates.findLast((u) => [...u.nlri.keys, ...(u.mpReach?.nlri.keys ?? [])].some((k) => formatPrefixKey(k) === prefix));
  /** no session went down, no NOTIFICATION, every peer still connected */
  const intact = () => {
    assert.deepEqual(downs, [], 'no session went down');
    for (const [addr, r] of raws) {
      assert.equal(r.notification, undefined, `no NOTIFICATION to ${addr}`);
      assert.equal(r.closed, false, `${addr} still connected`);
      assert.equal(s.peer(addr)!.session.state, 'Established');
    }
  };
  return { s, raws, peer, problems, downs, got, last, intact };
}
