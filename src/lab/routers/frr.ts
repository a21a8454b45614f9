// FRR bgpd as a lab daemon, standalone: no zebra, no watchfrr, no /etc/frr. Each originated route is
// a `network` statement with its own origination route-map (attributes) and an entry in the outbound
// route-map (next hop); run-time changes go through vtysh on the daemon's own vty socket.
import fs from 'node:fs';
import path from 'node:path';
import type { FamilyName } from '../../net/address.js';
import { run } from '../process.js';
import {
  type Adapter,
  type AnnouncedRoute,
  BIN,
  type DaemonSpec,
  fakeNextHop,
  familiesOf,
  familyOf,
  holdOf,
  type LearnedRoute,
  nextHopOf,
  normOrigin,
  normPath,
  originOf,
  type StartContext,
  type Started,
  sortCommunities,
  validateRoute,
  waitReady,
} from './daemon.js';

interface FrrRoute {
  idx: number;
  route: AnnouncedRoute;
}

/** Config lines (global level) for one originated route: prefix-list, origination and out route-maps. */
function frrRouteLines(spec: DaemonSpec, fr: FrrRoute): string[] {
  const { idx, route: r } = fr;
  const v6 = familyOf(r.prefix) === 'ipv6';
  const sets = [`set origin ${originOf(r)}`];
  if (r.asPath?.length) sets.push(`set as-path prepend ${r.asPath.join(' ')}`);
  if (r.med !== undefined) sets.push(`set metric ${r.med}`);
  if (r.communities?.length) sets.push(`set community ${r.communities.join(' ')} additive`);
  if (r.largeCommunities?.length) sets.push(`set large-community ${r.largeCommunities.join(' ')} additive`);
  return [
    `${v6 ? 'ipv6' : 'ip'} prefix-list OP-R${idx} seq 5 permit ${r.prefix}`,
    `route-map OP-ORIG-${idx} permit 10`,
    ...sets.map((s) => ` ${s}`),
    'exit',
    `route-map ${v6 ? 'OP-OUT6' : 'OP-OUT4'} permit ${idx}`,
    ` match ${v6 ? 'ipv6' : 'ip'} address prefix-list OP-R${idx}`,
    ` set ${v6 ? 'ipv6 next-hop global' : 'ip next-hop'} ${nextHopOf(spec, r)}`,
    'exit',
  ];
}

function frrConfig(spec: DaemonSpec, routes: FrrRoute[]): string {
  const out: string[] = [
    'frr defaults traditional',
    `hostname op-${spec.address.replace(/[^0-9a-zA-Z]/g, '-')}`,
    'log stdout informational',
    ...routes.flatMap((fr) => frrRouteLines(spec, fr)),
    // Everything else (routes learned from other peers) goes out with the fake next hop too.
    'route-map OP-OUT4 permit 65000',
    ` set ip next-hop ${fakeNextHop(spec.address, 'ipv4')}`,
    'exit',
    'route-map OP-OUT6 permit 65000',
    ` set ipv6 next-hop global ${fakeNextHop(spec.address, 'ipv6')}`,
    'exit',
    `router bgp ${spec.asn}`,
    ` bgp router-id ${spec.routerId}`,
    ' no bgp ebgp-requires-policy',
    ' no bgp network import-check',
    ' bgp route-map delay-timer 0',
  ];
  for (const p of spec.peers) {
    const hold = holdOf(spec, p);
    out.push(
      ` neighbor ${p.address} remote-as ${p.asn}`,
      ` neighbor ${p.address} port ${p.port}`,
      ` neighbor ${p.address} update-source ${spec.address}`,
      ` neighbor ${p.address} disable-connected-check`,
      ` neighbor ${p.address} timers connect 2`,
      ` neighbor ${p.address} advertisement-interval 0`,
      ...(p.passive ? [` neighbor ${p.address} passive`] : []),
      ...(hold !== undefined ? [` neighbor ${p.address} timers ${Math.max(1, Math.floor(hold / 3))} ${hold}`] : []),
    );
  }
  for (const fam of ['ipv4', 'ipv6'] as const) {
    out.push(` address-family ${fam} unicast`);
    for (const fr of routes) {
      if (familyOf(fr.route.prefix) === fam) out.push(`  network ${fr.route.prefix} route-map OP-ORIG-${fr.idx}`);
    }
    for (const p of spec.peers) {
      if (familiesOf(p).includes(fam)) {
        out.push(`  neighbor ${p.address} activate`, `  neighbor ${p.address} route-map ${fam === 'ipv4' ? 'OP-OUT4' : 'OP-OUT6'} out`);
        if (spec.maxPrefix !== undefined) out.push(`  neighbor ${p.address} maximum-prefix ${spec.maxPrefix}`);
      } else {
        out.push(`  no neighbor ${p.address} activate`);
      }
    }
    out.push(' exit-address-family');
  }
  out.push('exit');
  if (spec.extraConfig) out.push(spec.extraConfig);
  return out.join('\n') + '\n';
}

interface FrrPath {
  aspath?: { string?: string };
  origin?: string;
  metric?: number;
  locPrf?: number;
  localPref?: number;
  community?: { list?: string[] };
  largeCommunity?: { list?: string[] };
  nexthops?: Array<{ ip?: string; scope?: string }>;
  peer?: { peerId?: string };
  local?: boolean;
  sourced?: boolean;
}

/** Parses `show bgp <afi> unicast json detail` (FRR 8.4); keeps paths learned from a neighbor. */
export function parseFrrRoutes(json: string): LearnedRoute[] {
  const text = json.trim();
  if (!text) return [];
  const doc = JSON.parse(text) as { routes?: Record<string, Array<FrrPath & { prefix?: string }>> };
  const out: LearnedRoute[] = [];
  for (const [prefix, entries] of Object.entries(doc.routes ?? {})) {
    for (const p of entries) {
      if (!p.peer || p.local || p.sourced) continue; // prefix header element, or our own route
      const peer = p.peer.peerId ?? '';
      if (!peer || peer === '0.0.0.0' || peer === '(unspec)') continue;
      const nh = p.nexthops?.find((n) => n.scope !== 'link-local') ?? p.nexthops?.[0];
      const asPath = p.aspath?.string === 'Local' ? '' : normPath(p.aspath?.string ?? '');
      const r: LearnedRoute = {
        prefix,
        peer,
        nextHop: nh?.ip ?? '',
        asPath,
        communities: sortCommunities(p.community?.list ?? []),
        largeCommunities: sortCommunities(p.largeCommunity?.list ?? []),
      };
      const origin = normOrigin(p.origin);
      if (origin) r.origin = origin;
      if (p.metric !== undefined) r.med = p.metric;
      const lp = p.locPrf ?? p.localPref;
      if (lp !== undefined) r.localPref = lp;
      out.push(r);
    }
  }
  return out;
}

/**
 * The command line of a standalone bgpd (no zebra, no watchfrr): config `conf`, listening on
 * address:port, its vty socket, pid file and zserv path in `dir` (vty socket in dir/vty), logging to stdout.
 */
export function bgpdArgs(conf: string, dir: string, address: string, port: number): string[] {
  const vty = path.join(dir, 'vty');
  return [
    '-f',
    conf,
    '-Z',
    '-S',
    '-n',
    '-l',
    address,
    '-p',
    String(port),
    '-P',
    '0',
    '--vty_socket',
    vty,
    '-i',
    path.join(dir, 'bgpd.pid'),
    '-z',
    path.join(dir, 'zserv.api'),
    '--log',
    'stdout',
    '--log-level',
    'informational',
  ];
}

/** Starts a standalone bgpd and resolves once its vty socket answers. */
export async function startFrr(spec: DaemonSpec, ctx: StartContext): Promise<Started> {
  const { dir } = ctx;
  const conf = path.join(dir, 'frr.conf');
  const vty = path.join(dir, 'vty'); // a directory: bgpd creates vty/bgpd.vty
  fs.mkdirSync(vty);
  let nextIdx = 1;
  const current = new Map<string, FrrRoute>();
  for (const r of spec.routes ?? []) current.set(r.prefix, { idx: nextIdx++, route: r });
  fs.writeFileSync(conf, frrConfig(spec, [...current.values()]));
  const proc = ctx.spawn(`bgpd ${spec.address}`, BIN.bgpd, bgpdArgs(conf, dir, spec.address, spec.port));
  const vtysh = async (...cmds: string[]) => {
    const { stdout } = await run(BIN.vtysh, ['--vty_socket', vty, ...cmds.flatMap((c) => ['-c', c])]);
    const bad = stdout.split('\n').find((l) => l.startsWith('%'));
    if (bad) throw new Error(`vtysh: ${bad}\ncommands: ${cmds.join(' | ')}\n${stdout}`);
    return stdout;
  };
  await waitReady(proc, 'vty socket', async () => {
    if (!fs.existsSync(path.join(vty, 'bgpd.vty'))) return false;
    JSON.parse(await vtysh('show bgp summary json'));
    return true;
  });
  const afCmds = (fam: FamilyName, lines: string[]) => ['router bgp ' + spec.asn, `address-family ${fam} unicast`, ...lines, 'exit-address-family', 'exit'];
  const dropOutEntry = (fr: FrrRoute) => `no route-map ${familyOf(fr.route.prefix) === 'ipv6' ? 'OP-OUT6' : 'OP-OUT4'} permit ${fr.idx}`;
  const adapter: Adapter = {
    async established(peer) {
      const j = JSON.parse(await vtysh(`show bgp neighbors ${peer} json`)) as Record<string, { bgpState?: string }>;
      return j[peer]?.bgpState === 'Established';
    },
    async routes() {
      const [v4, v6] = await Promise.all([vtysh('show bgp ipv4 unicast json detail'), vtysh('show bgp ipv6 unicast json detail')]);
      return [...parseFrrRoutes(v4), ...parseFrrRoutes(v6)];
    },
    async announce(routes) {
      for (const r of routes) {
        validateRoute(spec, r);
        if (nextIdx >= 65000) throw new Error('frr: too many announcements for the route-map sequence space');
        const old = current.get(r.prefix);
        const fr: FrrRoute = { idx: nextIdx++, route: r };
        // Route-maps first, so the network statement is exported with its final attributes.
        await vtysh(
          'configure terminal',
          ...frrRouteLines(spec, fr),
          ...afCmds(familyOf(r.prefix), [`network ${r.prefix} route-map OP-ORIG-${fr.idx}`]),
          ...(old ? [dropOutEntry(old)] : []),
          'end',
        );
        current.set(r.prefix, fr);
      }
    },
    async withdraw(prefixes) {
      for (const p of prefixes) {
        const fr = current.get(p);
        if (!fr) continue;
        await vtysh('configure terminal', ...afCmds(familyOf(p), [`no network ${p}`]), dropOutEntry(fr), 'end');
        current.delete(p);
      }
    },
  };
  return { proc, adapter };
}
