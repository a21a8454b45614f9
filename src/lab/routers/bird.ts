// BIRD 2 as a lab daemon: one `protocol bgp` per peer, originated routes as static blackhole routes
// with their attributes set in the static protocol; run-time announce/withdraw rewrite the config
// and `birdc configure`. Control: birdc on the daemon's own socket.
import fs from 'node:fs';
import path from 'node:path';
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

function birdProtoName(addr: string): string {
  return 'p_' + addr.replace(/[^0-9a-zA-Z]/g, '_');
}

function birdStaticRoute(spec: DaemonSpec, r: AnnouncedRoute): string {
  const stmts: string[] = [];
  for (const asn of [...(r.asPath ?? [])].reverse()) stmts.push(`bgp_path.prepend(${asn});`);
  stmts.push(`bgp_origin = ORIGIN_${originOf(r).toUpperCase()};`);
  stmts.push(`bgp_next_hop = ${nextHopOf(spec, r)};`);
  if (r.med !== undefined) stmts.push(`bgp_med = ${r.med};`);
  for (const c of r.communities ?? []) stmts.push(`bgp_community.add((${c.split(':').join(',')}));`);
  for (const c of r.largeCommunities ?? []) stmts.push(`bgp_large_community.add((${c.split(':').join(',')}));`);
  return `  route ${r.prefix} blackhole { ${stmts.join(' ')} };`;
}

function birdConfig(spec: DaemonSpec, routes: AnnouncedRoute[]): string {
  const v4 = routes.filter((r) => familyOf(r.prefix) === 'ipv4');
  const v6 = routes.filter((r) => familyOf(r.prefix) === 'ipv6');
  const out: string[] = [
    `router id ${spec.routerId};`,
    'log stderr all;',
    'protocol device {}',
    // Per-route attributes are set in the static protocol; MED and NEXT_HOP only survive eBGP
    // export when the export filter (re)sets them, hence the filter below.
    'protocol static s4 {',
    '  ipv4 { import all; };',
    ...v4.map((r) => birdStaticRoute(spec, r)),
    '}',
    'protocol static s6 {',
    '  ipv6 { import all; };',
    ...v6.map((r) => birdStaticRoute(spec, r)),
    '}',
    'filter op_export {',
    '  if source = RTS_STATIC then {',
    '    if defined(bgp_med) then bgp_med = bgp_med;',
    '    if defined(bgp_next_hop) then bgp_next_hop = bgp_next_hop;',
    '  }',
    '  accept;',
    '}',
  ];
  const limit = spec.maxPrefix !== undefined ? ` import limit ${spec.maxPrefix} action disable;` : '';
  for (const p of spec.peers) {
    const fams = familiesOf(p);
    const hold = holdOf(spec, p);
    out.push(
      `protocol bgp ${birdProtoName(p.address)} {`,
      `  local ${spec.address} port ${spec.port} as ${spec.asn};`,
      `  neighbor ${p.address} port ${p.port} as ${p.asn};`,
      '  strict bind;',
      '  multihop;',
      '  connect delay time 1; connect retry time 2; error wait time 1,2;',
      ...(p.passive ? ['  passive on;'] : []),
      ...(hold !== undefined ? [`  hold time ${hold};`] : []),
      ...(p.keepalive !== undefined ? [`  keepalive time ${p.keepalive};`] : []),
      ...(fams.includes('ipv4') ? [`  ipv4 { import all;${limit} export filter op_export; next hop address ${fakeNextHop(spec.address, 'ipv4')}; };`] : []),
      ...(fams.includes('ipv6') ? [`  ipv6 { import all;${limit} export filter op_export; next hop address ${fakeNextHop(spec.address, 'ipv6')}; };`] : []),
      '}',
    );
  }
  if (spec.extraConfig) out.push(spec.extraConfig);
  return out.join('\n') + '\n';
}

/** Parses `birdc show route all` into received routes (BGP routes only). */
export function parseBirdRoutes(text: string, protoPeers: Map<string, string>): LearnedRoute[] {
  const result: LearnedRoute[] = [];
  let prefix = '';
  let cur: (LearnedRoute & { bgp: boolean }) | undefined;
  const flush = () => {
    if (cur?.bgp) {
      const { bgp: _bgp, ...r } = cur;
      result.push(r);
    }
    cur = undefined;
  };
  for (const line of text.split('\n')) {
    if (line.startsWith('BIRD ') || line.startsWith('Table ') || line.trim() === '') continue;
    const head = /^(\S+)?\s+(\w+)\s+\[(\S+)\s[^\]]*?(?:from (\S+))?\]/.exec(line);
    if (head && !line.startsWith('\t')) {
      flush();
      if (head[1]) prefix = head[1];
      const proto = head[3]!;
      const peer = protoPeers.get(proto);
      cur = {
        prefix,
        peer: peer ?? head[4] ?? proto,
        nextHop: '',
        asPath: '',
        communities: [],
        largeCommunities: [],
        bgp: peer !== undefined,
      };
      continue;
    }
    if (!cur) continue;
    const attr = /^\s+([\w.]+):\s*(.*)$/.exec(line);
    if (!attr) continue;
    const [, key, val] = attr as unknown as [string, string, string];
    switch (key) {
      case 'BGP.origin':
        cur.origin = normOrigin(val);
        break;
      case 'BGP.as_path':
        cur.asPath = normPath(val);
        break;
      case 'BGP.next_hop':
        cur.nextHop = val.trim().split(/\s+/)[0] ?? '';
        break;
      case 'BGP.med':
        cur.med = Number(val);
        break;
      case 'BGP.local_pref':
        cur.localPref = Number(val);
        break;
      case 'BGP.community':
        cur.communities = sortCommunities([...val.matchAll(/\((\d+),\s*(\d+)\)/g)].map((m) => `${m[1]}:${m[2]}`));
        break;
      case 'BGP.large_community':
        cur.largeCommunities = sortCommunities([...val.matchAll(/\((\d+),\s*(\d+),\s*(\d+)\)/g)].map((m) => `${m[1]}:${m[2]}:${m[3]}`));
        break;
    }
  }
  flush();
  return result;
}

/** Checks the config (`bird -p`), starts bird and resolves once its control socket answers. */
export async function startBird(spec: DaemonSpec, ctx: StartContext): Promise<Started> {
  const { dir } = ctx;
  const conf = path.join(dir, 'bird.conf');
  const ctl = path.join(dir, 'bird.ctl');
  const current = new Map<string, AnnouncedRoute>((spec.routes ?? []).map((r) => [r.prefix, r]));
  fs.writeFileSync(conf, birdConfig(spec, [...current.values()]));
  await run(BIN.bird, ['-p', '-c', conf]); // parse-only pre-flight: clear error on a bad config
  const proc = ctx.spawn(`bird ${spec.address}`, BIN.bird, ['-f', '-c', conf, '-s', ctl]);
  const birdc = async (...args: string[]) => (await run(BIN.birdc, ['-s', ctl, ...args])).stdout;
  await waitReady(proc, 'control socket', async () => fs.existsSync(ctl) && /ready/.test(await birdc('show', 'status')));
  const protoPeers = new Map(spec.peers.map((p) => [birdProtoName(p.address), p.address]));
  const reconfigure = async () => {
    fs.writeFileSync(conf, birdConfig(spec, [...current.values()]));
    const out = await birdc('configure');
    if (!/Reconfigured|Reconfiguration in progress/.test(out)) throw new Error(`birdc configure failed:\n${out}`);
  };
  const adapter: Adapter = {
    async established(peer) {
      const out = await birdc('show', 'protocols', birdProtoName(peer));
      return / Established/.test(out);
    },
    async routes() {
      return parseBirdRoutes(await birdc('show', 'route', 'all'), protoPeers);
    },
    async announce(routes) {
      for (const r of routes) {
        validateRoute(spec, r);
        current.set(r.prefix, r);
      }
      await reconfigure();
    },
    async withdraw(prefixes) {
      for (const p of prefixes) current.delete(p);
      await reconfigure();
    },
  };
  return { proc, adapter };
}
