// Text forms of communities: "65001:100", large "65001:1:2", extended "rt:65001:100" or hex.

const WELL_KNOWN: Record<number, string> = {
  4294967041: 'no-export',
  4294967042: 'no-advertise',
  4294967043: 'no-export-subconfed',
  4294902426: 'blackhole',
  4294901760: 'graceful-shutdown',
};
const BY_NAME = Object.fromEntries(Object.entries(WELL_KNOWN).map(([k, v]) => [v, Number(k)]));

export const formatCommunity = (c: number): string => `${Math.floor(c / 65536)}:${c % 65536}`;

export function parseCommunity(s: string): number | undefined {
  if (BY_NAME[s] !== undefined) return BY_NAME[s];
  const m = /^(\d{1,5}):(\d{1,5})$/.exec(s);
  if (!m) return undefined;
  const hi = Number(m[1]);
  const lo = Number(m[2]);
  return hi > 65535 || lo > 65535 ? undefined : hi * 65536 + lo;
}

export function formatLargeCommunities(flat: number[] | undefined): string[] {
  const out: string[] = [];
  if (flat) for (let i = 0; i + 2 < flat.length; i += 3) out.push(`${flat[i]}:${flat[i + 1]}:${flat[i + 2]}`);
  return out;
}

export function parseLargeCommunity(s: string): [number, number, number] | undefined {
  const m = /^(\d{1,10}):(\d{1,10}):(\d{1,10})$/.exec(s);
  if (!m) return undefined;
  const v = [Number(m[1]), Number(m[2]), Number(m[3])] as [number, number, number];
  return v.every((x) => x <= 4294967295) ? v : undefined;
}

/** Route target / origin for the common 2-octet-AS and IPv4 and 4-octet-AS types; raw hex otherwise. */
export function formatExtendedCommunity(hex: string): string {
  const b = Buffer.from(hex, 'hex');
  const type = b[0]!;
  const sub = b[1]!;
  const kind = sub === 0x02 ? 'rt' : sub === 0x03 ? 'soo' : undefined;
  if (kind && (type === 0x00 || type === 0x40)) return `${kind}:${b.readUInt16BE(2)}:${b.readUInt32BE(4)}`;
  if (kind && (type === 0x01 || type === 0x41)) return `${kind}:${b[2]}.${b[3]}.${b[4]}.${b[5]}:${b.readUInt16BE(6)}`;
  if (kind && (type === 0x02 || type === 0x42)) return `${kind}:${b.readUInt32BE(2)}:${b.readUInt16BE(6)}`;
  return hex;
}

export function parseExtendedCommunity(s: string): string | undefined {
  if (/^[0-9a-fA-F]{16}$/.test(s)) return s.toLowerCase();
  const m = /^(rt|soo):(\d+):(\d+)$/.exec(s);
  if (!m) return undefined;
  const sub = m[1] === 'rt' ? 0x02 : 0x03;
  const a = Number(m[2]);
  const v = Number(m[3]);
  const b = Buffer.alloc(8);
  if (a <= 65535 && v <= 4294967295) {
    b[0] = 0x00;
    b[1] = sub;
    b.writeUInt16BE(a, 2);
    b.writeUInt32BE(v, 4);
  } else if (a <= 4294967295 && v <= 65535) {
    b[0] = 0x02;
    b[1] = sub;
    b.writeUInt32BE(a, 2);
    b.writeUInt16BE(v, 6);
  } else return undefined;
  return b.toString('hex');
}
