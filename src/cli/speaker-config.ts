// The standalone speaker's YAML file: parsed and checked with errors that name the field.

import { DEFAULT_CONNECT_RETRY, DEFAULT_HOLD_TIME } from '../bgp/session/config.js';
import type { PeerOptions } from '../bgp/speaker.js';
import { parseAsPath } from '../bgp/wire/attributes/as-path.js';
import { parseCommunity, parseExtendedCommunity, parseLargeCommunity } from '../bgp/wire/attributes/communities.js';
import type { PathAttributes } from '../bgp/wire/attributes/types.js';
import { canonicalAddress, type FamilyName, parseIPv4 } from '../net/address.js';
import { type PrefixKey, parsePrefixKey } from '../net/prefix-key.js';
import { MD5_KEY_MAX_BYTES, protectionNeeded, tcpSecurityError } from '../net/tcp-security.js';
import { parseListen } from './config.js';

export interface SpeakerFile {
  asn: number;
  routerId: number;
  listen?: { host: string; port: number };
  api?: { host: string; port: number };
  peers: Array<{ options: PeerOptions; import: 'all' | 'none' | undefined; export: 'all' | 'none' | undefined }>;
  routes: Array<{ key: PrefixKey; attrs: PathAttributes }>;
}

class ConfigError extends Error {}

const fail = (where: string, msg: string): never => {
  throw new ConfigError(`${where}: ${msg}`);
};

function asn(v: unknown, where: string): number {
  if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > 4294967295) fail(where, `${JSON.stringify(v)} is not an AS number (1-4294967295)`);
  return v as number;
}

function keys(o: Record<string, unknown>, allowed: string[], where: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) fail(where, `unknown setting "${k}" (known: ${allowed.join(', ')})`);
}

function obj(v: unknown, where: string): Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) fail(where, 'expected a mapping');
  return v as Record<string, unknown>;
}

const PEER_KEYS = [
  'address',
  'asn',
  'port',
  'passive',
  'holdTime',
  'families',
  'localAddress',
  'import',
  'export',
  'nextHop',
  'nextHopV6',
  'maxPrefix',
  'routeServerClient',
  'addPath',
  'connectRetry',
  'description',
  'password',
  'ttlSecurity',
  'sendHoldTime',
];
const ROUTE_KEYS = ['prefix', 'nextHop', 'asPath', 'origin', 'med', 'localPref', 'communities', 'largeCommunities', 'extendedCommunities'];

export function parseSpeakerFile(doc: unknown): SpeakerFile {
  const d = obj(doc, 'speaker file');
  keys(d, ['asn', 'routerId', 'listen', 'api', 'peers', 'routes'], 'speaker file');
  const localAsn = asn(d.asn, 'asn');
  const rid = typeof d.routerId === 'string' ? parseIPv4(d.routerId) : undefined;
  if (rid === undefined || rid === 0n) fail('routerId', `${JSON.stringify(d.routerId)} is not a dotted-quad router ID`);
  const routerId = Number(rid);
  const listen =
    d.listen === undefined
      ? undefined
      : (() => {
          try {
            return parseListen(String(d.listen));
          } catch (e) {
            return fail('listen', (e as Error).message);
          }
        })();
  const api =
    d.api === undefined
      ? undefined
      : (() => {
          try {
            return parseListen(String(d.api));
          } catch (e) {
            return fail('api', (e as Error).message);
          }
        })();
  const peersIn = d.peers ?? [];
  if (!Array.isArray(peersIn)) fail('peers', 'expected a list');
  const seen = new Set<string>();
  const peers = (peersIn as unknown[]).map((raw, i) => {
    const where = `peers[${i}]`;
    const p = obj(raw, where);
    keys(p, PEER_KEYS, where);
    const address = canonicalAddress(String(p.address ?? ''));
    if (!address) fail(`${where}.address`, `${JSON.stringify(p.address)} is not an IP address`);
    if (seen.has(address!)) fail(`${where}.address`, `${address} is configured twice`);
    seen.add(address!);
    const hold = p.holdTime ?? DEFAULT_HOLD_TIME;
    if (!Number.isInteger(hold) || (hold !== 0 && ((hold as number) < 3 || (hold as number) > 65535)))
      fail(`${where}.holdTime`, 'must be 0 or 3-65535 seconds');
    const families = (p.families ?? ['ipv4', 'ipv6']) as FamilyName[];
    if (!Array.isArray(families) || !families.length || families.some((f) => f !== 'ipv4' && f !== 'ipv6'))
      fail(`${where}.families`, 'a list of ipv4 and/or ipv6');
    for (const k of ['import', 'export'] as const) {
      if (p[k] !== undefined && p[k] !== 'all' && p[k] !== 'none')
        fail(`${where}.${k}`, 'all or none (without it, eBGP routes are neither imported nor exported: RFC 8212)');
    }
    let maxPrefix: PeerOptions['maxPrefix'];
    if (p.maxPrefix !== undefined) {
      const m = typeof p.maxPrefix === 'number' ? { limit: p.maxPrefix } : obj(p.maxPrefix, `${where}.maxPrefix`);
      keys(m, ['limit', 'action', 'restartSeconds'], `${where}.maxPrefix`);
      if (!Number.isInteger(m.limit) || (m.limit as number) < 0) fail(`${where}.maxPrefix.limit`, 'a number of prefixes');
      if (m.action !== undefined && m.action !== 'teardown' && m.action !== 'warn') fail(`${where}.maxPrefix.action`, 'teardown or warn');
      maxPrefix = { limit: m.limit as number, action: (m.action as 'teardown' | 'warn') ?? 'teardown', restartSeconds: Number(m.restartSeconds ?? 0) };
    }
    const security = tcpSecurity(p, where);
    const sendHold = p.sendHoldTime;
    if (sendHold !== undefined && (!Number.isInteger(sendHold) || (sendHold as number) < 0 || (sendHold as number) > 65535)) {
      fail(`${where}.sendHoldTime`, 'seconds, 0-65535 (0 turns the RFC 9687 send hold timer off; default max(480, 2 x holdTime))');
    }
    const options: PeerOptions = {
      address: address!,
      asn: asn(p.asn, `${where}.asn`),
      port: Number(p.port ?? 179),
      localAsn,
      routerId,
      holdTime: hold as number,
      passive: p.passive === true,
      families,
      routeServerClient: p.routeServerClient === true,
      connectRetryTime: Number(p.connectRetry ?? DEFAULT_CONNECT_RETRY),
      addPathReceive: p.addPath === true,
      ...(p.localAddress
        ? { localAddress: String(p.localAddress) }
        : listen && listen.host !== '0.0.0.0' && listen.host !== '::'
          ? { localAddress: listen.host }
          : {}),
      ...(p.nextHop ? { nextHopV4: String(p.nextHop) } : {}),
      ...(p.nextHopV6 ? { nextHopV6: String(p.nextHopV6) } : {}),
      ...(maxPrefix ? { maxPrefix } : {}),
      ...(p.description ? { description: String(p.description) } : {}),
      ...security,
      ...(sendHold !== undefined ? { sendHoldTime: sendHold as number } : {}),
    };
    if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) fail(`${where}.port`, 'must be 1-65535');
    return { options, import: p.import as 'all' | 'none' | undefined, export: p.export as 'all' | 'none' | undefined };
  });
  const routesIn = d.routes ?? [];
  if (!Array.isArray(routesIn)) fail('routes', 'expected a list');
  const routes = (routesIn as unknown[]).map((raw, i) => parseRoute(obj(raw, `routes[${i}]`), `routes[${i}]`));
  peers.forEach((p, i) => checkNextHopV6(p, routes, `peers[${i}]`));
  return { asn: localAsn, routerId, ...(listen ? { listen } : {}), ...(api ? { api } : {}), peers, routes };
}

/**
 * Our IPv6 routes need an IPv6 next hop. Over an IPv6 session it is our session address; over an
 * IPv4 one there is none to take, and announcing the route with a zero next hop only gets it
 * dropped ("Invalid NEXT_HOP attribute - zero address"). Routes we forward keep the next hop they
 * came with, so only our own routes without a nextHop need nextHopV6.
 */
function checkNextHopV6(p: SpeakerFile['peers'][number], routes: SpeakerFile['routes'], where: string): void {
  const o = p.options;
  if (!o.families.includes('ipv6') || o.nextHopV6 || p.export === 'none') return;
  if (o.address.includes(':') || o.localAddress?.includes(':')) return;
  const i = routes.findIndex((r) => typeof r.key === 'string' && r.attrs.nextHop === undefined);
  if (i < 0) return;
  fail(
    `${where}.nextHopV6`,
    `peer ${o.address} gets IPv6 routes (routes[${i}] has no nextHop) over an IPv4 session, which gives no IPv6 next hop: ` +
      'set nextHopV6 to an IPv6 address of ours, give the routes a nextHop, or leave ipv6 out of families',
  );
}

/** `password` (TCP MD5, RFC 2385) and `ttlSecurity` (GTSM, RFC 5082); refused where the addon they need is missing. */
function tcpSecurity(p: Record<string, unknown>, where: string): { md5Key?: string; ttlSecurity?: boolean } {
  if (p.password !== undefined && (typeof p.password !== 'string' || !p.password || Buffer.byteLength(p.password) > MD5_KEY_MAX_BYTES)) {
    fail(`${where}.password`, `a TCP MD5 key of 1-${MD5_KEY_MAX_BYTES} bytes, as a string (quote one that looks like a number)`);
  }
  if (p.ttlSecurity !== undefined && typeof p.ttlSecurity !== 'boolean') fail(`${where}.ttlSecurity`, 'true or false');
  const out = { ...(p.password ? { md5Key: p.password as string } : {}), ...(p.ttlSecurity ? { ttlSecurity: true } : {}) };
  const needs = protectionNeeded(out);
  const missing = needs && tcpSecurityError(needs);
  if (missing) fail(`${where}.${out.md5Key ? 'password' : 'ttlSecurity'}`, missing);
  return out;
}

function parseRoute(r: Record<string, unknown>, where: string): { key: PrefixKey; attrs: PathAttributes } {
  keys(r, ROUTE_KEYS, where);
  const key = parsePrefixKey(String(r.prefix ?? ''));
  if (key === undefined) fail(`${where}.prefix`, `${JSON.stringify(r.prefix)} is not a prefix in CIDR notation (network address, no host bits)`);
  const attrs: PathAttributes = { origin: 0 };
  if (r.origin !== undefined) {
    const o = ['igp', 'egp', 'incomplete'].indexOf(String(r.origin).toLowerCase());
    if (o < 0) fail(`${where}.origin`, 'igp, egp or incomplete');
    attrs.origin = o;
  }
  if (r.asPath !== undefined) {
    const p = parseAsPath(String(r.asPath));
    if (!p) fail(`${where}.asPath`, `${JSON.stringify(r.asPath)} is not an AS path like "65010 65020 {65030,65031}"`);
    attrs.asPath = p;
  }
  if (r.nextHop !== undefined) {
    const nh = canonicalAddress(String(r.nextHop));
    if (!nh) fail(`${where}.nextHop`, 'not an IP address');
    attrs.nextHop = nh;
  }
  for (const k of ['med', 'localPref'] as const) {
    if (r[k] === undefined) continue;
    if (!Number.isInteger(r[k]) || (r[k] as number) < 0 || (r[k] as number) > 4294967295) fail(`${where}.${k}`, 'a 32-bit unsigned number');
    attrs[k] = r[k] as number;
  }
  const list = (k: string): string[] => {
    const v = r[k] ?? [];
    if (!Array.isArray(v)) fail(`${where}.${k}`, 'expected a list');
    return (v as unknown[]).map(String);
  };
  const comm = list('communities').map((c) => parseCommunity(c) ?? fail(`${where}.communities`, `${c} is not a community like 65001:100`));
  if (comm.length) attrs.communities = comm;
  const large = list('largeCommunities').flatMap(
    (c) => parseLargeCommunity(c) ?? fail(`${where}.largeCommunities`, `${c} is not a large community like 65001:1:2`),
  );
  if (large.length) attrs.largeCommunities = large;
  const ext = list('extendedCommunities').map(
    (c) => parseExtendedCommunity(c) ?? fail(`${where}.extendedCommunities`, `${c} is not rt:ASN:N, soo:ASN:N or 16 hex digits`),
  );
  if (ext.length) attrs.extendedCommunities = ext;
  return { key: key!, attrs };
}

export { ConfigError };
