// The world of the validation benchmark (validation.ts): who peers where, what is registered,
// what every partner session announces, and the prefix states that should follow.
//
// Layout (defaults: 20 sessions, 1,000,000 routes, 50,000 registered prefixes):
// - operator AS64500; P = sessions/4 partners (AS64501...), each with two `peering-service`
//   peerings in two PoPs (geo-redundancy), each peering with two connections on the PoP's two
//   routers (local redundancy): 4 sessions per partner, 2 per router. Session k runs on
//   127.21.k.0 (operator) - 127.21.k.1 (partner): loopback only.
// - registered prefixes: registered/P per partner, half on each of its peerings, drawn from the
//   /16-/24 prefixes of a seeded realistic table (bench/table.ts), none covering another.
//   A partner announces all of its registered prefixes on all four of its sessions (a key works
//   at every location of the partner), most with the Peering Service community and a short path
//   (Verified); ~1% without the community, ~1% with a 4-hop path (Failed, with the reason), and
//   ~1% not announced on the second session of their own peering (Warning naming that session).
// - customer prefixes (optional): the same prefix as a Verified registration, key and provider
//   from it, primary PoP the registration's, backup PoP the partner's other one (4 sessions).
// - hijacks: a few prefixes per session that another partner registered (rejected, events).
// - the rest of every session's share is distinct realistic table routes that nobody registered
//   (rejected: not registered), none of them inside a registered prefix.
// - churn: per session a sample of its routes in a second, disabled BIRD static protocol with a
//   higher preference and another MED: enabling it replaces those routes, disabling it restores
//   them (attribute changes that leave every state as it is).
import { PrefixTrie } from '../src/net/trie.js';
import { publicPrefix } from '../src/registry/registrations.js';
import { mulberry32 } from './lib/rng.js';
import { writeTextFile } from './lib/text-file.js';
import { type AttrSetSpec, birdAttrBlock, generateTable, type Table, v4Text } from './table.js';

export const OPERATOR_ASN = 64500;
export const SERVICE_COMMUNITY: [number, number] = [64500, 8007];

export interface WorldOptions {
  routes: number;
  sessions: number;
  registered: number;
  customers: number;
  /** hijacked prefixes announced per session */
  hijacks: number;
  /** routes per session in the churn protocol */
  churn: number;
  seed: number;
}

export interface PopSpec {
  code: string;
  metro: string;
  country: string;
  lat: number;
  lon: number;
  routers: [string, string];
}
export interface PartnerSpec {
  name: string;
  asn: number;
  pops: [number, number];
  peerings: [number, number];
}
export interface PeeringSpec {
  partner: number;
  name: string;
  key: string;
  pop: number;
  sessions: [number, number];
}
export interface SessionSpec {
  index: number;
  partner: number;
  peering: number;
  pop: number;
  router: string;
  connection: string;
  operatorAddress: string;
  peerAddress: string;
  sessionPrefix: string;
}

export type RegKind = 'ok' | 'no-community' | 'long-path' | 'partial';
export interface RegSpec {
  /** index into the table */
  t: number;
  prefix: string;
  partner: number;
  peering: number;
  name: string;
  key: string;
  kind: RegKind;
  /** id as the registry / engine name it: partner/peering/name */
  id: string;
}
export interface CustSpec {
  id: string;
  customer: string;
  service: string;
  name: string;
  reg: number;
  partner: number;
  primaryPop: number;
  backupPop: number;
}

/** What one session announces: route i is table prefix `t[i]` with variant `v[i]`. */
export interface Feed {
  t: Int32Array;
  v: Uint8Array;
  churn: Int32Array;
}
export const V_REST = 0,
  V_OK = 1,
  V_NO_COMMUNITY = 2,
  V_LONG_PATH = 3,
  V_HIJACK = 4;

export interface World {
  opts: WorldOptions;
  table: Table;
  pops: PopSpec[];
  partners: PartnerSpec[];
  peerings: PeeringSpec[];
  sessions: SessionSpec[];
  regs: RegSpec[];
  custs: CustSpec[];
  feeds: Feed[];
  /** registered prefixes by kind */
  kinds: Record<RegKind, number>;
  routesTotal: number;
  distinctPrefixes: number;
}

const METROS: Array<[string, string, string, number, number]> = [
  ['ams', 'Amsterdam', 'NL', 52.37, 4.9],
  ['fra', 'Frankfurt', 'DE', 50.11, 8.68],
  ['lon', 'London', 'GB', 51.51, -0.13],
  ['par', 'Paris', 'FR', 48.86, 2.35],
  ['sin', 'Singapore', 'SG', 1.35, 103.82],
  ['nyc', 'New York', 'US', 40.71, -74.0],
  ['sjc', 'San Jose', 'US', 37.34, -121.89],
  ['tyo', 'Tokyo', 'JP', 35.68, 139.69],
  ['syd', 'Sydney', 'AU', -33.87, 151.21],
  ['gru', 'Sao Paulo', 'BR', -23.55, -46.63],
  ['jnb', 'Johannesburg', 'ZA', -26.2, 28.05],
  ['bom', 'Mumbai', 'IN', 19.08, 72.88],
];

/** Documentation ASNs first (64501-64511), then public 4-octet ones outside the table's range. */
const partnerAsn = (i: number): number => (i < 11 ? 64501 + i : 401000 + i);

/** A deterministic UUID (v4 layout) from the seeded generator. */
function uuid(rand: () => number): string {
  const h = Array.from({ length: 4 }, () => rand().toString(16).padStart(8, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[rand() % 4]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function checkWorldOptions(o: WorldOptions): string | undefined {
  if (o.sessions < 4 || o.sessions % 4 !== 0) return '--sessions must be a multiple of 4 (partners have 2 peerings of 2 connections)';
  if (o.sessions > 4 * 250) return '--sessions at most 1000';
  const partners = o.sessions / 4;
  const perSession = Math.floor(o.routes / o.sessions);
  const regPerPartner = Math.ceil(o.registered / partners);
  if (perSession < regPerPartner + o.hijacks) {
    return `--routes ${o.routes} over ${o.sessions} sessions is ${perSession} per session: fewer than a partner's ${regPerPartner} registered prefixes + ${o.hijacks} hijacks`;
  }
  if (o.customers > o.registered * 0.9) return '--customers at most 90% of --registered';
  if (o.churn > perSession) return `--churn at most the routes per session (${perSession})`;
  return undefined;
}

export function makeWorld(opts: WorldOptions): World {
  const rand = mulberry32(opts.seed * 7919 + 17);
  const nPartners = opts.sessions / 4;
  const nPops = Math.max(2, nPartners);
  const pops: PopSpec[] = Array.from({ length: nPops }, (_, j) => {
    const m = METROS[j] ?? [`pop${j}`, `Metro ${j}`, 'NL', 52, 5];
    return { code: m[0], metro: m[1], country: m[2], lat: m[3], lon: m[4], routers: [`${m[0]}-er1`, `${m[0]}-er2`] };
  });
  const partners: PartnerSpec[] = [];
  const peerings: PeeringSpec[] = [];
  const sessions: SessionSpec[] = [];
  for (let i = 0; i < nPartners; i++) {
    const name = `isp${String(i + 1).padStart(2, '0')}`;
    const popsOf: [number, number] = [i % nPops, (i + 1) % nPops];
    const pe: number[] = [];
    for (const pop of popsOf) {
      const peering = peerings.length;
      const ss: number[] = [];
      for (const r of [0, 1] as const) {
        const k = sessions.length;
        ss.push(k);
        sessions.push({
          index: k,
          partner: i,
          peering,
          pop,
          router: pops[pop]!.routers[r],
          connection: `${pops[pop]!.code}-${r + 1}`,
          operatorAddress: `127.21.${k}.0`,
          peerAddress: `127.21.${k}.1`,
          sessionPrefix: `127.21.${k}.0/31`,
        });
      }
      const pname = `${name}-${pops[pop]!.code}`;
      peerings.push({ partner: i, name: pname, key: `${name}/${pname}`, pop, sessions: [ss[0]!, ss[1]!] });
      pe.push(peering);
    }
    partners.push({ name, asn: partnerAsn(i), pops: popsOf, peerings: [pe[0]!, pe[1]!] });
  }

  // The table: enough distinct prefixes for the registered ones and every session's rest.
  const perSession = Math.floor(opts.routes / opts.sessions);
  const table = generateTable({ v4: Math.ceil(opts.routes * 1.15) + 20_000, seed: opts.seed });
  const n = table.v4.addr.length;

  // Registered prefixes: /16-/24, public, none covering another (picked in a random order).
  const order = new Int32Array(n).map((_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rand() % (i + 1);
    const x = order[i]!;
    order[i] = order[j]!;
    order[j] = x;
  }
  const regTrie = new PrefixTrie<number>();
  const regT: number[] = [];
  const isReg = new Uint8Array(n);
  for (let oi = 0; oi < n && regT.length < opts.registered; oi++) {
    const t = order[oi]!;
    const addr = table.v4.addr[t]!;
    const len = table.v4.len[t]!;
    if (len < 16) continue;
    if (!publicPrefix(v4Text(addr, len)).ok) continue;
    let clash = false;
    regTrie.coveringV4(addr, len, () => {
      clash = true;
    });
    if (!clash)
      regTrie.moreSpecificsV4(addr, len, true, () => {
        clash = true;
      });
    if (clash) continue;
    regTrie.v4.set(addr, len, regT.length);
    regT.push(t);
    isReg[t] = 1;
  }
  if (regT.length < opts.registered) throw new Error(`only ${regT.length} registrable prefixes in the table`);

  // Each partner's share, half on each peering; kinds by a seeded draw.
  const regs: RegSpec[] = [];
  const kinds: Record<RegKind, number> = { ok: 0, 'no-community': 0, 'long-path': 0, partial: 0 };
  const perPeering = new Map<number, number>();
  for (let r = 0; r < regT.length; r++) {
    const partner = r % nPartners;
    const peering = partners[partner]!.peerings[Math.floor(r / nPartners) % 2]!;
    const x = rand() % 1000;
    const kind: RegKind = x < 10 ? 'no-community' : x < 20 ? 'long-path' : x < 30 ? 'partial' : 'ok';
    kinds[kind]++;
    const num = (perPeering.get(peering) ?? 0) + 1;
    perPeering.set(peering, num);
    const name = `r${num}`;
    const t = regT[r]!;
    regs.push({
      t,
      prefix: v4Text(table.v4.addr[t]!, table.v4.len[t]!),
      partner,
      peering,
      name,
      key: uuid(rand),
      kind,
      id: `${peerings[peering]!.key}/${name}`,
    });
  }

  // Customer prefixes: Verified registrations, grouped in services of up to 100 per (partner, PoP).
  const custs: CustSpec[] = [];
  if (opts.customers > 0) {
    const okRegs = regs.map((_, i) => i).filter((i) => regs[i]!.kind === 'ok');
    const step = okRegs.length / opts.customers;
    const groups = new Map<number, number[]>();
    for (let c = 0; c < opts.customers; c++) {
      const ri = okRegs[Math.floor(c * step)]!;
      const g = groups.get(regs[ri]!.peering) ?? [];
      g.push(ri);
      groups.set(regs[ri]!.peering, g);
    }
    let customerNo = 0;
    for (const [peering, list] of [...groups].sort((a, b) => a[0] - b[0])) {
      const pe = peerings[peering]!;
      const partner = partners[pe.partner]!;
      const backupPop = partner.pops[0] === pe.pop ? partner.pops[1] : partner.pops[0];
      for (let s = 0; s < list.length; s += 100) {
        const customer = `cust${String(++customerNo).padStart(4, '0')}`;
        list.slice(s, s + 100).forEach((ri, m) => {
          custs.push({
            id: `${customer}/svc/p${m + 1}`,
            customer,
            service: 'svc',
            name: `p${m + 1}`,
            reg: ri,
            partner: pe.partner,
            primaryPop: pe.pop,
            backupPop,
          });
        });
      }
    }
  }

  // The rest: table prefixes neither registered nor inside a registered prefix.
  const rest: number[] = [];
  for (let t = 0; t < n; t++) {
    if (isReg[t]) continue;
    let inside = false;
    regTrie.coveringV4(table.v4.addr[t]!, table.v4.len[t]!, () => {
      inside = true;
    });
    if (!inside) rest.push(t);
  }
  let restNext = 0;

  // Feeds.
  const regsOf: number[][] = partners.map(() => []);
  regs.forEach((r, i) => regsOf[r.partner]!.push(i));
  const okOthers = (partner: number) => regs.map((_, i) => i).filter((i) => regs[i]!.partner !== partner && regs[i]!.kind === 'ok');
  const okByPartnerOthers = partners.map((_, p) => (opts.hijacks ? okOthers(p) : []));
  const feeds: Feed[] = [];
  let routesTotal = 0;
  const extra = opts.routes - perSession * opts.sessions;
  for (const s of sessions) {
    const want = perSession + (s.index < extra ? 1 : 0);
    const t: number[] = [];
    const v: number[] = [];
    const secondOfOwn = (r: RegSpec) => peerings[r.peering]!.sessions[1] === s.index;
    for (const ri of regsOf[s.partner]!) {
      const r = regs[ri]!;
      if (r.kind === 'partial' && secondOfOwn(r)) continue;
      t.push(r.t);
      v.push(r.kind === 'no-community' ? V_NO_COMMUNITY : r.kind === 'long-path' ? V_LONG_PATH : V_OK);
    }
    const pool = okByPartnerOthers[s.partner]!;
    for (let h = 0; h < opts.hijacks && pool.length; h++) {
      t.push(regs[pool[rand() % pool.length]!]!.t);
      v.push(V_HIJACK);
    }
    while (t.length < want) {
      if (restNext >= rest.length) throw new Error('the table ran out of unregistered prefixes');
      t.push(rest[restNext++]!);
      v.push(V_REST);
    }
    // Churn: a sample of the session's routes (not the hijacks: keep their events to the load).
    const candidates = t.map((_, i) => i).filter((i) => v[i] !== V_HIJACK);
    for (let i = candidates.length - 1; i > 0; i--) {
      const j = rand() % (i + 1);
      const x = candidates[i]!;
      candidates[i] = candidates[j]!;
      candidates[j] = x;
    }
    const churn = Int32Array.from(candidates.slice(0, opts.churn));
    feeds.push({ t: Int32Array.from(t), v: Uint8Array.from(v), churn });
    routesTotal += t.length;
  }
  const distinct = new Set<number>();
  for (const f of feeds) for (const x of f.t) distinct.add(x);
  return { opts, table, pops, partners, peerings, sessions, regs, custs, feeds, kinds, routesTotal, distinctPrefixes: distinct.size };
}

// ---------------------------------------------------------------------------------------------
// The attributes of a route, as BIRD static-route statements

/** The origin AS of a table set (its last hop). */
const originOf = (s: AttrSetSpec): number => s.asPath[s.asPath.length - 1]!;

/** BIRD statements for route i of a feed. The sender prepends the partner's ASN on export. */
export function routeStatements(w: World, f: Feed, i: number): string {
  const set = w.table.sets[w.table.v4.set[f.t[i]!]!]!;
  const svc = `bgp_community.add((${SERVICE_COMMUNITY[0]},${SERVICE_COMMUNITY[1]}));`;
  const comms = set.communities.map(([a, b]) => ` bgp_community.add((${a},${b}));`).join('');
  const med = set.med !== undefined ? ` bgp_med = ${set.med};` : '';
  switch (f.v[i]) {
    case V_REST:
      return birdAttrBlock(set);
    case V_OK:
    case V_HIJACK: {
      // Customer origin behind the partner, sometimes one transit hop: 2-3 ASNs as received.
      const o = originOf(set);
      const transit = set.asPath[set.asPath.length - 2];
      const path = transit !== undefined && transit !== o && set.asPath.length % 3 === 0 ? [transit, o] : [o];
      return `${[...path]
        .reverse()
        .map((a) => `bgp_path.prepend(${a});`)
        .join(' ')}${med} ${svc}${comms}`;
    }
    case V_NO_COMMUNITY:
      return `bgp_path.prepend(${originOf(set)});${med}${comms}`;
    case V_LONG_PATH: {
      const path = [...set.asPath];
      while (path.length < 3) path.unshift(64496 + path.length); // documentation ASNs as transit
      return `${path
        .slice(-3)
        .reverse()
        .map((a) => `bgp_path.prepend(${a});`)
        .join(' ')}${med} ${svc}${comms}`;
    }
  }
  throw new Error(`bad variant ${f.v[i]}`);
}

/**
 * The BIRD sender's routes: per session k a table t<k>, a static protocol s<k> with its routes,
 * and a disabled static protocol churn_<k> (preference 250, MED 4242) with its churn sample.
 */
export function writeSenderRoutes(w: World, file: string): number {
  return writeTextFile(file, (put) => {
    for (const s of w.sessions) put(`ipv4 table t${s.index};\n`);
    w.feeds.forEach((f, k) => {
      put(`protocol static s${k} {\n  ipv4 { table t${k}; import all; };\n`);
      for (let i = 0; i < f.t.length; i++) {
        const t = f.t[i]!;
        put(`  route ${v4Text(w.table.v4.addr[t]!, w.table.v4.len[t]!)} blackhole { ${routeStatements(w, f, i)} };\n`);
      }
      put('}\n');
      put(`protocol static churn_${k} {\n  disabled;\n  ipv4 { table t${k}; preference 250; import all; };\n`);
      for (const i of f.churn) {
        const t = f.t[i]!;
        put(
          `  route ${v4Text(w.table.v4.addr[t]!, w.table.v4.len[t]!)} blackhole { ${routeStatements(w, f, i).replace(/ bgp_med = \d+;/, '')} bgp_med = 4242; };\n`,
        );
      }
      put('}\n');
    });
  });
}

export const PROTO = (k: number) => `p${k}`;

/** The BIRD sender: one `protocol bgp p<k>` per session, on the partner's address and ASN. */
export function senderConfig(w: World, routesFile: string, port: number): string {
  const out = [
    `router id ${w.sessions[0]!.peerAddress};`,
    'log stderr { warning, error, fatal };',
    'protocol device {}',
    `include "${routesFile}";`,
    'filter tx_export {',
    '  if defined(bgp_med) then bgp_med = bgp_med;',
    '  accept;',
    '}',
  ];
  for (const s of w.sessions) {
    out.push(
      `protocol bgp ${PROTO(s.index)} {`,
      `  local ${s.peerAddress} port ${port} as ${w.partners[s.partner]!.asn};`,
      `  neighbor ${s.operatorAddress} port ${port} as ${OPERATOR_ASN};`,
      '  strict bind;',
      '  multihop;',
      '  hold time 240;',
      '  connect delay time 1; connect retry time 1; error wait time 1,2;',
      `  ipv4 { table t${s.index}; import none; export filter tx_export; next hop address 192.0.2.${(s.index % 250) + 1}; };`,
      '}',
    );
  }
  return out.join('\n') + '\n';
}

/**
 * BIRD as the reference receiver: per session the import filter that matches our import policy
 * as far as BIRD's filter language goes - the partner's registered prefixes and their
 * more-specifics, the Peering Service community, at most 3 ASNs, no private ASN (prepending is
 * not expressible: no back-references in path masks). Rejected routes are kept (`import keep
 * filtered`), as our Adj-RIB-In keeps them.
 */
export function birdReceiverConfig(w: World, port: number): string {
  const out = [`router id ${w.sessions[0]!.operatorAddress};`, 'log stderr { warning, error, fatal };', 'protocol device {}'];
  for (const [pi] of w.partners.entries()) {
    const mine = w.regs.filter((r) => r.partner === pi).map((r) => `${r.prefix}+`);
    out.push(`define REG_${pi} = [ ${mine.join(', ')} ];`);
    out.push(
      `filter rx_${pi} {`,
      `  if net !~ REG_${pi} then reject;`,
      `  if !((${SERVICE_COMMUNITY[0]},${SERVICE_COMMUNITY[1]}) ~ bgp_community) then reject;`,
      '  if bgp_path.len > 3 then reject;',
      '  if bgp_path ~ [= * [64512..65534] * =] then reject;',
      '  if bgp_path ~ [= * [4200000000..4294967294] * =] then reject;',
      '  accept;',
      '}',
    );
  }
  for (const s of w.sessions) {
    out.push(
      `protocol bgp ${PROTO(s.index)} {`,
      `  local ${s.operatorAddress} port ${port} as ${OPERATOR_ASN};`,
      `  neighbor ${s.peerAddress} port ${port} as ${w.partners[s.partner]!.asn};`,
      '  strict bind;',
      '  multihop;',
      '  hold time 240;',
      // Dial at once, as our daemon does (BIRD's default waits 5 s).
      '  connect delay time 0; connect retry time 1; error wait time 1,2;',
      `  ipv4 { import keep filtered on; import filter rx_${s.partner}; export none; };`,
      '}',
    );
  }
  return out.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// Expected prefix states

/** "state|message" per "kind:id", given the sessions (indexes) that are down. */
export function expectedStates(w: World, down: ReadonlySet<number>): Map<string, string> {
  const out = new Map<string, string>();
  const carries = (r: RegSpec, k: number): boolean =>
    !down.has(k) && w.sessions[k]!.partner === r.partner && !(r.kind === 'partial' && w.peerings[r.peering]!.sessions[1] === k);
  const addr = (k: number) => w.sessions[k]!.peerAddress;
  for (const r of w.regs) {
    const missing: string[] = [];
    let carried = 0;
    let result: string | undefined;
    for (const k of w.peerings[r.peering]!.sessions) {
      if (!carries(r, k)) {
        missing.push(addr(k));
        continue;
      }
      if (r.kind === 'no-community') {
        result = 'Failed|Advertisement missing MAPS community';
        break;
      }
      if (r.kind === 'long-path') {
        result = "Failed|AS path isn't correct";
        break;
      }
      carried++;
    }
    result ??= !carried
      ? `Failed|Prefix not received from IP ${missing.join(', ')}`
      : missing.length
        ? `Warning|Prefix not received from IP ${missing.join(', ')}`
        : 'Verified|';
    out.set(`registered-prefix:${r.id}`, result);
  }
  for (const c of w.custs) {
    const r = w.regs[c.reg]!;
    const partner = w.partners[c.partner]!;
    const at = (pop: number) => w.peerings[partner.peerings[partner.pops.indexOf(pop)]!]!.sessions;
    const missing: string[] = [];
    let carried = 0;
    for (const k of [...at(c.primaryPop), ...at(c.backupPop)]) {
      if (carries(r, k)) carried++;
      else missing.push(`Not receiving prefix advertisement from IP ${addr(k)} for prefix ${r.prefix}`);
    }
    out.set(
      `customer-prefix:${c.id}`,
      !carried ? 'Failed|Prefix is not announced by the service provider.' : missing.length ? `Warning|${missing.join('; ')}` : 'Verified|',
    );
  }
  return out;
}
