// Opens an MRT file as a stream of decompressed chunks. The compression is told by the magic
// bytes, not the name: gzip (1f 8b), bzip2 ("BZh"), else plain.
//
// A compressed file is decompressed by a program in a child process where one is installed
// (decompress.ts), on another core than the formatting. Such programs drop some of the output
// they had made when they meet damage (lbzip2 whole blocks, bzip2 its last 5000 bytes), so when
// one fails the file is decompressed again in-process, past the bytes already handed on, and
// the in-process decoder (which keeps every byte before the damage) has the last word.
// Standard input cannot be read twice: it is always decompressed in-process.
import fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { builtinDecompress, type Compression, DecompressError, decompressTool, toolDecompress } from './decompress.js';

export { type Compression, DecompressError } from './decompress.js';

export function detectCompression(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 3 && head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return 'bzip2';
  return 'none';
}

const CHUNK = 256 * 1024;

/** The input's decompressed bytes; '-' reads standard input. Errors name the compression. */
export async function* openMrt(file: string): AsyncGenerator<Buffer> {
  if (file === '-') {
    yield* openStdin();
    return;
  }
  const fh = await fs.promises.open(file, 'r');
  try {
    const head = Buffer.alloc(3);
    const { bytesRead } = await fh.read(head, 0, 3, 0);
    const kind = detectCompression(head.subarray(0, bytesRead));
    if (kind === 'none') {
      yield* readFrom(fh);
      return;
    }
    const tool = decompressTool(kind);
    if (!tool) {
      yield* builtinDecompress(kind, readFrom(fh));
      return;
    }
    // The child reads the file through its own copy of the descriptor, from offset 0 (the
    // head was read at a position, which leaves the offset alone).
    const run = toolDecompress(tool, fh.fd);
    let given = 0;
    for await (const chunk of run.chunks) {
      given += chunk.length;
      yield chunk;
    }
    const failure = run.failure();
    if (failure === undefined) return;
    let seen = 0;
    for await (const chunk of builtinDecompress(kind, readFrom(fh))) {
      const end = seen + chunk.length;
      if (end > given) yield seen >= given ? chunk : chunk.subarray(given - seen);
      seen = end;
    }
    // The in-process decoder found no damage but produced less than the program: keep the
    // program's word.
    if (seen < given) throw new DecompressError(kind, failure);
  } finally {
    await fh.close();
  }
}

/** The file's bytes from the start, read at positions (the descriptor's offset is not used). */
async function* readFrom(fh: FileHandle): AsyncGenerator<Buffer> {
  for (let pos = 0; ; ) {
    const buf = Buffer.allocUnsafe(CHUNK);
    const { bytesRead } = await fh.read(buf, 0, CHUNK, pos);
    if (bytesRead === 0) return;
    pos += bytesRead;
    yield bytesRead === CHUNK ? buf : buf.subarray(0, bytesRead);
  }
}

async function* openStdin(): AsyncGenerator<Buffer> {
  const it = (process.stdin as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  let head: Buffer = Buffer.alloc(0);
  // Gather enough bytes to see the magic (a pipe may deliver fewer at first).
  while (head.length < 3) {
    const n = await it.next();
    if (n.done) break;
    head = head.length ? Buffer.concat([head, n.value]) : n.value;
  }
  const rest = async function* (): AsyncGenerator<Buffer> {
    if (head.length) yield head;
    for (;;) {
      const n = await it.next();
      if (n.done) return;
      yield n.value;
    }
  };
  const kind = detectCompression(head);
  if (kind === 'none') yield* rest();
  else yield* builtinDecompress(kind, rest());
}
