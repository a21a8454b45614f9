// One lifecycle for the long-running parts (net/lifecycle.ts), as the edge daemon and the
// validation engine follow it, and the edge daemon's one reload loop (edge/reload-loop.ts).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EdgeDaemon } from '../src/edge/edge-daemon.js';
import { ReloadLoop } from '../src/edge/reload-loop.js';
import { Lifecycle } from '../src/net/lifecycle.js';
import { ValidationEngine, type WatchedPrefix } from '../src/validation/engine.js';
import { startServer } from './helpers/server.js';

/** A promise and its resolve, to hold a reload or a start open. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((r) => {
    open = r;
  });
  return { promise, open };
}

test('lifecycle: start once, stop once, a failed start stops what it started', async () => {
  const life = new Lifecycle('part');
  const downs: string[] = [];
  await life.start(
    () => {},
    () => {
      downs.push('down');
    },
  );
  assert.equal(life.state, 'ready');
  await life.ready;
  await assert.rejects(
    life.start(
      () => {},
      () => {},
    ),
    /part: cannot start when ready/,
  );
  const first = life.stop(() => {
    downs.push('down');
  });
  assert.equal(life.state, 'stopping', 'stopping at once');
  assert.equal(
    life.stop(() => {
      downs.push('again');
    }),
    first,
    'a second stop is the first',
  );
  await first;
  assert.equal(life.state, 'stopped');
  assert.deepEqual(downs, ['down']);
  await assert.rejects(
    life.start(
      () => {},
      () => {},
    ),
    /cannot start when stopped/,
  );

  const failing = new Lifecycle('failing');
  const stopped: string[] = [];
  await assert.rejects(
    failing.start(
      () => {
        throw new Error('no port');
      },
      () => {
        stopped.push('down');
      },
    ),
    /no port/,
  );
  assert.deepEqual(stopped, ['down']);
  assert.equal(failing.state, 'stopped');
  await assert.rejects(failing.ready, /no port/);
});

test('lifecycle: a stop during the start waits for it, then stops', async () => {
  const life = new Lifecycle('slow');
  const g = gate();
  const order: string[] = [];
  const started = life.start(
    async () => {
      await g.promise;
      order.push('up');
    },
    () => {
      order.push('down');
    },
  );
  const stopped = life.stop(() => {
    order.push('down');
  });
  g.open();
  await started;
  await stopped;
  assert.deepEqual(order, ['up', 'down']);
  assert.equal(life.state, 'stopped');
  await assert.rejects(life.ready, /stopped before it was ready/);
});

test('reload loop: one at a time; asked for while one runs, exactly one more follows', async () => {
  let runs = 0;
  let running = 0;
  const held = [gate(), gate()];
  const loop = new ReloadLoop(
    async () => {
      running++;
      assert.equal(running, 1, 'never two at once');
      await held[runs++]?.promise;
      running--;
    },
    {
      debounceMs: 1,
      failed: (e) => {
        throw e;
      },
    },
  );
  const first = loop.now();
  const more = [loop.now(), loop.now(), loop.now()];
  assert.equal(more[0], more[1], 'those who ask meanwhile share the one queued reload');
  held[0]!.open();
  await first;
  held[1]!.open();
  await Promise.all(more);
  assert.equal(runs, 2);

  // A burst of requests is one reload.
  for (let i = 0; i < 5; i++) loop.request();
  while (runs < 3) await new Promise((r) => setTimeout(r, 5));
  await loop.now();
  assert.equal(runs, 4, 'five requests were one reload');
  await loop.close();
  loop.request();
  await loop.now();
  assert.equal(runs, 4, 'none after close');
});

test('validation engine: stopped, it judges and reports nothing more', async () => {
  const reported: string[] = [];
  const engine = new ValidationEngine(() => undefined, { state: (p, r) => reported.push(`${p.id} ${r.state}`), event: () => {} });
  const watched: WatchedPrefix = {
    kind: 'registered-prefix',
    id: 'nordlink/nordlink-ams/contoso',
    prefix: '45.66.0.0/23',
    primary: [{ peerAddress: '127.74.9.1', router: 'ams-er1', pop: 'ams' }],
    backup: null,
  };
  const checks = { community: { kind: 'standard' as const, value: 64500 * 65536 + 8007, text: '64500:8007' }, maxPathLength: 3 };
  await engine.start();
  await assert.rejects(engine.start(), /cannot start when ready/);
  engine.setView({ checks, prefixes: [watched] });
  assert.deepEqual(reported, ['nordlink/nordlink-ams/contoso Failed']);
  const stopped = engine.stop();
  engine.sessionChanged('127.74.9.1');
  engine.revalidateAll();
  engine.setView({ checks, prefixes: [{ ...watched, id: 'nordlink/nordlink-ams/other' }] });
  await stopped;
  assert.deepEqual(reported, ['nordlink/nordlink-ams/contoso Failed'], 'nothing after stop()');
  assert.equal(engine.result('registered-prefix', 'nordlink/nordlink-ams/contoso')?.state, 'Failed', 'the last results stay readable');
});

test('edge daemon: the same rules; a reload before the start is refused, requests before it are ignored', async (t) => {
  const srv = await startServer();
  t.after(() => srv.close());
  const log: string[] = [];
  const daemon = new EdgeDaemon(srv.registry, { port: 17402, reloadDebounceMs: 1, log: (l) => log.push(l) });
  await assert.rejects(daemon.reload(), /reload before start/);
  daemon.requestReload();
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(log, [], 'nothing read before the start');
  await daemon.start();
  await daemon.ready;
  assert.deepEqual(log, ['no operator ASN in the registry yet (PUT /v1/operator): no BGP sessions']);
  await assert.rejects(daemon.start(), /edge daemon: cannot start when ready/);
  const stopped = daemon.stop();
  assert.equal(daemon.stop(), stopped);
  await stopped;
  await daemon.reload(); // (after the stop: nothing to do)
  assert.equal(log.length, 1);
});
