// Proves the BGP daemon harness (src/lab/routers/) against itself, before our speaker exists:
// BIRD is the hub; two GoBGPs (one dials BIRD, one waits for BIRD), FRR and ExaBGP (dials a passive
// BIRD) peer with it. Every daemon originates IPv4 and IPv6 routes with AS path (4-octet ASNs, AS_SET
// where the daemon can), MED, communities and large communities; each side must see the other's
// routes with the attributes intact, and run-time announce/withdraw must propagate.
// Addresses: 127.0.10.0/24 is reserved for this file.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import {
  type AnnouncedRoute,
  type Daemon,
  type DaemonKind,
  fakeNextHop,
  type LearnedRoute,
  requireBinary,
  sortCommunities,
  startDaemon,
  stopAll,
} from '../src/lab/routers/index.js';

const A = { bird: '127.0.10.2', gobgp1: '127.0.10.3', exabgp: '127.0.10.4', frr: '127.0.10.5', gobgp2: '127.0.10.6' };
const PORT = { bird: 1790, gobgp1: 1791, exabgp: 1792, frr: 1793, gobgp2: 1796 };
const AS = { bird: 65102, gobgp1: 65103, exabgp: 65104, frr: 65105, gobgp2: 65106 };

const R = {
  bird4: {
    prefix: '198.51.100.0/24',
    asPath: [4200000001, 65010],
    med: 10,
    communities: ['65102:100', '65102:7'],
    largeCommunities: ['65102:1:2', '4200000001:5:6'],
  },
  bird6: { prefix: '2001:db8:102::/48', asPath: [65011], med: 11, communities: ['65102:600'], largeCommunities: ['65102:6:6'] },
  gobgp1v4: {
    prefix: '203.0.113.0/26',
    asPath: [65020, 4200000002],
    asSet: [64512, 64513],
    med: 20,
    communities: ['65103:200'],
    largeCommunities: ['65103:2:3'],
  },
  gobgp1v6: { prefix: '2001:db8:103::/48', asPath: [65021], med: 21, communities: ['65103:601'], largeCommunities: ['65103:6:1'] },
  gobgp2v4: { prefix: '203.0.113.64/26', asPath: [65030], med: 30, communities: ['65106:300'], largeCommunities: ['65106:3:0'] },
  frr4: {
    prefix: '203.0.113.128/26',
    asPath: [65050, 4200000005],
    med: 50,
    communities: ['65105:500', '65105:501'],
    largeCommunities: ['65105:5:6'],
  },
  frr6: { prefix: '2001:db8:105::/48', med: 51, communities: ['65105:605'], largeCommunities: ['65105:6:5'] },
  exa4: {
    prefix: '203.0.113.192/26',
    nextHop: '192.0.2.144',
    asPath: [65040],
    asSet: [1, 2],
    med: 40,
    communities: ['65104:1'],
    largeCommunities: ['65104:4:4'],
  },
  exa6: { prefix: '2001:db8:104::/48', asPath: [4200000004], med: 41, communities: ['65104:6'], largeCommunities: ['65104:6:4'] },
} satisfies Record<string, AnnouncedRoute>;

const d = {} as Record<'bird' | 'gobgp1' | 'gobgp2' | 'frr' | 'exabgp', Daemon>;
const pids: number[] = [];
const dirs: string[] = [];
let setupError: unknown;

/** Every test fails (never skips) with the setup error, e.g. the install hint for a missing daemon. */
function ready(): void {
  if (setupError) throw setupError;
}

/** What a peer should see for `r` when `from` (address, ASN) sends it over eBGP. */
function expected(r: AnnouncedRoute, fromAddr: string, fromAsn: number): Partial<LearnedRoute> {
  const fam = r.prefix.includes(':') ? 'ipv6' : 'ipv4';
  const path = [fromAsn, ...(r.asPath ?? [])].join(' ') + (r.asSet?.length ? ` {${r.asSet.join(',')}}` : '');
  return {
    prefix: r.prefix,
    peer: fromAddr,
    nextHop: r.nextHop ?? fakeNextHop(fromAddr, fam),
    asPath: path,
    med: r.med,
    origin: 'igp',
    communities: sortCommunities(r.communities ?? []),
    largeCommunities: sortCommunities(r.largeCommunities ?? []),
  };
}

function pick(r: LearnedRoute, like: Partial<LearnedRoute>): Partial<LearnedRoute> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(like)) out[k] = (r as unknown as Record<string, unknown>)[k];
  return out as Partial<LearnedRoute>;
}

const has = (routes: LearnedRoute[], prefix: string, peer?: string) => routes.some((r) => r.prefix === prefix && (peer === undefined || r.peer === peer));

/** Waits until `on` has all `want` routes, then compares every attribute in `want`. */
async function expectRoutes(on: Daemon, want: Array<Partial<LearnedRoute>>, timeoutMs = 15_000): Promise<void> {
  const routes = await on.waitRoutes((rs) => want.every((w) => has(rs, w.prefix!, w.peer)), timeoutMs);
  for (const w of want) {
    const got = routes.find((r) => r.prefix === w.prefix && r.peer === w.peer)!;
    assert.deepEqual(pick(got, w), w, `${on.spec.kind} ${on.spec.address}: route ${w.prefix} from ${w.peer}`);
  }
}

/** Waits until `on` no longer has `prefix` (from anyone). */
async function expectGone(on: Daemon, prefix: string, timeoutMs = 15_000): Promise<void> {
  await on.waitRoutes((rs) => !has(rs, prefix), timeoutMs);
}

/** PIDs of processes whose command line mentions one of our daemon dirs (ExaBGP helper included). */
function processesUsing(paths: string[]): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let cmd = '';
    try {
      cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    if (paths.some((p) => cmd.includes(p))) found.push(`${pid}: ${cmd}`);
  }
  return found;
}

describe('BGP daemon harness (BIRD, GoBGP, FRR, ExaBGP on loopback)', { timeout: 90_000 }, () => {
  before(async () => {
    try {
      await setup();
    } catch (e) {
      setupError = e;
    }
  });

  async function setup(): Promise<void> {
    for (const k of ['bird', 'gobgp', 'frr', 'exabgp'] as DaemonKind[]) requireBinary(k);
    d.bird = await startDaemon({
      kind: 'bird',
      address: A.bird,
      port: PORT.bird,
      asn: AS.bird,
      routerId: A.bird,
      peers: [
        { address: A.gobgp1, port: PORT.gobgp1, asn: AS.gobgp1, passive: true }, // gobgp1 dials us
        { address: A.gobgp2, port: PORT.gobgp2, asn: AS.gobgp2 }, // we dial gobgp2
        { address: A.frr, port: PORT.frr, asn: AS.frr },
        { address: A.exabgp, port: PORT.exabgp, asn: AS.exabgp, passive: true }, // ExaBGP only dials
      ],
      routes: [R.bird4, R.bird6],
    });
    // ExaBGP backs off for a long time after a refused connection: BIRD is listening before it starts.
    // allSettled: every daemon that did start is registered (and stopped by after()) even if one fails.
    const settled = await Promise.allSettled([
      startDaemon({
        kind: 'gobgp',
        address: A.gobgp1,
        port: PORT.gobgp1,
        asn: AS.gobgp1,
        routerId: A.gobgp1,
        peers: [{ address: A.bird, port: PORT.bird, asn: AS.bird }],
        routes: [R.gobgp1v4, R.gobgp1v6],
      }),
      startDaemon({
        kind: 'gobgp',
        address: A.gobgp2,
        port: PORT.gobgp2,
        asn: AS.gobgp2,
        routerId: A.gobgp2,
        peers: [{ address: A.bird, port: PORT.bird, asn: AS.bird, passive: true }],
        routes: [R.gobgp2v4],
      }),
      startDaemon({
        kind: 'frr',
        address: A.frr,
        port: PORT.frr,
        asn: AS.frr,
        routerId: A.frr,
        peers: [{ address: A.bird, port: PORT.bird, asn: AS.bird }],
        routes: [R.frr4, R.frr6],
      }),
      startDaemon({
        kind: 'exabgp',
        address: A.exabgp,
        port: PORT.exabgp,
        asn: AS.exabgp,
        routerId: A.exabgp,
        peers: [{ address: A.bird, port: PORT.bird, asn: AS.bird }],
        routes: [R.exa4, R.exa6],
      }),
    ]);
    const failed = settled.find((x): x is PromiseRejectedResult => x.status === 'rejected');
    if (failed) throw failed.reason;
    const [gobgp1, gobgp2, frr, exabgp] = settled.map((x) => (x as PromiseFulfilledResult<Daemon>).value);
    Object.assign(d, { gobgp1, gobgp2, frr, exabgp });
    for (const x of Object.values(d)) {
      pids.push(x.pid);
      dirs.push(x.dir);
    }
  }

  after(async () => {
    await stopAll();
  });

  test('all sessions reach Established, from both ends', async () => {
    ready();
    await Promise.all([
      d.bird.waitEstablished(A.gobgp1),
      d.bird.waitEstablished(A.gobgp2),
      d.bird.waitEstablished(A.frr),
      d.bird.waitEstablished(A.exabgp),
      d.gobgp1.waitEstablished(A.bird),
      d.gobgp2.waitEstablished(A.bird),
      d.frr.waitEstablished(A.bird),
      d.exabgp.waitEstablished(A.bird),
    ]);
  });

  test("BIRD receives every peer's routes with attributes intact (incl. AS_SET from GoBGP and ExaBGP)", async () => {
    ready();
    await expectRoutes(d.bird, [
      expected(R.gobgp1v4, A.gobgp1, AS.gobgp1),
      expected(R.gobgp1v6, A.gobgp1, AS.gobgp1),
      expected(R.gobgp2v4, A.gobgp2, AS.gobgp2),
      expected(R.frr4, A.frr, AS.frr),
      expected(R.frr6, A.frr, AS.frr),
      expected(R.exa4, A.exabgp, AS.exabgp),
      expected(R.exa6, A.exabgp, AS.exabgp),
    ]);
  });

  test("GoBGP, FRR and ExaBGP receive BIRD's routes with attributes intact", async () => {
    ready();
    const fromBird = [expected(R.bird4, A.bird, AS.bird), expected(R.bird6, A.bird, AS.bird)];
    await Promise.all([
      expectRoutes(d.gobgp1, fromBird),
      expectRoutes(d.gobgp2, fromBird.slice(0, 1)),
      expectRoutes(d.frr, fromBird),
      expectRoutes(d.exabgp, fromBird),
    ]);
    // gobgp2 negotiated IPv6 too: it gets BIRD's IPv6 route.
    await expectRoutes(d.gobgp2, fromBird.slice(1));
  });

  test("routes re-exported by BIRD carry BIRD's fake next hop and path (FRR/GoBGP accept them)", async () => {
    ready();
    const via = (r: AnnouncedRoute, origAsn: number, fam: 'ipv4' | 'ipv6') => ({
      prefix: r.prefix,
      peer: A.bird,
      nextHop: fakeNextHop(A.bird, fam),
      asPath: [AS.bird, origAsn, ...(r.asPath ?? [])].join(' ') + (r.asSet?.length ? ` {${r.asSet.join(',')}}` : ''),
      // BIRD does not pass a MED learned from one AS on to another.
      med: undefined,
    });
    await Promise.all([
      expectRoutes(d.frr, [via(R.exa4, AS.exabgp, 'ipv4'), via(R.gobgp1v4, AS.gobgp1, 'ipv4'), via(R.gobgp1v6, AS.gobgp1, 'ipv6')]),
      expectRoutes(d.gobgp2, [via(R.frr4, AS.frr, 'ipv4'), via(R.exa6, AS.exabgp, 'ipv6')]),
      expectRoutes(d.exabgp, [via(R.gobgp2v4, AS.gobgp2, 'ipv4'), via(R.frr6, AS.frr, 'ipv6')]),
    ]);
  });

  test('BIRD announces and withdraws at run time (birdc configure)', async () => {
    ready();
    const r: AnnouncedRoute = { prefix: '198.51.100.128/25', asPath: [65012], med: 12, communities: ['65102:12'], largeCommunities: ['65102:12:12'] };
    const r6: AnnouncedRoute = { prefix: '2001:db8:1102::/48', nextHop: '2001:db8::1:2', communities: ['65102:13'] };
    await d.bird.announce!([r, r6]);
    await Promise.all([
      expectRoutes(d.gobgp1, [expected(r, A.bird, AS.bird), expected(r6, A.bird, AS.bird)]),
      expectRoutes(d.frr, [expected(r, A.bird, AS.bird), expected(r6, A.bird, AS.bird)]),
      expectRoutes(d.exabgp, [expected(r, A.bird, AS.bird), expected(r6, A.bird, AS.bird)]),
    ]);
    await d.bird.withdraw!([r.prefix, r6.prefix]);
    await Promise.all([d.gobgp1, d.frr, d.exabgp].flatMap((x) => [expectGone(x, r.prefix), expectGone(x, r6.prefix)]));
    // The original routes were not disturbed by the reconfiguration.
    await expectRoutes(d.gobgp1, [expected(R.bird4, A.bird, AS.bird)], 1000);
    assert.equal(await d.bird.established(A.gobgp1), true);
  });

  test('GoBGP announces and withdraws at run time (gobgp global rib add/del)', async () => {
    ready();
    const r: AnnouncedRoute = {
      prefix: '203.0.113.32/27',
      asPath: [65022],
      asSet: [7, 8],
      med: 22,
      communities: ['65103:22'],
      largeCommunities: ['65103:22:22'],
    };
    await d.gobgp1.announce!([r]);
    await expectRoutes(d.bird, [expected(r, A.gobgp1, AS.gobgp1)]);
    await d.gobgp1.withdraw!([r.prefix, R.gobgp1v6.prefix]);
    await Promise.all([expectGone(d.bird, r.prefix), expectGone(d.bird, R.gobgp1v6.prefix), expectGone(d.frr, r.prefix)]);
  });

  test('FRR announces, replaces and withdraws at run time (vtysh network + route-maps)', async () => {
    ready();
    const r: AnnouncedRoute = { prefix: '203.0.113.160/27', asPath: [65052], med: 52, communities: ['65105:52'], largeCommunities: ['65105:52:52'] };
    await d.frr.announce!([r]);
    await expectRoutes(d.bird, [expected(r, A.frr, AS.frr)]);
    // Same prefix, new attributes and next hop: replaces the route.
    const r2: AnnouncedRoute = { ...r, nextHop: '192.0.2.155', med: 53, communities: ['65105:53'] };
    await d.frr.announce!([r2]);
    await d.bird.waitRoutes((rs) => rs.some((x) => x.prefix === r.prefix && x.med === 53));
    await expectRoutes(d.bird, [expected(r2, A.frr, AS.frr)]);
    await d.frr.withdraw!([r.prefix, R.frr6.prefix]);
    await Promise.all([expectGone(d.bird, r.prefix), expectGone(d.bird, R.frr6.prefix), expectGone(d.gobgp1, r.prefix)]);
  });

  test('ExaBGP announces and withdraws at run time (API process), and sees withdrawals', async () => {
    ready();
    const r: AnnouncedRoute = {
      prefix: '203.0.113.224/27',
      asPath: [65042],
      asSet: [9],
      med: 42,
      communities: ['65104:42'],
      largeCommunities: ['65104:42:42'],
    };
    await d.exabgp.announce!([r]);
    await expectRoutes(d.bird, [expected(r, A.exabgp, AS.exabgp)]);
    await d.exabgp.withdraw!([r.prefix, R.exa4.prefix]); // a run-time route and a config (static) one
    await Promise.all([expectGone(d.bird, r.prefix), expectGone(d.bird, R.exa4.prefix)]);
    // ExaBGP's own view tracks withdrawals it receives: GoBGP's and FRR's withdrawn routes are gone.
    await Promise.all([expectGone(d.exabgp, R.gobgp1v6.prefix), expectGone(d.exabgp, R.frr6.prefix)]);
    await expectRoutes(d.exabgp, [expected(R.bird4, A.bird, AS.bird)], 1000);
  });

  test('freeze makes queries fail fast; thaw resumes', async () => {
    ready();
    d.gobgp2.freeze();
    try {
      await assert.rejects(d.gobgp2.routes(), /frozen/);
    } finally {
      d.gobgp2.thaw();
    }
    assert.equal(await d.gobgp2.established(A.bird), true);
  });

  test('stop() ends every daemon process and helper', async () => {
    ready();
    await stopAll();
    for (const pid of pids) {
      assert.throws(() => process.kill(pid, 0), /ESRCH/, `pid ${pid} still running`);
    }
    assert.deepEqual(processesUsing(dirs), []);
    for (const dir of dirs) assert.equal(fs.existsSync(dir), false, `${dir} not removed`);
  });
});
