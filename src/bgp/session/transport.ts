// The TCP connection a session opens towards its peer. With a TCP MD5 key (RFC 2385) or GTSM
// (RFC 5082) the socket options must be on the socket before the SYN leaves, which net.connect
// cannot do: the native addon makes the socket and sets them, Node then connects it and owns it
// as any other socket ('connect', 'error', timeouts and close work the same).
import net from 'node:net';
import { GTSM_MIN_TTL, GTSM_TTL, protectionNeeded, requireTcpSecurity, type TcpSecurityAddon } from '../../net/tcp-security.js';
import type { PeerConfig } from './config.js';

/** Trouble already reported for a peer's configuration, so a retrying session logs it once. */
const reported = new WeakMap<PeerConfig, string>();

function reportOnce(config: PeerConfig, text: string, problem: ((text: string) => void) | undefined): void {
  if (reported.get(config) === text) return;
  reported.set(config, text);
  problem?.(text);
}

/**
 * A socket connecting to the peer, never a throw: when the protection the peer needs cannot be
 * set, the socket fails with that error (and `problem` says why) and no unprotected connection is
 * made.
 */
export function connectToPeer(config: PeerConfig, problem?: (text: string) => void): net.Socket {
  const local = config.localAddress ? { localAddress: config.localAddress } : {};
  const needs = protectionNeeded(config);
  if (!needs) return net.connect({ host: config.address, port: config.port, ...local });
  let sock: net.Socket;
  try {
    sock = protectedSocket(requireTcpSecurity(needs), config);
  } catch (e) {
    const err = e as Error;
    reportOnce(config, `not connecting to ${config.address}: ${err.message}`, problem);
    sock = new net.Socket();
    process.nextTick(() => sock.destroy(err));
    return sock;
  }
  sock.connect({ host: config.address, port: config.port });
  if (config.md5Key) {
    // A peer with another key (or none) is silent: the kernel drops its unsigned or wrongly
    // signed segments, so a timeout is all there is to see.
    sock.once('timeout', () =>
      reportOnce(
        config,
        `no answer from ${config.address}:${config.port} with TCP MD5: a peer with a different key or none never answers (the kernel drops its segments)`,
        problem,
      ),
    );
    sock.once('connect', () => reported.delete(config));
  }
  return sock;
}

/** A socket with the peer's MD5 key and GTSM TTLs set, bound to our address, not connected. */
function protectedSocket(addon: TcpSecurityAddon, config: PeerConfig): net.Socket {
  const family = net.isIPv6(config.address) ? 6 : 4;
  const fd = addon.socket(family);
  try {
    if (config.md5Key) addon.setMd5(fd, family, config.address, config.md5Key);
    if (config.ttlSecurity) {
      addon.setTtl(fd, family, GTSM_TTL);
      addon.setMinTtl(fd, family, GTSM_MIN_TTL);
    }
    if (config.localAddress) addon.bind(fd, family, config.localAddress, 0);
  } catch (e) {
    addon.close(fd);
    throw e;
  }
  // manualStart: Node must not start reading an unconnected fd (it would see ENOTCONN); connect()
  // starts reading once the connection is up, as for any socket it connects itself.
  return new net.Socket({ fd, manualStart: true } as net.SocketConstructorOpts);
}
