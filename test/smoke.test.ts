// The harness itself: the server starts, the small world builds, health answers.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startServer } from './helpers/server.js';
import { buildWorld } from './helpers/world.js';

test('the small test world builds through the API', async () => {
  const s = await startServer();
  try {
    await buildWorld(s);
    const h = await s.api('GET', '/healthz', undefined, null);
    assert.equal(h.status, 200);
    assert.equal(h.body.status, 'ok');
    const p = await s.api('GET', '/v1/customers/contoso/peering-services/contoso-eu/prefixes/hq');
    assert.equal(p.body.state, 'Pending');
  } finally {
    await s.close();
  }
});
