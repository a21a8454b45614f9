// RTR Error Report codes (RFC 8210 §12) and the error the codec raises with one of them.

export const RtrErrorCode = {
  CorruptData: 0,
  InternalError: 1,
  NoDataAvailable: 2,
  InvalidRequest: 3,
  UnsupportedProtocolVersion: 4,
  UnsupportedPduType: 5,
  WithdrawalOfUnknownRecord: 6,
  DuplicateAnnouncementReceived: 7,
  UnexpectedProtocolVersion: 8,
} as const;

export type RtrErrorCodeValue = (typeof RtrErrorCode)[keyof typeof RtrErrorCode];

const NAMES: Record<number, string> = {
  0: 'Corrupt Data',
  1: 'Internal Error',
  2: 'No Data Available',
  3: 'Invalid Request',
  4: 'Unsupported Protocol Version',
  5: 'Unsupported PDU Type',
  6: 'Withdrawal of Unknown Record',
  7: 'Duplicate Announcement Received',
  8: 'Unexpected Protocol Version',
};

export const rtrErrorName = (code: number): string => NAMES[code] ?? `unknown error code ${code}`;

/** A protocol error found in received data: what to report to the cache, and which bytes. */
export class RtrProtocolError extends Error {
  constructor(
    readonly code: number,
    readonly detail: string,
    /** The offending PDU (or as much of it as makes sense), to encapsulate in the Error Report. */
    readonly pdu: Uint8Array = new Uint8Array(0),
  ) {
    super(`${rtrErrorName(code)}: ${detail}`);
    this.name = 'RtrProtocolError';
  }
}
