// One process owns a database: a second `serve` (or an `init`) on it refuses to start, naming
// the database and the owner's pid, with a non-zero exit; after the owner is killed with
// SIGKILL a new serve starts. Real processes, as an operator would run them.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));

const children = new Set<ChildProcess>();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openpeering-lock-'));

after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all([...children].map((c) => exited(c)));
  fs.rmSync(dir, { recursive: true, force: true });
});

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

interface Run {
  child: ChildProcess;
  out: () => string;
  err: () => string;
}

function run(args: string[]): Run {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('OPENPEERING_')) delete env[k];
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

/** Starts serve and waits until it listens (its "openpeering API on" line). */
async function serve(db: string): Promise<Run> {
  const r = run(['serve', '--db', db, '--listen', '127.0.0.1:0', '--no-bgp']);
  const start = Date.now();
  while (!/openpeering API on http:\/\//.test(r.out())) {
    if (r.child.exitCode !== null || Date.now() - start > 20_000) {
      r.child.kill('SIGKILL');
      throw new Error(`serve did not start (exit ${r.child.exitCode})\n--- stdout\n${r.out()}\n--- stderr\n${r.err()}`);
    }
    await new Promise((res) => setTimeout(res, 25));
  }
  return r;
}

/** Runs a command to its end. */
async function finish(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const r = run(args);
  await exited(r.child);
  return { code: r.child.exitCode, out: r.out(), err: r.err() };
}

test('a second serve and an init on a served database are refused; after kill -9 a new serve starts', async () => {
  const db = path.join(dir, 'data', 'openpeering.db');
  const first = await serve(db);
  const pid = first.child.pid!;

  const second = await finish(['serve', '--db', db, '--listen', '127.0.0.1:0', '--no-bgp']);
  assert.notEqual(second.code, 0, `the second serve must fail\n${second.out}\n${second.err}`);
  assert.match(
    second.err,
    new RegExp(
      `database ${db.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is in use by another openpeering process \\(serve, pid ${pid}, since [^)]+\\); stop it first`,
    ),
    second.err,
  );
  assert.doesNotMatch(second.out, /openpeering API on/);

  const init = await finish(['init', '--db', db, '--new-key']);
  assert.notEqual(init.code, 0, `init must refuse while serve owns the database\n${init.out}\n${init.err}`);
  assert.match(init.err, new RegExp(`in use by another openpeering process \\(serve, pid ${pid},.*POST /v1/api-keys`), init.err);
  assert.doesNotMatch(init.out, /opk_/, 'init made no key');

  // The files the service made are its owner's alone.
  for (const f of [db, `${db}-wal`, `${db}-shm`, `${db}.lock`]) assert.equal(fs.statSync(f).mode & 0o777, 0o600, f);
  assert.equal(fs.statSync(path.dirname(db)).mode & 0o777, 0o700);

  first.child.kill('SIGKILL');
  await exited(first.child);
  assert.equal(first.child.signalCode, 'SIGKILL');
  const third = await serve(db);
  assert.doesNotMatch(third.err(), /in use/);
  third.child.kill('SIGTERM');
  await exited(third.child);
  assert.equal(third.child.exitCode, 0, `serve stops cleanly on SIGTERM\n${third.err()}`);

  // With no serve running, init takes the database, and lets it go again.
  const free = await finish(['init', '--db', db, '--new-key']);
  assert.equal(free.code, 0, free.err);
  assert.match(free.out, /operator API key, shown once/);
  const fourth = await serve(db);
  fourth.child.kill('SIGTERM');
  await exited(fourth.child);
  assert.equal(fourth.child.exitCode, 0);
});
