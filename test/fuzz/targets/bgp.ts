// Target (a): the BGP wire decoders. A byte stream goes through the Framer (in two chunks, as
// TCP may cut it), each framed message to its decoder under the input's session context (2 or
// 4-octet AS, eBGP or iBGP, ADD-PATH per family, Extended Messages); and the first message's
// body goes straight to its decoder too, whatever its header says. Contract: every decoder
// returns a value or a BgpError; nothing throws, nothing loops.
import {
  attributesFromKey,
  type BgpError,
  type DecodeContext,
  decodeNotification,
  decodeOpen,
  decodeRouteRefresh,
  decodeUpdate,
  describeError,
  describeNotification,
  encodeError,
  Framer,
  type KnownAttributes,
  MAX_EXTENDED_MESSAGE_LENGTH,
  type Route,
  shutdownMessage,
} from '../../../src/bgp/wire/index.js';
import { bgpCorpus, V } from '../corpus.js';
import { Layout, locateBgpMessage } from '../layout.js';
import type { Seed } from '../mutate.js';
import { type Target, Violation } from '../target.js';

export function contextOf(variant: number): DecodeContext {
  return { fourOctetAs: !!(variant & V.AS4), ebgp: !!(variant & V.EBGP), addPathV4: !!(variant & V.ADDPATH_V4), addPathV6: !!(variant & V.ADDPATH_V6) };
}

/** A BgpError must be one a NOTIFICATION can carry, and encode within the session's limit. */
function checkError(e: BgpError, maxLength: number, where: string): void {
  if (!Number.isInteger(e.code) || e.code < 1 || e.code > 7 || !Number.isInteger(e.subcode) || e.subcode < 0 || e.subcode > 255) {
    throw new Violation(`${where}: error code ${e.code}/${e.subcode} is not a NOTIFICATION code`);
  }
  if (!Buffer.isBuffer(e.data) || typeof e.reason !== 'string') throw new Violation(`${where}: malformed BgpError ${JSON.stringify(e)}`);
  const n = encodeError(e);
  if (n.length > maxLength) throw new Violation(`${where}: the NOTIFICATION would be ${n.length} bytes, over the limit ${maxLength}`);
  describeError(e);
}

/** The session's cache of attribute sets: a clean UPDATE's bytes, found again by the next UPDATE with the same bytes. */
class Known implements KnownAttributes {
  readonly sets = new Map<string, Route>();
  find(buf: Buffer, start: number, end: number): Route | undefined {
    return this.sets.get(buf.toString('latin1', start, end));
  }
}

function decodeBody(type: number, body: Buffer, ctx: DecodeContext, maxLength: number, known: Known, where: string): void {
  switch (type) {
    case 1: {
      const o = decodeOpen(body);
      if ('code' in o) checkError(o, maxLength, `${where} OPEN`);
      return;
    }
    case 2: {
      const u = decodeUpdate(body, ctx, known);
      if ('code' in u) return checkError(u, maxLength, `${where} UPDATE`);
      if (u.known) return;
      // What the RIB does with a stored set: decode it again from its interning key.
      if (!u.treatAsWithdraw) attributesFromKey(u.attrKey, 0, u.attrKey.length, ctx, u.mp);
      if (u.clean) {
        const tal = body.readUInt16BE(2 + body.readUInt16BE(0));
        const as = 4 + body.readUInt16BE(0);
        known.sets.set(body.toString('latin1', as, as + tal), { attrs: u.attrs });
      }
      return;
    }
    case 3: {
      const n = decodeNotification(body);
      describeNotification(n);
      shutdownMessage(n);
      return;
    }
    case 5: {
      const r = decodeRouteRefresh(body);
      if ('code' in r) checkError(r, maxLength, `${where} ROUTE-REFRESH`);
      return;
    }
  }
}

export function runBgp(input: Seed): void {
  const b = input.bytes;
  const ctx = contextOf(input.variant);
  const framer = new Framer();
  if (input.variant & V.EXTENDED) framer.maxLength = MAX_EXTENDED_MESSAGE_LENGTH;
  const known = new Known();
  const cut = (input.variant >>> 5) % (b.length + 1);
  framer.push(b.subarray(0, cut));
  framer.push(b.subarray(cut));
  for (let f = framer.next(); f; f = framer.next()) {
    if ('code' in f) {
      checkError(f, framer.maxLength, 'framing');
      break;
    }
    decodeBody(f.type, f.body, ctx, framer.maxLength, known, 'framed');
  }
  // Decoders are total: the first body again, as the header's type says, ignoring its length.
  if (b.length >= 19) decodeBody(b[18]!, b.subarray(19), ctx, MAX_EXTENDED_MESSAGE_LENGTH, new Known(), 'direct');
}

export const bgpTarget: Target = {
  name: 'bgp',
  corpus: bgpCorpus,
  locate: (b, variant) => {
    const L = new Layout(b);
    locateBgpMessage(L, 0, b.length, [], { as4: !!(variant & V.AS4), addPath: !!(variant & V.ADDPATH_V4) });
    return L;
  },
  // the context bits (the seed's own mostly), and where TCP cuts the stream
  variant: (rng, seed) => (rng.bool(0.7) ? seed.variant & 31 : rng.int(32)) | (rng.int(1 << 20) << 5),
  run: runBgp,
};
