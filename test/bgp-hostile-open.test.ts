// Hostile and broken peers against a live Speaker over real sockets: OPENs that must be refused
// (RFC 9234 §4.2, RFC 6793), UPDATEs whose next hop or family cannot be used (RFC 7606 §7.11,
// RFC 4271 §6.3, RFC 4760), a peer that never reads (RFC 9687 send hold timer), and a peer
// address opening many connections at once (RFC 4271 §6.8).

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, test } from 'node:test';
import type { DownInfo } from '../src/bgp/session/session.js';
import { type PeerOptions, Speaker } from '../src/bgp/speaker.js';
import { routes, sessions } from '../src/bgp/status.js';
import { emptyCapabilities, IPV4_UNICAST, IPV6_UNICAST } from '../src/bgp/wire/capabilities.js';
import { encodeMessage } from '../src/bgp/wire/header.js';
import { decodeNotification } from '../src/bgp/wire/notification.js';
import { encodeOpen } from '../src/bgp/wire/open.js';
import { parsePrefixKey } from '../src/net/prefix-key.js';
import { acceptAll as all, ip, peerOptions } from './helpers/peer-options.js';
import { RawPeer } from './helpers/raw-peer.js';
import { until } from './helpers/until.js';
import { attr, capability, capParam, cat, ip6, openBody, seg, T, u16, u32, update, v4, v6 } from './helpers/wire-bytes.js';

const S = '127.71.0.1';
const PORT = 17100;
const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const config = (address: string, asn: number, extra: Partial<PeerOptions> = {}): PeerOptions =>
  peerOptions({ address, asn, port: PORT, localAddress: S, ...extra });

const ORIGIN = attr(T, 1, [0]);
const path = (asn: number) => attr(T, 2, seg(2, [asn]));
const nextHop = (a: string) => attr(T, 3, a.split('.').map(Number));
const mpReach = (afi: number, nh: number[], nlri: Buffer) => attr(0x80, 14, cat(u16(afi), [1, nh.length], nh, [0], nlri));
const has = (s: Speaker, peer: string, prefix: string) => {
  const r = routes(s, { peer, prefix });
  return !('error' in r) && r.count > 0;
};

describe('hostile peers against a live speaker', () => {
  const s = new Speaker({ asn: 65001, routerId: ip('192.0.2.1'), listen: { host: S, port: PORT } });
  cleanups.push(() => s.stop());
  const problems: Array<[string, string]> = [];
  s.on('problem', (peer, text) => problems.push([peer, text]));
  const problemsOf = (peer: string) => problems.filter(([p]) => p === peer).map(([, t]) => t);

  const connect = async (from: string, asn: number, extra: Partial<ConstructorParameters<typeof RawPeer>[0]> = {}) => {
    const raw = new RawPeer({ asn, bgpId: ip(from.replace('127.71.0.', '192.0.2.')), connect: { host: S, port: PORT, localAddress: from }, ...extra });
    cleanups.push(() => raw.stop());
    await raw.start();
    return raw;
  };
  /** An OPEN as our codec writes it, with My Autonomous System then overwritten. */
  const openWithMyAs = (myAs: number, asn: number, bgpId: number) => {
    const m = encodeOpen({ asn, holdTime: 90, bgpId, capabilities: { ...emptyCapabilities(), multiprotocol: [IPV4_UNICAST] } });
    m.writeUInt16BE(myAs, 20);
    return m;
  };
  const established = async (from: string, asn: number, extra: Partial<ConstructorParameters<typeof RawPeer>[0]> = {}) => {
    const raw = await connect(from, asn, extra);
    await raw.until(() => raw.established, 5000, 'Established');
    await until(() => s.peer(from)!.session.isEstablished, 'Established at the speaker');
    return raw;
  };
  /** Sends a valid route and waits for it: everything sent before it has been handled. */
  const fence = async (raw: RawPeer, from: string, asn: number, prefix: string) => {
    raw.sendUpdateBody(update({ attrs: [ORIGIN, path(asn), nextHop('192.0.2.99')], nlri: v4(prefix) }));
    await until(() => has(s, from, prefix), `the fence route ${prefix} from ${from}`);
  };

  test('setup', async () => {
    for (let i = 2; i <= 12; i++) s.addPeer(config(`127.71.0.${i}`, 65000 + i), all);
    s.addPeer(config('127.71.0.13', 4200000013), all);
    s.addPeer(config('127.71.0.14', 65014, { families: ['ipv6'] }), all);
    await s.start();
  });

  // ---- OPEN (items 4 and 5)

  test('RFC 9234 §4.2: two Role capabilities with different values get Role Mismatch (2/11)', async () => {
    const open = encodeOpen({
      asn: 65002,
      holdTime: 90,
      bgpId: ip('192.0.2.2'),
      capabilities: { ...emptyCapabilities(), multiprotocol: [IPV4_UNICAST], role: 3, unknown: [{ code: 9, value: Buffer.from([0]) }] },
    });
    const raw = await connect('127.71.0.2', 65002, { open });
    await raw.until(() => raw.notification !== undefined, 5000, 'a NOTIFICATION');
    assert.deepEqual([raw.notification!.code, raw.notification!.subcode], [2, 11]);
    assert.equal(raw.established, false);
    assert.match(s.peer('127.71.0.2')!.session.describeDown() ?? '', /Role Mismatch: two Role capabilities/);
  });

  test('RFC 6793: My Autonomous System other than AS_TRANS and the 4-octet AS gets Bad Peer AS (2/2)', async () => {
    // The capability says 65003 (the configured AS); the 2-octet field says 65099.
    const raw = await connect('127.71.0.3', 65003, { open: openWithMyAs(65099, 65003, ip('192.0.2.3')) });
    await raw.until(() => raw.notification !== undefined, 5000, 'a NOTIFICATION');
    assert.deepEqual([raw.notification!.code, raw.notification!.subcode], [2, 2]);
    assert.match(s.peer('127.71.0.3')!.session.describeDown() ?? '', /Bad Peer AS: My Autonomous System 65099/);
  });

  test('RFC 6793: a 4-octet AS with My Autonomous System other than AS_TRANS gets Bad Peer AS (2/2)', async () => {
    const raw = await connect('127.71.0.13', 4200000013, { open: openWithMyAs(65013, 4200000013, ip('192.0.2.13')) });
    await raw.until(() => raw.notification !== undefined, 5000, 'a NOTIFICATION');
    assert.deepEqual([raw.notification!.code, raw.notification!.subcode], [2, 2]);
  });

  test('RFC 6793: two different 4-octet AS capabilities get Bad Peer AS (2/2)', async () => {
    // The last one is the configured AS: taking it would have let the session up.
    const body = openBody({
      as: 23456,
      id: ip('192.0.2.4'),
      params: capParam(capability(1, [0, 1, 0, 1]), capability(65, u32(65009)), capability(65, u32(65004))),
    });
    const raw = await connect('127.71.0.4', 65004, { open: encodeMessage(1, body) });
    await raw.until(() => raw.notification !== undefined, 5000, 'a NOTIFICATION');
    assert.deepEqual([raw.notification!.code, raw.notification!.subcode], [2, 2]);
    assert.match(s.peer('127.71.0.4')!.session.describeDown() ?? '', /two 4-octet AS capabilities/);
  });

  // ---- UPDATE (items 1, 2 and 3)

  test('RFC 7606 §7.11: an IPv6 next hop on IPv4 MP_REACH_NLRI without RFC 8950 resets the session (3/9), nothing installed', async () => {
    const raw = await established('127.71.0.5', 65005);
    raw.sendUpdateBody(update({ attrs: [mpReach(1, ip6('2001:db8::5'), v4('203.0.113.0/24')), ORIGIN, path(65005)] }));
    await raw.until(() => raw.notification !== undefined, 5000, 'a NOTIFICATION');
    assert.deepEqual([raw.notification!.code, raw.notification!.subcode], [3, 9]);
    assert.match(s.peer('127.71.0.5')!.session.describeDown() ?? '', /IPv6 next hop .* without the extended next hop capability \(RFC 8950\)/);
    assert.equal(has(s, '127.71.0.5', '203.0.113.0/24'), false);
  });

  test('RFC 4271 §6.3: NEXT_HOP 0.0.0.0, multicast, broadcast, 240/4 or our own address: routes ignored, no NOTIFICATION', async () => {
    const from = '127.71.0.6';
    const raw = await established(from, 65006);
    // A valid route first, then the same prefix with an unusable next hop: it must go away.
    raw.sendUpdateBody(update({ attrs: [ORIGIN, path(65006), nextHop('192.0.2.6')], nlri: v4('198.51.100.0/24') }));
    await until(() => has(s, from, '198.51.100.0/24'), 'the valid route');
    const bad = ['0.0.0.0', '224.0.0.5', '255.255.255.255', '240.0.0.1', S];
    bad.forEach((nh, i) =>
      raw.sendUpdateBody(update({ attrs: [ORIGIN, path(65006), nextHop(nh)], nlri: v4(i === 0 ? '198.51.100.0/24' : `198.51.${101 + i}.0/24`) })),
    );
    await fence(raw, from, 65006, '192.0.2.0/24');
    assert.equal(has(s, from, '198.51.100.0/24'), false, 'the earlier route was treated as withdrawn');
    for (let i = 1; i < bad.length; i++) assert.equal(has(s, from, `198.51.${101 + i}.0/24`), false, `next hop ${bad[i]} ignored`);
    assert.equal(raw.notification, undefined);
    assert.equal(s.peer(from)!.session.isEstablished, true);
    const texts = problemsOf(from).join('\n');
    for (const nh of bad) assert.ok(texts.includes(nh), `the log names ${nh}: ${texts}`);
    assert.match(texts, /our own address/);
  });

  test('RFC 4271 §6.3, RFC 2545: MP_REACH next hops ::, ff02::1, fe80::1 as global, or ours are ignored; global + link-local is fine', async () => {
    const from = '127.71.0.7';
    const raw = await established(from, 65007);
    const bad = [ip6('::'), ip6('ff02::1'), ip6('fe80::1')];
    bad.forEach((nh, i) => raw.sendUpdateBody(update({ attrs: [mpReach(2, nh, v6(`2001:db8:${i + 1}::/48`)), ORIGIN, path(65007)] })));
    raw.sendUpdateBody(update({ attrs: [mpReach(1, S.split('.').map(Number), v4('198.18.0.0/24')), ORIGIN, path(65007)] }));
    raw.sendUpdateBody(update({ attrs: [mpReach(2, [...ip6('2001:db8::7'), ...ip6('fe80::7')], v6('2001:db8:99::/48')), ORIGIN, path(65007)] }));
    await until(() => has(s, from, '2001:db8:99::/48'), 'the valid IPv6 route');
    for (let i = 0; i < bad.length; i++) assert.equal(has(s, from, `2001:db8:${i + 1}::/48`), false, `next hop ${i} ignored`);
    assert.equal(has(s, from, '198.18.0.0/24'), false, 'our own address in MP_REACH ignored');
    assert.equal(raw.notification, undefined);
    assert.equal(s.peer(from)!.session.isEstablished, true);
    assert.equal(problemsOf(from).filter((t) => /MP_REACH_NLRI/.test(t)).length, 4);
  });

  test('RFC 4760: IPv6 routes on a session that negotiated IPv4 only are ignored, logged once, no reset', async () => {
    const from = '127.71.0.8';
    const raw = await established(from, 65008, { capabilities: { multiprotocol: [IPV4_UNICAST] } });
    assert.equal(s.peer(from)!.session.negotiated?.ipv6, false);
    for (const p of ['2001:db8:8::/48', '2001:db8:9::/48']) {
      raw.sendUpdateBody(update({ attrs: [mpReach(2, ip6('2001:db8::8'), v6(p)), ORIGIN, path(65008)] }));
    }
    await fence(raw, from, 65008, '192.0.2.0/24');
    assert.equal(has(s, from, '2001:db8:8::/48'), false);
    assert.equal(has(s, from, '2001:db8:9::/48'), false);
    assert.equal(raw.notification, undefined);
    assert.equal(problemsOf(from).filter((t) => /IPv6 unicast routes ignored.*not negotiated/.test(t)).length, 1, problemsOf(from).join('\n'));
  });

  test('RFC 4760: IPv4 routes on a session that negotiated IPv6 only are ignored, no reset', async () => {
    const from = '127.71.0.14';
    const raw = await established(from, 65014, { capabilities: { multiprotocol: [IPV6_UNICAST] } });
    assert.equal(s.peer(from)!.session.negotiated?.ipv4, false);
    raw.sendUpdateBody(update({ attrs: [ORIGIN, path(65014), nextHop('192.0.2.14')], nlri: v4('198.51.100.0/24') }));
    raw.sendUpdateBody(update({ attrs: [mpReach(1, [192, 0, 2, 14], v4('198.51.101.0/24')), ORIGIN, path(65014)] }));
    raw.sendUpdateBody(update({ attrs: [mpReach(2, ip6('2001:db8::14'), v6('2001:db8:14::/48')), ORIGIN, path(65014)] }));
    await until(() => has(s, from, '2001:db8:14::/48'), 'the IPv6 route');
    assert.equal(has(s, from, '198.51.100.0/24'), false);
    assert.equal(has(s, from, '198.51.101.0/24'), false);
    assert.equal(raw.notification, undefined);
    assert.equal(problemsOf(from).filter((t) => /IPv4 unicast routes ignored/.test(t)).length, 1);
  });

  // ---- Connections (item 7)

  test('RFC 4271 §6.8: 50 connections from one peer address leave one; the rest are closed at once (Cease / Connection Rejected)', async () => {
    const from = '127.71.0.9';
    const socks: Array<{ sock: net.Socket; closed: boolean; notification?: [number, number]; open: boolean }> = [];
    for (let i = 0; i < 50; i++) {
      const rec: (typeof socks)[number] = { sock: net.connect({ host: S, port: PORT, localAddress: from }), closed: false, open: false };
      rec.sock.on('error', () => {});
      rec.sock.on('close', () => {
        rec.closed = true;
      });
      rec.sock.on('data', (b: Buffer) => {
        // Enough framing for this test: a NOTIFICATION or an OPEN at the start of a chunk.
        for (let j = 0; j + 19 <= b.length; j += b.readUInt16BE(j + 16) || b.length) {
          if (b[j + 18] === 3) {
            const n = decodeNotification(b.subarray(j + 19, j + b.readUInt16BE(j + 16)));
            rec.notification = [n.code, n.subcode];
          }
          if (b[j + 18] === 1) rec.open = true;
        }
      });
      socks.push(rec);
    }
    cleanups.push(() => {
      for (const r of socks) r.sock.destroy();
    });
    await until(() => socks.filter((r) => r.closed).length >= 49, 'all but one connection closed', 5000);
    const alive = socks.filter((r) => !r.closed);
    assert.ok(alive.length <= 1, `${alive.length} connections still open`);
    assert.ok(socks.filter((r) => r.notification?.[0] === 6 && r.notification[1] === 5).length >= 48, 'Cease / Connection Rejected sent');
    assert.equal(s.peer(from)!.session.counters.connectionsRejected, 49);
    assert.equal(s.peer(from)!.session.state, 'OpenSent');
  });
});

describe('RFC 9687 send hold timer', () => {
  const H = '127.71.1.1';
  const s = new Speaker({ asn: 65001, routerId: ip('192.0.2.1'), listen: { host: H, port: PORT + 1 } });
  cleanups.push(() => s.stop());

  test('a peer that stops reading is dropped with Send Hold Timer Expired; the other peer stays up and gets the table', async () => {
    const stalled = '127.71.1.2';
    const healthy = '127.71.1.3';
    // Hold time 3 s, send hold time 4 s (RFC 9687 §4.4: greater than the hold time).
    s.addPeer(config(stalled, 65102, { localAddress: H, port: PORT + 1, holdTime: 3, sendHoldTime: 4 }), all);
    s.addPeer(config(healthy, 65103, { localAddress: H, port: PORT + 1 }), all);
    const downs: DownInfo[] = [];
    s.on('down', (peer, info) => {
      if (peer === stalled) downs.push(info);
    });
    // A different MED per route: one UPDATE each, some 12 MB, more than the socket buffers hold.
    // Announced before the sessions come up: the event loop is then free for their KEEPALIVEs.
    const n = 200_000;
    const table = [];
    for (let i = 0; i < n; i++)
      table.push({ key: parsePrefixKey(`${10 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/24`)!, attrs: { origin: 0, med: i, communities: [i] } });
    s.announce(table);
    await s.start();
    // The stalled peer keeps its session alive (KEEPALIVEs every second) but never reads.
    const bad = new RawPeer({
      asn: 65102,
      bgpId: ip('192.0.2.102'),
      holdTime: 3,
      keepaliveEveryMs: 1000,
      connect: { host: H, port: PORT + 1, localAddress: stalled },
    });
    const good = new RawPeer({ asn: 65103, bgpId: ip('192.0.2.103'), connect: { host: H, port: PORT + 1, localAddress: healthy } });
    cleanups.push(
      () => bad.stop(),
      () => good.stop(),
    );
    await bad.start();
    await good.start();
    await bad.until(() => bad.established, 5000, 'Established');
    bad.stall();
    await good.until(() => good.established, 5000, 'Established');
    await until(() => sessions(s).every((v) => v.state === 'Established'), 'both Established');
    await until(() => downs.length > 0, 'the stalled session to go down', 20_000);
    assert.equal(downs[0]!.sent?.code, 8, `down: ${downs[0]!.reason}`);
    assert.equal(downs[0]!.sent?.subcode, 0);
    assert.match(s.peer(stalled)!.session.describeDown() ?? '', /Send Hold Timer Expired: nothing could be sent for 4 s/);
    assert.notEqual(s.peer(stalled)!.session.state, 'Established');
    await good.until(() => good.announced >= n, 20_000, 'the whole table at the healthy peer');
    assert.equal(s.peer(healthy)!.session.isEstablished, true);
    assert.equal(good.notification, undefined);
  });
});
