// One process owns a database: a second `serve` (or an `init`) on it refuses to start, naming
// the database and the owner's pid, with a non-zero exit; after the owner is killed with
// SIGKILL a new serve starts. Real processes, as an operator would run them.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { apiUrl, type CliChild, exited, spawnCli } from './helpers/cli-process.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openpeering-lock-'));

after(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Starts serve and waits until it listens (its "openpeering API on" line). */
async function serve(db: string): Promise<CliChild> {
  const r = spawnCli(['serve', '--db', db, '--listen', '127.0.0.1:0', '--no-bgp']);
  await apiUrl(r);
  return r;
}

/** Runs a command to its end. */
async function finish(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const r = spawnCli(args);
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
