// What decoding can conclude about a bad message. RFC 4271 answers every error with a
// NOTIFICATION and a session reset; RFC 7606 softens UPDATE errors to treat-as-withdraw or
// attribute discard where the rest of the message can still be trusted.
import { notificationName } from './notification-names.js';

/** A NOTIFICATION to send (and then close the session). */
export interface BgpError {
  code: number;
  subcode: number;
  data: Buffer;
  /** why, for logs */
  reason: string;
}

export const bgpError = (code: number, subcode: number, reason: string, data: Buffer = Buffer.alloc(0)): BgpError => ({ code, subcode, data, reason });

export function describeError(e: BgpError): string {
  return `${notificationName(e.code, e.subcode)}: ${e.reason}`;
}

/** The RFC 7606 approaches, weakest first; when several apply the strongest wins (§3 f). */
export const enum Severity {
  ATTRIBUTE_DISCARD = 1,
  TREAT_AS_WITHDRAW = 2,
  SESSION_RESET = 3,
}

export interface UpdateProblem {
  severity: Severity;
  /** attribute type code, or 0 for the message structure */
  attr: number;
  reason: string;
}
