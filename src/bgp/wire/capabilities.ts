// Capabilities advertised in OPEN (RFC 5492) and the ones this speaker understands.
import { Afi, CapabilityCode, Safi } from './constants.js';
import { Writer } from './writer.js';

export interface AfiSafi {
  afi: number;
  safi: number;
}

/** ADD-PATH send/receive per family (RFC 7911): 1 receive, 2 send, 3 both. */
export interface AddPathFamily extends AfiSafi {
  mode: 1 | 2 | 3;
}

export interface GracefulRestart {
  restartState: boolean;
  restartTime: number;
  families: Array<AfiSafi & { forwardingState: boolean }>;
}

export interface Capabilities {
  multiprotocol: AfiSafi[];
  routeRefresh: boolean;
  enhancedRouteRefresh: boolean;
  extendedMessage: boolean;
  fourOctetAs?: number;
  gracefulRestart?: GracefulRestart;
  addPath: AddPathFamily[];
  role?: number;
  /** anything else, kept as received */
  unknown: Array<{ code: number; value: Buffer }>;
}

export const emptyCapabilities = (): Capabilities => ({
  multiprotocol: [],
  routeRefresh: false,
  enhancedRouteRefresh: false,
  extendedMessage: false,
  addPath: [],
  unknown: [],
});

export const IPV4_UNICAST: AfiSafi = { afi: Afi.IPV4, safi: Safi.UNICAST };
export const IPV6_UNICAST: AfiSafi = { afi: Afi.IPV6, safi: Safi.UNICAST };

export function encodeCapabilities(c: Capabilities): Buffer {
  const w = new Writer(64);
  const cap = (code: number, body: (w: Writer) => void) => {
    w.u8(code);
    const len = w.reserve(1);
    const start = w.pos;
    body(w);
    w.setU8(len, w.pos - start);
  };
  for (const f of c.multiprotocol) cap(CapabilityCode.MULTIPROTOCOL, (w) => w.u16(f.afi).u8(0).u8(f.safi));
  if (c.routeRefresh) cap(CapabilityCode.ROUTE_REFRESH, () => {});
  if (c.enhancedRouteRefresh) cap(CapabilityCode.ENHANCED_ROUTE_REFRESH, () => {});
  if (c.extendedMessage) cap(CapabilityCode.EXTENDED_MESSAGE, () => {});
  if (c.role !== undefined) cap(CapabilityCode.ROLE, (w) => w.u8(c.role!));
  if (c.gracefulRestart) {
    const g = c.gracefulRestart;
    cap(CapabilityCode.GRACEFUL_RESTART, (w) => {
      w.u16((g.restartState ? 0x8000 : 0) | (g.restartTime & 0x0fff));
      for (const f of g.families)
        w.u16(f.afi)
          .u8(f.safi)
          .u8(f.forwardingState ? 0x80 : 0);
    });
  }
  if (c.fourOctetAs !== undefined) cap(CapabilityCode.FOUR_OCTET_AS, (w) => w.u32(c.fourOctetAs!));
  if (c.addPath.length)
    cap(CapabilityCode.ADD_PATH, (w) => {
      for (const f of c.addPath) w.u16(f.afi).u8(f.safi).u8(f.mode);
    });
  for (const u of c.unknown) cap(u.code, (w) => w.bytes(u.value));
  return Buffer.from(w.finish());
}

/**
 * A single-valued capability received twice with different values: the OPEN is refused (RFC 9234
 * §4.2 for Role; for the 4-octet AS, the peer's AS would be ambiguous, RFC 6793 §4.1).
 */
export interface CapabilityConflict {
  code: number;
  first: number;
  second: number;
}

/**
 * Decodes the capabilities in one Capabilities optional parameter into `into` (called once per
 * parameter with the same `into`); returns an error text, a conflict, or undefined.
 */
export function decodeCapabilities(buf: Buffer, into: Capabilities): string | CapabilityConflict | undefined {
  let i = 0;
  while (i < buf.length) {
    if (i + 2 > buf.length) return 'truncated capability header';
    const code = buf[i]!;
    const len = buf[i + 1]!;
    const v = buf.subarray(i + 2, i + 2 + len);
    if (v.length !== len) return `capability ${code} overruns the parameter`;
    i += 2 + len;
    switch (code) {
      case CapabilityCode.MULTIPROTOCOL:
        if (len !== 4) return `multiprotocol capability with length ${len}`;
        into.multiprotocol.push({ afi: v.readUInt16BE(0), safi: v[3]! });
        break;
      case CapabilityCode.ROUTE_REFRESH:
        into.routeRefresh = true;
        break;
      case CapabilityCode.ENHANCED_ROUTE_REFRESH:
        into.enhancedRouteRefresh = true;
        break;
      case CapabilityCode.EXTENDED_MESSAGE:
        into.extendedMessage = true;
        break;
      case CapabilityCode.ROLE:
        if (len !== 1) return `role capability with length ${len}`;
        if (into.role !== undefined && into.role !== v[0]) return { code, first: into.role, second: v[0]! };
        into.role = v[0]!;
        break;
      case CapabilityCode.FOUR_OCTET_AS:
        if (len !== 4) return `4-octet AS capability with length ${len}`;
        if (into.fourOctetAs !== undefined && into.fourOctetAs !== v.readUInt32BE(0)) return { code, first: into.fourOctetAs, second: v.readUInt32BE(0) };
        into.fourOctetAs = v.readUInt32BE(0);
        break;
      case CapabilityCode.GRACEFUL_RESTART: {
        if (len < 2 || (len - 2) % 4 !== 0) return `graceful restart capability with length ${len}`;
        const flags = v.readUInt16BE(0);
        const families: GracefulRestart['families'] = [];
        for (let j = 2; j < len; j += 4) families.push({ afi: v.readUInt16BE(j), safi: v[j + 2]!, forwardingState: (v[j + 3]! & 0x80) !== 0 });
        into.gracefulRestart = { restartState: (flags & 0x8000) !== 0, restartTime: flags & 0x0fff, families };
        break;
      }
      case CapabilityCode.ADD_PATH:
        if (len % 4 !== 0) return `ADD-PATH capability with length ${len}`;
        for (let j = 0; j < len; j += 4) {
          const mode = v[j + 3]!;
          if (mode >= 1 && mode <= 3) into.addPath.push({ afi: v.readUInt16BE(j), safi: v[j + 2]!, mode: mode as 1 | 2 | 3 });
        }
        break;
      default:
        into.unknown.push({ code, value: Buffer.from(v) });
    }
  }
  return undefined;
}

export const hasFamily = (list: AfiSafi[], f: AfiSafi) => list.some((x) => x.afi === f.afi && x.safi === f.safi);
