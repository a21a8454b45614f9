// Command-line flags of the benchmarks: `--flag value` or `--flag=value`, integers with optional
// underscores (1_000_000), and a usage() that ends the process with the message.

/** A benchmark's usage(): declared with this type (`const usage: Usage = ...`), TypeScript knows it does not return. */
export type Usage = (why?: string) => never;

/** The usage() of the benchmark `name` ("bench:bgp"): prints why (when given) and `text`, then exits 2. */
export function usageOf(name: string, text: string): Usage {
  return (why) => {
    if (why) console.error(`${name}: ${why}`);
    console.error(text);
    process.exit(2);
  };
}

/** An integer flag's value, at least `min`; anything else ends with usage(). */
export function intFlag(name: string, v: string | undefined, min: number, usage: (why: string) => never): number {
  const n = Number(v?.replace(/_/g, ''));
  if (v === undefined || !Number.isInteger(n) || n < min) usage(`${name} needs an integer >= ${min}`);
  return n;
}

/** Walks argv as flags: `each(flag, value)` where value() takes the inline `=value` or the next argument. */
export function eachFlag(argv: string[], each: (flag: string, value: () => string | undefined) => void): void {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes('=') && a.startsWith('--') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    each(flag, () => inline ?? argv[++i]);
  }
}

/** A comma-separated list of names out of `allowed`; an unknown or empty list ends with usage(). */
export function listFlag<T extends string>(name: string, v: string | undefined, allowed: readonly T[], usage: (why: string) => never): T[] {
  const list = (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = list.filter((r) => !allowed.includes(r as T));
  if (!list.length || bad.length) usage(`${name}: unknown ${bad.join(', ') || '(empty)'}; choose from ${allowed.join(',')}`);
  return list as T[];
}

/** How every benchmark with receivers runs them. */
export interface RunFlags {
  runs: number;
  timeoutS: number;
  seed: number;
  /** extra node flags for the openpeering receiver */
  nodeArgs: string[];
  /** seconds to keep a receiver up after its ingest */
  settleS: number;
  keep: boolean;
}

/** Takes `flag` into `o` when it is one of the RunFlags (--runs, --timeout, --seed, --node-args, --settle, --keep); false when not. */
export function runFlag(o: RunFlags, flag: string, value: () => string | undefined, usage: (why: string) => never): boolean {
  switch (flag) {
    case '--runs':
      o.runs = intFlag(flag, value(), 1, usage);
      return true;
    case '--timeout':
      o.timeoutS = intFlag(flag, value(), 1, usage);
      return true;
    case '--seed':
      o.seed = intFlag(flag, value(), 0, usage);
      return true;
    case '--node-args':
      o.nodeArgs = (value() ?? '').split(/\s+/).filter(Boolean);
      return true;
    case '--settle':
      o.settleS = intFlag(flag, value(), 0, usage);
      return true;
    case '--keep':
      o.keep = true;
      return true;
    default:
      return false;
  }
}

/**
 * Walks argv for a benchmark with receivers: `own` takes the benchmark's own flags (true: `flag`
 * was one; `int(min)` reads its value as intFlag does), then come --receivers (a list out of
 * `all`), the RunFlags and -h/--help; anything else ends with usage().
 */
export function receiverFlags<R extends string>(
  argv: string[],
  o: RunFlags & { receivers: R[] },
  all: readonly R[],
  usage: Usage,
  own: (flag: string, value: () => string | undefined, int: (min: number) => number) => boolean,
): void {
  eachFlag(argv, (flag, value) => {
    if (own(flag, value, (min) => intFlag(flag, value(), min, usage))) return;
    if (flag === '--receivers') o.receivers = listFlag(flag, value(), all, usage);
    else if (flag === '-h' || flag === '--help') usage();
    else if (!runFlag(o, flag, value, usage)) usage(`unknown argument ${flag}`);
  });
}
