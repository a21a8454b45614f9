// The byte-level fast path of the bgpdump formatter, for the records that make up nearly all
// of a dump: BGP4MP UPDATEs, TABLE_DUMP_V2 unicast RIB entries and TABLE_DUMP routes. It reads
// the MRT bytes and writes line bytes, with no object per prefix. The text after the prefix
// comes from SuffixCache: the attribute block is rendered only the first time its bytes are met,
// straight from the bytes (route-bytes.ts) or, for blocks that renderer leaves alone, through the
// ordinary decoder (so the text keeps every bgpdump rule).
//
// It accepts only records whose framing is intact and free of the quirks bgpdump has for damaged
// input (zero-filled short reads, duplicate MP attributes, odd next-hop lengths, ...). For
// anything else it returns false and the caller formats the record through the decoder.
import { ipv4Num } from './address.js';
import { type DecodeOptions, decodeAttributes } from './attributes.js';
import { ByteSink } from './byte-sink.js';
import { AFI_IP, AFI_IP6, ATTR, BGP4MP, MRT, TD2 } from './constants.js';
import { Cursor } from './cursor.js';
import type { DecodeState } from './decode.js';
import { NH_ATTR, NH_GIVEN, NH_RIB, renderRoute } from './route-bytes.js';
import { nextHopText, routeText } from './route-text.js';
import { SuffixCache } from './suffix-cache.js';
import type { MrtRecord, PeerIndexTable } from './types.js';

const BAR = 0x7c;
const SLASH = 0x2f;
const NEWLINE = 0x0a;
const MAX_SAFI = 3;

/** bgpdump's microseconds: ".000123". */
export function microText(us: number): string {
  const s = '' + us;
  return '.' + '000000'.substring(s.length) + s;
}

const u16 = (b: Buffer, p: number): number => (b[p]! << 8) | b[p + 1]!;

export class FastLines {
  /** The line start shared by a record's lines (and, for RIBs, the prefix part). */
  private readonly head = new ByteSink(1024);
  /** Route text rendered on a cache miss. */
  private readonly scratch = new ByteSink(4096);
  /** Scratch for an UPDATE's cache key when it has MP attributes. */
  private readonly key = new ByteSink(4096);
  private readonly v6 = Buffer.alloc(16);
  /** UPDATE route texts (IPv4 NLRI's, then MP_REACH_NLRI's; aux: where the first ends) by attribute bytes. */
  private readonly updates2 = new SuffixCache();
  private readonly updates4 = new SuffixCache();
  /** The same for UPDATEs with MP attributes, keyed by a built key. */
  private readonly updatesMp = new SuffixCache();
  /** RIB and TABLE_DUMP route text by the ASN width the attributes were decoded with. */
  private readonly routes2 = new SuffixCache();
  private readonly routes4 = new SuffixCache();
  /** The route text found by route() or lookUpdate(): text[textStart, textEnd), split at textSplit. */
  private text: Buffer = this.scratch.buf;
  private textView: DataView = this.scratch.view;
  private textStart = 0;
  private textSplit = 0;
  private textEnd = 0;
  private textEndAll = 0;
  private peersOf: PeerIndexTable | undefined;
  private peerText: string[] = [];
  /** Off only to test the renderer against the decoder. */
  private readonly render: boolean;

  constructor(
    private readonly full: boolean,
    private readonly opts: DecodeOptions,
    private readonly state: DecodeState,
    render = true,
  ) {
    this.render = render;
  }

  /** Writes the record's lines and returns true, or writes nothing and returns false. */
  format(r: MrtRecord, out: ByteSink, time: string): boolean {
    if (this.opts.maskHostBits) return false;
    const mark = out.pos;
    let ok = false;
    if (r.type === MRT.BGP4MP || r.type === MRT.BGP4MP_ET) ok = this.message(r, out, time);
    else if (r.type === MRT.TABLE_DUMP_V2) ok = this.rib(r, out, time);
    else if (r.type === MRT.TABLE_DUMP) ok = this.tableDump(r, out, time);
    if (!ok) out.pos = mark;
    return ok;
  }

  private message(r: MrtRecord, out: ByteSink, time: string): boolean {
    const st = r.subtype;
    if (st !== BGP4MP.MESSAGE && st !== BGP4MP.MESSAGE_AS4 && (st < BGP4MP.MESSAGE_LOCAL || st > BGP4MP.MESSAGE_AS4_LOCAL_ADDPATH)) return false;
    const as4 = st === BGP4MP.MESSAGE_AS4 || st === BGP4MP.MESSAGE_AS4_LOCAL || st === BGP4MP.MESSAGE_AS4_ADDPATH || st === BGP4MP.MESSAGE_AS4_LOCAL_ADDPATH;
    const local =
      st === BGP4MP.MESSAGE_LOCAL || st === BGP4MP.MESSAGE_AS4_LOCAL || st === BGP4MP.MESSAGE_LOCAL_ADDPATH || st === BGP4MP.MESSAGE_AS4_LOCAL_ADDPATH;
    const addPath = st >= BGP4MP.MESSAGE_ADDPATH;
    const asnLen = as4 ? 4 : 2;
    const b = r.buf;
    const end = r.end;
    let p = r.start;
    if (end - p < 2 * asnLen + 4) return false;
    const peerAs = as4 ? b.readUInt32BE(p) : u16(b, p);
    p += 2 * asnLen + 2;
    const afi = u16(b, p);
    p += 2;
    if (afi !== AFI_IP && afi !== AFI_IP6) return false;
    const peerAt = p;
    p += afi === AFI_IP ? 8 : 32;
    // Marker, length, type: only a whole UPDATE with room for its two length fields.
    if (end - p < 23) return false;
    for (let i = 0; i < 16; i++) if (b[p + i] !== 0xff) return false;
    const size = u16(b, p + 16);
    const bodyEnd = p + size;
    if (b[p + 18] !== 2 || size < 23 || bodyEnd > end) return false;
    const wStart = p + 21;
    const wEnd = wStart + u16(b, p + 19);
    if (wEnd + 2 > bodyEnd) return false;
    const aStart = wEnd + 2;
    const aEnd = aStart + u16(b, wEnd);
    if (aEnd > bodyEnd) return false;

    let reach = -1;
    let reachEnd = 0;
    let unreach = -1;
    let unreachEnd = 0;
    for (let t = aStart; t < aEnd; ) {
      if (aEnd - t < 3) return false;
      const ext = b[t]! & 0x10;
      if (ext && aEnd - t < 4) return false;
      const type = b[t + 1]!;
      const v = t + (ext ? 4 : 3);
      const vEnd = v + (ext ? u16(b, t + 2) : b[t + 2]!);
      if (vEnd > aEnd) return false;
      if (type === ATTR.MP_REACH_NLRI) {
        if (reach >= 0) return false;
        reach = v;
        reachEnd = vEnd;
      } else if (type === ATTR.MP_UNREACH_NLRI) {
        if (unreach >= 0) return false;
        unreach = v;
        unreachEnd = vEnd;
      }
      t = vEnd;
    }
    let reachAfi = 0;
    let reachNlri = 0;
    if (reach >= 0) {
      // The full form (the AFI's high octet is 0), a known AFI/SAFI, a next-hop length bgpdump
      // reads as it says, and no SNPAs.
      if (reachEnd - reach < 5 || b[reach] !== 0) return false;
      reachAfi = b[reach + 1]!;
      const safi = b[reach + 2]!;
      const nhLen = b[reach + 3]!;
      if (safi < 1 || safi > MAX_SAFI) return false;
      if (reachAfi === AFI_IP ? nhLen !== 4 : reachAfi !== AFI_IP6 || (nhLen !== 16 && nhLen !== 32)) return false;
      const snpa = reach + 4 + nhLen;
      if (snpa >= reachEnd || b[snpa] !== 0) return false;
      reachNlri = snpa + 1;
    }
    let unreachAfi = 0;
    if (unreach >= 0) {
      if (unreachEnd - unreach < 3 || b[unreach] !== 0) return false;
      unreachAfi = b[unreach + 1]!;
      const safi = b[unreach + 2]!;
      if ((unreachAfi !== AFI_IP && unreachAfi !== AFI_IP6) || safi < 1 || safi > MAX_SAFI) return false;
      // bgpdump prints the peer of a _LOCAL IPv4 session as IPv6 here: left to the decoder.
      if (unreachAfi === AFI_IP6 && local && afi === AFI_IP) return false;
    }

    const h = this.head;
    h.pos = 0;
    h.text(r.type === MRT.BGP4MP_ET ? 'BGP4MP_ET' : 'BGP4MP');
    if (local) h.text('_LOCAL');
    if (addPath) h.text('_AP');
    h.byte(BAR);
    h.text(time);
    if (r.type === MRT.BGP4MP_ET) h.text(microText(r.microseconds));
    h.byte(BAR);
    const fixed = h.pos;

    if (wEnd > wStart || unreach >= 0) {
      this.peer(0x57, fixed, afi, b, peerAt, peerAs); // W
      if (!this.prefixes(b, wStart, wEnd, AFI_IP, addPath, out, false)) return false;
      if (unreach >= 0 && !this.prefixes(b, unreach + 3, unreachEnd, unreachAfi, addPath, out, false)) return false;
    }
    const v4 = bodyEnd > aEnd;
    const mp = reach >= 0 && reachEnd > reachNlri;
    if (v4 || mp) {
      if (!this.lookUpdate(b, wEnd, aStart, aEnd, asnLen, addPath, v4, reach, reachNlri, unreach, reachAfi)) return false;
      this.peer(0x41, fixed, afi, b, peerAt, peerAs); // A
      const text = this.text;
      const view = this.textView;
      if (v4) {
        this.textEnd = this.textSplit;
        if (!this.prefixes(b, aEnd, bodyEnd, AFI_IP, addPath, out, true)) return false;
      }
      if (mp) {
        this.text = text;
        this.textView = view;
        this.textStart = this.textSplit;
        this.textEnd = this.textEndAll;
        if (!this.prefixes(b, reachNlri, reachEnd, reachAfi, addPath, out, true)) return false;
      }
    }
    return true;
  }

  /**
   * Finds (or renders and caches) an UPDATE's route texts: text[textStart, textSplit) for its
   * IPv4 NLRI, text[textSplit, textEndAll) for MP_REACH_NLRI's prefixes. False: left to the decoder.
   */
  private lookUpdate(
    b: Buffer,
    wEnd: number,
    aStart: number,
    aEnd: number,
    asnLen: 2 | 4,
    addPath: boolean,
    v4: boolean,
    reach: number,
    reachNlri: number,
    unreach: number,
    reachAfi: number,
  ): boolean {
    // The cache key: the attribute bytes themselves, or, with MP attributes (whose prefixes vary
    // while the route text stays the same), the ASN width and every attribute but the MP ones,
    // then MP_REACH_NLRI's AFI, SAFI and next hop, and whether the IPv4 text is there.
    let cache: SuffixCache;
    let kb: Uint8Array;
    let ks: number;
    let ke: number;
    if (reach < 0 && unreach < 0) {
      cache = asnLen === 4 ? this.updates4 : this.updates2;
      kb = b;
      ks = aStart;
      ke = aEnd;
    } else {
      const key = this.key;
      key.pos = 0;
      key.byte(asnLen);
      key.byte(v4 ? 1 : 0);
      for (let t = aStart; t < aEnd; ) {
        const ext = b[t]! & 0x10;
        const v = t + (ext ? 4 : 3);
        const vEnd = v + (ext ? u16(b, t + 2) : b[t + 2]!);
        if (v !== reach && v !== unreach) key.copy(b, t, vEnd);
        t = vEnd;
      }
      if (reach >= 0) {
        // Written last with its length and a flag, so that every key reads back one way.
        const snpa = reachNlri - 1;
        key.copy(b, reach, snpa);
        key.byte(snpa - reach);
        key.byte(1);
      } else {
        key.byte(0);
      }
      cache = this.updatesMp;
      kb = key.buf;
      ks = 0;
      ke = key.pos;
    }
    const e = cache.get(kb, ks, ke);
    if (e >= 0) {
      this.text = cache.values;
      this.textView = cache.valuesView;
      this.textStart = cache.valueStart(e);
      this.textSplit = this.textStart + cache.aux(e);
      this.textEndAll = cache.valueEnd(e);
      return true;
    }
    const sc = this.scratch;
    sc.pos = 0;
    let ok = this.render;
    if (ok && v4) ok = renderRoute(b, aStart, aEnd, asnLen, this.full, NH_ATTR, 0, 0, false, sc);
    let split = sc.pos;
    if (ok && reach >= 0) ok = renderRoute(b, aStart, aEnd, asnLen, this.full, NH_GIVEN, reach + 4, reachAfi, reachAfi === AFI_IP, sc);
    if (!ok) {
      sc.pos = 0;
      const a = decodeAttributes(new Cursor(b, wEnd, aEnd), asnLen, addPath, this.opts);
      const m = a.mpReach[0];
      if (reach >= 0 && (a.mpReach.length !== 1 || !m)) return false;
      if (v4) sc.text(routeText(a, ipv4Num(a.nextHop), false, this.full));
      split = sc.pos;
      if (m) sc.text(routeText(a, m.nextHop, m.afi === AFI_IP, this.full));
    }
    cache.add(kb, ks, ke, sc.buf, 0, sc.pos, split);
    this.text = sc.buf;
    this.textView = sc.view;
    this.textStart = 0;
    this.textSplit = split;
    this.textEndAll = sc.pos;
    return true;
  }

  /** The head's "X|peer|peer-as|" after its fixed part. */
  private peer(what: number, fixed: number, afi: number, b: Buffer, peerAt: number, peerAs: number): void {
    const h = this.head;
    h.pos = fixed;
    h.byte(what);
    h.byte(BAR);
    if (afi === AFI_IP) h.ipv4(b, peerAt);
    else h.ipv6(b, peerAt);
    h.byte(BAR);
    h.uint(peerAs);
    h.byte(BAR);
  }

  /**
   * One line per prefix of the NLRI in b[s, e): the head, the prefix (and path id), then the
   * route text (text[textStart, textEnd)) or, for withdrawals, the end of the line. A prefix cut
   * short ends the list, as in bgpdump; false for what the decoder must handle.
   */
  private prefixes(b: Buffer, s: number, e: number, afi: number, addPath: boolean, out: ByteSink, route: boolean): boolean {
    const h = this.head;
    const text = this.text;
    const view = this.textView;
    const ts = this.textStart;
    const te = this.textEnd;
    while (s < e) {
      let pathId = 0;
      if (addPath) {
        if (e - s < 5) return false;
        pathId = b.readUInt32BE(s);
        s += 4;
      }
      const len = b[s++]!;
      const n = (len + 7) >> 3;
      if (e - s < n) break;
      if (n > 16) return false;
      out.copyView(h.view, h.buf, 0, h.pos);
      this.address(afi, b, s, n, out);
      out.byte(SLASH);
      out.uint(len);
      if (addPath) {
        out.byte(BAR);
        out.uint(pathId);
      }
      if (route) {
        out.byte(BAR);
        out.copyView(view, text, ts, te);
      } else {
        out.byte(NEWLINE);
      }
      s += n;
    }
    return true;
  }

  /** A prefix's address from its n recorded octets (the rest zero). */
  private address(afi: number, b: Buffer, s: number, n: number, out: ByteSink): void {
    if (afi === AFI_IP) {
      out.ipv4(b, s, Math.min(n, 4));
    } else if (n >= 16) {
      out.ipv6(b, s);
    } else {
      const v = this.v6;
      v.fill(0);
      for (let i = 0; i < n; i++) v[i] = b[s + i]!;
      out.ipv6(v, 0);
    }
  }

  private rib(r: MrtRecord, out: ByteSink, time: string): boolean {
    const st = r.subtype;
    if (st !== TD2.RIB_IPV4_UNICAST && st !== TD2.RIB_IPV6_UNICAST && st !== TD2.RIB_IPV4_UNICAST_ADDPATH && st !== TD2.RIB_IPV6_UNICAST_ADDPATH) return false;
    const table = this.state.peerIndex;
    if (!table) return false;
    if (table !== this.peersOf) {
      this.peersOf = table;
      this.peerText = [];
    }
    const afi = st === TD2.RIB_IPV4_UNICAST || st === TD2.RIB_IPV4_UNICAST_ADDPATH ? AFI_IP : AFI_IP6;
    const addPath = st >= TD2.RIB_IPV4_UNICAST_ADDPATH;
    const b = r.buf;
    const end = r.end;
    let p = r.start;
    if (end - p < 5) return false;
    const len = b[p + 4]!;
    const n = (len + 7) >> 3;
    p += 5;
    if (len > (afi === AFI_IP ? 32 : 128) || end - p < n + 2) return false;
    // The head holds "TABLE_DUMP2|time|B|" then "prefix/len|"; the peer goes between the two.
    const h = this.head;
    h.pos = 0;
    h.text(addPath ? 'TABLE_DUMP2_AP|' : 'TABLE_DUMP2|');
    h.text(time);
    h.text('|B|');
    const fixed = h.pos;
    this.address(afi, b, p, n, h);
    h.byte(SLASH);
    h.uint(len);
    h.byte(BAR);
    p += n;
    const count = u16(b, p);
    p += 2;
    const entry = addPath ? 12 : 8;
    for (let i = 0; i < count; i++) {
      if (end - p < entry) return false;
      const index = u16(b, p);
      const pathId = addPath ? b.readUInt32BE(p + 6) : 0;
      p += entry - 2;
      const aEnd = p + 2 + u16(b, p);
      if (aEnd > end) return false;
      const peer = table.peers[index];
      if (!peer) return false;
      this.route(b, p, aEnd, 4, addPath, this.routes4);
      let pt = this.peerText[index];
      if (!pt) {
        pt = peer.address + '|' + peer.asn + '|';
        this.peerText[index] = pt;
      }
      out.copyView(h.view, h.buf, 0, fixed);
      out.text(pt);
      out.copyView(h.view, h.buf, fixed, h.pos);
      if (addPath) {
        out.uint(pathId);
        out.byte(BAR);
      }
      out.copyView(this.textView, this.text, this.textStart, this.textEnd);
      p = aEnd;
    }
    return true;
  }

  private tableDump(r: MrtRecord, out: ByteSink, time: string): boolean {
    const st = r.subtype;
    if (st < 1 || st > 4) return false;
    const afi = st === 2 || st === 4 ? AFI_IP6 : AFI_IP;
    const width = afi === AFI_IP ? 4 : 16;
    const asnLen = st >= 3 ? 4 : 2;
    const b = r.buf;
    const end = r.end;
    const p = r.start;
    // view, sequence, prefix, length, status, originated, peer address, peer AS, attributes length
    if (end - p < 12 + 2 * width + asnLen + 2) return false;
    const prefixAt = p + 4;
    const len = b[prefixAt + width]!;
    const peerAt = prefixAt + width + 6;
    const asAt = peerAt + width;
    const peerAs = asnLen === 4 ? b.readUInt32BE(asAt) : u16(b, asAt);
    const lenAt = asAt + asnLen;
    const aEnd = lenAt + 2 + u16(b, lenAt);
    if (aEnd > end) return false;
    this.route(b, lenAt, aEnd, asnLen, false, asnLen === 4 ? this.routes4 : this.routes2);
    out.text('TABLE_DUMP|');
    out.text(time);
    out.text('|B|');
    this.address(afi, b, peerAt, width, out);
    out.byte(BAR);
    out.uint(peerAs);
    out.byte(BAR);
    this.address(afi, b, prefixAt, width, out);
    out.byte(SLASH);
    out.uint(len);
    out.byte(BAR);
    out.copyView(this.textView, this.text, this.textStart, this.textEnd);
    return true;
  }

  /** Finds the route text for the attribute block at b[at] (its 2-octet length first) up to end: text[textStart, textEnd). */
  private route(b: Buffer, at: number, end: number, asnLen: 2 | 4, addPath: boolean, cache: SuffixCache): void {
    const e = cache.get(b, at + 2, end);
    if (e >= 0) {
      this.text = cache.values;
      this.textView = cache.valuesView;
      this.textStart = cache.valueStart(e);
      this.textEnd = cache.valueEnd(e);
      return;
    }
    const sc = this.scratch;
    sc.pos = 0;
    if (!this.render || !renderRoute(b, at + 2, end, asnLen, this.full, NH_RIB, 0, 0, false, sc)) {
      sc.pos = 0;
      const a = decodeAttributes(new Cursor(b, at, end), asnLen, addPath, this.opts);
      sc.text(routeText(a, nextHopText(a), false, this.full));
    }
    cache.add(b, at + 2, end, sc.buf, 0, sc.pos, 0);
    this.text = sc.buf;
    this.textView = sc.view;
    this.textStart = 0;
    this.textEnd = sc.pos;
  }
}
