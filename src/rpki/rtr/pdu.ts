// RTR PDUs (RFC 8210 §5; version 0 is RFC 6810): pure encode/decode over Buffers.
// Every PDU starts with version(1) type(1) session-or-error-or-zero(2) length(4).
// decodePdu() checks what §5 fixes for each type (lengths, prefix lengths, flags) and throws an
// RtrProtocolError carrying the error code to report; it never trusts a length it has not checked.
import { RtrErrorCode, RtrProtocolError } from './errors.js';

export const PduType = {
  SerialNotify: 0,
  SerialQuery: 1,
  ResetQuery: 2,
  CacheResponse: 3,
  IPv4Prefix: 4,
  IPv6Prefix: 6,
  EndOfData: 7,
  CacheReset: 8,
  RouterKey: 9,
  ErrorReport: 10,
} as const;

export const HEADER = 8;
/** Larger PDUs are refused as corrupt (a Router Key or an Error Report is far smaller). */
export const MAX_PDU = 1 << 16;

export type RtrVersion = 0 | 1;

export type Pdu =
  | { type: 'serial-notify'; version: number; sessionId: number; serial: number }
  | { type: 'serial-query'; version: number; sessionId: number; serial: number }
  | { type: 'reset-query'; version: number }
  | { type: 'cache-response'; version: number; sessionId: number }
  | { type: 'ipv4-prefix'; version: number; announce: boolean; length: number; maxLength: number; addr: number; asn: number }
  | { type: 'ipv6-prefix'; version: number; announce: boolean; length: number; maxLength: number; words: Uint32Array; asn: number }
  | { type: 'end-of-data'; version: number; sessionId: number; serial: number; refresh?: number; retry?: number; expire?: number }
  | { type: 'cache-reset'; version: number }
  | { type: 'router-key'; version: number; announce: boolean; ski: Buffer; asn: number; spki: Buffer }
  | { type: 'error-report'; version: number; code: number; pdu: Buffer; text: string };

const corrupt = (detail: string, buf: Uint8Array) => new RtrProtocolError(RtrErrorCode.CorruptData, detail, buf);

/** Bytes the PDU at `off` declares (header checked); throws when the length is impossible. */
export function pduLength(buf: Buffer, off: number): number {
  const len = buf.readUInt32BE(off + 4);
  if (len < HEADER || len > MAX_PDU) throw corrupt(`PDU length ${len} out of range (${HEADER}..${MAX_PDU})`, buf.subarray(off, off + HEADER));
  return len;
}

function expectLength(pdu: Buffer, want: number, name: string): void {
  if (pdu.length !== want) throw corrupt(`${name} PDU of length ${pdu.length}, must be ${want}`, pdu);
}

/**
 * Decodes the complete PDU in `pdu` (exactly its declared length). `version` is the protocol
 * version in use; it decides which types and lengths are legal (Router Key and the long End of
 * Data exist only in version 1). Unknown types raise Unsupported PDU Type.
 */
export function decodePdu(pdu: Buffer, version: number): Pdu {
  const v = pdu[0]!;
  const t = pdu[1]!;
  const field = pdu.readUInt16BE(2);
  switch (t) {
    case PduType.SerialNotify:
    case PduType.SerialQuery:
      expectLength(pdu, 12, t === 0 ? 'Serial Notify' : 'Serial Query');
      return { type: t === 0 ? 'serial-notify' : 'serial-query', version: v, sessionId: field, serial: pdu.readUInt32BE(8) };
    case PduType.ResetQuery:
      expectLength(pdu, 8, 'Reset Query');
      return { type: 'reset-query', version: v };
    case PduType.CacheResponse:
      expectLength(pdu, 8, 'Cache Response');
      return { type: 'cache-response', version: v, sessionId: field };
    case PduType.IPv4Prefix: {
      expectLength(pdu, 20, 'IPv4 Prefix');
      const { announce, length, maxLength } = prefixFields(pdu, 32);
      return { type: 'ipv4-prefix', version: v, announce, length, maxLength, addr: pdu.readUInt32BE(12), asn: pdu.readUInt32BE(16) };
    }
    case PduType.IPv6Prefix: {
      expectLength(pdu, 32, 'IPv6 Prefix');
      const { announce, length, maxLength } = prefixFields(pdu, 128);
      const words = new Uint32Array([pdu.readUInt32BE(12), pdu.readUInt32BE(16), pdu.readUInt32BE(20), pdu.readUInt32BE(24)]);
      return { type: 'ipv6-prefix', version: v, announce, length, maxLength, words, asn: pdu.readUInt32BE(28) };
    }
    case PduType.EndOfData:
      if (version === 0) {
        expectLength(pdu, 12, 'End of Data (version 0)');
        return { type: 'end-of-data', version: v, sessionId: field, serial: pdu.readUInt32BE(8) };
      }
      expectLength(pdu, 24, 'End of Data');
      return {
        type: 'end-of-data',
        version: v,
        sessionId: field,
        serial: pdu.readUInt32BE(8),
        refresh: pdu.readUInt32BE(12),
        retry: pdu.readUInt32BE(16),
        expire: pdu.readUInt32BE(20),
      };
    case PduType.CacheReset:
      expectLength(pdu, 8, 'Cache Reset');
      return { type: 'cache-reset', version: v };
    case PduType.RouterKey: {
      if (version === 0) break;
      // header, SKI (20), ASN (4), then the SubjectPublicKeyInfo up to the end
      if (pdu.length < 32) throw corrupt(`Router Key PDU of length ${pdu.length}, must be at least 32`, pdu);
      const flags = pdu[2]!;
      if (flags > 1) throw corrupt(`Router Key flags 0x${flags.toString(16)}: only bit 0 is defined`, pdu);
      return { type: 'router-key', version: v, announce: (flags & 1) === 1, ski: pdu.subarray(8, 28), asn: pdu.readUInt32BE(28), spki: pdu.subarray(32) };
    }
    case PduType.ErrorReport: {
      if (pdu.length < 16) throw corrupt(`Error Report PDU of length ${pdu.length}, must be at least 16`, pdu);
      const inner = pdu.readUInt32BE(8);
      if (12 + inner + 4 > pdu.length) throw corrupt(`Error Report encapsulates ${inner} bytes, more than it holds`, pdu);
      const textLen = pdu.readUInt32BE(12 + inner);
      if (16 + inner + textLen !== pdu.length) throw corrupt(`Error Report lengths (${inner} + ${textLen}) do not add up to ${pdu.length}`, pdu);
      return { type: 'error-report', version: v, code: field, pdu: pdu.subarray(12, 12 + inner), text: pdu.toString('utf8', 16 + inner) };
    }
  }
  throw new RtrProtocolError(RtrErrorCode.UnsupportedPduType, `PDU type ${t} in protocol version ${version}`, pdu);
}

function prefixFields(pdu: Buffer, bits: number): { announce: boolean; length: number; maxLength: number } {
  const flags = pdu[8]!;
  const length = pdu[9]!;
  const maxLength = pdu[10]!;
  if (flags > 1) throw corrupt(`prefix flags 0x${flags.toString(16)}: only bit 0 is defined`, pdu);
  if (length > bits) throw corrupt(`prefix length ${length} is more than ${bits}`, pdu);
  if (maxLength > bits) throw corrupt(`max length ${maxLength} is more than ${bits}`, pdu);
  if (maxLength < length) throw corrupt(`max length ${maxLength} is less than the prefix length ${length}`, pdu);
  return { announce: flags === 1, length, maxLength };
}

function header(version: number, type: number, field: number, length: number): Buffer {
  const b = Buffer.alloc(length);
  b[0] = version;
  b[1] = type;
  b.writeUInt16BE(field, 2);
  b.writeUInt32BE(length, 4);
  return b;
}

/** Encodes any PDU (the client sends queries and error reports; tests play the cache with the rest). */
export function encodePdu(p: Pdu): Buffer {
  switch (p.type) {
    case 'serial-notify':
    case 'serial-query': {
      const b = header(p.version, p.type === 'serial-notify' ? 0 : 1, p.sessionId, 12);
      b.writeUInt32BE(p.serial >>> 0, 8);
      return b;
    }
    case 'reset-query':
      return header(p.version, PduType.ResetQuery, 0, 8);
    case 'cache-response':
      return header(p.version, PduType.CacheResponse, p.sessionId, 8);
    case 'cache-reset':
      return header(p.version, PduType.CacheReset, 0, 8);
    case 'ipv4-prefix': {
      const b = header(p.version, PduType.IPv4Prefix, 0, 20);
      b[8] = p.announce ? 1 : 0;
      b[9] = p.length;
      b[10] = p.maxLength;
      b.writeUInt32BE(p.addr >>> 0, 12);
      b.writeUInt32BE(p.asn >>> 0, 16);
      return b;
    }
    case 'ipv6-prefix': {
      const b = header(p.version, PduType.IPv6Prefix, 0, 32);
      b[8] = p.announce ? 1 : 0;
      b[9] = p.length;
      b[10] = p.maxLength;
      for (let i = 0; i < 4; i++) b.writeUInt32BE(p.words[i]! >>> 0, 12 + 4 * i);
      b.writeUInt32BE(p.asn >>> 0, 28);
      return b;
    }
    case 'end-of-data': {
      const long = p.version >= 1;
      const b = header(p.version, PduType.EndOfData, p.sessionId, long ? 24 : 12);
      b.writeUInt32BE(p.serial >>> 0, 8);
      if (long) {
        b.writeUInt32BE(p.refresh ?? 3600, 12);
        b.writeUInt32BE(p.retry ?? 600, 16);
        b.writeUInt32BE(p.expire ?? 7200, 20);
      }
      return b;
    }
    case 'router-key': {
      const b = header(p.version, PduType.RouterKey, 0, 32 + p.spki.length);
      b[2] = p.announce ? 1 : 0;
      b[3] = 0;
      p.ski.copy(b, 8, 0, 20);
      b.writeUInt32BE(p.asn >>> 0, 28);
      p.spki.copy(b, 32);
      return b;
    }
    case 'error-report':
      return encodeErrorReport(p.version, p.code, p.pdu, p.text);
  }
}

export function encodeErrorReport(version: number, code: number, pdu: Uint8Array, text: string): Buffer {
  // The encapsulated PDU is cut to what fits; a cut copy still identifies the PDU.
  const inner = Buffer.from(pdu.subarray(0, Math.min(pdu.length, MAX_PDU / 2)));
  const t = Buffer.from(text, 'utf8');
  const b = header(version, PduType.ErrorReport, code, 16 + inner.length + t.length);
  b.writeUInt32BE(inner.length, 8);
  inner.copy(b, 12);
  b.writeUInt32BE(t.length, 12 + inner.length);
  t.copy(b, 16 + inner.length);
  return b;
}
