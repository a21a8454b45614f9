// NOTIFICATION messages (RFC 4271 §4.5), with the shutdown communication of RFC 9003.
import { CeaseSubcode, ErrorCode, MAX_MESSAGE_LENGTH, MessageType } from './constants.js';
import type { BgpError } from './errors.js';
import { encodeMessage } from './header.js';
import { notificationName } from './notification-names.js';

export interface Notification {
  code: number;
  subcode: number;
  data: Buffer;
}

/**
 * A NOTIFICATION always fits 4,096 octets: its data (often the offending message itself, which
 * can be up to 65,535 octets with Extended Messages) is cut to fit, so answering a huge bad
 * message can neither overflow the header's length nor exceed what a peer accepts.
 */
const MAX_DATA = MAX_MESSAGE_LENGTH - 19 - 2;

export function encodeNotification(n: { code: number; subcode: number; data?: Uint8Array }): Buffer {
  const full = n.data ?? Buffer.alloc(0);
  const data = full.length > MAX_DATA ? full.subarray(0, MAX_DATA) : full;
  const body = Buffer.allocUnsafe(2 + data.length);
  body[0] = n.code;
  body[1] = n.subcode;
  body.set(data, 2);
  return encodeMessage(MessageType.NOTIFICATION, body);
}

export const encodeError = (e: BgpError): Buffer => encodeNotification(e);

export function decodeNotification(body: Buffer): Notification {
  return { code: body[0] ?? 0, subcode: body[1] ?? 0, data: Buffer.from(body.subarray(2)) };
}

/** The shutdown communication in an Administrative Shutdown/Reset Cease, if any (RFC 9003). */
export function shutdownMessage(n: Notification): string | undefined {
  if (n.code !== ErrorCode.CEASE) return undefined;
  if (n.subcode !== CeaseSubcode.ADMINISTRATIVE_SHUTDOWN && n.subcode !== CeaseSubcode.ADMINISTRATIVE_RESET) return undefined;
  const len = n.data[0];
  if (len === undefined || len === 0 || 1 + len > n.data.length) return undefined;
  return n.data.subarray(1, 1 + len).toString('utf8');
}

export function describeNotification(n: Notification): string {
  const msg = shutdownMessage(n);
  return `${notificationName(n.code, n.subcode)}${msg ? `: "${msg}"` : n.data.length ? ` (data ${n.data.toString('hex')})` : ''}`;
}
