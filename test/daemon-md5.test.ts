// A connection's TCP MD5 key (RFC 2385) set through the API protects the edge router's session:
// a partner router with the same key reaches Established, one without a key never does while an
// unprotected session beside it comes up, and a new key restarts the session with that key.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Speaker } from '../src/bgp/speaker.js';
import { EdgeDaemon } from '../src/edge/edge-daemon.js';
import { tcpSecurityError } from '../src/net/tcp-security.js';
import { partnerSpeaker } from './helpers/partner-speaker.js';
import { startServer, type TestServer } from './helpers/server.js';
import { until } from './helpers/until.js';
import { buildWorld, conn, must } from './helpers/world.js';

// Port 1797: the world's addresses (127.11.x) are shared with daemon.test.ts, which uses 1791.
const PORT = 1797;
const CONN = '/v1/partners/nordlink/peerings/nordlink-ams/connections';

/** A partner router on `address`, optionally signing with `md5Key`. */
const partner = (address: string, operatorAddress: string, md5Key?: string): Promise<Speaker> =>
  partnerSpeaker({ address, asn: 64501, operatorAddress, port: PORT, ...(md5Key ? { md5Key } : {}) });

/** Sets ams-1's key as the operator, restating the connection as the world built it. */
async function setKey(srv: TestServer, md5Key: string): Promise<void> {
  const { name: _n, ...body } = conn('ams-1', 'ams-er1', '127.11.1.0/31', { md5Key });
  await must(srv, 'PUT', `${CONN}/ams-1`, body);
  assert.equal((await must(srv, 'GET', `${CONN}/ams-1`)).md5KeySet, true);
}

test('a connection md5Key from the registry signs the edge session; a peer without it never comes up', async (t) => {
  const missing = tcpSecurityError('TCP MD5 (RFC 2385)');
  assert.equal(missing, undefined, `the TCP MD5 addon must be built for this test: ${missing}`);
  const srv = await startServer();
  after(() => srv.close());
  await buildWorld(srv);
  // The operator may change a live connection's key (a partner may not past Approved).
  await setKey(srv, 'edge-secret-1');
  const log: string[] = [];
  const daemon = new EdgeDaemon(srv.registry, { port: PORT, connectRetry: 1, log: (l) => log.push(l) });
  await daemon.start();
  const partners: Speaker[] = [];
  after(async () => {
    for (const p of partners) await p.stop();
    await daemon.stop();
  });
  const edge = (router: string, peer: string) => daemon.speakers.get(router)?.peer(peer)?.session;

  // ams-2 has no key: it comes up. ams-1 wants a key: the partner without one never gets a session.
  partners.push(await partner('127.11.1.1', '127.11.1.0'), await partner('127.11.1.3', '127.11.1.2'));
  await until(() => edge('ams-er2', '127.11.1.3')?.isEstablished === true, `the unprotected session (log: ${log.join(' | ')})`);
  await new Promise((r) => setTimeout(r, 3000));
  assert.notEqual(edge('ams-er1', '127.11.1.1')?.state, 'Established', 'a partner without the key never reaches Established');
  assert.notEqual(partners[0]!.peer('127.11.1.0')?.session.state, 'Established');

  // The partner configures the key: the session comes up, signed.
  await partners[0]!.stop();
  partners[0] = await partner('127.11.1.1', '127.11.1.0', 'edge-secret-1');
  await until(() => edge('ams-er1', '127.11.1.1')?.isEstablished === true, 'the signed session');

  // A new key in the registry restarts the session with it: the partner's old key no longer works.
  await setKey(srv, 'edge-secret-2');
  await daemon.reload();
  await until(() => edge('ams-er1', '127.11.1.1')?.isEstablished !== true, 'the session restarted for the new key');
  await new Promise((r) => setTimeout(r, 3000));
  assert.notEqual(edge('ams-er1', '127.11.1.1')?.state, 'Established', 'the old key is refused');
  await partners[0]!.stop();
  partners[0] = await partner('127.11.1.1', '127.11.1.0', 'edge-secret-2');
  await until(() => edge('ams-er1', '127.11.1.1')?.isEstablished === true, 'the session with the new key');
  t.diagnostic('md5 keys follow the registry');
});
