// Restarting `serve` tells no lies: a real `openpeering serve` process on a temp database, the
// world applied through its API, BIRD partner routers on 127.60.0.0/16 (nordlink's four sessions,
// apex-ix's two route servers announcing a hijack of a more-specific of contoso's prefix). On the
// fresh start sessions come up one by one and no prefix is "restored" (it was never Verified
// before). Once everything settled, serve stops (SIGTERM) and starts again on the same database:
// no prefix changes state (nor updated_at) and no event is stored again, not even the ongoing
// hijacks. A real change afterwards still is one: a stopped partner router gives Warning and a
// withdrawal, its return a restore, and its connection shows the previous session's error as past.

import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, type Proc, spawnProc, stopProc, tempDir, waitExit } from '../src/lab/process.js';
import { type Daemon, type DaemonSpec, requireBinary, startDaemon } from '../src/lab/routers/index.js';
import { until } from './helpers/until.js';
import { APEX_ROUTES, buildWorld60, NORDLINK_ROUTES, PREFIXES60, SESSIONS60 } from './helpers/world-60.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BGP_PORT = 17931;
/** Waits here cross a daemon restart: 40 s bounds, polled every 200 ms (the quiet-table check compares polls). */
const RESTART_BOUNDS = [40_000, 200] as const;

const routerSpec = (connection: keyof typeof SESSIONS60): DaemonSpec => {
  const [address, operator] = SESSIONS60[connection];
  const rs = connection.startsWith('rs-');
  return {
    kind: 'bird',
    address,
    port: BGP_PORT,
    asn: rs ? 64502 : 64501,
    routerId: address,
    peers: [{ address: operator, port: BGP_PORT, asn: 64500, families: ['ipv4'] }],
    routes: rs ? APEX_ROUTES : NORDLINK_ROUTES,
  };
};

test('a restart of serve changes no state and repeats no event; real changes after it still count', async (t) => {
  requireBinary('bird'); // fails (never skips) with the command that installs it
  const dir = tempDir('openpeering-restart-');
  t.after(() => dir.remove());
  const db = path.join(dir.path, 'op.db');
  const url = `http://127.0.0.1:${await freePort()}`;
  const serve = () =>
    spawnProc('serve', process.execPath, [MAIN, 'serve', '--db', db, '--listen', url.slice('http://'.length), '--bgp-port', String(BGP_PORT)], { cwd: REPO });
  let proc: Proc = serve();
  const routers = new Map<string, Daemon>();
  t.after(async () => {
    await stopProc(proc);
    for (const r of routers.values()) await r.stop();
  });
  const logs = () => proc.logs().split('\n').slice(-40).join('\n');

  let key = '';
  await until(
    () => /OPENPEERING_API_KEY=(opk_\S+)/.test(proc.logs()),
    () => `the first operator key\n${logs()}`,
    ...RESTART_BOUNDS,
  );
  key = /OPENPEERING_API_KEY=(opk_\S+)/.exec(proc.logs())![1]!;
  const call = async (method: string, p: string, body?: unknown): Promise<any> => {
    const r = await fetch(url + p, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await r.text();
    if (r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  const up = async () => {
    try {
      return (await fetch(`${url}/v1/pops`, { headers: { authorization: `Bearer ${key}` } })).status === 200;
    } catch {
      return false;
    }
  };
  await until(up, () => `the API\n${logs()}`, ...RESTART_BOUNDS);
  await buildWorld60(call);

  const hq = PREFIXES60[1]!;
  const state = async (p: string) => {
    const r = await call('GET', p);
    return `${r.state} ${r.errorMessage ?? ''}`.trim();
  };
  const startRouter = async (c: keyof typeof SESSIONS60) => {
    routers.set(c, await startDaemon(routerSpec(c)));
  };

  // A fresh start: the sessions come up one by one, hq is Warning with one of its four.
  await startRouter('ams-1');
  await until(
    async () => (await state(hq)).startsWith('Warning'),
    () => `hq Warning with one session\n${logs()}`,
    ...RESTART_BOUNDS,
  );
  for (const c of ['ams-2', 'fra-1', 'fra-2', 'rs-1', 'rs-2'] as const) await startRouter(c);
  const expected = [
    'Verified',
    'Verified',
    'Verified',
    'Failed Route for prefix 45.66.1.0/24 from IP 127.60.3.100 rejected: hijack: 45.66.1.0/24 is registered by another partner (AS64501), not apex-ix',
  ];
  const states = async () => JSON.stringify(await Promise.all(PREFIXES60.map(state)));
  await until(
    async () => (await states()) === JSON.stringify(expected),
    () => `the states\n${logs()}`,
    ...RESTART_BOUNDS,
  );
  await until(
    () => /validation settled/.test(proc.logs()),
    () => `settling\n${logs()}`,
    ...RESTART_BOUNDS,
  );

  // Everything that is stored: states with their update times, and every event of every scope.
  const SCOPES = ['/v1/partners/nordlink/events', '/v1/partners/apex-ix/events', '/v1/customers/contoso/events', '/v1/customers/fabrikam/events'];
  type Ev = { id: string; subject: string; type: string; details: Record<string, unknown> };
  const events = async (): Promise<Ev[]> => {
    const byId = new Map<string, Ev>();
    for (const s of SCOPES) for (const e of (await call('GET', `${s}?limit=1000`)).items as Ev[]) byId.set(e.id, e);
    // Ids are opaque: sorted only so that two looks compare equal.
    return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  };
  const snapshot = async () =>
    JSON.stringify({
      prefixes: await Promise.all(
        PREFIXES60.map(async (p) => {
          const r = await call('GET', p);
          return [p, r.state, r.errorMessage, r.updatedAt];
        }),
      ),
      events: (await events()).map((e) => `${e.id} ${e.subject} ${e.type}`),
    });
  // Settled when two looks a moment apart agree (the service writes in batches).
  const quiet = async () => {
    let last = '';
    await until(
      async () => {
        const now = await snapshot();
        const same = now === last;
        last = now;
        return same;
      },
      () => 'quiet',
      60_000,
      200,
    );
    return last;
  };
  const before = await quiet();
  const first = await events();
  assert.equal(first.filter((e) => e.type === 'PrefixRestoredEvent').length, 0, 'nothing was Verified before: nothing is restored');
  assert.deepEqual(
    first.filter((e) => e.type === 'PrefixHijackEvent' && e.subject === 'contoso/contoso-eu/hq').map((e) => e.details.prefix),
    ['45.66.0.0/25', '45.66.0.0/25'],
    'the hijacked more-specific reaches the customer prefix around it, once per route server',
  );

  // Restart on the same database, with the partner routers up all along.
  await stopProc(proc);
  assert.equal(proc.exitInfo, 'exit code 0', logs());
  proc = serve();
  await until(up, () => `the API again\n${logs()}`, ...RESTART_BOUNDS);
  await until(
    () => /validation settled/.test(proc.logs()),
    () => `settling after the restart\n${logs()}`,
    ...RESTART_BOUNDS,
  );
  assert.match(proc.logs(), /validation settled after [\d.]+ s \(every session sent End-of-RIB\)/);
  const sessions = async () => {
    const all = [];
    for (const [partner, peering, c] of [
      ['nordlink', 'nordlink-ams', 'ams-1'],
      ['nordlink', 'nordlink-ams', 'ams-2'],
      ['nordlink', 'nordlink-fra', 'fra-1'],
      ['nordlink', 'nordlink-fra', 'fra-2'],
      ['apex-ix', 'apex-fra', 'rs-1'],
      ['apex-ix', 'apex-fra', 'rs-2'],
    ]) {
      all.push((await call('GET', `/v1/partners/${partner}/peerings/${peering}/connections/${c}`)).bgp[0]);
    }
    return all;
  };
  assert.deepEqual(
    (await sessions()).map((s) => s.state),
    Array(6).fill('Established'),
  );
  const after = await quiet();
  assert.deepEqual(JSON.parse(after), JSON.parse(before), 'no state changed, no event was stored again');

  // A real change: a partner router stops (Warning, a withdrawal) and comes back (restored).
  const seen = new Set(first.map((e) => e.id));
  await routers.get('ams-2')!.stop();
  await until(
    async () => (await state(hq)) === 'Warning Not receiving prefix advertisement from IP 127.60.1.3 for prefix 45.66.0.0/24',
    () => `hq Warning\n${logs()}`,
    ...RESTART_BOUNDS,
  );
  await until(
    async () => (await events()).some((e) => !seen.has(e.id) && e.subject === 'contoso/contoso-eu/hq' && e.type === 'PrefixWithdrawalEvent'),
    () => 'the withdrawal',
    ...RESTART_BOUNDS,
  );
  await startRouter('ams-2');
  await until(
    async () => (await state(hq)) === 'Verified',
    () => `hq Verified again\n${logs()}`,
    ...RESTART_BOUNDS,
  );
  await until(
    async () => (await events()).some((e) => !seen.has(e.id) && e.subject === 'contoso/contoso-eu/hq' && e.type === 'PrefixRestoredEvent'),
    () => 'the restore',
    ...RESTART_BOUNDS,
  );
  assert.equal((await events()).filter((e) => !seen.has(e.id) && e.type === 'PrefixHijackEvent').length, 0, 'the hijacks went on all along');

  // The connection shows the previous session's error as past: with its time, before the session began.
  const ams2 = (await sessions())[1];
  assert.equal(ams2.state, 'Established');
  assert.equal(typeof ams2.lastError?.message, 'string');
  assert.ok(Date.parse(ams2.lastError.at) <= Date.parse(ams2.establishedSince), JSON.stringify(ams2));
  await stopProc(proc);
  assert.equal(proc.exitInfo, 'exit code 0');
  assert.ok(await waitExit(proc, 1000));
});
