// Decompressors for MRT input: an external program (lbzip2/bzip2, pigz/gzip) in a child process,
// so inflating runs on another core while the main thread formats, or the in-process decoders
// (zlib, unbzip2-stream) where no program is installed. Both hand over every byte they produced
// before a failure, then fail with a DecompressError whose text is ours, never a library's.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';

export type Compression = 'none' | 'gzip' | 'bzip2';

/** Decompressed bytes a decoder may run ahead of the reader (so it works while the reader does). */
const READ_AHEAD = 8 * 1024 * 1024;
/**
 * zlib's output piece. Node drops the piece being made when zlib meets damage (not when the
 * data just ends), so it bounds what damage mid-file can cost beyond the damaged bytes.
 */
const GZIP_CHUNK = 64 * 1024;
/** Chunks waiting together are handed over as one buffer of up to this size (fewer, larger pieces). */
const COALESCE = 1024 * 1024;

export class DecompressError extends Error {
  /** cut: the data ends early (a partial download); else it is damaged where it stops. */
  constructor(
    readonly compression: Compression,
    readonly detail: string,
    readonly cut = false,
  ) {
    super(`${compression} data is ${cut ? 'cut short' : 'damaged'}: ${detail}`);
  }
}

/**
 * The programs tried per compression, best first. lbzip2 and pigz use every core; their output
 * is the same as bzip2's and gzip's. OPENPEERING_MRT_DECOMPRESS=builtin uses none of them.
 */
const TOOLS: Record<'gzip' | 'bzip2', string[]> = { bzip2: ['lbzip2', 'bzip2'], gzip: ['pigz', 'gzip'] };

const found = new Map<string, string | null>();

function onPath(name: string): string | null {
  let hit = found.get(name);
  if (hit !== undefined) return hit;
  hit = null;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) {
        hit = p;
        break;
      }
    } catch {
      // not here
    }
  }
  found.set(name, hit);
  return hit;
}

/** The external decompressor to use for kind, or undefined for the in-process one. */
export function decompressTool(kind: 'gzip' | 'bzip2'): string | undefined {
  const choice = process.env.OPENPEERING_MRT_DECOMPRESS;
  if (choice === 'builtin') return undefined;
  for (const name of TOOLS[kind]) {
    const p = onPath(name);
    if (p) return p;
  }
  return undefined;
}

/**
 * The chunks a stream emits, read ahead up to READ_AHEAD bytes. An error is thrown only after
 * every chunk emitted before it was yielded (a plain async iterator drops them).
 */
async function* drain(stream: NodeJS.ReadableStream & { pause(): unknown; resume(): unknown }): AsyncGenerator<Buffer> {
  const queue: Buffer[] = [];
  let queued = 0;
  let ended = false;
  let error: Error | undefined;
  let wake: (() => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  stream.on('data', (d: Buffer) => {
    queue.push(d);
    queued += d.length;
    if (queued >= READ_AHEAD) stream.pause();
    poke();
  });
  stream.on('end', () => {
    ended = true;
    poke();
  });
  stream.on('close', () => {
    ended = true;
    poke();
  });
  stream.on('error', (e: Error) => {
    error ??= e;
    ended = true;
    poke();
  });
  for (;;) {
    if (queue.length) {
      let out: Buffer;
      if (queue.length === 1 || queue[0]!.length >= COALESCE) out = queue.shift()!;
      else {
        let n = 0;
        let k = 0;
        while (k < queue.length && n + queue[k]!.length <= COALESCE) n += queue[k++]!.length;
        out = Buffer.concat(queue.splice(0, Math.max(k, 1)));
      }
      queued -= out.length;
      if (queued < READ_AHEAD) stream.resume();
      yield out;
      continue;
    }
    if (ended) break;
    await new Promise<void>((res) => {
      wake = res;
    });
  }
  if (error) throw error;
}

/** A failure of the in-process decoder in words (its own messages are not for users). */
function explain(kind: 'gzip' | 'bzip2', e: Error, inputEnded: boolean): DecompressError {
  if (kind === 'gzip') {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'Z_BUF_ERROR' || /unexpected end/i.test(e.message)) return new DecompressError(kind, 'the file ends inside the compressed stream', true);
    return new DecompressError(kind, e.message);
  }
  if (/crc/i.test(e.message)) return new DecompressError(kind, 'a block fails its CRC check');
  // unbzip2-stream reads past the end of its input as a TypeError, or says "ended prematurely".
  if (/ended prematurely/.test(e.message) || (inputEnded && e.name !== 'Bzip2Error')) {
    return new DecompressError(kind, 'the file ends inside a compressed block', true);
  }
  return new DecompressError(kind, 'invalid compressed block');
}

/** In-process decompression of the compressed chunks of input. */
export async function* builtinDecompress(kind: 'gzip' | 'bzip2', input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let inputEnded = false;
  const src = Readable.from(
    (async function* () {
      yield* input;
      inputEnded = true;
    })(),
    { objectMode: false },
  );
  let out: NodeJS.ReadableStream & { pause(): unknown; resume(): unknown };
  if (kind === 'gzip') {
    const gunzip = zlib.createGunzip({ chunkSize: GZIP_CHUNK });
    src.on('error', (e) => gunzip.destroy(e));
    src.pipe(gunzip);
    out = gunzip;
  } else {
    // Loaded only for bzip2 input: it is CommonJS with dependencies, a cost at every start.
    const { default: unbzip2 } = await import('unbzip2-stream');
    const dec = unbzip2();
    src.on('error', (e) => dec.emit('error', e));
    src.pipe(dec);
    out = dec as unknown as typeof out;
  }
  try {
    yield* drain(out);
  } catch (e) {
    if (e instanceof DecompressError) throw e;
    const err = e as NodeJS.ErrnoException;
    // A read error of the compressed input is not damage of the data.
    if (err.syscall) throw e;
    // Only a stream after the first is checked for its magic here (openMrt saw the first one):
    // bytes after a complete stream that are no stream are ignored, as bzip2 -d does.
    if (kind === 'bzip2' && err.message === 'No magic number found') return;
    throw explain(kind, err, inputEnded);
  } finally {
    src.destroy();
  }
}

export interface ToolRun {
  /** The tool's chunks; ends normally even when the tool failed (see failure). */
  chunks: AsyncGenerator<Buffer>;
  /** After chunks ended: undefined when the tool exited 0, else what it said. */
  failure(): string | undefined;
}

/** Runs `tool -dc` with the file descriptor fd as its standard input. */
export function toolDecompress(tool: string, fd: number): ToolRun {
  const child: ChildProcess = spawn(tool, ['-dc'], { stdio: [fd, 'pipe', 'pipe'] });
  let stderr = '';
  let failure: string | undefined;
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    if (stderr.length < 4096) stderr += d;
  });
  const exited = new Promise<void>((resolve) => {
    child.on('error', (e) => {
      failure = e.message;
      resolve();
    });
    child.on('close', (code, signal) => {
      if (code !== 0) failure ??= `${path.basename(tool)} exited ${signal ?? code}: ${stderr.trim().split('\n')[0] ?? ''}`;
      resolve();
    });
  });
  async function* chunks(): AsyncGenerator<Buffer> {
    let finished = false;
    try {
      yield* drain(child.stdout!);
      finished = true;
    } catch (e) {
      failure ??= (e as Error).message;
      finished = true;
    } finally {
      // A reader that stops early must not leave the program running.
      if (!finished) child.kill();
    }
    await exited;
  }
  return { chunks: chunks(), failure: () => failure };
}
