// Seed inputs from real captured data: BGP messages out of the BGP4MP records of the MRT
// archives in test/data/bgp, UPDATEs rebuilt from the attribute blocks of their RIB records,
// the MRT records themselves, and RTR PDUs captured from StayRTR (test/fuzz/data) beside our
// encoder's. Framing here is our own minimal code, independent of the reader under test.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { emptyCapabilities, IPV4_UNICAST, IPV6_UNICAST } from '../../src/bgp/wire/capabilities.js';
import { encodeMessage, KEEPALIVE } from '../../src/bgp/wire/header.js';
import { encodeNotification } from '../../src/bgp/wire/notification.js';
import { encodeOpen } from '../../src/bgp/wire/open.js';
import { encodeRouteRefresh } from '../../src/bgp/wire/route-refresh.js';
import { encodePdu, type Pdu } from '../../src/rpki/rtr/pdu.js';
import type { Seed } from './mutate.js';

export const TESTDATA = process.env.OPENPEERING_TESTDATA ?? path.resolve('test', 'data', 'bgp');
const RTR_DATA = path.resolve('test', 'fuzz', 'data');

/** Variant bits of BGP inputs: the session context a message is decoded under. */
export const V = { AS4: 1, EBGP: 2, ADDPATH_V4: 4, ADDPATH_V6: 8, EXTENDED: 16 } as const;

interface Rec {
  start: number;
  end: number;
  type: number;
  subtype: number;
  body: number;
}
interface MrtFile {
  name: string;
  buf: Buffer;
  recs: Rec[];
}

function mrtFiles(): string[] {
  const dirs = [path.join(TESTDATA, 'bgpdump', 'test_data'), path.join(TESTDATA, 'mrtparse'), path.join(TESTDATA, 'bgpstream')];
  const out: string[] = [];
  for (const d of dirs) {
    if (!fs.existsSync(d)) throw new Error(`fuzz corpus: ${d} not found (run from the repository root)`);
    for (const f of fs.readdirSync(d).sort()) {
      if (/\.(conf|rst|json)$/.test(f) || /LICENSE|COPYING/.test(f)) continue;
      out.push(path.join(d, f));
    }
  }
  return out;
}

/** Records of one file, framed by the RFC 6396 header alone; stops at the first that does not fit. */
function frame(buf: Buffer): Rec[] {
  const recs: Rec[] = [];
  for (let i = 0; i + 12 <= buf.length; ) {
    const len = buf.readUInt32BE(i + 8);
    if (i + 12 + len > buf.length) break;
    const type = buf.readUInt16BE(i + 4);
    recs.push({ start: i, end: i + 12 + len, type, subtype: buf.readUInt16BE(i + 6), body: i + (type === 17 ? 16 : 12) });
    i += 12 + len;
  }
  return recs;
}

let files: MrtFile[] | undefined;

function loadFiles(): MrtFile[] {
  return (files ??= mrtFiles().map((f) => {
    const raw = fs.readFileSync(f);
    const buf = raw[0] === 0x1f && raw[1] === 0x8b ? zlib.gunzipSync(raw) : raw;
    return { name: path.basename(f), buf, recs: frame(buf) };
  }));
}

/** At most `max` record indexes of a file: the first ones, then evenly spaced, at most `perKind` of each type/subtype. */
function sample(f: MrtFile, max: number, perKind: number): number[] {
  const kinds = new Map<number, number>();
  const out: number[] = [];
  const stride = Math.max(1, Math.floor(f.recs.length / max));
  for (let i = 0; i < f.recs.length && out.length < max; i += i < 50 ? 1 : stride) {
    const r = f.recs[i]!;
    const k = r.type * 65536 + r.subtype;
    const n = kinds.get(k) ?? 0;
    if (n >= perKind) continue;
    kinds.set(k, n + 1);
    out.push(i);
  }
  return out;
}

// -------------------------------------------------------------------------------------------
// BGP

const BGP4MP_MESSAGES = new Set([1, 4, 6, 7, 8, 9, 10, 11]);

/** The BGP message inside a BGP4MP message record, with the context its session had. */
function bgpFromRecord(buf: Buffer, r: Rec): Seed | undefined {
  if ((r.type !== 16 && r.type !== 17) || !BGP4MP_MESSAGES.has(r.subtype)) return undefined;
  const as4 = r.subtype === 4 || r.subtype === 7 || r.subtype === 9 || r.subtype === 11;
  const addPath = r.subtype >= 8;
  const j = r.body + (as4 ? 8 : 4);
  if (j + 4 > r.end) return undefined;
  const afi = buf.readUInt16BE(j + 2);
  if (afi !== 1 && afi !== 2) return undefined;
  const m = j + 4 + 2 * (afi === 2 ? 16 : 4);
  if (m + 19 > r.end) return undefined;
  const len = buf.readUInt16BE(m + 16);
  if (len < 19 || m + len > r.end) return undefined;
  const variant = V.EBGP | (as4 ? V.AS4 : 0) | (addPath ? V.ADDPATH_V4 | V.ADDPATH_V6 : 0);
  return { bytes: Buffer.from(buf.subarray(m, m + len)), variant };
}

const u16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};

/**
 * UPDATEs rebuilt from a TABLE_DUMP_V2 RIB record: each entry's attribute block with the
 * record's prefix as NLRI (IPv4) or inside a full MP_REACH_NLRI (IPv6; the RIB keeps only its
 * next hop).
 */
function updatesFromRib(buf: Buffer, r: Rec, maxEntries: number): Seed[] {
  if (r.type !== 13 || !((r.subtype >= 2 && r.subtype <= 5) || (r.subtype >= 8 && r.subtype <= 11))) return [];
  const addPath = r.subtype >= 8;
  const v6 = r.subtype === 4 || r.subtype === 5 || r.subtype === 10 || r.subtype === 11;
  let i = r.body + 4;
  const plen = buf[i]!;
  const prefix = buf.subarray(i, i + 1 + ((plen + 7) >> 3));
  i += prefix.length;
  const count = buf.readUInt16BE(i);
  i += 2;
  const out: Seed[] = [];
  for (let e = 0; e < count && e < maxEntries && i + 8 <= r.end; e++) {
    i += 6;
    const pathId = addPath ? buf.subarray(i, i + 4) : Buffer.alloc(0);
    i += pathId.length;
    const al = buf.readUInt16BE(i);
    const attrs = buf.subarray(i + 2, i + 2 + al);
    i += 2 + al;
    if (i > r.end) break;
    const nlri = Buffer.concat([pathId, prefix]);
    const variant = V.AS4 | V.EBGP | (addPath ? (v6 ? V.ADDPATH_V6 : V.ADDPATH_V4) : 0);
    const block = v6 ? withFullMpReach(attrs, nlri) : attrs;
    const body = Buffer.concat([u16(0), u16(block.length), block, v6 ? Buffer.alloc(0) : nlri]);
    out.push({ bytes: encodeMessage(2, body), variant });
  }
  return out;
}

/** The attribute block with its abbreviated MP_REACH_NLRI (RFC 6396 §4.3.4) expanded to RFC 4760's form. */
function withFullMpReach(attrs: Buffer, nlri: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i + 3 <= attrs.length; ) {
    const ext = (attrs[i]! & 0x10) !== 0;
    const len = ext ? attrs.readUInt16BE(i + 2) : attrs[i + 2]!;
    const vs = i + (ext ? 4 : 3);
    if (attrs[i + 1] === 14 && vs < attrs.length) {
      const nh = attrs.subarray(vs, vs + 1 + attrs[vs]!);
      const value = Buffer.concat([Buffer.from([0, 2, 1]), nh, Buffer.from([0]), nlri]);
      parts.push(Buffer.from([0x90, 14]), u16(value.length), value);
    } else parts.push(attrs.subarray(i, vs + len));
    i = vs + len;
  }
  return Buffer.concat(parts);
}

/** Messages no archive here holds: OPENs with every capability, NOTIFICATIONs, ROUTE-REFRESH. */
function handMadeBgp(): Seed[] {
  const caps = {
    ...emptyCapabilities(),
    multiprotocol: [IPV4_UNICAST, IPV6_UNICAST],
    routeRefresh: true,
    enhancedRouteRefresh: true,
    extendedMessage: true,
    role: 4,
    addPath: [
      { afi: 1, safi: 1, mode: 3 as const },
      { afi: 2, safi: 1, mode: 1 as const },
    ],
    gracefulRestart: { restartState: true, restartTime: 120, families: [{ afi: 1, safi: 1, forwardingState: true }] },
  };
  const many = { ...caps, unknown: Array.from({ length: 40 }, (_, k) => ({ code: 128 + k, value: Buffer.alloc(6, k) })) };
  const shutdown = Buffer.concat([Buffer.from([11]), Buffer.from('maintenance')]);
  const v = V.AS4 | V.EBGP;
  return [
    { bytes: encodeOpen({ asn: 4200000001, holdTime: 90, bgpId: 0xc0000201, capabilities: caps }), variant: v },
    { bytes: encodeOpen({ asn: 65001, holdTime: 3, bgpId: 1, capabilities: many }), variant: v }, // RFC 9072 form
    { bytes: encodeNotification({ code: 6, subcode: 2, data: shutdown }), variant: v },
    { bytes: encodeNotification({ code: 3, subcode: 11, data: Buffer.from([0x40, 2, 0]) }), variant: v },
    { bytes: encodeRouteRefresh({ afi: 2, safi: 1, subtype: 1 }), variant: v },
    { bytes: Buffer.from(KEEPALIVE), variant: v },
  ];
}

let bgpSeeds: Seed[] | undefined;

/** BGP messages, whole (header included): about 3,000 of them. */
export function bgpCorpus(): Seed[] {
  if (bgpSeeds) return bgpSeeds;
  const out: Seed[] = handMadeBgp();
  const seen = new Set<string>();
  for (const f of loadFiles()) {
    for (const k of sample(f, 600, 400)) {
      const r = f.recs[k]!;
      const from = bgpFromRecord(f.buf, r);
      const list = from ? [from] : updatesFromRib(f.buf, r, 4);
      for (const s of list) {
        const key = s.bytes.toString('latin1');
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(s);
      }
    }
  }
  return (bgpSeeds = out);
}

// -------------------------------------------------------------------------------------------
// MRT

let mrtSeeds: Seed[] | undefined;

/**
 * Short MRT streams: one to four consecutive records of a file, led by the file's
 * PEER_INDEX_TABLE when they are TABLE_DUMP_V2 RIBs (their entries refer to it).
 */
export function mrtCorpus(): Seed[] {
  if (mrtSeeds) return mrtSeeds;
  const out: Seed[] = [];
  for (const f of loadFiles()) {
    const pit = f.recs.find((r) => r.type === 13 && r.subtype === 1);
    const picks = sample(f, 150, 60);
    for (let k = 0; k < picks.length; k++) {
      const at = picks[k]!;
      const r = f.recs[at]!;
      const n = 1 + (k % 4);
      const run = f.recs.slice(at, at + n).filter((x) => x.end - x.start <= 70_000);
      if (!run.length) continue;
      const parts = run.map((x) => f.buf.subarray(x.start, x.end));
      if (pit && r.type === 13 && r.subtype !== 1 && pit.end - pit.start <= 70_000) parts.unshift(f.buf.subarray(pit.start, pit.end));
      out.push({ bytes: Buffer.concat(parts), variant: k });
    }
  }
  return (mrtSeeds = out);
}

// -------------------------------------------------------------------------------------------
// RTR

let rtrSeeds: Seed[] | undefined;

/** RTR PDU streams: StayRTR's captured answers, and every PDU type from our encoder, both versions. */
export function rtrCorpus(): Seed[] {
  if (rtrSeeds) return rtrSeeds;
  const out: Seed[] = [];
  for (const f of fs
    .readdirSync(RTR_DATA)
    .filter((n) => n.endsWith('.bin'))
    .sort()) {
    const b = fs.readFileSync(path.join(RTR_DATA, f));
    const version = b[0] ?? 1;
    out.push({ bytes: b, variant: version });
    // Each PDU alone too: most mutations then land in one PDU's fields.
    for (let i = 0; i + 8 <= b.length; ) {
      const len = b.readUInt32BE(i + 4);
      if (len < 8 || i + len > b.length) break;
      out.push({ bytes: Buffer.from(b.subarray(i, i + len)), variant: version });
      i += len;
    }
  }
  for (const version of [0, 1]) {
    const pdus: Pdu[] = [
      { type: 'serial-notify', version, sessionId: 7, serial: 42 },
      { type: 'serial-query', version, sessionId: 7, serial: 41 },
      { type: 'reset-query', version },
      { type: 'cache-response', version, sessionId: 7 },
      { type: 'ipv4-prefix', version, announce: true, length: 22, maxLength: 24, addr: 0xc6336400, asn: 64496 },
      { type: 'ipv6-prefix', version, announce: false, length: 32, maxLength: 48, words: new Uint32Array([0x20010db8, 0, 0, 0]), asn: 4200000000 },
      { type: 'end-of-data', version, sessionId: 7, serial: 42, refresh: 3600, retry: 600, expire: 7200 },
      { type: 'cache-reset', version },
      { type: 'error-report', version, code: 5, pdu: Buffer.from([version, 11, 0, 0, 0, 0, 0, 8]), text: 'unsupported: ✓' },
    ];
    if (version === 1) pdus.push({ type: 'router-key', version, announce: true, ski: Buffer.alloc(20, 0xab), asn: 64496, spki: Buffer.alloc(91, 0x30) });
    for (const p of pdus) out.push({ bytes: encodePdu(p), variant: version });
    out.push({ bytes: Buffer.concat(pdus.slice(3, 7).map(encodePdu)), variant: version });
  }
  return (rtrSeeds = out);
}
