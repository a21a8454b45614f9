// Large generated text files (BIRD configs with a million routes) written in chunks of about 1 MiB.
import fs from 'node:fs';

/** Writes `file` from what `fill` puts, in writes of about 1 MiB; returns its size in bytes. */
export function writeTextFile(file: string, fill: (put: (s: string) => void) => void): number {
  const fd = fs.openSync(file, 'w');
  let bytes = 0;
  let buf = '';
  const put = (s: string) => {
    buf += s;
    if (buf.length > 1 << 20) {
      bytes += fs.writeSync(fd, buf);
      buf = '';
    }
  };
  try {
    fill(put);
    bytes += fs.writeSync(fd, buf);
  } finally {
    fs.closeSync(fd);
  }
  return bytes;
}
