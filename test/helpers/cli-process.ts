// The `openpeering` command as child processes of a test: a clean environment (no OPENPEERING_*
// variables from the caller), stdout and stderr captured, and every child still running killed
// when the test file ends.
import { type ChildProcess, spawn } from 'node:child_process';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { until } from './until.js';

/** The CLI's entry point and the repository (the working directory of every child). */
export const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));

const children = new Set<ChildProcess>();
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all([...children].map((c) => exited(c, 5000)));
});

/** An environment without any OPENPEERING_* variables from the caller, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('OPENPEERING_')) delete env[k];
  return { ...env, ...extra };
}

export interface CliChild {
  child: ChildProcess;
  /** stdout and stderr so far */
  out: () => string;
  err: () => string;
}

/** Starts `openpeering ARGS` in the repository. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = cleanEnv()): CliChild {
  const child = spawn(process.execPath, [MAIN, ...args], { env, cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  return { child, out: () => out, err: () => err };
}

/** Waits for a child to exit (SIGKILL after the timeout). */
export function exited(child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** The URL of a starting `serve`, from its "openpeering API on URL" log line; a serve that exits or stays silent is killed and fails the wait. */
export async function apiUrl(c: CliChild, timeoutMs = 20_000): Promise<string> {
  const line = /openpeering API on (http:\/\/[^\s"]+)/;
  try {
    await until(
      () => {
        if (c.child.exitCode !== null) throw new Error('serve exited');
        return line.test(c.out());
      },
      'the "openpeering API on" log line',
      timeoutMs,
      25,
    );
  } catch (e) {
    c.child.kill('SIGKILL');
    throw new Error(`serve did not start (${(e as Error).message}, exit ${c.child.exitCode})\n--- stdout\n${c.out()}\n--- stderr\n${c.err()}`);
  }
  return line.exec(c.out())![1]!;
}
