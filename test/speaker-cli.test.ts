// `openpeering speaker -c speaker.yaml` driven as an outside user would: the YAML shape from the
// issue, the JSON status API, against a real BIRD; and clear errors for a bad file.
// Addresses: 127.0.65.0/24.

import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { type Daemon, startDaemon, stopAll } from '../src/lab/routers/index.js';
import { untilValue } from './helpers/until.js';

const MAIN = new URL('../src/cli/main.js', import.meta.url).pathname;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openpeering-speaker-'));
const children: ChildProcess[] = [];
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await stopAll();
  fs.rmSync(dir, { recursive: true, force: true });
});

const get = async (port: number, p: string) => {
  const r = await fetch(`http://127.0.0.1:${port}${p}`);
  return { status: r.status, body: (await r.json()) as any };
};

describe('openpeering speaker', () => {
  let bird: Daemon;
  const API = 18265;

  test('peers with BIRD from the YAML file and reports sessions and routes', async () => {
    bird = await startDaemon({
      kind: 'bird',
      address: '127.0.65.2',
      port: 1790,
      asn: 65002,
      routerId: '10.255.65.2',
      peers: [{ address: '127.0.65.1', port: 1790, asn: 65001, passive: true }],
      routes: [{ prefix: '185.65.0.0/24', asPath: [65010], med: 5, communities: ['65002:7'], largeCommunities: ['65002:1:1'] }],
    });
    const file = path.join(dir, 'speaker.yaml');
    fs.writeFileSync(
      file,
      [
        'asn: 65001',
        'routerId: 192.0.2.1',
        'listen: 127.0.65.1:1790',
        `api: 127.0.0.1:${API}`,
        'peers:',
        '  - { address: 127.0.65.2, asn: 65002, port: 1790, passive: false, holdTime: 90, import: all, export: all, nextHop: 192.0.2.1 }',
        'routes:',
        '  - { prefix: 45.65.0.0/24, communities: ["65001:100"], largeCommunities: ["65001:1:2"] }',
      ].join('\n'),
    );
    const child = spawn(process.execPath, [MAIN, 'speaker', '-c', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let log = '';
    child.stdout!.on('data', (d) => {
      log += d;
    });
    child.stderr!.on('data', (d) => {
      log += d;
    });
    const sessions = await untilValue(async () => {
      const r = await get(API, '/sessions');
      return r.body[0]?.state === 'Established' && r.body[0].accepted === 1 ? r.body : undefined;
    }, 'Established with BIRD and its route').catch((e) => {
      throw new Error(`${e.message}\n${log}\n${bird.logs().slice(-2000)}`);
    });
    assert.deepEqual(Object.keys(sessions[0]).slice(0, 6), ['peer', 'asn', 'state', 'uptime', 'received', 'accepted']);
    assert.equal(sessions[0].peer, '127.0.65.2');
    assert.equal(sessions[0].asn, 65002);

    const r = await get(API, '/routes?peer=127.0.65.2&prefix=185.65.0.0/24&limit=10');
    assert.equal(r.status, 200);
    assert.equal(r.body.count, 1);
    const route = r.body.routes[0];
    for (const k of ['prefix', 'peer', 'nextHop', 'asPath', 'origin', 'med', 'localPref', 'communities', 'largeCommunities', 'extendedCommunities', 'best']) {
      assert.ok(k in route, `route has ${k}`);
    }
    assert.equal(route.asPath, '65002 65010');
    assert.equal(route.med, 5);
    assert.deepEqual(route.communities, ['65002:7']);
    assert.deepEqual(route.largeCommunities, ['65002:1:1']);
    assert.equal(route.best, true);

    const all = await get(API, '/routes?limit=1');
    assert.equal(all.body.count, 2, 'count is every matching route, our own included');
    assert.equal(all.body.routes.length, 1, 'limit caps the list');

    const got = await bird.waitRoutes((rs) => rs.some((x) => x.prefix === '45.65.0.0/24'), 20_000);
    const ours = got.find((x) => x.prefix === '45.65.0.0/24')!;
    assert.equal(ours.asPath, '65001');
    assert.deepEqual(ours.communities, ['65001:100']);
    assert.deepEqual(ours.largeCommunities, ['65001:1:2']);

    assert.equal((await get(API, '/routes?prefix=not-a-prefix')).status, 400);
    assert.equal((await get(API, '/nothing')).status, 404);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  });

  test('a bad speaker file fails with a message naming the field', async () => {
    const bad = path.join(dir, 'bad.yaml');
    const cases: Array<[string, RegExp]> = [
      ['asn: 65001\nrouterId: 192.0.2.1\npeers:\n  - { address: 127.0.65.9, asn: 70000000000 }\n', /peers\[0\]\.asn/],
      ['asn: 65001\nrouterId: nope\n', /routerId/],
      ['asn: 65001\nrouterId: 192.0.2.1\nroutes:\n  - { prefix: 10.0.0.1/8 }\n', /routes\[0\]\.prefix/],
      ['asn: 65001\nrouterId: 192.0.2.1\npeers:\n  - { address: 127.0.65.9, asn: 65002, colour: blue }\n', /unknown setting "colour"/],
      ['asn: 65001\nrouterId: 192.0.2.1\nroutes:\n  - { prefix: 45.0.0.0/24, communities: ["x"] }\n', /routes\[0\]\.communities/],
    ];
    for (const [text, re] of cases) {
      fs.writeFileSync(bad, text);
      const r = await new Promise<{ code: number | null; err: string }>((resolve) => {
        execFile(process.execPath, [MAIN, 'speaker', '-c', bad], { timeout: 10_000 }, (e, _o, err) =>
          resolve({ code: (e as { code?: number } | null)?.code ?? 0, err }),
        );
      });
      assert.notEqual(r.code, 0, text);
      assert.match(r.err, re, text);
    }
  });
});

test('speaker file: sendHoldTime (RFC 9687) is taken per peer, a bad value names the field', async () => {
  const { parseSpeakerFile } = await import('../src/cli/speaker-config.js');
  const base = { asn: 65001, routerId: '192.0.2.1' };
  const f = parseSpeakerFile({ ...base, peers: [{ address: '192.0.2.2', asn: 65002, sendHoldTime: 30 }] });
  assert.equal(f.peers[0]!.options.sendHoldTime, 30);
  assert.equal(parseSpeakerFile({ ...base, peers: [{ address: '192.0.2.2', asn: 65002 }] }).peers[0]!.options.sendHoldTime, undefined);
  assert.throws(() => parseSpeakerFile({ ...base, peers: [{ address: '192.0.2.2', asn: 65002, sendHoldTime: '30' }] }), /peers\[0\]\.sendHoldTime: seconds/);
});
