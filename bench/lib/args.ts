// Command-line flags of the benchmarks: `--flag value` or `--flag=value`, integers with optional
// underscores (1_000_000), and a usage() that ends the process with the message.

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
