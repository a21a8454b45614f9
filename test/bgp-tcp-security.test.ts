// TCP MD5 signatures (RFC 2385) and GTSM (RFC 5082) against a real BIRD: sessions with BIRD's
// `password` in both directions; a wrong key never reaching Established while a plain control
// peer does; BIRD's `ttl security on` with our ttlSecurity both ways; a TTL-64 socket towards a
// GTSM listener never answered; and, without the addon, MD5 and GTSM peers refused, never run
// unprotected. Kernel counters (/proc/net/netstat) show the drops instead of waiting a guessed time.
// Addresses: 127.72.0.0/16, ports 17200-17299.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { after, describe, test } from 'node:test';
import { parseSyn } from '../src/bgp/session/listener.js';
import { type PeerOptions, Speaker } from '../src/bgp/speaker.js';
import { parseSpeakerFile } from '../src/cli/speaker-config.js';
import { type Daemon, startDaemon, stopAll } from '../src/lab/routers/index.js';
import { tcpSecurityAddon, tcpSecurityError } from '../src/net/tcp-security.js';
import { ip } from './helpers/peer-options.js';
import { until as waitUntil } from './helpers/until.js';

const BIRD = '127.72.0.2';
const BIRD_PORT = 17201;
const BIRD_ASN = 65072;
const OUR_ASN = 65071;

const speakers: Speaker[] = [];
const closers: Array<() => void> = [];
let bird: Daemon | undefined;

/** A bounded wait whose failure carries the end of BIRD's log. */
const until = (cond: () => boolean, what: string): Promise<void> =>
  waitUntil(cond, () => `${what}${bird ? `\n--- bird log ---\n${bird.logs().slice(-3000)}` : ''}`, 30_000, 100);
after(async () => {
  for (const c of closers) c();
  for (const s of speakers) await s.stop();
  await stopAll();
});

/** A TcpExt counter of this network namespace (TCPMD5Failure, TCPMinTTLDrop, ...). */
function tcpExt(name: string): number {
  const lines = fs
    .readFileSync('/proc/net/netstat', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('TcpExt:'));
  const names = lines[0]!.split(/\s+/);
  return Number(lines[1]!.split(/\s+/)[names.indexOf(name)]);
}

/** One BIRD protocol towards one of our speakers (named as the lab's wrapper names them). */
function birdPeer(ours: string, port: number, lines: string[]): string {
  return [
    `protocol bgp p_${ours.replace(/\./g, '_')} {`,
    `  local ${BIRD} port ${BIRD_PORT} as ${BIRD_ASN};`,
    `  neighbor ${ours} port ${port} as ${OUR_ASN};`,
    '  strict bind;',
    '  connect delay time 1; connect retry time 2; error wait time 1,2;',
    ...lines.map((l) => `  ${l}`),
    '  ipv4 { import all; export none; };',
    '}',
  ].join('\n');
}

/** Our speaker on its own address and port with one peer (BIRD unless told), and its problems. */
async function speaker(ours: string, port: number, extra: Partial<PeerOptions>, more: Array<Partial<PeerOptions>> = []) {
  const s = new Speaker({ asn: OUR_ASN, routerId: ip(ours), listen: { host: ours, port } });
  speakers.push(s);
  const problems: string[] = [];
  s.on('problem', (_peer, text) => problems.push(text));
  for (const x of [extra, ...more]) {
    s.addPeer({
      address: BIRD,
      port: BIRD_PORT,
      asn: BIRD_ASN,
      localAsn: OUR_ASN,
      localAddress: ours,
      routerId: ip(ours),
      holdTime: 9,
      passive: false,
      families: ['ipv4'],
      routeServerClient: false,
      connectRetryTime: 1,
      addPathReceive: false,
      ...x,
    });
  }
  await s.start();
  return { s, problems, session: () => s.peer(extra.address ?? BIRD)!.session };
}

/** A plain socket (TTL 64, no MD5) from `from` to a listener: what it receives, whether it connected. */
function plainSocket(from: string, to: string, port: number) {
  const seen = { connected: false, bytes: 0, closed: false };
  const sock = net.connect({ host: to, port, localAddress: from });
  sock.on('connect', () => {
    seen.connected = true;
  });
  sock.on('data', (d) => {
    seen.bytes += d.length;
  });
  sock.on('error', () => {});
  sock.on('close', () => {
    seen.closed = true;
  });
  closers.push(() => sock.destroy());
  return { seen, sock };
}

describe('TCP MD5 and GTSM with BIRD', { concurrency: false }, () => {
  test('BIRD starts with password and ttl security peers', async () => {
    bird = await startDaemon({
      kind: 'bird',
      address: BIRD,
      port: BIRD_PORT,
      asn: BIRD_ASN,
      routerId: '10.255.72.2',
      peers: [],
      extraConfig: [
        birdPeer('127.72.0.10', 17210, ['multihop;', 'passive on;', 'password "md5-one";']),
        birdPeer('127.72.0.11', 17211, ['multihop;', 'password "md5-two";']),
        birdPeer('127.72.0.12', 17212, ['multihop;', 'password "right-key";']),
        birdPeer('127.72.0.13', 17213, ['multihop;']),
        birdPeer('127.72.0.14', 17214, ['multihop 1;', 'passive on;', 'ttl security on;']),
        birdPeer('127.72.0.15', 17215, ['multihop 1;', 'ttl security on;']),
      ].join('\n'),
    });
  });

  test('MD5, we connect: Established with the right key', async () => {
    const { session } = await speaker('127.72.0.10', 17210, { md5Key: 'md5-one' });
    await until(() => session().isEstablished, 'Established');
    assert.equal(await bird!.established('127.72.0.10'), true);
  });

  test('MD5, BIRD connects: Established with the right key on our listener', async () => {
    const { session } = await speaker('127.72.0.11', 17211, { md5Key: 'md5-two', passive: true });
    await until(() => session().isEstablished, 'Established');
  });

  test('a wrong key never reaches Established, either way, while a plain peer does', async () => {
    const failures = tcpExt('TCPMD5Failure');
    const wrong = await speaker('127.72.0.12', 17212, { md5Key: 'wrong-key' });
    const states = new Set<string>();
    wrong.s.on('session', (_p, state) => states.add(state));
    const control = await speaker('127.72.0.13', 17213, {});
    // Both sides tried: our SYNs and BIRD's were dropped for their signature, and our connect
    // attempt timed out with the explanation.
    await until(() => control.session().isEstablished, 'the control session Established');
    await until(() => tcpExt('TCPMD5Failure') >= failures + 2, 'segments dropped for a wrong MD5 signature');
    await until(() => wrong.problems.some((p) => /no answer .* TCP MD5/.test(p)), 'the no-answer problem');
    assert.equal(wrong.session().isEstablished, false);
    assert.equal(await bird!.established('127.72.0.12'), false);
    assert.deepEqual(
      [...states].filter((s) => !['Connect', 'Active'].includes(s)),
      [],
    );
  });

  test('GTSM, we connect to BIRD with ttl security on: Established', async () => {
    const { session } = await speaker('127.72.0.14', 17214, { ttlSecurity: true }, [{ address: '127.72.0.99', passive: true }]);
    await until(() => session().isEstablished, 'Established');
  });

  test('GTSM, BIRD with ttl security on connects to us: Established', async () => {
    const { session } = await speaker('127.72.0.15', 17215, { ttlSecurity: true, passive: true });
    await until(() => session().isEstablished, 'Established');
  });

  test('a TTL-64 socket towards a GTSM-only listener gets no answer, not even the handshake', async () => {
    const drops = tcpExt('TCPMinTTLDrop');
    const { seen } = plainSocket(BIRD, '127.72.0.15', 17215);
    await until(() => tcpExt('TCPMinTTLDrop') > drops, 'the SYN dropped for its TTL');
    assert.deepEqual(seen, { connected: false, bytes: 0, closed: false });
  });

  test('a TTL-64 connection from a GTSM peer to a shared listener is closed before any byte', async () => {
    // 127.72.0.14's listener also serves a peer without GTSM, so SYNs pass and each one is checked.
    const s = speakers.find((x) => x.config.routerId === ip('127.72.0.14'))!;
    const problems: string[] = [];
    s.on('problem', (_p, t) => problems.push(t));
    const { seen } = plainSocket(BIRD, '127.72.0.14', 17214);
    await until(() => seen.closed, 'the connection closed');
    assert.equal(seen.bytes, 0);
    assert.match(problems.join('\n'), /GTSM \(RFC 5082\) needs TTL 254 or more, its SYN came with 64/);
    assert.equal(s.peer(BIRD)!.session.isEstablished, true);
  });
});

describe('without the addon', { concurrency: false }, () => {
  test('MD5 and GTSM peers are refused with the way to build it; plain peers run', async () => {
    process.env.OPENPEERING_TCP_SECURITY_ADDON = 'none';
    try {
      // Stand-in peers that count the connections they get.
      const got = new Map<string, number>();
      for (const [host, port] of [
        ['127.72.0.21', 17221],
        ['127.72.0.22', 17222],
      ] as const) {
        const server = net.createServer((c) => {
          got.set(host, (got.get(host) ?? 0) + 1);
          c.destroy();
        });
        await new Promise<void>((r) => server.listen(port, host, r));
        closers.push(() => server.close());
      }
      const { problems, session } = await speaker('127.72.0.20', 17220, { address: '127.72.0.21', port: 17221, md5Key: 'k' }, [
        { address: '127.72.0.22', port: 17222 },
        { address: '127.72.0.23', passive: true, ttlSecurity: true },
      ]);
      await until(() => (got.get('127.72.0.22') ?? 0) > 0, 'the plain peer connecting');
      await until(() => problems.some((p) => /needs the native addon/.test(p)), 'the refusal');
      assert.equal(got.get('127.72.0.21'), undefined);
      assert.ok(['Connect', 'Active'].includes(session().state));
      assert.match(problems.join('\n'), /not connecting to 127\.72\.0\.21: TCP MD5 \(RFC 2385\) needs the native addon .*npm run build:addon/);
      // Its incoming connections are refused too, before a byte.
      const { seen } = plainSocket('127.72.0.23', '127.72.0.20', 17220);
      await until(() => seen.closed, 'the connection closed');
      assert.equal(seen.bytes, 0);
      assert.match(problems.join('\n'), /connection from 127\.72\.0\.23 refused: GTSM \(RFC 5082\) needs the native addon/);
      // The standalone speaker's file says so at load time.
      const file = { asn: 65001, routerId: '192.0.2.1', peers: [{ address: '192.0.2.2', asn: 65002, password: 'k' }] };
      assert.throws(() => parseSpeakerFile(file), /peers\[0\]\.password: TCP MD5 \(RFC 2385\) needs the native addon/);
    } finally {
      delete process.env.OPENPEERING_TCP_SECURITY_ADDON;
    }
  });

  test('the speaker file takes password and ttlSecurity where the addon loads', () => {
    const f = parseSpeakerFile({ asn: 65001, routerId: '192.0.2.1', peers: [{ address: '192.0.2.2', asn: 65002, password: 'k', ttlSecurity: true }] });
    assert.equal(f.peers[0]!.options.md5Key, 'k');
    assert.equal(f.peers[0]!.options.ttlSecurity, true);
    assert.throws(
      () => parseSpeakerFile({ asn: 65001, routerId: '192.0.2.1', peers: [{ address: '192.0.2.2', asn: 65002, password: 12345678 }] }),
      /password: .*as a string/,
    );
  });
});

test('a saved SYN: TTL and the MD5 option found in IPv4 and IPv6 headers', () => {
  const tcp = (opts: number[]) => Buffer.from([0, 179, 0, 179, 0, 0, 0, 1, 0, 0, 0, 0, ((20 + opts.length) / 4) << 4, 2, 0, 0, 0, 0, 0, 0, ...opts]);
  const md5 = [1, 1, 19, 18, ...new Array(16).fill(0), 2, 4, 5, 180];
  const v4 = (ttl: number, opts: number[]) => Buffer.concat([Buffer.from([0x45, 0, 0, 0, 0, 0, 0, 0, ttl, 6, 0, 0, 127, 0, 0, 1, 127, 0, 0, 2]), tcp(opts)]);
  const v6 = (hops: number, opts: number[]) => Buffer.concat([Buffer.from([0x60, 0, 0, 0, 0, 0, 6, hops]), Buffer.alloc(32), tcp(opts)]);
  assert.deepEqual(parseSyn(v4(64, [2, 4, 5, 180])), { ttl: 64, md5: false });
  assert.deepEqual(parseSyn(v4(255, md5)), { ttl: 255, md5: true });
  assert.deepEqual(parseSyn(v6(255, md5)), { ttl: 255, md5: true });
  assert.equal(parseSyn(Buffer.from([0x45, 0, 0])), undefined);
});

test('the addon: IPv6 and v4-mapped keys and GTSM on a dual-stack socket, errors with errno codes', () => {
  const addon = tcpSecurityAddon();
  assert.ok(addon, tcpSecurityError('these tests'));
  const fd6 = addon.socket(6);
  try {
    addon.setMd5(fd6, 6, '2001:db8::1', 'k6');
    addon.setMd5(fd6, 6, '192.0.2.1', 'k4');
    addon.setMd5(fd6, 6, '2001:db8::1', null);
    addon.setTtl(fd6, 6, 255);
    addon.setMinTtl(fd6, 6, 254);
    assert.throws(() => addon.setMd5(fd6, 6, '2001:db8::2', 'x'.repeat(81)), /1-80 bytes/);
  } finally {
    addon.close(fd6);
  }
  const fd4 = addon.socket(4);
  try {
    assert.throws(() => addon.setMd5(fd4, 4, '2001:db8::1', 'k'), /not an IP address/);
    // 127.72.0.0/16 is all on loopback; 192.0.2.1 (TEST-NET-1) is on no interface here.
    assert.throws(() => addon.bind(fd4, 4, '192.0.2.1', 0), { code: 'EADDRNOTAVAIL' });
  } finally {
    addon.close(fd4);
  }
});
