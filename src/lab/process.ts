// Child processes of the lab (real BGP daemons, the speaker under benchmark, CLIs) that never
// outlive us and never hang us.
//
// - spawnProc() runs a program under `setpriv --pdeathsig KILL` (setpriv execs it, same PID), so the
//   kernel kills it if we die without cleaning up; its stdout and stderr are kept (the last ~1 MB).
// - Every live child is SIGKILLed, and every registered cleanup runs (tempDir() removal), when we
//   exit, on SIGINT / SIGTERM / SIGHUP, and on cleanupSync().
// - Every wait is bounded: stopProc() sends SIGTERM, then SIGKILL after a grace period; run() kills
//   a CLI that takes too long.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const SETPRIV = '/usr/bin/setpriv';
const LOG_CAP = 1 << 20;
const RUN_TIMEOUT_MS = 10_000;
const STOP_TERM_MS = 8_000;
const STOP_KILL_MS = 3_000;
/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on every Linux we run on). */
const CLK_TCK = 100;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A TCP port that is free on `host` (a loopback address, default 127.0.0.1) right now. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs a CLI with a bounded time; rejects with its output on failure. */
export function run(file: string, args: string[], timeoutMs = RUN_TIMEOUT_MS): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 256 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
        const why = e.killed ? `timed out after ${timeoutMs} ms` : `failed (${e.code ?? e.message})`;
        reject(new Error(`${path.basename(file)} ${args.join(' ')}: ${why}\n${stdout}${stderr}`.trimEnd()));
      } else {
        resolve({ stdout, stderr });
      }
    });
  });
}

/** The end of a log, for error messages: at most `lines` lines and `chars` characters ('…' marks a cut). */
export function tail(text: string, lines = Infinity, chars = Infinity): string {
  let s = text.trimEnd();
  if (Number.isFinite(lines)) s = s.split('\n').slice(-lines).join('\n');
  return s.length > chars ? '…' + s.slice(-chars) : s;
}

// ---------------------------------------------------------------------------------------------
// Cleanup at exit

const live = new Set<Proc>();
const cleanups = new Set<() => void>();
let hooksInstalled = false;
let signalAction: ((sig: NodeJS.Signals, killed: number) => void) | undefined;

/** SIGKILLs every live child and runs every registered cleanup. Synchronous and idempotent. */
export function cleanupSync(): number {
  const killed = live.size;
  for (const p of live) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  live.clear();
  for (const fn of [...cleanups]) {
    cleanups.delete(fn);
    try {
      fn();
    } catch {
      /* best effort */
    }
  }
  return killed;
}

/**
 * Installs the exit and signal hooks (idempotent; spawnProc() and tempDir() call it). On SIGINT,
 * SIGTERM and SIGHUP the cleanup runs, then `onSignal` when given (it is told how many children were
 * killed; say, a message and process.exit), else the signal's default action: we die of it.
 */
export function installCleanupHooks(onSignal?: (sig: NodeJS.Signals, killed: number) => void): void {
  if (onSignal) signalAction = onSignal;
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', cleanupSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      const killed = cleanupSync();
      if (signalAction) signalAction(sig, killed);
      else process.kill(process.pid, sig); // the handler was `once`: default action now
    });
  }
}

/**
 * Creates a temp dir that is removed at cleanup (exit, signal, cleanupSync()) unless `keep`;
 * remove() removes it earlier (idempotent).
 */
export function tempDir(prefix: string, keep = false): { path: string; remove(): void } {
  installCleanupHooks();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const remove = () => {
    cleanups.delete(remove);
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  };
  cleanups.add(remove);
  return { path: dir, remove };
}

// ---------------------------------------------------------------------------------------------
// Children

export interface Proc {
  name: string;
  pid: number;
  child: ChildProcess;
  exited: boolean;
  /** "exit code 1", "signal SIGKILL", "spawn error: ..." once exited */
  exitInfo: string;
  /** Resolves when the process has exited (or failed to spawn). */
  exit: Promise<void>;
  /** Stopped with SIGSTOP (freeze()) and not yet continued. */
  frozen: boolean;
  /** stdout and stderr interleaved, the last ~1 MB. */
  logs(): string;
}

export interface SpawnOptions {
  cwd: string;
  /** Added to our environment. */
  env?: NodeJS.ProcessEnv;
  /**
   * Do not keep the event loop alive for this child (a forgotten stopProc() must not keep a test
   * process running; the exit hook still kills the child).
   */
  unref?: boolean;
}

/**
 * The command line that runs `file args` under `setpriv --pdeathsig KILL` (setpriv execs the program,
 * same PID, after asking the kernel to SIGKILL it when its parent dies); `file args` as they are when
 * setpriv is missing. For a grandchild, e.g. a program run under /usr/bin/time.
 */
export function pdeathsigCommand(file: string, args: string[]): [string, string[]] {
  return executable(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'KILL', '--', file, ...args]] : [file, args];
}

export function spawnProc(name: string, file: string, args: string[], opts: SpawnOptions): Proc {
  installCleanupHooks();
  const [cmd, argv] = pdeathsigCommand(file, args);
  // Its own process group: a Ctrl-C in the terminal reaches us (we stop it in order), not the
  // daemon directly; pdeathsig still kills it if we die.
  const child = spawn(cmd, argv, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let buf = '';
  const append = (d: Buffer) => {
    buf += d.toString('utf8');
    if (buf.length > LOG_CAP) buf = buf.slice(-LOG_CAP);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  if (opts.unref) {
    child.unref();
    (child.stdout as unknown as net.Socket).unref?.();
    (child.stderr as unknown as net.Socket).unref?.();
  }
  if (child.pid === undefined) throw new Error(`${name}: could not spawn ${file}`);
  const p: Proc = { name, pid: child.pid, child, exited: false, exitInfo: '', exit: Promise.resolve(), frozen: false, logs: () => buf };
  p.exit = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      p.exited = true;
      p.exitInfo = signal ? `signal ${signal}` : `exit code ${code}`;
      live.delete(p);
      resolve();
    });
    child.on('error', (err) => {
      p.exited = true;
      p.exitInfo = `spawn error: ${err.message}`;
      live.delete(p);
      resolve();
    });
  });
  live.add(p);
  return p;
}

/** Resolves true when the process exited within `ms`, false otherwise (the timer is cleared). */
export function waitExit(p: Proc, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void p.exit.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** SIGTERM (after SIGCONT if frozen), then SIGKILL when it has not exited after `termMs`. Idempotent. */
export async function stopProc(p: Proc, termMs = STOP_TERM_MS): Promise<void> {
  if (p.exited) return;
  try {
    if (p.frozen) process.kill(p.pid, 'SIGCONT');
    p.frozen = false;
    process.kill(p.pid, 'SIGTERM');
  } catch {
    /* gone */
  }
  if (!(await waitExit(p, termMs))) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    await waitExit(p, STOP_KILL_MS);
  }
  live.delete(p);
}

/** SIGKILL (a crash, no clean shutdown), then a bounded wait (`ms`) for the exit. Idempotent. */
export async function killProc(p: Proc, ms = STOP_KILL_MS): Promise<void> {
  if (p.exited) return;
  try {
    process.kill(p.pid, 'SIGKILL');
  } catch {
    /* gone */
  }
  p.frozen = false;
  await waitExit(p, ms);
  live.delete(p);
}

/** SIGSTOP: the process stops answering (and sending keepalives) until thawProc(). */
export function freezeProc(p: Proc): void {
  if (p.exited) return;
  process.kill(p.pid, 'SIGSTOP');
  p.frozen = true;
}

/** SIGCONT */
export function thawProc(p: Proc): void {
  if (p.exited) return;
  process.kill(p.pid, 'SIGCONT');
  p.frozen = false;
}

// ---------------------------------------------------------------------------------------------
// /proc

export interface ProcStats {
  /** VmHWM: peak resident set size (MB) */
  hwmMB: number;
  /** VmRSS (MB) */
  rssMB: number;
  /** utime + stime since the process started (seconds) */
  cpuS: number;
}

/** Memory and CPU of a live process from /proc; undefined when it is gone. */
export function procStats(pid: number): ProcStats | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name "(...)": state is field 3, utime 14, stime 15 (1-based).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuS = (Number(f[11]) + Number(f[12])) / CLK_TCK;
    return { hwmMB: kb('VmHWM') / 1024, rssMB: kb('VmRSS') / 1024, cpuS };
  } catch {
    return undefined;
  }
}
