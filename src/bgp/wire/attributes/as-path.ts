// AS_PATH and AS4_PATH (RFC 4271 §5.1.2, RFC 6793 §4.2.3): decoding, merging, length, text.
import { SegmentType } from '../constants.js';
import type { AsPathSegment } from './types.js';

/** Decodes segments with 2- or 4-octet ASNs; a string names what is malformed (RFC 7606 §7.2). */
export function decodeAsPath(buf: Buffer, start: number, end: number, asnSize: 2 | 4): AsPathSegment[] | string {
  // Count the segments first: the array is kept for as long as the route lives, and a pushed-to
  // array keeps room for 16 or more.
  let nsegs = 0;
  for (let k = start; k + 2 <= end && nsegs < 256; k += 2 + buf[k + 1]! * asnSize) nsegs++;
  const segs: AsPathSegment[] = new Array(nsegs);
  let n = 0;
  let i = start;
  while (i < end) {
    if (i + 2 > end) return 'a single octet left where a segment header was expected';
    const type = buf[i]!;
    const count = buf[i + 1]!;
    i += 2;
    if (type < SegmentType.AS_SET || type > SegmentType.AS_CONFED_SET) return `unknown segment type ${type}`;
    if (count === 0) return 'segment of length zero';
    if (i + count * asnSize > end) return 'segment overruns the attribute';
    const asns = new Array<number>(count);
    for (let j = 0; j < count; j++, i += asnSize) asns[j] = asnSize === 4 ? buf.readUInt32BE(i) : buf.readUInt16BE(i);
    segs[n++] = { type, asns };
  }
  return segs;
}

export const hasConfed = (p: AsPathSegment[]) => p.some((s) => s.type === SegmentType.AS_CONFED_SEQUENCE || s.type === SegmentType.AS_CONFED_SET);

/** Path length for the decision process: a set counts one, confederation segments none (RFC 5065). */
export function pathLength(p: AsPathSegment[] | undefined): number {
  let n = 0;
  if (p) for (const s of p) n += s.type === SegmentType.AS_SEQUENCE ? s.asns.length : s.type === SegmentType.AS_SET ? 1 : 0;
  return n;
}

/**
 * Reconstructs the true path from AS_PATH (with AS_TRANS) and AS4_PATH (RFC 6793 §4.2.3): the
 * leading part of AS_PATH that AS4_PATH does not cover, then AS4_PATH. When AS4_PATH claims to be
 * longer than AS_PATH it is ignored.
 */
export function mergeAs4Path(asPath: AsPathSegment[], as4Path: AsPathSegment[]): AsPathSegment[] {
  const n = pathLength(asPath);
  const n4 = pathLength(as4Path);
  if (n < n4) return asPath;
  let keep = n - n4;
  const out: AsPathSegment[] = [];
  for (const s of asPath) {
    if (keep <= 0) break;
    if (s.type === SegmentType.AS_SEQUENCE) {
      const take = Math.min(keep, s.asns.length);
      out.push({ type: s.type, asns: s.asns.slice(0, take) });
      keep -= take;
    } else {
      out.push(s);
      if (s.type === SegmentType.AS_SET) keep -= 1;
    }
  }
  for (const s of as4Path) {
    const last = out[out.length - 1];
    if (last && last.type === SegmentType.AS_SEQUENCE && s.type === SegmentType.AS_SEQUENCE) last.asns = [...last.asns, ...s.asns];
    else out.push({ type: s.type, asns: [...s.asns] });
  }
  return out;
}

/** "65001 65002 {65003,65004} (65010 65011)" — sequences plain, sets in braces, confed in parentheses. */
export function formatAsPath(p: AsPathSegment[] | undefined): string {
  if (!p) return '';
  return p
    .map((s) => {
      const list = s.asns.join(s.type === SegmentType.AS_SEQUENCE || s.type === SegmentType.AS_CONFED_SEQUENCE ? ' ' : ',');
      switch (s.type) {
        case SegmentType.AS_SET:
          return `{${list}}`;
        case SegmentType.AS_CONFED_SEQUENCE:
          return `(${list})`;
        case SegmentType.AS_CONFED_SET:
          return `[${list}]`;
        default:
          return list;
      }
    })
    .join(' ');
}

/** Parses the text form back (sequences and {sets}); used by configuration. */
export function parseAsPath(text: string): AsPathSegment[] | undefined {
  if (!/^\s*(?:(?:\{[\d\s,]+\}|\d+)\s*)*$/.test(text)) return undefined;
  const segs: AsPathSegment[] = [];
  for (const m of text.matchAll(/\{([^}]*)\}|(\d+)/g)) {
    const asns = (m[1] ?? m[2]!)
      .split(/[\s,]+/)
      .filter(Boolean)
      .map(Number);
    if (asns.some((a) => a > 4294967295)) return undefined;
    const last = segs[segs.length - 1];
    if (m[1] !== undefined) segs.push({ type: SegmentType.AS_SET, asns });
    else if (last && last.type === SegmentType.AS_SEQUENCE) last.asns.push(asns[0]!);
    else segs.push({ type: SegmentType.AS_SEQUENCE, asns });
  }
  return segs;
}

/** The origin AS: the last AS of the last AS_SEQUENCE, undefined when the path ends in a set. */
export function originAs(p: AsPathSegment[] | undefined): number | undefined {
  const last = p?.[p.length - 1];
  return last && last.type === SegmentType.AS_SEQUENCE ? last.asns[last.asns.length - 1] : undefined;
}

/** The neighbor AS: the first AS of the path (RFC 4271 §9.1.2.2 compares MED only between equal ones). */
export function firstAs(p: AsPathSegment[] | undefined): number | undefined {
  const first = p?.find((s) => s.type === SegmentType.AS_SEQUENCE || s.type === SegmentType.AS_SET);
  return first?.type === SegmentType.AS_SEQUENCE ? first.asns[0] : undefined;
}
