// VrpList: a batch of VRPs in columns of uint32 (no object per VRP), the unit that moves between
// loaders, the RTR client, SLURM and the table. 500,000 VRPs take about 8 MB here instead of
// ~100 MB as objects. Trust anchor names are interned per list (index 0 = none).
import type { Prefix } from '../net/prefix.js';
import { type CompactPrefix, compactOf, type Vrp, vrpFromCompact } from './vrp.js';

// Per IPv4 VRP: addr, meta, asn. Per IPv6 VRP: 4 words, meta, asn. meta = len | maxLen << 8 | ta << 16.
const S4 = 3;
const S6 = 6;

export class VrpList {
  v4: Uint32Array = new Uint32Array(S4 * 16);
  v6: Uint32Array = new Uint32Array(S6 * 16);
  n4 = 0;
  n6 = 0;
  readonly tas: string[] = [''];
  private readonly taIndex = new Map<string, number>();

  get size(): number {
    return this.n4 + this.n6;
  }

  /** Index of a trust anchor name in this list (0 for none). */
  ta(name: string | undefined): number {
    if (!name) return 0;
    let i = this.taIndex.get(name);
    if (i === undefined) {
      i = this.tas.length;
      if (i > 0xffff) throw new RangeError('more than 65535 trust anchors');
      this.tas.push(name);
      this.taIndex.set(name, i);
    }
    return i;
  }

  pushV4(addr: number, len: number, maxLen: number, asn: number, ta = 0): void {
    if (S4 * (this.n4 + 1) > this.v4.length) this.v4 = grow(this.v4);
    const b = S4 * this.n4++;
    this.v4[b] = addr;
    this.v4[b + 1] = len | (maxLen << 8) | (ta << 16);
    this.v4[b + 2] = asn;
  }

  pushV6(w: ArrayLike<number>, off: number, len: number, maxLen: number, asn: number, ta = 0): void {
    if (S6 * (this.n6 + 1) > this.v6.length) this.v6 = grow(this.v6);
    const b = S6 * this.n6++;
    const v = this.v6;
    v[b] = w[off]!;
    v[b + 1] = w[off + 1]!;
    v[b + 2] = w[off + 2]!;
    v[b + 3] = w[off + 3]!;
    v[b + 4] = len | (maxLen << 8) | (ta << 16);
    v[b + 5] = asn;
  }

  pushCompact(p: CompactPrefix, maxLen: number, asn: number, ta = 0): void {
    if (p.family === 4) this.pushV4(p.addr, p.len, maxLen, asn, ta);
    else this.pushV6(p.words, 0, p.len, maxLen, asn, ta);
  }

  push(v: Vrp): void {
    this.pushCompact(compactOf(v.prefix), v.maxLength, v.asn, this.ta(v.ta));
  }

  /** Appends every VRP of another list (trust anchors re-interned). */
  append(o: VrpList): void {
    const map = o.tas.map((t) => this.ta(t));
    for (let i = 0; i < o.n4; i++) {
      const b = S4 * i;
      const m = o.v4[b + 1]!;
      this.pushV4(o.v4[b]!, m & 255, (m >>> 8) & 255, o.v4[b + 2]!, map[m >>> 16]);
    }
    for (let i = 0; i < o.n6; i++) {
      const b = S6 * i;
      const m = o.v6[b + 4]!;
      this.pushV6(o.v6, b, m & 255, (m >>> 8) & 255, o.v6[b + 5]!, map[m >>> 16]);
    }
  }

  /** The list without the VRPs `drop` rejects. */
  filter(drop: (v: Vrp) => boolean): VrpList {
    const out = new VrpList();
    for (const v of this) if (!drop(v)) out.push(v);
    return out;
  }

  /** Visits IPv4 VRPs without allocating. */
  forEachV4(visit: (addr: number, len: number, maxLen: number, asn: number, ta: number) => void): void {
    const v = this.v4;
    for (let i = 0; i < this.n4; i++) {
      const b = S4 * i;
      const m = v[b + 1]!;
      visit(v[b]!, m & 255, (m >>> 8) & 255, v[b + 2]!, m >>> 16);
    }
  }

  /** Visits IPv6 VRPs; `words` is the list's own array, the prefix at `off`. */
  forEachV6(visit: (words: Uint32Array, off: number, len: number, maxLen: number, asn: number, ta: number) => void): void {
    const v = this.v6;
    for (let i = 0; i < this.n6; i++) {
      const b = S6 * i;
      const m = v[b + 4]!;
      visit(v, b, m & 255, (m >>> 8) & 255, v[b + 5]!, m >>> 16);
    }
  }

  *[Symbol.iterator](): Generator<Vrp> {
    for (let i = 0; i < this.n4; i++) {
      const b = S4 * i;
      const m = this.v4[b + 1]!;
      yield vrpFromCompact({ family: 4, addr: this.v4[b]!, len: m & 255 }, (m >>> 8) & 255, this.v4[b + 2]!, this.tas[m >>> 16]);
    }
    for (let i = 0; i < this.n6; i++) {
      const b = S6 * i;
      const m = this.v6[b + 4]!;
      yield vrpFromCompact({ family: 6, words: this.v6.slice(b, b + 4), len: m & 255 }, (m >>> 8) & 255, this.v6[b + 5]!, this.tas[m >>> 16]);
    }
  }

  toArray(): Vrp[] {
    return [...this];
  }

  /** The distinct prefixes of the list: the routes under them are the ones to re-validate. */
  prefixes(): Prefix[] {
    const seen = new Set<string>();
    const out: Prefix[] = [];
    for (const v of this) {
      const k = `${v.prefix.family}|${v.prefix.value}|${v.prefix.length}`;
      if (!seen.has(k)) {
        seen.add(k);
        out.push(v.prefix);
      }
    }
    return out;
  }

  static from(vrps: Iterable<Vrp>): VrpList {
    const l = new VrpList();
    for (const v of vrps) l.push(v);
    return l;
  }
}

function grow(a: Uint32Array): Uint32Array {
  const g = new Uint32Array(a.length * 2);
  g.set(a);
  return g;
}
