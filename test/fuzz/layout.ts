// Where the length fields, prefix lengths and nested units of an input are, so the mutation
// engine can lie about a length on purpose, or change a unit's size and keep (or break) every
// length that encloses it. The locators read what is there, tolerantly: on damaged bytes they
// stop early and describe less, they never throw.

export const enum Kind {
  Length,
  Count,
  Prefix,
  Flags,
  Type,
}

export interface Field {
  at: number;
  size: 1 | 2 | 4;
  kind: Kind;
}

export type Unit = 'message' | 'attribute' | 'prefix' | 'segment' | 'param' | 'capability' | 'pdu' | 'record' | 'entry' | 'peer';

export interface Span {
  start: number;
  end: number;
  unit: Unit;
  /** the length fields whose value counts this span's bytes */
  parents: Field[];
  /** a field counting units like this one (RIB entries, peers), kept right on duplication */
  counter?: Field;
}

/** Which context to read ambiguous bytes with (they decide the width of ASNs and NLRI). */
export interface Hint {
  addPath: boolean;
  as4: boolean;
}

export class Layout {
  readonly fields: Field[] = [];
  readonly spans: Span[] = [];
  constructor(readonly buf: Buffer) {}

  /** Records a field if it lies inside the buffer; returns it either way (for parent lists). */
  field(at: number, size: 1 | 2 | 4, kind: Kind): Field {
    const f = { at, size, kind };
    if (at >= 0 && at + size <= this.buf.length) this.fields.push(f);
    return f;
  }

  span(start: number, end: number, unit: Unit, parents: Field[], counter?: Field): void {
    if (end > start && start >= 0) this.spans.push({ start, end: Math.min(end, this.buf.length), unit, parents, ...(counter ? { counter } : {}) });
  }

  /** The value of a field (0 past the end). */
  read(f: Field): number {
    const b = this.buf;
    if (f.at + f.size > b.length) return 0;
    return f.size === 1 ? b[f.at]! : f.size === 2 ? b.readUInt16BE(f.at) : b.readUInt32BE(f.at);
  }
}

const u16 = (b: Buffer, at: number): number => (at + 2 <= b.length ? b.readUInt16BE(at) : 0);
const u32 = (b: Buffer, at: number): number => (at + 4 <= b.length ? b.readUInt32BE(at) : 0);

// -------------------------------------------------------------------------------------------
// BGP

/** A whole BGP message (header included) at off. */
export function locateBgpMessage(L: Layout, off: number, end: number, parents: Field[], hint: Hint): void {
  const b = L.buf;
  if (end - off < 19) return;
  const hl = L.field(off + 16, 2, Kind.Length);
  L.field(off + 18, 1, Kind.Type);
  const declared = u16(b, off + 16);
  const mEnd = Math.min(end, Math.max(off + 19, off + declared));
  L.span(off, mEnd, 'message', parents);
  const inner = [...parents, hl];
  const s = off + 19;
  switch (b[off + 18]) {
    case 1:
      locateOpenBody(L, s, mEnd, inner);
      break;
    case 2:
      locateUpdateBody(L, s, mEnd, inner, hint);
      break;
    case 3:
      L.field(s, 1, Kind.Type);
      L.field(s + 1, 1, Kind.Type);
      if (b[s] === 6 && (b[s + 1] === 2 || b[s + 1] === 4)) L.field(s + 2, 1, Kind.Length);
      break;
    case 5:
      L.field(s + 2, 1, Kind.Type);
      break;
  }
}

/** An UPDATE body: withdrawn routes, path attributes, NLRI. */
export function locateUpdateBody(L: Layout, s: number, e: number, parents: Field[], hint: Hint): void {
  const b = L.buf;
  if (e - s < 2) return;
  const wl = L.field(s, 2, Kind.Length);
  const we = Math.min(e, s + 2 + u16(b, s));
  locatePrefixes(L, s + 2, we, [...parents, wl], hint.addPath);
  if (we + 2 > e) return;
  const tal = L.field(we, 2, Kind.Length);
  const ae = Math.min(e, we + 2 + u16(b, we));
  locateAttributes(L, we + 2, ae, [...parents, tal], hint);
  locatePrefixes(L, ae, e, parents, hint.addPath);
}

export function locatePrefixes(L: Layout, s: number, e: number, parents: Field[], addPath: boolean): void {
  const b = L.buf;
  let i = s;
  while (i < e) {
    const start = i;
    if (addPath) i += 4;
    if (i >= e) break;
    L.field(i, 1, Kind.Prefix);
    const next = i + 1 + ((b[i]! + 7) >> 3);
    L.span(start, Math.min(next, e), 'prefix', parents);
    i = next;
  }
}

/** Path attributes in [s, e): each one's flags, type and length, and what is inside the ones with structure. */
export function locateAttributes(L: Layout, s: number, e: number, parents: Field[], hint: Hint): void {
  const b = L.buf;
  let i = s;
  while (i + 3 <= e) {
    L.field(i, 1, Kind.Flags);
    L.field(i + 1, 1, Kind.Type);
    const ext = (b[i]! & 0x10) !== 0;
    if (ext && i + 4 > e) break;
    const lf = L.field(i + 2, ext ? 2 : 1, Kind.Length);
    const vs = i + (ext ? 4 : 3);
    const ve = vs + (ext ? u16(b, i + 2) : b[i + 2]!);
    L.span(i, Math.min(ve, e), 'attribute', parents);
    const inner = [...parents, lf];
    const ie = Math.min(ve, e);
    switch (b[i + 1]) {
      case 2:
      case 17:
        locateAsPath(L, vs, ie, inner, b[i + 1] === 17 || hint.as4 ? 4 : 2);
        break;
      case 14: {
        if (ie - vs < 5) break;
        if (b[vs] !== 0) {
          L.field(vs, 1, Kind.Length);
          break;
        } // TABLE_DUMP_V2's abbreviated form
        L.field(vs + 3, 1, Kind.Length);
        const snpa = vs + 4 + b[vs + 3]!;
        L.field(snpa, 1, Kind.Count);
        locatePrefixes(L, snpa + 1, ie, inner, hint.addPath);
        break;
      }
      case 15:
        locatePrefixes(L, vs + 3, ie, inner, hint.addPath);
        break;
    }
    i = ve;
  }
}

function locateAsPath(L: Layout, s: number, e: number, parents: Field[], asn: number): void {
  let i = s;
  while (i + 2 <= e) {
    L.field(i, 1, Kind.Type);
    L.field(i + 1, 1, Kind.Count);
    const next = i + 2 + L.buf[i + 1]! * asn;
    L.span(i, Math.min(next, e), 'segment', parents);
    i = next;
  }
}

/** An OPEN body: optional parameters (classic or RFC 9072 extended) and the capabilities inside. */
function locateOpenBody(L: Layout, s: number, e: number, parents: Field[]): void {
  const b = L.buf;
  if (e - s < 10) return;
  L.field(s, 1, Kind.Type);
  const extended = b[s + 9] === 255 && b[s + 10] === 255;
  const ol = extended ? L.field(s + 11, 2, Kind.Length) : L.field(s + 9, 1, Kind.Length);
  const hdr = extended ? 3 : 2;
  let i = extended ? s + 13 : s + 10;
  const pe = Math.min(e, i + L.read(ol));
  while (i + hdr <= pe) {
    L.field(i, 1, Kind.Type);
    const pl = L.field(i + 1, extended ? 2 : 1, Kind.Length);
    const vs = i + hdr;
    const ve = vs + L.read(pl);
    L.span(i, Math.min(ve, pe), 'param', [...parents, ol]);
    if (b[i] === 2) {
      for (let j = vs; j + 2 <= Math.min(ve, pe); ) {
        L.field(j, 1, Kind.Type);
        const cl = L.field(j + 1, 1, Kind.Length);
        L.span(j, Math.min(j + 2 + b[j + 1]!, pe), 'capability', [...parents, ol, pl]);
        j += 2 + L.read(cl);
      }
    }
    i = ve;
  }
}

// -------------------------------------------------------------------------------------------
// RTR

/** A stream of RTR PDUs. */
export function locateRtr(L: Layout): void {
  const b = L.buf;
  let i = 0;
  while (i + 8 <= b.length) {
    L.field(i, 1, Kind.Type);
    L.field(i + 1, 1, Kind.Type);
    const lf = L.field(i + 4, 4, Kind.Length);
    const len = Math.max(8, u32(b, i + 4));
    const pe = Math.min(b.length, i + len);
    L.span(i, pe, 'pdu', []);
    switch (b[i + 1]) {
      case 4:
      case 6:
        L.field(i + 8, 1, Kind.Flags);
        L.field(i + 9, 1, Kind.Prefix);
        L.field(i + 10, 1, Kind.Prefix);
        break;
      case 9:
        L.field(i + 2, 1, Kind.Flags);
        break;
      case 10: {
        const il = L.field(i + 8, 4, Kind.Length);
        const inner = u32(b, i + 8);
        if (inner < pe) L.span(i + 12, Math.min(pe, i + 12 + inner), 'pdu', [lf, il]);
        const tl = L.field(i + 12 + inner, 4, Kind.Length);
        if (i + 16 + inner < pe) L.span(i + 16 + inner, pe, 'param', [lf, tl]);
        break;
      }
    }
    i += len;
  }
}

// -------------------------------------------------------------------------------------------
// MRT

/** A stream of MRT records (RFC 6396), with the BGP messages and attribute blocks inside. */
export function locateMrt(L: Layout): void {
  const b = L.buf;
  let i = 0;
  while (i + 12 <= b.length) {
    const type = u16(b, i + 4);
    const subtype = u16(b, i + 6);
    L.field(i + 4, 2, Kind.Type);
    L.field(i + 6, 2, Kind.Type);
    const lf = L.field(i + 8, 4, Kind.Length);
    const len = u32(b, i + 8);
    const re = Math.min(b.length, i + 12 + len);
    L.span(i, re, 'record', []);
    const bs = i + (type === 17 ? 16 : 12);
    if (type === 16 || type === 17) locateBgp4mp(L, bs, re, [lf], subtype);
    else if (type === 13) locateTableDumpV2(L, bs, re, [lf], subtype);
    else if (type === 12) locateTableDump(L, bs, re, [lf], subtype);
    if (len > b.length) break;
    i += 12 + len;
  }
}

function locateBgp4mp(L: Layout, s: number, e: number, parents: Field[], subtype: number): void {
  if ((subtype !== 1 && !(subtype >= 4 && subtype <= 11)) || subtype === 5) return;
  const as4 = subtype === 4 || subtype === 7 || subtype === 9 || subtype === 11;
  const j = s + (as4 ? 8 : 4);
  L.field(j + 2, 2, Kind.Type);
  const afi = u16(L.buf, j + 2);
  const w = afi === 2 ? 16 : 4;
  locateBgpMessage(L, j + 4 + 2 * w, e, parents, { as4, addPath: subtype >= 8 });
}

function locateTableDumpV2(L: Layout, s: number, e: number, parents: Field[], subtype: number): void {
  const b = L.buf;
  if (subtype === 1) {
    const nl = L.field(s + 4, 2, Kind.Length);
    let i = s + 6 + u16(b, s + 4);
    L.span(s + 6, i, 'param', [...parents, nl]);
    const count = L.field(i, 2, Kind.Count);
    i += 2;
    while (i < e) {
      L.field(i, 1, Kind.Flags);
      const t = b[i]!;
      const next = i + 5 + (t & 1 ? 16 : 4) + (t & 2 ? 4 : 2);
      L.span(i, Math.min(next, e), 'peer', parents, count);
      i = next;
    }
    return;
  }
  const generic = subtype === 6 || subtype === 12;
  const addPath = subtype >= 8;
  if (!generic && !(subtype >= 2 && subtype <= 11)) return;
  let i = s + 4;
  if (generic) {
    L.field(i, 2, Kind.Type);
    i += 3 + (addPath ? 4 : 0);
  }
  L.field(i, 1, Kind.Prefix);
  i += 1 + (((b[i] ?? 0) + 7) >> 3);
  const count = L.field(i, 2, Kind.Count);
  i += 2;
  while (i + 8 <= e) {
    const start = i;
    i += 6 + (addPath ? 4 : 0);
    const al = L.field(i, 2, Kind.Length);
    const ae = i + 2 + u16(b, i);
    locateAttributes(L, i + 2, Math.min(ae, e), [...parents, al], { as4: true, addPath });
    L.span(start, Math.min(ae, e), 'entry', parents, count);
    i = ae;
  }
}

function locateTableDump(L: Layout, s: number, e: number, parents: Field[], subtype: number): void {
  const w = subtype === 2 || subtype === 4 ? 16 : 4;
  let i = s + 4 + w;
  L.field(i, 1, Kind.Prefix);
  i += 6 + w + (subtype >= 3 ? 4 : 2);
  const al = L.field(i, 2, Kind.Length);
  locateAttributes(L, i + 2, Math.min(e, i + 2 + u16(L.buf, i)), [...parents, al], { as4: subtype >= 3, addPath: false });
}
