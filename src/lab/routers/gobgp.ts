// GoBGP as a lab daemon: a TOML config for the neighbors and the fake-next-hop export policy;
// originated routes go in (and out) through `gobgp global rib add/del` on the daemon's gRPC API,
// which listens on 127.0.0.1 only.
import fs from 'node:fs';
import path from 'node:path';
import { freePort, run } from '../process.js';
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
  originOf,
  type StartContext,
  type Started,
  sortCommunities,
  validateRoute,
  waitReady,
} from './daemon.js';

function gobgpConfig(spec: DaemonSpec): string {
  const q = (s: string) => JSON.stringify(s);
  const out: string[] = [
    '[global.config]',
    `  as = ${spec.asn}`,
    `  router-id = ${q(spec.routerId)}`,
    `  port = ${spec.port}`,
    `  local-address-list = [${q(spec.address)}]`,
    // Routes learned from peers would be re-exported with our 127.x address as next hop, which
    // GoBGP/FRR peers reject: rewrite them to the fake next hop. Own routes keep the explicit next
    // hop given to `gobgp global rib add`.
    '[global.apply-policy.config]',
    '  export-policy-list = ["op-fake-nh"]',
    '  default-export-policy = "accept-route"',
    '[[policy-definitions]]',
    '  name = "op-fake-nh"',
  ];
  for (const fam of ['ipv4', 'ipv6'] as const) {
    out.push(
      '  [[policy-definitions.statements]]',
      `    name = "nh-${fam}"`,
      '    [policy-definitions.statements.conditions.bgp-conditions]',
      '      route-type = "external"',
      `      afi-safi-in-list = ["${fam}-unicast"]`,
      '    [policy-definitions.statements.actions]',
      '      route-disposition = "accept-route"',
      '    [policy-definitions.statements.actions.bgp-actions]',
      `      set-next-hop = ${q(fakeNextHop(spec.address, fam))}`,
    );
  }
  for (const p of spec.peers) {
    const hold = holdOf(spec, p);
    out.push(
      '[[neighbors]]',
      '  [neighbors.config]',
      `    neighbor-address = ${q(p.address)}`,
      `    peer-as = ${p.asn}`,
      '  [neighbors.timers.config]',
      '    connect-retry = 2',
      '    idle-hold-time-after-reset = 1',
      ...(hold !== undefined ? [`    hold-time = ${hold}`] : []),
      ...(p.keepalive !== undefined || hold !== undefined ? [`    keepalive-interval = ${p.keepalive ?? Math.max(1, Math.floor(hold! / 3))}`] : []),
      '  [neighbors.transport.config]',
      `    local-address = ${q(spec.address)}`,
      `    remote-port = ${p.port}`,
      ...(p.passive ? ['    passive-mode = true'] : []),
    );
    for (const fam of familiesOf(p)) {
      out.push(
        '  [[neighbors.afi-safis]]',
        '    [neighbors.afi-safis.config]',
        `      afi-safi-name = "${fam}-unicast"`,
        ...(spec.maxPrefix !== undefined ? ['    [neighbors.afi-safis.prefix-limit.config]', `      max-prefixes = ${spec.maxPrefix}`] : []),
      );
    }
  }
  if (spec.extraConfig) out.push(spec.extraConfig);
  return out.join('\n') + '\n';
}

interface GobgpAttr {
  type: number;
  value?: unknown;
  as_paths?: Array<{ segment_type: number; asns: number[] }>;
  nexthop?: string;
  metric?: number;
  communities?: number[];
}
interface GobgpPath {
  attrs?: GobgpAttr[];
  'neighbor-ip'?: string;
  'source-id'?: string;
}

function gobgpAsPath(segs: Array<{ segment_type: number; asns: number[] }>): string {
  return segs
    .map((s) => {
      switch (s.segment_type) {
        case 1:
          return `{${s.asns.join(',')}}`;
        case 3:
          return `(${s.asns.join(' ')})`;
        case 4:
          return `[${s.asns.join(',')}]`;
        default:
          return s.asns.join(' ');
      }
    })
    .join(' ')
    .trim();
}

/** Parses `gobgp global rib -j` output; keeps paths learned from a neighbor. */
export function parseGobgpRib(json: string): LearnedRoute[] {
  const text = json.trim();
  if (!text) return [];
  const rib = JSON.parse(text) as Record<string, GobgpPath[]>;
  const out: LearnedRoute[] = [];
  for (const [prefix, paths] of Object.entries(rib)) {
    for (const p of paths) {
      const peer = p['neighbor-ip'];
      if (!peer || peer === '<nil>' || peer === '0.0.0.0' || peer === '::') continue;
      const r: LearnedRoute = { prefix, peer, nextHop: '', asPath: '', communities: [], largeCommunities: [] };
      for (const a of p.attrs ?? []) {
        switch (a.type) {
          case 1:
            r.origin = normOrigin(a.value);
            break;
          case 2:
            r.asPath = gobgpAsPath(a.as_paths ?? []);
            break;
          case 3:
            r.nextHop = a.nexthop ?? '';
            break;
          case 4:
            r.med = a.metric ?? 0;
            break;
          case 5:
            r.localPref = Number(a.value);
            break;
          case 8:
            r.communities = sortCommunities((a.communities ?? []).map((c) => `${Math.floor(c / 65536)}:${c % 65536}`));
            break;
          case 14:
            if (a.nexthop) r.nextHop = a.nexthop;
            break;
          case 32:
            r.largeCommunities = sortCommunities(
              ((a.value as Array<{ ASN: number; LocalData1: number; LocalData2: number }>) ?? []).map((l) => `${l.ASN}:${l.LocalData1}:${l.LocalData2}`),
            );
            break;
        }
      }
      out.push(r);
    }
  }
  return out;
}

/** Starts gobgpd, resolves once its gRPC API answers and the initial routes are in its RIB. */
export async function startGobgp(spec: DaemonSpec, ctx: StartContext): Promise<Started> {
  const { dir } = ctx;
  const conf = path.join(dir, 'gobgp.toml');
  fs.writeFileSync(conf, gobgpConfig(spec));
  const apiPort = spec.apiPort ?? (await freePort());
  const proc = ctx.spawn(`gobgpd ${spec.address}`, BIN.gobgpd, ['-f', conf, '-t', 'toml', '-p', '--pprof-disable', '--api-hosts', `127.0.0.1:${apiPort}`]);
  const gobgp = async (...args: string[]) => (await run(BIN.gobgp, ['-u', '127.0.0.1', '-p', String(apiPort), ...args])).stdout;
  await waitReady(proc, 'gRPC API', async () => {
    await gobgp('global');
    return true;
  });
  const add = async (r: AnnouncedRoute) => {
    validateRoute(spec, r);
    const args = ['global', 'rib', 'add', r.prefix, 'origin', originOf(r), 'nexthop', nextHopOf(spec, r)];
    const segs = [...(r.asPath?.length ? [r.asPath.join(',')] : []), ...(r.asSet?.length ? [`{${r.asSet.join(',')}}`] : [])];
    if (segs.length) args.push('aspath', segs.join(','));
    if (r.med !== undefined) args.push('med', String(r.med));
    if (r.communities?.length) args.push('community', r.communities.join(','));
    if (r.largeCommunities?.length) args.push('large-community', r.largeCommunities.join(','));
    await gobgp(...args, '-a', familyOf(r.prefix));
  };
  for (const r of spec.routes ?? []) await add(r);
  const adapter: Adapter = {
    async established(peer) {
      const n = JSON.parse(await gobgp('neighbor', peer, '-j')) as { state?: { session_state?: number } };
      return n.state?.session_state === 6;
    },
    async routes() {
      const [v4, v6] = await Promise.all([gobgp('global', 'rib', '-j', '-a', 'ipv4'), gobgp('global', 'rib', '-j', '-a', 'ipv6')]);
      return [...parseGobgpRib(v4), ...parseGobgpRib(v6)];
    },
    async announce(routes) {
      for (const r of routes) await add(r);
    },
    async withdraw(prefixes) {
      for (const p of prefixes) await gobgp('global', 'rib', 'del', p, '-a', familyOf(p));
    },
  };
  return { proc, adapter };
}
