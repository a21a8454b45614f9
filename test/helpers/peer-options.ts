// A test speaker's peers: router ids as numbers, PeerOptions with the usual defaults, and policies
// that accept every route.
import type { PeerOptions } from '../../src/bgp/speaker.js';

/** A dotted quad as the number a router id or BGP Identifier is. */
export const ip = (s: string): number => s.split('.').reduce((a, b) => a * 256 + Number(b), 0);

/** Import and export policies that accept every route. */
export const acceptAll = { import: () => undefined, export: () => undefined };

/**
 * PeerOptions for a test peer: local AS 65001, router id 192.0.2.1, passive, hold time 90 s, IPv4 and
 * IPv6, not a route-server client, no ADD-PATH, a connect retry of 1 s; `o` overrides any of them.
 */
export function peerOptions(o: Pick<PeerOptions, 'address' | 'asn' | 'port'> & Partial<PeerOptions>): PeerOptions {
  return {
    localAsn: 65001,
    routerId: ip('192.0.2.1'),
    holdTime: 90,
    passive: true,
    families: ['ipv4', 'ipv6'],
    routeServerClient: false,
    connectRetryTime: 1,
    addPathReceive: false,
    ...o,
  };
}
