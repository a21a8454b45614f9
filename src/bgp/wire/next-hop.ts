// Whether a next hop on the wire can be a next hop at all (RFC 4271 §6.3: "a valid IP host
// address"; RFC 2545 §3 for IPv6). Such an error is semantic: the routes are ignored (handled as
// withdrawn), logged, and the session stays up. Whether it is our own address is the session's
// question (it knows its local address), see session/inbound.ts.

/** Why an IPv4 next hop (as a uint32) is not a host address, or undefined when it is one. */
export function ipv4NextHopProblem(v: number): string | undefined {
  if (v === 0) return 'next hop 0.0.0.0 is not a host address';
  if (v === 0xffffffff) return 'next hop 255.255.255.255 is the broadcast address';
  const top = v >>> 28;
  if (top === 0xe) return `next hop ${text4(v)} is a multicast address (224.0.0.0/4)`;
  // 240.0.0.0/4 is reserved (RFC 1112 §4, "class E"): no host has such an address.
  if (top === 0xf) return `next hop ${text4(v)} is in the reserved 240.0.0.0/4`;
  return undefined;
}

/** Why the 16 octets at buf[off] cannot be an IPv6 global next hop, or undefined. */
export function ipv6NextHopProblem(buf: Buffer, off: number): string | undefined {
  let zero = true;
  for (let i = 0; i < 16 && zero; i++) zero = buf[off + i] === 0;
  if (zero) return 'next hop :: is not a host address';
  if (buf[off] === 0xff) return 'next hop is an IPv6 multicast address (ff00::/8)';
  // RFC 2545 §3: a link-local address goes only in the second half of a 32-octet next hop.
  if (buf[off] === 0xfe && (buf[off + 1]! & 0xc0) === 0x80) return 'next hop is link-local (fe80::/10) but sent as the global next hop';
  return undefined;
}

const text4 = (v: number) => `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;
