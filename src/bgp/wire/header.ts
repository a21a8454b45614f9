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
    const head = this.peek(HEADER_LENGTH);
    for (let i = 0; i < 16; i++) {
      if (head[i] !== 0xff) return bgpError(ErrorCode.MESSAGE_HEADER, HeaderSubcode.CONNECTION_NOT_SYNCHRONIZED, 'marker is not all ones');
    }
    const length = head.readUInt16BE(16);
    const type = head[18]!;
    if (length < HEADER_LENGTH || length > this.maxLength || !lengthOk(type, length, this.maxLength)) {
      return bgpError(ErrorCode.MESSAGE_HEADER, HeaderSubcode.BAD_MESSAGE_LENGTH, `message type ${type} with length ${length}`, head.subarray(16, 18));
    }
    if (type < MessageType.OPEN || type > MessageType.ROUTE_REFRESH) {
      return bgpError(ErrorCode.MESSAGE_HEADER, HeaderSubcode.BAD_MESSAGE_TYPE, `unknown message type ${type}`, Buffer.from([type]));
    }
    if (this.buffered < length) return undefined;
    const msg = this.take(length);
    return { type, body: msg.subarray(HEADER_LENGTH) };
  }

  /** The first n buffered bytes, joining only as many chunks as those bytes span. */
  private peek(n: number): Buffer {
    if (this.chunks[0]!.length < n) this.join(n);
    return this.chunks[0]!;
  }

  private take(n: number): Buffer {
    if (this.chunks[0]!.length < n) this.join(n);
    const first = this.chunks[0]!;
    const out = first.subarray(0, n);
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.buffered -= n;
    return out;
  }

  /** Merges leading chunks until the first holds at least n bytes (never the whole backlog). */
  private join(n: number): void {
    let k = 0;
    let size = 0;
    while (size < n) size += this.chunks[k++]!.length;
    this.chunks.splice(0, k, Buffer.concat(this.chunks.slice(0, k), size));
  }
}
