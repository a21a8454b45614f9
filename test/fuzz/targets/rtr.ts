// Target (c): the RTR PDU decoder, fed a byte stream framed the way the client frames it
// (pduLength, then decodePdu on exactly that many bytes), under protocol version 0 or 1.
// Contract: a Pdu or an RtrProtocolError with a defined code; and the Error Report the client
// would send for that error is itself a PDU that decodes.

import { RtrProtocolError } from '../../../src/rpki/rtr/errors.js';
import { decodePdu, encodeErrorReport, HEADER, pduLength } from '../../../src/rpki/rtr/pdu.js';
import { rtrCorpus } from '../corpus.js';
import { Layout, locateRtr } from '../layout.js';
import type { Seed } from '../mutate.js';
import { type Target, Violation } from '../target.js';

export function runRtr(input: Seed): void {
  const data = input.bytes;
  const version = input.variant & 1;
  let off = 0;
  try {
    while (data.length - off >= HEADER) {
      const len = pduLength(data, off);
      if (data.length - off < len) break;
      decodePdu(data.subarray(off, off + len), version);
      off += len;
    }
  } catch (e) {
    if (!(e instanceof RtrProtocolError)) throw e;
    if (!Number.isInteger(e.code) || e.code < 0 || e.code > 8) throw new Violation(`RtrProtocolError with code ${e.code}`);
    if (!(e.pdu instanceof Uint8Array)) throw new Violation('RtrProtocolError without its PDU bytes');
    const report = encodeErrorReport(version, e.code, e.pdu, e.detail);
    const back = decodePdu(report, version);
    if (pduLength(report, 0) !== report.length || back.type !== 'error-report' || back.code !== e.code) {
      throw new Violation(`the Error Report for "${e.message}" does not decode back`);
    }
  }
}

export const rtrTarget: Target = {
  name: 'rtr',
  corpus: rtrCorpus,
  locate: (b) => {
    const L = new Layout(b);
    locateRtr(L);
    return L;
  },
  variant: (rng, seed) => (rng.bool(0.8) ? seed.variant : rng.int(2)),
  run: runRtr,
};
