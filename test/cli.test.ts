// The `openpeering` command as a user runs it: real child processes (serve, init, apply and the
// resource commands) against a real service on 127.0.0.1 over a temporary SQLite file.

import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { apiUrl, cleanEnv, exited, spawnCli } from './helpers/cli-process.js';
import { until } from './helpers/until.js';

const WORLD = fileURLToPath(new URL('../../examples/world.yaml', import.meta.url));

const CMD_TIMEOUT_MS = 30_000;
const READY_TIMEOUT_MS = 20_000;

const tmpDirs: string[] = [];

function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'openpeering-cli-'));
  tmpDirs.push(d);
  return d;
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to completion (killed after a timeout); never rejects on a non-zero exit. */
function cli(args: string[], env: NodeJS.ProcessEnv = cleanEnv(), timeoutMs = CMD_TIMEOUT_MS): Promise<Run> {
  return new Promise((resolve, reject) => {
    const { child, out, err } = spawnCli(args, env);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`openpeering ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout: ${out()}\nstderr: ${err()}`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: out(), stderr: err() });
    });
  });
}

function show(r: Run): string {
  return `exit ${r.code}${r.signal ? ` (${r.signal})` : ''}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

/** Asserts exit 0 and returns stdout. */
function ok(r: Run, what = ''): string {
  assert.equal(r.code, 0, `${what} should exit 0\n${show(r)}`);
  return r.stdout;
}

interface Serve {
  child: ChildProcess;
  url: string;
  out: () => string;
  err: () => string;
  stop: () => Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts `serve` and waits until it is up: by its "openpeering API on URL" info log line, or,
 * when the URL is known in advance (`knownUrl`), by polling /healthz there.
 */
async function serve(args: string[], knownUrl?: string): Promise<Serve> {
  const c = spawnCli(['serve', ...args]);
  const child = c.child;
  const detail = () => `exit ${child.exitCode}\n--- stdout\n${c.out()}\n--- stderr\n${c.err()}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited(child);
  };
  let url = knownUrl;
  if (!url) {
    url = await apiUrl(c, READY_TIMEOUT_MS);
  } else {
    let up = false;
    const start = Date.now();
    while (!up && Date.now() - start < READY_TIMEOUT_MS && child.exitCode === null) {
      try {
        up = (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) })).ok;
      } catch {
        await sleep(50);
      }
    }
    if (!up) {
      await stop();
      throw new Error(`serve did not answer on ${url}\n${detail()}`);
    }
  }
  return { ...c, url, stop };
}

const KEY_RE = /opk_[A-Za-z0-9_-]+/g;
const keysIn = (s: string) => [...new Set(s.match(KEY_RE) ?? [])];

/** A port nothing listens on (bound then released). */
async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** Splits a table into rows of cells (cells are separated by two or more spaces). */
function table(text: string): { header: string[]; rows: string[][] } {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  assert.ok(lines.length >= 1, `expected a table, got:\n${text}`);
  const split = (l: string) => l.trim().split(/\s{2,}/);
  return { header: split(lines[0]!), rows: lines.slice(1).map(split) };
}

after(async () => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('openpeering serve on an empty database', () => {
  test('prints the operator key banner once with the apply instructions, serves /healthz and /openapi.json, and a restart prints no key', async () => {
    const db = path.join(tmpDir(), 'fresh.db');
    const s = await serve(['--listen', '127.0.0.1:0', '--db', db, '--log-level', 'info']);
    let keys: string[];
    try {
      await until(
        () => s.out().includes('apply -f examples/world.yaml'),
        () => `the key banner\n${s.out()}`,
        5000,
        25,
      );
      await sleep(200); // nothing more should follow, in particular no second banner
      const out = s.out();
      keys = keysIn(out);
      assert.equal(keys.length, 1, `exactly one operator key in the output:\n${out}`);
      assert.equal(out.match(/shown once/g)?.length, 1, `the banner appears once:\n${out}`);
      assert.match(out, /first operator API key/);
      assert.ok(out.includes(`OPENPEERING_URL=${s.url}`), `the banner tells how to point the CLI at ${s.url}:\n${out}`);
      assert.ok(out.includes(`OPENPEERING_API_KEY=${keys[0]}`), `the banner tells how to use the key:\n${out}`);
      assert.match(out, /openpeering apply -f examples\/world\.yaml/);
      assert.ok(fs.existsSync(db), 'the database file was created');

      const h = await fetch(`${s.url}/healthz`, { signal: AbortSignal.timeout(5000) });
      assert.equal(h.status, 200);
      assert.equal(((await h.json()) as { status: string }).status, 'ok');

      const o = await fetch(`${s.url}/openapi.json`, { signal: AbortSignal.timeout(5000) });
      assert.equal(o.status, 200);
      const doc = (await o.json()) as { openapi?: string; paths?: Record<string, unknown>; info?: unknown };
      assert.match(String(doc.openapi), /^3\.\d+\.\d+$/, `an OpenAPI 3.x document, got openapi=${doc.openapi}`);
      assert.ok(doc.info, 'the document has info');
      assert.ok(doc.paths && Object.keys(doc.paths).some((p) => p.startsWith('/v1/')), 'the document lists /v1 routes');

      // the key works
      const me = await fetch(`${s.url}/v1/whoami`, { headers: { authorization: `Bearer ${keys[0]}` }, signal: AbortSignal.timeout(5000) });
      assert.equal(me.status, 200);
      assert.equal(((await me.json()) as { role: string }).role, 'operator');
    } finally {
      await s.stop();
    }
    assert.equal(s.child.signalCode ?? s.child.exitCode, 0, `SIGTERM stops serve cleanly with exit 0\n${s.err()}`);

    const again = await serve(['--listen', '127.0.0.1:0', '--db', db, '--log-level', 'info']);
    try {
      await sleep(300);
      assert.deepEqual(keysIn(again.out()), [], `a restart on the same database prints no key:\n${again.out()}`);
      assert.doesNotMatch(again.out(), /shown once/);
      const me = await fetch(`${again.url}/v1/whoami`, { headers: { authorization: `Bearer ${keys[0]}` }, signal: AbortSignal.timeout(5000) });
      assert.equal(me.status, 200, 'the first key still works after a restart');
    } finally {
      await again.stop();
    }
  });
});

describe('openpeering init', () => {
  test('prints a key on a new database, none on the second run (and says why), another with --new-key', async () => {
    const db = path.join(tmpDir(), 'sub', 'init.db');
    const first = ok(await cli(['init', '--db', db]), 'init');
    const k1 = keysIn(first);
    assert.equal(k1.length, 1, `init on a new database prints one key:\n${first}`);
    assert.ok(fs.existsSync(db), 'init creates the database (and its directory)');

    const second = ok(await cli(['init', '--db', db]), 'second init');
    assert.deepEqual(keysIn(second), [], `a second init prints no key:\n${second}`);
    assert.match(second, /already has API keys/, 'says why no key was made');
    assert.match(second, /--new-key/, 'points at --new-key');

    const third = ok(await cli(['init', '--db', db, '--new-key']), 'init --new-key');
    const k3 = keysIn(third);
    assert.equal(k3.length, 1, `init --new-key prints a key:\n${third}`);
    assert.notEqual(k3[0], k1[0], 'the new key is a different key');

    // both keys are operator keys of that database
    const s = await serve(['--listen', '127.0.0.1:0', '--db', db]);
    try {
      assert.deepEqual(keysIn(s.out()), [], 'serve on an initialised database prints no key');
      for (const k of [k1[0]!, k3[0]!]) {
        const r = await cli(['whoami', '--json'], cleanEnv({ OPENPEERING_URL: s.url, OPENPEERING_API_KEY: k }));
        assert.equal(JSON.parse(ok(r, 'whoami')).role, 'operator');
      }
    } finally {
      await s.stop();
    }
  });
});

describe('openpeering serve --config', () => {
  test('takes listen, db and logLevel from the YAML file', async () => {
    const dir = tmpDir();
    const db = path.join(dir, 'from-config.db');
    const port = await freePort();
    const cfg = path.join(dir, 'openpeering.yaml');
    fs.writeFileSync(cfg, `listen: 127.0.0.1:${port}\ndb: ${db}\nlogLevel: warn\n`);
    const url = `http://127.0.0.1:${port}`;
    const s = await serve(['--config', cfg], url);
    try {
      assert.ok(fs.existsSync(db), `serve opened the database named in the config (${db})`);
      await until(
        () => s.out().includes('apply -f examples/world.yaml'),
        () => `the key banner\n${s.out()}`,
        5000,
        25,
      );
      assert.ok(s.out().includes(`OPENPEERING_URL=${url}`), `the banner names the configured address:\n${s.out()}`);
      const h = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) });
      assert.equal(h.status, 200);
      await sleep(200);
      // logLevel warn: no info lines (level 30), in particular not the "openpeering API on" one
      const infoLines = s
        .out()
        .split('\n')
        .filter((l) => l.startsWith('{') && /"level":30\b/.test(l));
      assert.deepEqual(infoLines, [], 'logLevel: warn from the config silences info logs');
    } finally {
      await s.stop();
    }

    // flags win over the file
    const s2 = await serve(['--config', cfg, '--listen', '127.0.0.1:0', '--log-level', 'info']);
    try {
      assert.notEqual(s2.url, url, 'the --listen flag wins over the config');
      assert.deepEqual(keysIn(s2.out()), [], 'same database from the config: no new key');
    } finally {
      await s2.stop();
    }
  });

  test('an unknown config key fails with a message naming it', async () => {
    const dir = tmpDir();
    const cfg = path.join(dir, 'bad.yaml');
    fs.writeFileSync(cfg, `listen: 127.0.0.1:0\ndb: ${path.join(dir, 'x.db')}\ncolour: blue\n`);
    const r = await cli(['serve', '--config', cfg], cleanEnv(), 15_000);
    assert.notEqual(r.code, 0, `serve with an unknown config key must fail\n${show(r)}`);
    assert.match(r.stderr, /colour/, `the message names the unknown key\n${show(r)}`);
    assert.match(r.stderr, /unknown/i);
    assert.ok(!fs.existsSync(path.join(dir, 'x.db')), 'no database is created from a rejected config');
  });

  test('a bad --listen fails with a clear message', async () => {
    const dir = tmpDir();
    const bads = ['nonsense', '127.0.0.1:99999', '127.0.0.1'];
    const runs = await Promise.all(bads.map((bad) => cli(['serve', '--listen', bad, '--db', path.join(dir, 'x.db')], cleanEnv(), 15_000)));
    for (const [i, bad] of bads.entries()) {
      const r = runs[i]!;
      assert.notEqual(r.code, 0, `--listen ${bad} must fail\n${show(r)}`);
      assert.match(r.stderr, /--listen/, `the message names --listen\n${show(r)}`);
      assert.ok(r.stderr.includes(bad), `the message quotes the bad value ${bad}\n${show(r)}`);
      assert.match(r.stderr, /HOST:PORT|port/i, `the message says what is expected\n${show(r)}`);
      assert.doesNotMatch(r.stderr, /\n\s+at /, `no stack trace\n${show(r)}`);
    }
  });
});

describe('client commands against a running service', () => {
  let s: Serve;
  let operatorKey: string;
  let env: NodeJS.ProcessEnv;
  const run = (args: string[], e: NodeJS.ProcessEnv = env) => cli(args, e);

  before(async () => {
    // The API only: these are reads of what apply wrote (with BGP on, live validation would move
    // the prefixes on from Pending: test/daemon.test.ts covers that).
    s = await serve(['--listen', '127.0.0.1:0', '--db', path.join(tmpDir(), 'world.db'), '--no-bgp']);
    await until(
      () => keysIn(s.out()).length > 0,
      () => `the operator key\n${s.out()}`,
      5000,
      25,
    );
    operatorKey = keysIn(s.out())[0]!;
    env = cleanEnv({ OPENPEERING_URL: s.url, OPENPEERING_API_KEY: operatorKey });
  });

  after(async () => {
    await s?.stop();
  });

  test('field=value pairs keep text fields as text (the API refuses a number where text belongs)', async () => {
    const out = ok(await run(['partners', 'create', 'digits', 'kind=isp', 'displayName=2024', '--json']), 'partners create');
    assert.equal(JSON.parse(out).displayName, '2024');
    ok(await run(['partners', 'delete', 'digits']), 'partners delete');
  });

  test('api-keys rotate prints a new secret once; the old one stops working', async () => {
    const created = JSON.parse(ok(await run(['api-keys', 'create', 'name=rotating', 'role=operator', '--json']), 'api-keys create'));
    const out = ok(await run(['api-keys', 'rotate', created.key.id]), 'api-keys rotate');
    const secret = keysIn(out)[0]!;
    assert.ok(secret && secret !== created.secret, out);
    assert.match(out, /the old secret no longer works/);
    ok(await run(['whoami'], { ...env, OPENPEERING_API_KEY: secret }), 'whoami with the new secret');
    const old = await run(['whoami'], { ...env, OPENPEERING_API_KEY: created.secret });
    assert.notEqual(old.code, 0, 'the old secret is refused');
  });

  test('apply -f examples/world.yaml loads the world; a second apply changes nothing', async () => {
    const first = ok(await run(['apply', '-f', WORLD]), 'apply');
    const m1 = /applied .*world\.yaml: (\d+) created, (\d+) updated, (\d+) unchanged/.exec(first);
    assert.ok(m1, `a summary line:\n${first}`);
    assert.ok(Number(m1[1]) > 0, `the first apply creates resources:\n${first}`);
    assert.equal(Number(m1[3]), 0, `nothing is unchanged on an empty database:\n${first}`);
    assert.match(first, /^created\s+pop ams$/m, 'lists what it created');

    const second = ok(await run(['apply', '-f', WORLD]), 'second apply');
    const m2 = /applied .*world\.yaml: (\d+) created, (\d+) updated, (\d+) unchanged/.exec(second);
    assert.ok(m2, `a summary line:\n${second}`);
    assert.equal(m2[1], '0', `second apply creates nothing:\n${second}`);
    assert.equal(m2[2], '0', `second apply updates nothing:\n${second}`);
    assert.ok(Number(m2[3]) > 0, `second apply reports what is unchanged:\n${second}`);
    assert.equal(Number(m2[3]), Number(m1[1]), 'everything created by the first apply is unchanged by the second');
    assert.doesNotMatch(second, /^(created|updated)\s/m, `no created/updated lines the second time:\n${second}`);

    const verbose = ok(await run(['apply', '-f', WORLD, '-v']), 'apply -v');
    assert.match(verbose, /^unchanged\s+pop ams$/m, '-v lists what was already up to date');
  });

  describe('reads of the applied world', { concurrency: true }, () => {
    test('pops list shows a table of the 12 PoPs', async () => {
      const t = table(ok(await run(['pops', 'list'])));
      assert.equal(t.header[0], 'CODE');
      assert.equal(t.rows.length, 12, `12 PoPs:\n${t.rows.map((r) => r.join(' | ')).join('\n')}`);
      const codes = t.rows.map((r) => r[0]);
      for (const c of ['ams', 'fra', 'lon', 'sin', 'syd', 'jnb', 'gru', 'iad']) assert.ok(codes.includes(c), `pop ${c} listed`);
      const ams = t.rows.find((r) => r[0] === 'ams')!;
      assert.ok(ams.includes('Amsterdam') && ams.includes('NL'), `ams row: ${ams.join(' | ')}`);
    });

    test('peerings list --partner nordlink lists nordlink-ams', async () => {
      const t = table(ok(await run(['peerings', 'list', '--partner', 'nordlink'])));
      assert.equal(t.header[0], 'NAME');
      const row = t.rows.find((r) => r[0] === 'nordlink-ams');
      assert.ok(row, `nordlink-ams listed:\n${t.rows.map((r) => r.join(' | ')).join('\n')}`);
      assert.ok(row.includes('peering-service') && row.includes('ams'), `row: ${row.join(' | ')}`);
      assert.ok(
        t.rows.every((r) => r[0]!.startsWith('nordlink-')),
        'only nordlink peerings',
      );
    });

    test('prefixes list --customer contoso --service contoso-eu shows the prefixes as Pending', async () => {
      const t = table(ok(await run(['prefixes', 'list', '--customer', 'contoso', '--service', 'contoso-eu'])));
      const state = t.header.indexOf('STATE');
      assert.ok(state >= 0, `a STATE column: ${t.header.join(' | ')}`);
      const names = t.rows.map((r) => r[0]);
      assert.ok(names.includes('hq') && names.includes('hq-v6'), `hq and hq-v6 listed: ${names.join(', ')}`);
      for (const r of t.rows) assert.equal(r[state], 'Pending', `prefix ${r[0]} is Pending: ${r.join(' | ')}`);
      assert.ok(
        t.rows.some((r) => r.includes('45.66.0.0/24')),
        'shows the prefix itself',
      );
    });

    test('catalog providers lists the three partners', async () => {
      const t = table(ok(await run(['catalog', 'providers'])));
      const names = t.rows.map((r) => r[0]).sort();
      assert.deepEqual(names, ['apex-ix', 'nordlink', 'skybridge']);
    });

    test('--json prints JSON', async () => {
      const [popsOut, peeringsOut, providersOut, meOut] = await Promise.all([
        run(['pops', 'list', '--json']),
        run(['peerings', 'list', '--partner', 'nordlink', '--json']),
        run(['catalog', 'providers', '--json']),
        run(['whoami', '--json']),
      ]);
      const pops = JSON.parse(ok(popsOut));
      assert.ok(Array.isArray(pops), 'pops list --json is an array');
      assert.equal(pops.length, 12);
      assert.ok(pops.some((p: { code: string }) => p.code === 'ams'));

      const peerings = JSON.parse(ok(peeringsOut));
      const ams = peerings.find((p: { name: string }) => p.name === 'nordlink-ams');
      assert.ok(ams, 'nordlink-ams in the JSON');
      for (const c of ams.connections) assert.equal(c.md5Key, undefined, 'the MD5 key is never returned');

      const providers = JSON.parse(ok(providersOut));
      assert.equal(providers.length, 3);

      const me = JSON.parse(ok(meOut));
      assert.equal(me.role, 'operator');
    });

    test('get shows one resource as JSON', async () => {
      const [popOut, peeringOut, prefixOut] = await Promise.all([
        run(['pops', 'get', 'ams']),
        run(['peerings', 'get', 'nordlink-ams', '--partner', 'nordlink']),
        run(['prefixes', 'get', 'hq', '--customer', 'contoso', '--service', 'contoso-eu']),
      ]);
      const pop = JSON.parse(ok(popOut));
      assert.equal(pop.code, 'ams');
      assert.equal(pop.metro, 'Amsterdam');
      const peering = JSON.parse(ok(peeringOut));
      assert.equal(peering.name, 'nordlink-ams');
      assert.equal(peering.type, 'peering-service');
      const prefix = JSON.parse(ok(prefixOut));
      assert.equal(prefix.prefix, '45.66.0.0/24');
      assert.equal(prefix.state, 'Pending');
    });
  });

  test('create and delete a partner with field=value pairs', async () => {
    const created = ok(await run(['partners', 'create', 'cli-test-co', 'kind=ixp', 'displayName=CLI Test Co']), 'partners create');
    assert.match(created, /partner cli-test-co created/);
    assert.match(created, /cli-test-co\s+ixp\s+CLI Test Co/, `the table shows the partner:\n${created}`);

    const got = JSON.parse(ok(await run(['partners', 'get', 'cli-test-co'])));
    assert.equal(got.name, 'cli-test-co');
    assert.equal(got.kind, 'ixp');
    assert.equal(got.displayName, 'CLI Test Co');

    const saved = ok(await run(['partners', 'create', 'cli-test-co', 'kind=ixp', 'displayName=CLI Test Company']), 'partners create (update)');
    assert.match(saved, /partner cli-test-co saved/);
    assert.equal(JSON.parse(ok(await run(['partners', 'get', 'cli-test-co']))).displayName, 'CLI Test Company');

    const names = table(ok(await run(['partners', 'list']))).rows.map((r) => r[0]);
    assert.ok(names.includes('cli-test-co'));

    assert.match(ok(await run(['partners', 'delete', 'cli-test-co']), 'partners delete'), /partner cli-test-co deleted/);
    const gone = await run(['partners', 'get', 'cli-test-co']);
    assert.notEqual(gone.code, 0, `get after delete fails\n${show(gone)}`);
    assert.match(gone.stderr, /404/);
    assert.match(gone.stderr, /NotFound/);
    assert.ok(!table(ok(await run(['partners', 'list']))).rows.some((r) => r[0] === 'cli-test-co'), 'gone from the list');
  });

  test('a partner key: whoami shows the partner, lists default to it, operator writes get 403', async () => {
    const out = ok(await run(['api-keys', 'create', 'name=x', 'role=partner', 'partner=nordlink']), 'api-keys create');
    const m = /secret[^\n]*\n\s*(opk_[A-Za-z0-9_-]+)/.exec(out);
    assert.ok(m, `the secret is printed:\n${out}`);
    const partnerKey = m[1]!;
    assert.notEqual(partnerKey, operatorKey);
    const penv = cleanEnv({ OPENPEERING_URL: s.url, OPENPEERING_API_KEY: partnerKey });

    const [whoOut, whoJsonOut, peeringsOut] = await Promise.all([run(['whoami'], penv), run(['whoami', '--json'], penv), run(['peerings', 'list'], penv)]);
    const who = ok(whoOut, 'whoami');
    assert.match(who, /partner/);
    assert.match(who, /nordlink/);
    const whoJson = JSON.parse(ok(whoJsonOut));
    assert.equal(whoJson.role, 'partner');
    assert.equal(whoJson.partner, 'nordlink');

    const t = table(ok(peeringsOut, 'peerings list with a partner key'));
    const names = t.rows.map((r) => r[0]);
    assert.ok(names.includes('nordlink-ams'), `nordlink's peerings: ${names.join(', ')}`);
    assert.ok(
      names.every((n) => n!.startsWith('nordlink-')),
      "only nordlink's peerings",
    );

    const denied = await run(['pops', 'create', 'zzz', 'metro=Nowhere', 'country=NL', 'region=', 'lat=1', 'lon=1', 'facilities=[]'], penv);
    assert.notEqual(denied.code, 0, `a partner cannot create a PoP\n${show(denied)}`);
    assert.match(denied.stderr, /403/, `the message shows the status\n${show(denied)}`);
    assert.match(denied.stderr, /Forbidden/, `the message shows the code\n${show(denied)}`);
    assert.doesNotMatch(denied.stderr, /\n\s+at /, 'no stack trace');
    const still = await run(['pops', 'get', 'zzz']);
    assert.notEqual(still.code, 0, 'the PoP was not created');
  });

  test('an API 4xx shows the status, code, message and field', async () => {
    const r = await run(['pops', 'create', 'bad1', 'metro=X', 'country=NL', 'region=', 'lat=200', 'lon=0', 'facilities=[]']);
    assert.equal(r.code, 1, `a rejected write exits 1\n${show(r)}`);
    assert.match(r.stderr, /400/);
    assert.match(r.stderr, /InvalidRequest/);
    assert.match(r.stderr, /lat must be <= 90/);
    assert.match(r.stderr, /field: lat/);
    assert.equal(r.stdout, '', 'nothing on stdout');

    const k = await run(['partners', 'create', 'zz', 'kind=bogus', 'displayName=x']);
    assert.notEqual(k.code, 0);
    assert.match(k.stderr, /400 InvalidRequest: kind must be one of "isp", "ixp", "sdci" \(field: kind\)/, show(k));
  });

  test('a missing parent flag is a usage error naming the flag', async () => {
    const r = await run(['peerings', 'list']); // operator key: no partner to default to
    assert.notEqual(r.code, 0, show(r));
    assert.match(r.stderr, /--partner/, show(r));
  });
});

describe('client errors', () => {
  test('without OPENPEERING_API_KEY: non-zero exit and a message naming the variable', async () => {
    const r = await cli(['pops', 'list'], cleanEnv({ OPENPEERING_URL: 'http://127.0.0.1:9' }));
    assert.notEqual(r.code, 0, show(r));
    assert.match(r.stderr, /OPENPEERING_API_KEY/, show(r));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  test('an unreachable service: "cannot reach" with the URL', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const r = await cli(['pops', 'list'], cleanEnv({ OPENPEERING_URL: url, OPENPEERING_API_KEY: 'opk_nothing_here' }));
    assert.notEqual(r.code, 0, show(r));
    assert.match(r.stderr, /cannot reach/, show(r));
    assert.ok(r.stderr.includes(url), `names the URL ${url}\n${show(r)}`);
    assert.match(r.stderr, /OPENPEERING_URL/, 'says how to point elsewhere');
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');

    const a = await cli(['apply', '-f', WORLD], cleanEnv({ OPENPEERING_URL: url, OPENPEERING_API_KEY: 'opk_nothing_here' }));
    assert.notEqual(a.code, 0, show(a));
    assert.match(a.stderr, /cannot reach/, show(a));
  });

  test('apply with a missing file fails clearly', async () => {
    const missing = path.join(tmpDir(), 'nope.yaml');
    const r = await cli(['apply', '-f', missing], cleanEnv({ OPENPEERING_URL: 'http://127.0.0.1:9', OPENPEERING_API_KEY: 'opk_x' }));
    assert.notEqual(r.code, 0, show(r));
    assert.ok(r.stderr.includes(missing), `names the file\n${show(r)}`);
  });
});

describe('help', () => {
  test('openpeering --help exits 0 and mentions apply', async () => {
    const out = ok(await cli(['--help']), '--help');
    assert.match(out, /Usage: openpeering/);
    assert.match(out, /\bapply\b/);
    assert.match(out, /\bserve\b/);
    assert.match(out, /OPENPEERING_API_KEY/);
  });

  test('openpeering apply --help exits 0 and mentions the file', async () => {
    const out = ok(await cli(['apply', '--help']), 'apply --help');
    assert.match(out, /Usage: openpeering apply/);
    assert.match(out, /-f, --file/);
    assert.match(out, /examples\/world\.yaml/);
  });

  test('apply without -f is a usage error', async () => {
    const r = await cli(['apply']);
    assert.notEqual(r.code, 0, show(r));
    assert.match(r.stderr, /--file/, show(r));
  });
});
