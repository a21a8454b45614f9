// The 19-byte message header (RFC 4271 §4.1) and message framing on a byte stream.
import { ErrorCode, HEADER_LENGTH, HeaderSubcode, MAX_MESSAGE_LENGTH, MessageType } from './constants.js';
import { type BgpError, bgpError } from './errors.js';

const MARKER = Buffer.alloc(16, 0xff);

/** Wraps a message body with the marker, length and type. */
export function encodeMessage(type: number, body: Uint8Array = Buffer.alloc(0)): Buffer {
  const out = Buffer.allocUnsafe(HEADER_LENGTH + body.length);
  MARKER.copy(out, 0);
  out.writeUInt16BE(HEADER_LENGTH + body.length, 16);
  out[18] = type;
  out.set(body, HEADER_LENGTH);
  return out;
}

export const KEEPALIVE = encodeMessage(MessageType.KEEPALIVE);

/** Fixed body-length bounds per type: [min, max] of the whole message (RFC 4271 §4.1-4.5). */
function lengthOk(type: number, length: number, maxLength: number): boolean {
  switch (type) {
    case MessageType.OPEN:
      return length >= 29 && length <= MAX_MESSAGE_LENGTH;
    case MessageType.UPDATE:
      return length >= 23 && length <= maxLength;
    case MessageType.NOTIFICATION:
      return length >= 21 && length <= maxLength;
    case MessageType.KEEPALIVE:
      return length === HEADER_LENGTH;
    case MessageType.ROUTE_REFRESH:
      return length >= 23 && length <= maxLength;
    default:
      return true;
  }
}

export interface Frame {
  type: number;
  body: Buffer;
}

/**
 * Splits a TCP byte stream into messages. Feed chunks with `push`; take messages with `next`.
 * A framing error is final: the session must send it as a NOTIFICATION and close.
 */
export class Framer {
  private chunks: Buffer[] = [];
  /** where the unread bytes of chunks[0] start (a message is cut out of a chunk without re-slicing the rest) */
  private off = 0;
  private buffered = 0;
  /** raised to 65535 when the Extended Message capability is negotiated */
  maxLength = MAX_MESSAGE_LENGTH;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  get pending(): number {
    return this.buffered;
  }

  /** The next complete message, undefined when more bytes are needed, or the error. */
  next(): Frame | BgpError | undefined {
    if (this.buffered < HEADER_LENGTH) return undefined;
    this.gather(HEADER_LENGTH);
    let head = this.chunks[0]!;
    let o = this.off;
    for (let i = 0; i < 16; i++) {
      if (head[o + i] !== 0xff) return bgpError(ErrorCode.MESSAGE_HEADER, HeaderSubcode.CONNECTION_NOT_SYNCHRONIZED, 'marker is not all ones');
    }
    const length = head.readUInt16BE(o + 16);
    const type = head[o + 18]!;
    if (length < HEADER_LENGTH || length > this.maxLength || !lengthOk(type, length, this.maxLength)) {
      return bgpError(ErrorCode.MESSAGE_HEADER, HeaderSubcode.BAD_MESSAGE_LENGTH, `message type ${type} with length ${length}`, head.subarray(o + 16, o + 18));
    }
    if (type < MessageType.OPEN || type > MessageType.ROUTE_REFRESH) {
      return bgpError(ErrorCode.MESSAGE_HEADER, HeaderSubcode.BAD_MESSAGE_TYPE, `unknown message type ${type}`, Buffer.from([type]));
    }
    if (this.buffered < length) return undefined;
    if (head.length - o < length) {
      this.gather(length);
      head = this.chunks[0]!;
      o = this.off;
    }
    const body = head.subarray(o + HEADER_LENGTH, o + length);
    this.buffered -= length;
    this.off = o + length;
    if (this.off === head.length) {
      this.chunks.shift();
      this.off = 0;
    }
    return { type, body };
  }

  /** Makes the first chunk hold at least n unread bytes, joining only as many chunks as those bytes span (never the whole backlog). */
  private gather(n: number): void {
    if (this.chunks[0]!.length - this.off >= n) return;
    let k = 1;
    let size = this.chunks[0]!.length - this.off;
    while (size < n) size += this.chunks[k++]!.length;
    const parts = this.chunks.slice(0, k);
    parts[0] = parts[0]!.subarray(this.off);
    this.chunks.splice(0, k, Buffer.concat(parts, size));
    this.off = 0;
  }
}
