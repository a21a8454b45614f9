// The speaker's listening sockets, carrying the peers' TCP MD5 keys (RFC 2385) and GTSM (RFC 5082).
// A signed SYN from a peer whose key the listener lacks is dropped by the kernel, so keys go on the
// listener as soon as a peer is configured; each accepted connection is then checked against its
// peer's settings from the SYN the kernel saved (signed or not, its TTL) before a byte is sent.
import net from 'node:net';
import { GTSM_MIN_TTL, GTSM_TTL, protectionNeeded, type TcpSecurityAddon, tcpSecurityAddon, tcpSecurityError } from '../../net/tcp-security.js';
import type { PeerConfig } from './config.js';

interface Guard {
  addon: TcpSecurityAddon;
  fd: number;
  family: 4 | 6;
  /** peer address -> the MD5 key installed for it */
  keys: Map<string, string>;
  /** configured peer addresses with and without GTSM */
  gtsm: Set<string>;
  plain: Set<string>;
  ttl: number;
  minTtl: number;
}

const guards = new WeakMap<net.Server, Guard>();

/**
 * Listens on `l`. With the addon, on a socket of our own (so keys can be added later) carrying the
 * MD5 keys and GTSM settings of `peers` (a peer whose settings fail is reported to `problem`, the
 * others are served); without it, as Node would (peers that need protection are then refused by
 * admit()).
 */
export async function listenForPeers(
  l: { host: string; port: number },
  onConnection: (sock: net.Socket) => void,
  peers: Iterable<PeerConfig>,
  problem: (peer: string, text: string | undefined) => void,
): Promise<net.Server> {
  const server = net.createServer(onConnection);
  const addon = tcpSecurityAddon();
  let fd: number | undefined;
  if (addon && net.isIP(l.host)) {
    const family = net.isIPv6(l.host) ? 6 : 4;
    fd = addon.socket(family);
    const g: Guard = { addon, fd, family, keys: new Map(), gtsm: new Set(), plain: new Set(), ttl: -1, minTtl: 0 };
    try {
      addon.prepareListener(fd);
      for (const p of peers) problem(p.address, tryApply(g, p.address, p));
      addon.bind(fd, family, l.host, l.port);
    } catch (e) {
      addon.close(fd);
      const err = e as NodeJS.ErrnoException;
      throw Object.assign(new Error(`listen ${err.code ?? ''}: ${err.message} ${l.host}:${l.port}`), { code: err.code });
    }
    guards.set(server, g);
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(fd !== undefined ? { fd } : { port: l.port, host: l.host }, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  return server;
}

/**
 * Brings a listener in line with one peer's settings (`config` undefined: the peer is gone).
 * Returns what went wrong, for the peer's log; never throws.
 */
export function securePeer(server: net.Server, address: string, config: PeerConfig | undefined): string | undefined {
  const g = guards.get(server);
  return g && tryApply(g, address, config);
}

function tryApply(g: Guard, address: string, config: PeerConfig | undefined): string | undefined {
  try {
    apply(g, address, config);
    return undefined;
  } catch (e) {
    // admit() refuses the peer's connections then: its SYNs are not what its settings need.
    return `cannot set TCP MD5/GTSM for ${address} on the listener: ${(e as Error).message}`;
  }
}

function apply(g: Guard, address: string, config: PeerConfig | undefined): void {
  // An IPv4 listener never sees an IPv6 peer; an IPv6 (dual-stack) one sees both.
  if (g.family === 4 && net.isIPv6(address)) return;
  const key = config?.md5Key ?? null;
  if ((g.keys.get(address) ?? null) !== key) {
    g.addon.setMd5(g.fd, g.family, address, key);
    if (key) g.keys.set(address, key);
    else g.keys.delete(address);
  }
  g.gtsm.delete(address);
  g.plain.delete(address);
  if (config) (config.ttlSecurity ? g.gtsm : g.plain).add(address);
  // Our SYN-ACK leaves from the listener and must reach a GTSM peer with TTL 255. Its SYN can be
  // held to 254 here only when no peer of this listener goes without GTSM; otherwise admit() checks.
  const ttl = g.gtsm.size ? GTSM_TTL : -1;
  if (ttl !== g.ttl) g.addon.setTtl(g.fd, g.family, (g.ttl = ttl));
  const minTtl = g.gtsm.size && !g.plain.size ? GTSM_MIN_TTL : 0;
  if (minTtl !== g.minTtl) g.addon.setMinTtl(g.fd, g.family, (g.minTtl = minTtl));
}

/**
 * Whether a connection accepted on `server` may carry `config`'s session: undefined if so, else
 * why not (the caller closes it before anything is sent). Sets GTSM on the accepted socket.
 */
export function admit(server: net.Server | undefined, sock: net.Socket, config: PeerConfig): string | undefined {
  const needs = protectionNeeded(config);
  if (!needs) return undefined;
  const from = `connection from ${config.address} refused`;
  const g = server && guards.get(server);
  if (!g) return `${from}: ${tcpSecurityError(needs) ?? `${needs} needs a listener on an IP address`}`;
  const fd = (sock as unknown as { _handle?: { fd?: number } })._handle?.fd;
  const syn = typeof fd === 'number' && fd >= 0 ? g.addon.savedSyn(fd) : undefined;
  const seen = syn && parseSyn(syn);
  if (!seen) return `${from}: its SYN could not be checked for ${needs}`;
  // Without a key the kernel drops a signed SYN: a signed one was checked against our key.
  if (config.md5Key && !seen.md5) return `${from}: it was not TCP MD5 signed (the key was installed after it arrived)`;
  if (config.ttlSecurity) {
    if (seen.ttl < GTSM_MIN_TTL) return `${from}: GTSM (RFC 5082) needs TTL ${GTSM_MIN_TTL} or more, its SYN came with ${seen.ttl}`;
    try {
      g.addon.setMinTtl(fd!, g.family, GTSM_MIN_TTL);
      g.addon.setTtl(fd!, g.family, GTSM_TTL);
    } catch (e) {
      return `${from}: cannot set GTSM on it: ${(e as Error).message}`;
    }
  }
  return undefined;
}

/** A saved SYN's TTL (hop limit) and whether it carried a TCP MD5 signature option (kind 19). */
export function parseSyn(b: Buffer): { ttl: number; md5: boolean } | undefined {
  const version = (b[0] ?? 0) >> 4;
  // BGP SYNs carry no IPv6 extension headers: TCP follows the fixed header.
  const [ttl, proto, tcp] = version === 4 ? [b[8], b[9], ((b[0] ?? 0) & 15) * 4] : version === 6 ? [b[7], b[6], 40] : [];
  if (ttl === undefined || proto !== 6 || tcp === undefined || b.length < tcp + 20) return undefined;
  const end = Math.min(b.length, tcp + (b[tcp + 12]! >> 4) * 4);
  for (let i = tcp + 20; i < end; ) {
    const kind = b[i]!;
    if (kind === 0) break;
    if (kind === 1) {
      i++;
      continue;
    }
    if (kind === 19) return { ttl, md5: true };
    const len = b[i + 1] ?? 0;
    if (len < 2) break;
    i += len;
  }
  return { ttl, md5: false };
}

const following = new WeakSet<object>();

/**
 * Calls `changed(peerId)` on every session state change of a speaker, registering once however
 * many listeners it opens: a session's first change (start) comes before it accepts a connection.
 */
export function followPeers(speaker: { on(event: 'session', fn: (peer: string) => void): unknown }, changed: (peer: string) => void): void {
  if (following.has(speaker)) return;
  following.add(speaker);
  speaker.on('session', changed);
}
