// A bounded read position over a Buffer with bgpdump's "mstream" rules: reading past the end
// yields zero bytes and parks the position at the end. Damaged records therefore decode to
// the same values bgpdump prints, and never throw.

export class Cursor {
  constructor(
    public buf: Buffer,
    public pos: number,
    public end: number,
  ) {}

  get left(): number {
    return this.end - this.pos;
  }

  u8(): number {
    if (this.pos < this.end) return this.buf[this.pos++]!;
    return 0;
  }

  u16(): number {
    const p = this.pos;
    if (p + 2 <= this.end) {
      this.pos = p + 2;
      return (this.buf[p]! << 8) | this.buf[p + 1]!;
    }
    return this.partial(2);
  }

  u32(): number {
    const p = this.pos;
    if (p + 4 <= this.end) {
      this.pos = p + 4;
      return this.buf.readUInt32BE(p);
    }
    return this.partial(4);
  }

  /** A short read: the bytes that are there, zero-filled on the right. */
  private partial(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + (this.pos + i < this.end ? this.buf[this.pos + i]! : 0);
    this.pos = this.end;
    return v;
  }

  skip(n: number): void {
    this.pos = n <= this.end - this.pos ? this.pos + n : this.end;
  }

  /** Copies n bytes (zero-filled past the end) into dst at 0; returns dst. */
  bytes(n: number, dst: Uint8Array): Uint8Array {
    const have = Math.max(0, Math.min(n, this.end - this.pos));
    dst.fill(0, 0, Math.min(n, dst.length));
    for (let i = 0; i < have && i < dst.length; i++) dst[i] = this.buf[this.pos + i]!;
    this.pos += have;
    return dst;
  }

  /** A cursor over the next n bytes (fewer if the buffer ends first); this one moves past them. */
  take(n: number): Cursor {
    const len = n < 0 ? 0 : Math.min(n, this.end - this.pos);
    const c = new Cursor(this.buf, this.pos, this.pos + len);
    this.pos += len;
    return c;
  }
}
