// OPEN messages (RFC 4271 §4.2) with capabilities (RFC 5492) and 4-octet AS numbers (RFC 6793).

import { type Capabilities, type CapabilityConflict, decodeCapabilities, emptyCapabilities, encodeCapabilities } from './capabilities.js';
import { AS_TRANS, BGP_VERSION, CapabilityCode, ErrorCode, MessageType, OpenSubcode } from './constants.js';
import { type BgpError, bgpError } from './errors.js';
import { encodeMessage } from './header.js';
import { Writer } from './writer.js';

export interface Open {
  version: number;
  /** the speaker's AS: the 4-octet capability's value when present, else the 2-octet field */
  asn: number;
  holdTime: number;
  /** BGP Identifier as a uint32 */
  bgpId: number;
  capabilities: Capabilities;
}

const CAPABILITIES_PARAM = 2;

export function encodeOpen(o: Omit<Open, 'version'>): Buffer {
  const caps = encodeCapabilities({ ...o.capabilities, fourOctetAs: o.asn });
  const w = new Writer(32 + caps.length);
  w.u8(BGP_VERSION)
    .u16(o.asn > 0xffff ? AS_TRANS : o.asn)
    .u16(o.holdTime)
    .u32(o.bgpId);
  // Capabilities go one per parameter. When they do not fit the classic one-octet lengths, the
  // RFC 9072 extended form (255, 255, two-octet lengths) carries them.
  const list: Buffer[] = [];
  for (let i = 0; i < caps.length; i += 2 + caps[i + 1]!) list.push(caps.subarray(i, i + 2 + caps[i + 1]!));
  const classic = list.every((c) => c.length <= 255) && list.reduce((n, c) => n + 2 + c.length, 0) <= 255;
  const params = new Writer(caps.length + 3 * list.length);
  for (const c of list) {
    params.u8(CAPABILITIES_PARAM);
    if (classic) params.u8(c.length);
    else params.u16(c.length);
    params.bytes(c);
  }
  const p = params.finish();
  if (classic) w.u8(p.length).bytes(p);
  else w.u8(255).u8(255).u16(p.length).bytes(p);
  return encodeMessage(MessageType.OPEN, w.finish());
}

/** Decodes an OPEN body; checks what is the message's own business (version, hold time, identifier). */
export function decodeOpen(body: Buffer): Open | BgpError {
  if (body.length < 10) return bgpError(ErrorCode.MESSAGE_HEADER, 2, 'OPEN too short');
  const version = body[0]!;
  if (version !== BGP_VERSION) {
    const data = Buffer.alloc(2);
    data.writeUInt16BE(BGP_VERSION);
    return bgpError(ErrorCode.OPEN_MESSAGE, OpenSubcode.UNSUPPORTED_VERSION, `version ${version}; only 4 is supported`, data);
  }
  const as2 = body.readUInt16BE(1);
  const holdTime = body.readUInt16BE(3);
  const bgpId = body.readUInt32BE(5);
  if (holdTime === 1 || holdTime === 2) {
    return bgpError(ErrorCode.OPEN_MESSAGE, OpenSubcode.UNACCEPTABLE_HOLD_TIME, `hold time ${holdTime} s (must be 0 or at least 3)`);
  }
  if (bgpId === 0) return bgpError(ErrorCode.OPEN_MESSAGE, OpenSubcode.BAD_BGP_IDENTIFIER, 'BGP identifier 0.0.0.0');
  let optLen = body[9]!;
  let i = 10;
  let extended = false;
  // RFC 9072: a non-extended length of 255 with type 255 announces 2-octet parameter lengths.
  if (optLen === 255 && body[10] === 255) {
    if (body.length < 13) return bgpError(ErrorCode.OPEN_MESSAGE, 0, 'truncated extended optional parameters length');
    optLen = body.readUInt16BE(11);
    i = 13;
    extended = true;
  }
  if (i + optLen !== body.length) return bgpError(ErrorCode.OPEN_MESSAGE, 0, `optional parameters length ${optLen} does not match the message`);
  const capabilities = emptyCapabilities();
  while (i < body.length) {
    const type = body[i]!;
    const hdr = extended ? 3 : 2;
    if (i + hdr > body.length) return bgpError(ErrorCode.OPEN_MESSAGE, 0, 'truncated optional parameter');
    const len = extended ? body.readUInt16BE(i + 1) : body[i + 1]!;
    const value = body.subarray(i + hdr, i + hdr + len);
    if (value.length !== len) return bgpError(ErrorCode.OPEN_MESSAGE, 0, 'optional parameter overruns the message');
    i += hdr + len;
    if (type !== CAPABILITIES_PARAM) {
      return bgpError(ErrorCode.OPEN_MESSAGE, OpenSubcode.UNSUPPORTED_OPTIONAL_PARAMETER, `optional parameter type ${type}`);
    }
    const err = decodeCapabilities(value, capabilities);
    if (typeof err === 'string') return bgpError(ErrorCode.OPEN_MESSAGE, 0, err);
    if (err) return conflictError(err, as2);
  }
  const asErr = checkAs(as2, capabilities.fourOctetAs);
  if (asErr) return asErr;
  const asn = capabilities.fourOctetAs ?? as2;
  return { version, asn, holdTime, bgpId, capabilities };
}

/** Bad Peer AS carries the 2-octet My Autonomous System field as its data. */
function badPeerAs(as2: number, reason: string): BgpError {
  const data = Buffer.alloc(2);
  data.writeUInt16BE(as2);
  return bgpError(ErrorCode.OPEN_MESSAGE, OpenSubcode.BAD_PEER_AS, reason, data);
}

function conflictError(c: CapabilityConflict, as2: number): BgpError {
  if (c.code === CapabilityCode.ROLE) {
    // RFC 9234 §4.2: Role capabilities that do not all carry the same value are a Role Mismatch.
    return bgpError(ErrorCode.OPEN_MESSAGE, OpenSubcode.ROLE_MISMATCH, `two Role capabilities with different values (${c.first} and ${c.second})`);
  }
  return badPeerAs(as2, `two 4-octet AS capabilities with different values (${c.first} and ${c.second})`);
}

/**
 * RFC 6793 §4.1, §4.2.1: a NEW speaker puts its AS in the capability and, in My Autonomous System,
 * the same AS when it fits two octets, else AS_TRANS. Anything else names two different ASes.
 * RFC 7607 §2: AS 0 is Bad Peer AS.
 */
function checkAs(as2: number, as4: number | undefined): BgpError | undefined {
  const asn = as4 ?? as2;
  if (asn === 0) return badPeerAs(as2, 'AS 0 (RFC 7607)');
  if (as4 === undefined || as2 === AS_TRANS) return undefined;
  if (as4 > 0xffff) return badPeerAs(as2, `My Autonomous System ${as2} is not AS_TRANS although the 4-octet AS ${as4} does not fit two octets`);
  if (as2 !== as4) return badPeerAs(as2, `My Autonomous System ${as2} differs from the 4-octet AS capability's ${as4}`);
  return undefined;
}
