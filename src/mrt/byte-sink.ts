// A growable byte buffer the formatter writes its text into. Output is ASCII, so bytes are
// written directly instead of building strings: no per-line string garbage, and stdout gets
// one large Buffer at a time. A mark/rollback pair lets a fast path abandon half-written
// lines when a record turns out to need the careful decoder.
import { zeroRun } from '../net/address.js';

const INITIAL = 1 << 21;
/** Below this many bytes a JavaScript loop beats the native copy's call overhead. */
const SHORT_COPY = 256;

/**
 * Buffer's own latin1 writer (public on Buffer.prototype though untyped): buf.write(s, o,
 * 'latin1') reaches the same native call after argument checks that cost more than the copy.
 */
interface Latin1Writer {
  latin1Write(s: string, offset: number): number;
}

/** "0".."255" as bytes, 4 slots each: length, then up to 3 digits. */
const OCTETS = new Uint8Array(256 * 4);
for (let i = 0; i < 256; i++) {
  const s = String(i);
  OCTETS[i * 4] = s.length;
  for (let j = 0; j < s.length; j++) OCTETS[i * 4 + 1 + j] = s.charCodeAt(j);
}

export class ByteSink {
  buf: Buffer;
  /** A DataView over buf's bytes. */
  view: DataView;
  pos = 0;
  /** Buffers handed back after their bytes were written out (fresh large buffers cost page faults and GC). */
  private spare: Buffer[] = [];

  constructor(size = INITIAL) {
    this.buf = Buffer.allocUnsafe(size);
    this.view = viewOf(this.buf);
  }

  /** Makes room for n more bytes (grows; the sink is only drained between records). */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.view = viewOf(next);
  }

  /** The bytes written so far, handed over (another buffer takes their place) until given back. */
  take(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    const size = Math.max(INITIAL, this.buf.length);
    let next = this.spare.pop();
    while (next && next.length < size) next = this.spare.pop();
    this.buf = next ?? Buffer.allocUnsafe(size);
    this.view = viewOf(this.buf);
    this.pos = 0;
    return out;
  }

  /** Returns a buffer from take() once its bytes are no longer needed. */
  give(b: Buffer): void {
    if (this.spare.length < 4) this.spare.push(Buffer.from(b.buffer, b.byteOffset, b.buffer.byteLength - b.byteOffset));
  }

  /** The text written so far as a string; the sink starts over. */
  takeString(): string {
    const s = this.buf.toString('latin1', 0, this.pos);
    this.pos = 0;
    return s;
  }

  /** ASCII text (every character below 256). */
  text(s: string): void {
    const n = s.length;
    this.ensure(n);
    if (n < 32) {
      const b = this.buf;
      let p = this.pos;
      for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
      this.pos = p;
    } else {
      this.pos += (this.buf as unknown as Latin1Writer).latin1Write(s, this.pos);
    }
  }

  byte(c: number): void {
    this.ensure(1);
    this.buf[this.pos++] = c;
  }

  /** src[start, end) appended. */
  copy(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.ensure(n);
    const b = this.buf;
    let p = this.pos;
    if (n < SHORT_COPY) {
      for (let i = start; i < end; i++) b[p++] = src[i]!;
    } else {
      b.set(src.subarray(start, end), p);
      p += n;
    }
    this.pos = p;
  }

  /**
   * src[start, end) appended, four bytes at a time through DataViews (view is over src's bytes):
   * for the line pieces copied per prefix, a third of the byte loop's time.
   */
  copyView(view: DataView, src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.ensure(n);
    const dv = this.view;
    let p = this.pos;
    let i = start;
    for (; i + 4 <= end; i += 4, p += 4) dv.setUint32(p, view.getUint32(i));
    const b = this.buf;
    for (; i < end; i++) b[p++] = src[i]!;
    this.pos = p;
  }

  /** A 32-bit value as a signed int32 in decimal (bgpdump's %d of an unsigned field). */
  int32(v: number): void {
    if (v >= 0x80000000) {
      this.byte(0x2d);
      this.uint(0x100000000 - v);
    } else {
      this.uint(v);
    }
  }

  /** A non-negative integer below 2^53 in decimal. */
  uint(v: number): void {
    this.ensure(16);
    const b = this.buf;
    if (v < 10) {
      b[this.pos++] = 48 + v;
      return;
    }
    let digits = 1;
    for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++;
    let p = this.pos + digits;
    this.pos = p;
    while (v >= 10) {
      const q = Math.floor(v / 10);
      b[--p] = 48 + (v - q * 10);
      v = q;
    }
    b[--p] = 48 + v;
  }

  /** Dotted-quad IPv4 from 4 bytes at src[p]; missing bytes (past n) print as 0. */
  ipv4(src: Uint8Array, p: number, n = 4): void {
    this.ensure(16);
    const b = this.buf;
    let q = this.pos;
    for (let i = 0; i < 4; i++) {
      if (i) b[q++] = 46;
      const o = (i < n ? src[p + i]! : 0) * 4;
      const len = OCTETS[o]!;
      b[q++] = OCTETS[o + 1]!;
      if (len > 1) b[q++] = OCTETS[o + 2]!;
      if (len > 2) b[q++] = OCTETS[o + 3]!;
    }
    this.pos = q;
  }

  /** Dotted-quad IPv4 from a 32-bit value. */
  ipv4Num(v: number): void {
    this.ensure(16);
    const b = this.buf;
    let q = this.pos;
    for (let i = 24; i >= 0; i -= 8) {
      if (i !== 24) b[q++] = 46;
      const o = ((v >>> i) & 255) * 4;
      const len = OCTETS[o]!;
      b[q++] = OCTETS[o + 1]!;
      if (len > 1) b[q++] = OCTETS[o + 2]!;
      if (len > 2) b[q++] = OCTETS[o + 3]!;
    }
    this.pos = q;
  }

  /**
   * IPv6 from 16 bytes at src[p], the way bgpdump prints it (address.ts's ipv6At, written as
   * bytes): ::a.b.c.d for IPv4-compatible and ::ffff:a.b.c.d for mapped addresses, the longest
   * run of zero groups (even one, the first on ties) as "::", groups in lowercase hex.
   */
  ipv6(src: Uint8Array, p: number): void {
    this.ensure(48);
    const g = GROUPS;
    let lead = true;
    for (let i = 0; i < 8; i++) {
      const v = (src[p + 2 * i]! << 8) | src[p + 2 * i + 1]!;
      g[i] = v;
      if (i < 6 && v !== 0) lead = false;
    }
    const b = this.buf;
    if (lead && ((g[6]! << 16) | g[7]!) >>> 0 > 1) {
      b[this.pos++] = 58;
      b[this.pos++] = 58;
      this.ipv4(src, p + 12);
      return;
    }
    if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
      b[this.pos++] = 58;
      b[this.pos++] = 58;
      this.hex(0xffff);
      b[this.pos++] = 58;
      this.ipv4(src, p + 12);
      return;
    }
    const run = zeroRun(g, 1);
    const best = run === -1 ? -1 : run >> 4;
    const bestLen = run & 15;
    for (let i = 0; i < 8; i++) {
      if (i === best) {
        if (i === 0) b[this.pos++] = 58;
        b[this.pos++] = 58;
        i += bestLen - 1;
        continue;
      }
      this.hex(g[i]!);
      if (i !== 7) b[this.pos++] = 58;
    }
  }

  /** 0..0xffff in lowercase hex without leading zeros (room already ensured). */
  private hex(v: number): void {
    const b = this.buf;
    let p = this.pos;
    if (v >= 0x1000) b[p++] = HEX[v >> 12]!;
    if (v >= 0x100) b[p++] = HEX[(v >> 8) & 15]!;
    if (v >= 0x10) b[p++] = HEX[(v >> 4) & 15]!;
    b[p++] = HEX[v & 15]!;
    this.pos = p;
  }
}

export const viewOf = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

const GROUPS = new Uint16Array(8);
const HEX = new Uint8Array([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);
