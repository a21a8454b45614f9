// `openpeering mrt dump`: print MRT files (RFC 6396) the way bgpdump -m / -M does.
import { once } from 'node:events';
import type { Command } from 'commander';
import { CliError } from './client.js';

/** Output is handed to stdout in pieces of about this size. */
const OUT_CHUNK = 1 << 20;
/** Exit status when the only problems were compressed files damaged or cut short. */
const EXIT_CUT_SHORT = 2;

interface DumpOptions {
  m?: boolean;
  M?: boolean;
  v?: boolean;
  maskHostBits?: boolean;
}

export function registerMrt(program: Command): void {
  const mrt = program.command('mrt').description('read MRT routing dumps (RIB snapshots and BGP update files)');
  mrt
    .command('dump')
    .description("print MRT files (plain, gzip or bzip2) in bgpdump's one-line formats")
    .argument('<file...>', 'MRT files; "-" reads standard input')
    .option('-m', 'one line per route with unix timestamps (the default)')
    .option('-M', 'one line per route with human-readable timestamps (MM/DD/YY HH:MM:SS, UTC)')
    .option('-v', 'bgpdump\'s "log to STDERR": accepted for compatibility (our messages always go to stderr)')
    .option('--mask-host-bits', 'clear host bits of prefixes, as newer bgpdump versions do')
    .addHelpText(
      'after',
      `
Output is identical to bgpdump 1.6.2 with the same flag (-m, -M; -vm prints like -m).
Records bgpdump does not print (RIB_GENERIC, multicast RIBs, BGP4MP_ENTRY, ROUTE-REFRESH)
are named on stderr instead. Damaged input is reported with the file and byte offset (in the
decompressed stream); the reader skips to the next intact record.

A damaged or cut compressed file (a partial download) prints every complete record before the
damage, then says on stderr where the data stops and how many records were read.

Compressed files are decompressed by lbzip2 or bzip2, pigz or gzip in a child process where
installed (on another core), else in-process; OPENPEERING_MRT_DECOMPRESS=builtin always uses
the in-process decoders. Standard input is always decompressed in-process.

Exit status:
  0  every file read whole
  1  damaged MRT records, or a file that cannot be opened or read
  2  a compressed file is damaged or cut short (and nothing worse): the records before the
     damage were printed

Line formats (-m):
  TABLE_DUMP2|time|B|peer|peer-as|prefix|as-path|origin|next-hop|local-pref|med|communities|AG/NAG|aggregator|
  BGP4MP|time|A|peer|peer-as|prefix|as-path|origin|next-hop|local-pref|med|communities|AG/NAG|aggregator|
  BGP4MP|time|W|peer|peer-as|prefix
  BGP4MP|time|STATE|peer|peer-as|old-state|new-state
  (BGP4MP_ET lines carry microseconds; _AP lines add the ADD-PATH path id after the prefix)

Examples:
  openpeering mrt dump -m rib.20240101.0000.bz2
  openpeering mrt dump -M updates.20240101.0000.gz | grep '|A|'
  curl -s https://collector.example/latest-update.gz | openpeering mrt dump -m -`,
    )
    .action(async (files: string[], opts: DumpOptions) => {
      const { problems, cutShort } = await dump(files, opts);
      if (problems) {
        const text = `${problems} problem${problems === 1 ? '' : 's'} in the input (see above)`;
        throw new CliError(text, cutShort === problems ? EXIT_CUT_SHORT : 1);
      }
    });
}

async function dump(files: string[], opts: DumpOptions): Promise<{ problems: number; cutShort: number }> {
  // The modules themselves, not ../mrt/index.js: the writer and its address parser are not needed.
  const [{ readMrt }, { BgpdumpFormatter }, { describeType }, { ByteSink }] = await Promise.all([
    import('../mrt/reader.js'),
    import('../mrt/bgpdump-format.js'),
    import('../mrt/constants.js'),
    import('../mrt/byte-sink.js'),
  ]);
  const stdout = process.stdout;
  stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const note = (text: string) => process.stderr.write(`openpeering: ${text}\n`);
  // Lines are written as bytes into one large buffer, handed to stdout whole (never reused).
  const out = new ByteSink();
  let blocked = false;
  // Settles when the last write is out: exiting before then loses output on a pipe.
  let written: Promise<void> = Promise.resolve();
  const write = () => {
    if (out.pos === 0) return;
    const chunk = out.take();
    written = new Promise<void>((resolve) => {
      if (
        !stdout.write(chunk, () => {
          out.give(chunk);
          resolve();
        })
      )
        blocked = true;
    });
  };
  const flush = async () => {
    write();
    if (blocked) {
      blocked = false;
      await once(stdout, 'drain');
    }
  };
  let problems = 0;
  let cutShort = 0;
  for (const file of files) {
    const skipped = new Map<string, number>();
    const fmt = new BgpdumpFormatter({
      mode: opts.M ? 'M' : 'm',
      maskHostBits: opts.maskHostBits === true,
      skipped: (r, why) => {
        const what = describeType(r.type, r.subtype);
        const key = `${what}: ${why}`;
        const n = skipped.get(key) ?? 0;
        skipped.set(key, n + 1);
        if (n === 0) {
          // Keep stdout and stderr in order for a reader of both.
          write();
          note(`${file}: byte offset ${r.offset}: ${what} not printed: ${why}`);
        }
      },
    });
    try {
      await readMrt(
        file,
        (r) => {
          fmt.formatInto(r, out);
          if (out.pos > OUT_CHUNK) write();
        },
        {
          flush,
          onError: (e) => {
            problems++;
            if (e.kind === 'compression') cutShort++;
            write();
            note(e.message);
          },
        },
      );
    } catch (e) {
      problems++;
      const err = e as NodeJS.ErrnoException;
      note(err.code === 'ENOENT' ? `${file}: no such file` : `${file}: ${err.message}`);
    }
    await flush();
    for (const [key, n] of skipped) if (n > 1) note(`${file}: ${n} records not printed in all: ${key}`);
  }
  await flush();
  await written;
  return { problems, cutShort };
}
