// UPDATE bodies as a peer router would put them on the wire, for tests that feed a speaker by hand.

/** One path attribute, with the extended length only when the value needs it. */
export function attr(flags: number, type: number, value: Buffer): Buffer {
  return value.length > 255
    ? Buffer.concat([Buffer.from([flags | 0x10, type, value.length >> 8, value.length & 255]), value])
    : Buffer.concat([Buffer.from([flags, type, value.length]), value]);
}

const u32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
};

/** RFC 9234 Only To Customer. */
export const otc = (asn: number) => attr(0xc0, 35, u32(asn));

/**
 * An IPv4 UPDATE body from a 4-octet peer: ORIGIN IGP, AS_PATH `path` (one AS_SEQUENCE, empty for
 * none), NEXT_HOP `nextHop`, then `extra` attributes, announcing `prefixes`.
 */
export function updateBody(path: number[], extra: Buffer[], prefixes: string[], nextHop = '192.0.2.99'): Buffer {
  const asPath = path.length ? Buffer.concat([Buffer.from([2, path.length]), ...path.map(u32)]) : Buffer.alloc(0);
  const attrs = Buffer.concat([attr(0x40, 1, Buffer.from([0])), attr(0x40, 2, asPath), attr(0x40, 3, Buffer.from(nextHop.split('.').map(Number))), ...extra]);
  const nlri = Buffer.concat(
    prefixes.map((p) => {
      const [a, l] = p.split('/');
      return Buffer.from([
        Number(l),
        ...a!
          .split('.')
          .map(Number)
          .slice(0, (Number(l) + 7) >> 3),
      ]);
    }),
  );
  const head = Buffer.alloc(4);
  head.writeUInt16BE(attrs.length, 2);
  return Buffer.concat([head, attrs, nlri]);
}
