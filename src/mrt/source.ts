// Opens an MRT file as a stream of decompressed chunks. The compression is told by the magic
// bytes, not the name: gzip (1f 8b), bzip2 ("BZh"), else plain.
import fs from 'node:fs';
import zlib from 'node:zlib';
import { PassThrough, Readable, pipeline, type Duplex, type TransformOptions } from 'node:stream';

export type Compression = 'none' | 'gzip' | 'bzip2';

export function detectCompression(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 3 && head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return 'bzip2';
  return 'none';
}

const CHUNK = 256 * 1024;
/**
 * Decompressed bytes zlib may run ahead of the reader. Inflating happens on libuv's thread
 * pool, so with room to run ahead it overlaps the formatting on the main thread.
 */
const READ_AHEAD = 8 * 1024 * 1024;

/** The input's decompressed bytes; '-' reads standard input. Errors name the compression. */
export async function* openMrt(file: string): AsyncGenerator<Buffer> {
  const input: Readable = file === '-' ? process.stdin : fs.createReadStream(file, { highWaterMark: CHUNK });
  const it = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let head: Buffer = Buffer.alloc(0);
  // Gather enough bytes to see the magic (a pipe may deliver fewer at first).
  while (head.length < 3) {
    const n = await it.next();
    if (n.done) break;
    head = head.length ? Buffer.concat([head, n.value]) : n.value;
  }
  const kind = detectCompression(head);
  const rest = async function* (): AsyncGenerator<Buffer> {
    if (head.length) yield head;
    for (;;) {
      const n = await it.next();
      if (n.done) return;
      yield n.value;
    }
  };
  if (kind === 'none') {
    yield* rest();
    return;
  }
  const src = Readable.from(rest(), { objectMode: false });
  let failure: Error | undefined;
  let out: Readable;
  if (kind === 'gzip') {
    const options: zlib.ZlibOptions & TransformOptions = { chunkSize: CHUNK, readableHighWaterMark: READ_AHEAD };
    out = zlib.createGunzip(options);
    pipeline(src, out as Duplex, (e) => { if (e) failure = e; });
  } else {
    // unbzip2-stream is an old-style "through" stream: bridge it into a modern Readable.
    // Loaded only for bzip2 input: it is CommonJS with dependencies, a cost at every start.
    const { default: unbzip2 } = await import('unbzip2-stream');
    const dec = unbzip2();
    const bridge = new PassThrough({ highWaterMark: CHUNK });
    dec.on('error', (e: Error) => { failure = e; bridge.destroy(e); });
    src.on('error', (e: Error) => { failure = e; bridge.destroy(e); });
    src.pipe(dec).pipe(bridge);
    out = bridge;
  }
  try {
    for await (const chunk of out) yield chunk as Buffer;
  } catch (e) {
    throw new DecompressError(kind, (e as Error).message);
  }
  if (failure) throw new DecompressError(kind, failure.message);
}

export class DecompressError extends Error {
  constructor(readonly compression: Compression, detail: string) {
    super(`${compression} data is damaged or cut short (${detail})`);
  }
}
