// The database holds prefix keys and connections' TCP MD5 keys in plain text (and API key
// hashes): only its owner may read it. New files are made 0600 in a 0700 directory; SQLite gives
// its -wal, -shm and -journal files the database file's mode. An existing file with looser
// modes is left as it is (its owner may share it on purpose, e.g. with a backup group) but
// reported, so the operator decides.
import fs from 'node:fs';
import path from 'node:path';

const POSIX = process.platform !== 'win32';

/** Creates `file` (0600) and its directory (0700) when missing; returns warnings about loose modes. */
export function preparePrivateFile(file: string): string[] {
  const dir = path.dirname(path.resolve(file));
  if (!fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    fs.closeSync(fs.openSync(file, 'wx', 0o600));
    return [];
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  return POSIX ? looseModes([file, `${file}-wal`, `${file}-shm`]) : [];
}

function looseModes(files: string[]): string[] {
  const warnings: string[] = [];
  for (const f of files) {
    let mode: number;
    try {
      mode = fs.statSync(f).mode & 0o777;
    } catch {
      continue;
    }
    if (mode & 0o077) {
      warnings.push(
        `${f} is readable or writable by other users (mode ${mode.toString(8).padStart(4, '0')}); ` +
          `it holds prefix keys and MD5 keys in plain text: chmod 600 ${f}`,
      );
    }
  }
  return warnings;
}
