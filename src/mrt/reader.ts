// Frames a stream of MRT bytes into records (RFC 6396 §2: 12-octet header, and the _ET
// types' microseconds). A header that cannot be right (unknown type, absurd length) is
// reported with its byte offset, and the reader searches forward for two headers in a row
// that chain, then goes on from there.

import { knownSubtype, MRT, typeName } from './constants.js';
import { DecompressError, openMrt } from './source.js';
import type { MrtRecord } from './types.js';

/** Larger bodies are taken for damage (a full-table RIB record with thousands of peers is < 1 MiB). */
export const MAX_RECORD_LENGTH = 16 * 1024 * 1024;
/** While resynchronising, a candidate's time must be this close to the last good record's. */
const RESYNC_TIME_WINDOW = 31 * 24 * 3600;

/**
 * What went wrong: 'record' damaged MRT framing or a record that cannot be decoded, 'compression'
 * compressed data damaged or cut short (every complete record before it was read), 'io' a file
 * that cannot be opened or read.
 */
export type MrtErrorKind = 'record' | 'compression' | 'io';

export class MrtError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly detail: string,
    readonly kind: MrtErrorKind = 'record',
  ) {
    super(`${file}: byte offset ${offset}: ${detail}`);
  }
}

export interface ReadOptions {
  /** Each problem in the input; reading goes on when the framing allows. Default: throw. */
  onError?: (e: MrtError) => void;
  /** Awaited after each decompressed chunk: the place to wait for a slow consumer. */
  flush?: () => Promise<void> | void;
}

export interface ReadSummary {
  records: number;
  bytes: number;
  errors: number;
}

const TYPES_WITH_NAMES = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 16, 17, 32, 33, 48, 49]);

function plausible(b: Buffer, p: number, strict: boolean): boolean {
  const type = (b[p + 4]! << 8) | b[p + 5]!;
  const subtype = (b[p + 6]! << 8) | b[p + 7]!;
  const len = b.readUInt32BE(p + 8);
  if (len > MAX_RECORD_LENGTH) return false;
  if ((type === MRT.BGP4MP_ET || type === 33 || type === 49) && len < 4) return false;
  if (strict) return knownSubtype(type, subtype);
  if (type === MRT.TABLE_DUMP || type === MRT.TABLE_DUMP_V2 || type === MRT.BGP4MP || type === MRT.BGP4MP_ET) {
    return knownSubtype(type, subtype);
  }
  return TYPES_WITH_NAMES.has(type);
}

function describeHeader(b: Buffer, p: number): string {
  const type = (b[p + 4]! << 8) | b[p + 5]!;
  const subtype = (b[p + 6]! << 8) | b[p + 7]!;
  const len = b.readUInt32BE(p + 8);
  const name = typeName(type);
  return `type ${type}${name.startsWith('type') ? '' : ` (${name})`}, subtype ${subtype}, length ${len}`;
}

/**
 * Reads every record of file, calling onRecord synchronously for each (the record's buffer
 * is reused afterwards). Returns counts; problems go to opts.onError or are thrown.
 */
export async function readMrt(file: string, onRecord: (r: MrtRecord) => void, opts: ReadOptions = {}): Promise<ReadSummary> {
  let errors = 0;
  const fail = (offset: number, detail: string, kind: MrtErrorKind = 'record'): void => {
    errors++;
    const e = new MrtError(file, offset, detail, kind);
    if (opts.onError) opts.onError(e);
    else throw e;
  };
  const rec: MrtRecord = { offset: 0, timestamp: 0, microseconds: 0, type: 0, subtype: 0, buf: Buffer.alloc(0), start: 0, end: 0 };
  let records = 0;
  let base = 0; // stream offset of buf[0]
  let left = undefined as Buffer | undefined;
  let resyncFrom = -1; // stream offset where the bad header was, while searching
  let lastTime = -1;
  let lastRecordAt = -1;
  let buf: Buffer = Buffer.alloc(0);
  let eof = false;

  const candidate = (b: Buffer, p: number): boolean | undefined => {
    // undefined: cannot tell yet (needs more bytes)
    if (b.length - p < 12) return eof ? false : undefined;
    if (!plausible(b, p, true)) return false;
    if (lastTime >= 0 && Math.abs(b.readUInt32BE(p) - lastTime) > RESYNC_TIME_WINDOW) return false;
    const next = p + 12 + b.readUInt32BE(p + 8);
    if (next === b.length && eof) return true;
    if (b.length - next < 12) return eof ? false : undefined;
    return plausible(b, next, true);
  };

  const work = (): void => {
    let p = 0;
    const b = buf;
    for (;;) {
      if (resyncFrom >= 0) {
        let found = -1;
        let wait = false;
        for (let q = p; q < b.length; q++) {
          const ok = candidate(b, q);
          if (ok === undefined) {
            wait = true;
            p = q;
            break;
          }
          if (ok) {
            found = q;
            break;
          }
        }
        if (found < 0) {
          if (!wait) p = Math.max(p, b.length - 11);
          if (eof) {
            fail(resyncFrom, 'no further record found after the damaged header');
            p = b.length;
            resyncFrom = -1;
          }
          break;
        }
        fail(resyncFrom, `skipped ${base + found - resyncFrom} damaged bytes; resynchronised at byte offset ${base + found}`);
        resyncFrom = -1;
        p = found;
      }
      const have = b.length - p;
      if (have < 12) break;
      const len = b.readUInt32BE(p + 8);
      if (!plausible(b, p, false)) {
        const prev = lastRecordAt >= 0 ? ` (the record at byte offset ${lastRecordAt} before it may be damaged)` : '';
        fail(base + p, `implausible MRT header: ${describeHeader(b, p)}${prev}`);
        resyncFrom = base + p;
        p++;
        continue;
      }
      if (have < 12 + len) break;
      const type = (b[p + 4]! << 8) | b[p + 5]!;
      rec.offset = base + p;
      rec.timestamp = b.readUInt32BE(p);
      rec.type = type;
      rec.subtype = (b[p + 6]! << 8) | b[p + 7]!;
      rec.buf = b;
      const et = type === MRT.BGP4MP_ET || type === 33 || type === 49;
      rec.microseconds = et ? b.readUInt32BE(p + 12) : 0;
      rec.start = p + (et ? 16 : 12);
      rec.end = p + 12 + len;
      lastTime = rec.timestamp;
      lastRecordAt = rec.offset;
      p += 12 + len;
      records++;
      try {
        onRecord(rec);
      } catch (e) {
        if (e instanceof MrtError) throw e;
        fail(rec.offset, `cannot decode ${typeName(type)} record: ${(e as Error).message}`);
      }
    }
    left = p < b.length ? b.subarray(p) : undefined;
    base += p;
  };

  try {
    for await (const chunk of openMrt(file)) {
      buf = left ? Buffer.concat([left, chunk]) : chunk;
      work();
      if (opts.flush) await opts.flush();
    }
  } catch (e) {
    if (e instanceof MrtError) throw e;
    const partial = left?.length ?? 0;
    const end = base + partial;
    if (e instanceof DecompressError) {
      // The offset is the decompressed bytes reached; what was read is said in records too.
      fail(
        end,
        `${e.message}; read up to here: ${records} complete records (to byte offset ${base})` +
          (partial ? `, then ${partial} bytes of a cut record, dropped` : ''),
        'compression',
      );
    } else {
      const err = e as NodeJS.ErrnoException;
      fail(end, err.code === 'ENOENT' ? 'cannot open: no such file' : `cannot read: ${err.message}`, 'io');
    }
    return { records, bytes: end, errors };
  }
  eof = true;
  if (left) {
    buf = left;
    left = undefined;
    work();
  }
  const rem = left as Buffer | undefined;
  if (rem) {
    const l: Buffer = rem;
    if (l.length < 12) fail(base, `file ends inside an MRT header (${l.length} of 12 bytes)`);
    else fail(base, `record cut short: header says ${l.readUInt32BE(8)} bytes, the file has ${l.length - 12} (${describeHeader(l, 0)})`);
  }
  return { records, bytes: base + (rem?.length ?? 0), errors };
}

/** Convenience: the records of a file one at a time, each with its own copy of the body (slower than readMrt). */
export async function* mrtRecords(file: string, opts: Omit<ReadOptions, 'flush'> = {}): AsyncGenerator<MrtRecord> {
  const queue: MrtRecord[] = [];
  let done = false;
  let error: unknown;
  let wake: (() => void) | undefined;
  let resume: (() => void) | undefined;
  const reading = readMrt(
    file,
    (r) => {
      queue.push({ ...r, buf: Buffer.from(r.buf.subarray(r.start, r.end)), start: 0, end: r.end - r.start });
    },
    {
      ...opts,
      flush: () =>
        new Promise<void>((res) => {
          resume = res;
          wake?.();
        }),
    },
  ).then(
    () => {
      done = true;
      wake?.();
    },
    (e) => {
      error = e;
      done = true;
      wake?.();
    },
  );
  for (;;) {
    while (queue.length) yield queue.shift()!;
    if (error) throw error;
    if (done) break;
    if (resume) {
      const r = resume;
      resume = undefined;
      r();
    }
    await new Promise<void>((res) => {
      wake = res;
    });
    wake = undefined;
  }
  await reading;
}
