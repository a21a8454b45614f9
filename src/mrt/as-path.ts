// AS_PATH text the way bgpdump builds it: sequences space-separated, sets in {a,b},
// confederation sequences in (a b), confederation sets in [a,b]; "! Error !" for a malformed
// path; cut with "..." once the text passes 7,900 characters. The AS4_PATH merge also follows
// bgpdump (including its quirks) so that the text matches byte for byte.

const AS_SET = 1;
const AS_SEQUENCE = 2;
const AS_CONFED_SEQUENCE = 3;
const AS_CONFED_SET = 4;
export const AS_PATH_ERROR = '! Error !';
const MAX_TEXT = 8000;

export interface AsPath {
  /** The raw segments (type, count, ASNs). */
  data: Uint8Array;
  asnLen: 2 | 4;
  text: string;
  /** Path length as bgpdump counts it: each ASN of a sequence, one per set. */
  count: number;
}

const open = (t: number): string => (t === AS_SET ? '{' : t === AS_CONFED_SET ? '[' : t === AS_CONFED_SEQUENCE ? '(' : ' ');
const close = (t: number): string => (t === AS_SET ? '}' : t === AS_CONFED_SET ? ']' : t === AS_CONFED_SEQUENCE ? ')' : ' ');

export function asPathFrom(data: Uint8Array, asnLen: 2 | 4): AsPath {
  const p: AsPath = { data, asnLen, text: '', count: 0 };
  describe(p);
  return p;
}

function describe(p: AsPath): void {
  const d = p.data;
  const end = d.length;
  const w = p.asnLen;
  let s = '';
  let space = false;
  let prev = AS_SEQUENCE;
  let last = 0;
  let count = 0;
  let pos = 0;
  while (pos < end) {
    const type = d[pos]!;
    const n = pos + 1 < end ? d[pos + 1]! : 0;
    if (type < AS_SET || type > AS_CONFED_SET || pos + n * w + 2 > end) {
      p.text = AS_PATH_ERROR;
      p.count = 0;
      return;
    }
    if (prev !== AS_SEQUENCE) s += close(prev);
    if (space) s += ' ';
    if (type !== AS_SEQUENCE) s += open(type);
    space = false;
    count += type === AS_SEQUENCE || type === AS_CONFED_SEQUENCE ? n : 1;
    const sep = type === AS_SET || type === AS_CONFED_SET ? ',' : ' ';
    let q = pos + 2;
    for (let i = 0; i < n; i++, q += w) {
      if (space) s += sep;
      else space = true;
      const asn = w === 4 ? ((d[q]! << 24) | (d[q + 1]! << 16) | (d[q + 2]! << 8) | d[q + 3]!) >>> 0 : (d[q]! << 8) | d[q + 1]!;
      s += asn;
      if (s.length > MAX_TEXT - 100) {
        p.text = s + '...';
        p.count = count;
        return;
      }
    }
    prev = type;
    last = type;
    pos += n * w + 2;
  }
  if (last !== 0 && last !== AS_SEQUENCE) s += close(last);
  p.text = s;
  p.count = count;
}

/**
 * RFC 6793 reconstruction as bgpdump 1.6 does it: take (count(AS_PATH) - count(AS4_PATH)) ASNs
 * from the front of AS_PATH, widened to 4 octets, then append AS4_PATH. bgpdump re-reads the
 * first segment each round instead of moving on; we do the same to print what it prints.
 */
export function mergeAs4(path: AsPath, as4: AsPath): AsPath {
  const target = path.count - as4.count;
  const parts: number[] = [];
  let count = 0;
  const d = path.data;
  const type = d[0] ?? 0;
  const n = d[1] ?? 0;
  while (count < target) {
    const before = count;
    const segStart = parts.length;
    parts.push(type, n);
    for (let i = 0; i < n; i++) {
      const q = 2 + i * 2;
      const asn = ((d[q] ?? 0) << 8) | (d[q + 1] ?? 0);
      parts.push(0, 0, asn >> 8, asn & 255);
    }
    if (type === AS_SET || type === AS_CONFED_SET) {
      count += 1;
    } else {
      count += n;
      if (count > target) {
        const over = count - target;
        parts[segStart + 1] = n - over;
        parts.length -= over * 4;
      }
    }
    if (count === before) break; // an empty first segment: bgpdump would loop for ever
  }
  const merged = new Uint8Array(parts.length + as4.data.length);
  merged.set(parts, 0);
  merged.set(as4.data, parts.length);
  return asPathFrom(merged, 4);
}
