// bgpdump's one-line formats: -m (unix time) and -M (human-readable time), byte for byte as
// bgpdump 1.6.2 prints them, including what it leaves out.
import { ipv4Num, ipv6At } from './address.js';
import { FastLines, microText } from './bgpdump-fast.js';
import { ByteSink } from './byte-sink.js';
import { AFI_IP, AFI_IP6, ATTR, MRT } from './constants.js';
import { type DecodeOptions, type DecodeState, decodeRecord, newDecodeState } from './decode.js';
import { asPathText, BIT, nextHopText, origin, tail } from './route-text.js';
import type { AfiSafiRib, Bgp4mpMessage, MpNlri, MrtRecord, TableDump } from './types.js';

export type LineMode = 'm' | 'M';

export interface FormatOptions extends DecodeOptions {
  mode: LineMode;
  /** Called for records bgpdump prints nothing for: what they are and why. */
  skipped?: (record: MrtRecord, why: string) => void;
  /** Internal, for tests: render cache misses through the decoder instead of straight from the bytes. */
  decoderOnly?: boolean;
}

const pad2 = (n: number): string => (n < 10 ? '0' + n : '' + n);

/** bgpdump's time2str: MM/DD/YY HH:MM:SS in UTC. */
export function bgpdumpTime(t: number): string {
  const d = new Date(t * 1000);
  return (
    pad2(d.getUTCMonth() + 1) +
    '/' +
    pad2(d.getUTCDate()) +
    '/' +
    pad2(d.getUTCFullYear() % 100) +
    ' ' +
    pad2(d.getUTCHours()) +
    ':' +
    pad2(d.getUTCMinutes()) +
    ':' +
    pad2(d.getUTCSeconds())
  );
}

const MP_ORDER = [
  [AFI_IP, 1],
  [AFI_IP, 2],
  [AFI_IP, 3],
  [AFI_IP6, 1],
  [AFI_IP6, 2],
  [AFI_IP6, 3],
] as const;

/** bgpdump keeps one MP_(UN)REACH per AFI/SAFI and prints them in this order. */
function mpOrdered(list: MpNlri[]): MpNlri[] {
  if (list.length === 0) return list;
  const out: MpNlri[] = [];
  for (const [afi, safi] of MP_ORDER) {
    const m = list.find((x) => x.afi === afi && x.safi === safi);
    if (m) out.push(m);
  }
  return out;
}

export class BgpdumpFormatter {
  readonly state: DecodeState = newDecodeState();
  private lastTime = -1;
  private lastTimeText = '';
  private readonly fast: FastLines;
  private readonly own = new ByteSink();

  constructor(private readonly opts: FormatOptions) {
    this.fast = new FastLines(opts.mode === 'm', opts, this.state, opts.decoderOnly !== true);
  }

  private time(t: number): string {
    if (t !== this.lastTime) {
      this.lastTime = t;
      this.lastTimeText = this.opts.mode === 'm' ? '' + t : bgpdumpTime(t);
    }
    return this.lastTimeText;
  }

  /** The lines for one record ('' when bgpdump prints none). */
  format(r: MrtRecord): string {
    this.formatInto(r, this.own);
    return this.own.takeString();
  }

  /**
   * Appends the lines for one record to out. Well-formed routes take the byte-level fast path;
   * anything else (and every record type without routes) goes through the decoder.
   */
  formatInto(r: MrtRecord, out: ByteSink): void {
    if (this.fast.format(r, out, this.time(r.timestamp))) return;
    const s = this.formatDecoded(r);
    if (s.length) out.text(s);
  }

  private formatDecoded(r: MrtRecord): string {
    const d = decodeRecord(r, this.state, this.opts);
    switch (d.kind) {
      case 'message':
        return this.message(r, d);
      case 'state_change': {
        const fmt = r.type === MRT.BGP4MP_ET ? 'BGP4MP_ET' : 'BGP4MP';
        return fmt + '|' + this.time(r.timestamp) + this.micro(r) + '|STATE|' + d.peerAddress + '|' + d.peerAs + '|' + d.oldState + '|' + d.newState + '\n';
      }
      case 'rib':
        return this.rib(r, d);
      case 'table_dump':
        return this.tableDump(r, d);
      case 'peer_index_table':
        return '';
      case 'rib_generic':
        this.skip(r, 'bgpdump 1.6.2 does not print RIB_GENERIC records');
        return '';
      case 'unsupported':
        this.skip(r, d.reason);
        return '';
    }
  }

  private skip(r: MrtRecord, why: string): void {
    this.opts.skipped?.(r, why);
  }

  private micro(r: MrtRecord): string {
    return r.type === MRT.BGP4MP_ET ? microText(r.microseconds) : '';
  }

  private message(r: MrtRecord, d: Bgp4mpMessage): string {
    const u = d.update;
    if (!u) {
      if (d.messageType === 5 || d.messageType === 128) this.skip(r, 'ROUTE-REFRESH messages are not printed');
      else if (d.messageType < 1 || d.messageType > 4) this.skip(r, `unknown BGP message type ${d.messageType}`);
      return '';
    }
    const a = u.attributes;
    const et = r.type === MRT.BGP4MP_ET;
    const fmt = (et ? 'BGP4MP_ET' : 'BGP4MP') + (d.local ? '_LOCAL' : '') + (d.addPath ? '_AP' : '');
    const head = fmt + '|' + this.time(r.timestamp) + this.micro(r) + '|';
    const peer = d.peerAddress + '|' + d.peerAs + '|';
    const ap = d.addPath;
    let out = '';
    if (u.withdrawn.length || a.seen & BIT(ATTR.MP_UNREACH_NLRI)) {
      const w = head + 'W|' + peer;
      for (const p of u.withdrawn) out += w + p.address + '/' + p.length + (ap ? '|' + p.pathId : '') + '\n';
      for (const m of mpOrdered(a.mpUnreach)) {
        // bgpdump prints the peer of a _LOCAL IPv4 session as an IPv6 address here.
        const w6 = m.afi === AFI_IP6 && d.local && d.afi === AFI_IP ? head + 'W|' + v4AsV6(d.peerAddress) + '|' + d.peerAs + '|' : w;
        for (const p of m.prefixes) out += w6 + p.address + '/' + p.length + (ap ? '|' + p.pathId : '') + '\n';
      }
    }
    if (u.announced.length || a.seen & BIT(ATTR.MP_REACH_NLRI)) {
      const full = this.opts.mode === 'm';
      const pre = head + 'A|' + peer;
      const path = '|' + asPathText(a) + '|' + origin(a.origin);
      if (u.announced.length) {
        const rest = full ? path + '|' + ipv4Num(a.nextHop) + tail(a, false) : path + '\n';
        for (const p of u.announced) out += pre + p.address + '/' + p.length + (ap ? '|' + p.pathId : '') + rest;
      }
      for (const m of mpOrdered(a.mpReach)) {
        if (!m.prefixes.length) continue;
        const rest = !full ? path + '\n' : path + '|' + m.nextHop + tail(a, m.afi === AFI_IP);
        for (const p of m.prefixes) out += pre + p.address + '/' + p.length + (ap ? '|' + p.pathId : '') + rest;
      }
    }
    return out;
  }

  private rib(r: MrtRecord, d: AfiSafiRib): string {
    if (d.safi !== 1) {
      this.skip(r, 'bgpdump 1.6.2 does not print multicast RIB records');
      return '';
    }
    const head = (d.addPath ? 'TABLE_DUMP2_AP|' : 'TABLE_DUMP2|') + this.time(r.timestamp) + '|B|';
    const pfx = d.prefix.address + '/' + d.prefix.length + '|';
    const full = this.opts.mode === 'm';
    let out = '';
    for (const e of d.entries) {
      if (!e.peer) {
        this.skip(r, `RIB entry names peer index ${e.peerIndex}, which the PEER_INDEX_TABLE does not have`);
        continue;
      }
      const a = e.attributes;
      out +=
        head +
        e.peer.address +
        '|' +
        e.peer.asn +
        '|' +
        pfx +
        (d.addPath ? e.pathId + '|' : '') +
        (a.asPath ? a.asPath.text : '') +
        '|' +
        origin(a.origin) +
        (full ? '|' + nextHopText(a) + tail(a, false) : '\n');
    }
    return out;
  }

  private tableDump(r: MrtRecord, d: TableDump): string {
    const a = d.attributes;
    const full = this.opts.mode === 'm';
    return (
      'TABLE_DUMP|' +
      this.time(r.timestamp) +
      '|B|' +
      d.peerAddress +
      '|' +
      d.peerAs +
      '|' +
      d.prefix.address +
      '/' +
      d.prefix.length +
      '|' +
      asPathText(a) +
      '|' +
      origin(a.origin) +
      (full ? '|' + nextHopText(a) + tail(a, false) : '\n')
    );
  }
}

function v4AsV6(text: string): string {
  const b = new Uint8Array(16);
  text.split('.').forEach((o, i) => {
    b[i] = Number(o);
  });
  return ipv6At(b, 0);
}
