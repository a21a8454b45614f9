// The RTR client against a real cache: StayRTR 0.5.1 serving a generated VRP file on 127.0.70.0/24.
// Full sync, a file change arriving as a serial update (Serial Notify -> Serial Query), the cache
// killed and restarted (the client recovers), and version 0 against `stayrtr -protocol 0`.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { type RoaJson, requireStayrtr, type StayRtr, startStayrtr } from '../src/lab/stayrtr.js';
import { formatPrefix } from '../src/net/prefix.js';
import { RtrClient } from '../src/rpki/rtr/client.js';
import type { RtrSynced } from '../src/rpki/rtr/client-events.js';
import { until } from './helpers/until.js';

function generate(n: number, seed: number): RoaJson[] {
  const out: RoaJson[] = [];
  for (let i = 0; i < n; i++) {
    const x = (i * 2654435761 + seed) >>> 0;
    if (i % 5 === 4) out.push({ asn: 64496 + (x % 1000), prefix: `2001:db8:${(i % 65536).toString(16)}::/48`, maxLength: 48 + (x % 17) });
    else
      out.push({
        asn: i % 7 === 0 ? `AS${65000 + (x % 500)}` : 65000 + (x % 500),
        prefix: `${10 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/24`,
        maxLength: 24 + (x % 9),
        ta: 'test',
      });
  }
  return out;
}

const key = (prefix: string, max: number, asn: number | string) => `${prefix}-${max}-${String(asn).replace(/^AS/, '')}`;
const tableKeys = (c: RtrClient) =>
  new Set(
    c.table
      .toList()
      .toArray()
      .map((v) => key(formatPrefix(v.prefix), v.maxLength, v.asn)),
  );
const roaKeys = (r: RoaJson[]) => new Set(r.map((x) => key(x.prefix, x.maxLength, x.asn)));

const cleanup: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const f of cleanup.reverse()) await f();
});

test('stayrtr is installed', () => requireStayrtr());

test('full sync, serial update after a file change, recovery after the cache restarts', async () => {
  let roas = generate(3000, 1);
  const cache: StayRtr = await startStayrtr({ address: '127.0.70.10', roas, refresh: 1 });
  cleanup.push(() => cache.stop());
  const c = new RtrClient({ host: cache.address, port: cache.port, minBackoffMs: 100, maxBackoffMs: 400 });
  cleanup.push(() => c.stop());
  c.start();
  try {
    const s1 = await c.waitSynced(10_000);
    assert.equal(s1.version, 1, 'StayRTR (version 2 by default) answers our version 1');
    assert.equal(s1.full, true);
    assert.deepEqual(tableKeys(c), roaKeys(roas));
    assert.equal(c.table.validate('10.0.1.0/24', Number(String(roas[1]!.asn).replace('AS', ''))), 'valid');

    // Change the file: drop 100, add 50; StayRTR notifies and we ask with a Serial Query.
    const removed = roas.slice(0, 100);
    const addedRoas: RoaJson[] = Array.from({ length: 50 }, (_, i) => ({ asn: 64999, prefix: `172.16.${i}.0/24`, maxLength: 24 }));
    roas = [...roas.slice(100), ...addedRoas];
    const updates: RtrSynced[] = [];
    c.on('synced', (s) => updates.push(s));
    cache.setRoas(roas);
    await until(
      () => updates.length > 0 && tableKeys(c).size === roas.length && tableKeys(c).has(key('172.16.49.0/24', 24, 64999)),
      () => `a serial update; updates: ${updates.map((u) => `${u.serial}/${u.full}`)}\n${cache.logs().slice(-3000)}`,
      10_000,
    );
    const inc = updates.find((u) => !u.full);
    assert.ok(inc, 'an incremental update (Serial Query), not a reset');
    assert.ok(inc.serial > s1.serial);
    assert.deepEqual(tableKeys(c), roaKeys(roas));
    const total = updates.reduce((a, u) => ({ added: a.added + u.change.added.size, removed: a.removed + u.change.removed.size }), { added: 0, removed: 0 });
    assert.deepEqual(total, { added: 50, removed: 100 });
    assert.equal(c.table.validate(removed[0]!.prefix, Number(String(removed[0]!.asn).replace('AS', ''))), 'not-found');

    // Kill the cache, change the data while it is down, start it again: the client reconnects
    // (its Serial Query is refused by the new session) and gets everything with a Reset Query.
    const disconnects: string[] = [];
    c.on('disconnect', (r) => disconnects.push(r));
    await cache.kill();
    const down = Date.now() + 5000;
    while (disconnects.length === 0) {
      if (Date.now() > down) assert.fail('the client did not notice the cache going away');
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(c.table.size, roas.length, 'data is kept while the cache is down (until it expires)');
    await new Promise((r) => setTimeout(r, 500)); // a few failed reconnects (backoff)
    roas = [...roas.slice(0, 2000), { asn: 64998, prefix: '192.0.2.0/24', maxLength: 24 }];
    cache.setRoas(roas);
    const back = c.waitSynced(15_000);
    await cache.start();
    const s3 = await back;
    assert.equal(s3.full, true);
    assert.notEqual(s3.sessionId, s1.sessionId, 'a new cache process, a new session');
    assert.deepEqual(tableKeys(c), roaKeys(roas));
    assert.equal(c.table.validate('192.0.2.0/24', 64998), 'valid');
    assert.ok(disconnects.length >= 2, `reconnect attempts while down: ${disconnects.join(' | ')}`);
  } catch (e) {
    (e as Error).message += `\n--- stayrtr log (tail) ---\n${cache.logs().slice(-4000)}`;
    throw e;
  }
});

test('version 0: StayRTR with -protocol 0 answers our version 1 query in version 0, and we follow', async () => {
  const roas = generate(500, 2);
  const cache = await startStayrtr({ address: '127.0.70.11', roas, protocol: 0 });
  cleanup.push(() => cache.stop());
  const c = new RtrClient({ host: cache.address, port: cache.port, minBackoffMs: 100, maxBackoffMs: 400 });
  cleanup.push(() => c.stop());
  c.start();
  const s = await c.waitSynced(10_000);
  assert.equal(s.version, 0);
  assert.deepEqual(tableKeys(c), roaKeys(roas));
  c.stop();
});
