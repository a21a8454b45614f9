// `openpeering lab` for real: the CLI as a child process on a temp database, with BIRD (then GoBGP)
// partner routers on loopback, run with --exit-after-ready --failover. Its summary and the database
// it leaves must show the example world's prefixes Verified, the prefix announced without the
// community Failed with the reference's message, the hijack rejected with a stored event, and the
// failover: the prefix Warning naming the stopped router's session, then Verified again.
// States and messages only; timings are printed by the lab, never asserted.

import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openRegistry } from '../src/bootstrap.js';
import { freePort, spawnProc, stopProc, tempDir, waitExit } from '../src/lab/process.js';
import { type DaemonKind, requireBinary } from '../src/lab/routers/index.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));

const VERIFIED = [
  ['registered-prefix', 'nordlink/nordlink-ams/contoso-hq'],
  ['registered-prefix', 'nordlink/nordlink-ams-voice/nordlink-voice-sbc'],
  ['registered-prefix', 'nordlink/nordlink-fra/litware-de'],
  ['registered-prefix', 'nordlink/nordlink-lon/northwind-uk'],
  ['registered-prefix', 'apex-ix/apex-ix-ams/wingtip-nl'],
  ['registered-prefix', 'skybridge/skybridge-sea/adatum-west'],
  ['registered-prefix', 'skybridge/skybridge-iad/fabrikam-east'],
  ['customer-prefix', 'contoso/contoso-eu/hq'],
] as const;

for (const [kind, port] of [
  ['bird', 1795],
  ['gobgp', 1797],
] as Array<[DaemonKind, number]>) {
  test(`openpeering lab with ${kind} partner routers: Verified, missing community, hijack, failover`, async (t) => {
    requireBinary(kind); // fails (never skips) with the command that installs it
    const dir = tempDir('openpeering-lab-test-');
    t.after(() => dir.remove());
    const db = path.join(dir.path, 'lab.db');
    const api = await freePort();
    const lab = spawnProc(
      `lab ${kind}`,
      process.execPath,
      [
        MAIN,
        'lab',
        '--exit-after-ready',
        '--failover',
        '--routers',
        kind,
        '--bgp-port',
        String(port),
        '--listen',
        `127.0.0.1:${api}`,
        '--db',
        db,
        '--timeout',
        '40',
      ],
      { cwd: REPO },
    );
    t.after(() => stopProc(lab));
    assert.ok(await waitExit(lab, 90_000), `the lab did not exit:\n${lab.logs()}`);
    const out = lab.logs();
    assert.equal(lab.exitInfo, 'exit code 0', out);

    // The summary.
    assert.match(out, /^Ready after /m, out);
    assert.match(out, new RegExp(`partners  .*\\(--routers ${kind}\\)`));
    assert.match(out, /export OPENPEERING_URL=http:\/\/127\.0\.0\.1:\d+ OPENPEERING_API_KEY=opk_/);
    assert.match(out, /^ {2}nordlink\/ams-1 +\S+ +127\.11\.1\.1 +pid \d+ +AS64501 -> ams-er1 +127\.11\.1\.0 /m, 'the partner routers: kind, address, pid');
    assert.match(out, /\/received-routes/);
    // Failover: the router carrying the active path stops; the prefix names its session, then recovers.
    assert.match(out, /contoso\/contoso-eu\/hq +Verified -> Warning: Not receiving prefix advertisement from IP 127\.11\.1\.1 for prefix 45\.66\.0\.0\/24/);
    assert.match(
      out,
      /=> contoso\/contoso-eu\/hq is Warning .*: Not receiving prefix advertisement from IP 127\.11\.1\.1 for prefix 45\.66\.0\.0\/24; the active path moves to 127\.11\.1\.3/,
    );
    assert.match(out, /contoso\/contoso-eu\/hq +Warning -> Verified/);
    assert.match(out, /=> contoso\/contoso-eu\/hq is Verified again /);
    assert.match(out, /^lab stopped: ready/m);

    // What the lab left in its database.
    const registry = await openRegistry(db);
    t.after(() => registry.store.close());
    for (const [kind2, id] of VERIFIED) {
      const [a, b, c] = id.split('/') as [string, string, string];
      const p = kind2 === 'registered-prefix' ? await registry.registrations.getPrefix(a, b, c) : await registry.customerPrefixes.get(a, b, c);
      assert.deepEqual([id, p.state, p.errorMessage], [id, 'Verified', null]);
    }
    const usEast = await registry.customerPrefixes.get('fabrikam', 'fabrikam-us', 'us-east');
    assert.deepEqual([usEast.state, usEast.errorMessage], ['Failed', 'Received route for prefix 148.64.98.0/24 should have the MAPS community 64500:8007']);

    const hq = (await registry.events.listForSubject('customer-prefix', 'contoso/contoso-eu/hq', { limit: 1000 })).items;
    const hijack = hq.find((e) => e.type === 'PrefixHijackEvent');
    assert.ok(hijack, `a hijack event for contoso/contoso-eu/hq: ${hq.map((e) => e.type).join(', ')}`);
    assert.equal(hijack.level, 'Critical');
    assert.equal(hijack.prefix, '45.66.0.0/24');
    // contoso reads the hijacker by its ASN only: its name and session address are operator-only (internal).
    assert.deepEqual([hijack.details.peerAs, hijack.details.peer, hijack.details.owner], [64502, undefined, undefined]);
    assert.match(
      String(hijack.details.reason),
      /^hijack: 45\.66\.0\.0\/24 falls under registered prefix \S+; another partner \(AS64502\) may not announce it$/,
    );
    assert.doesNotMatch(JSON.stringify([hijack.summary, hijack.details]), /apex|127\.12\.1\.1/);
    const registered = (await registry.events.listForSubject('registered-prefix', 'nordlink/nordlink-ams/contoso-hq', { limit: 1000 })).items;
    assert.ok(
      registered.some((e) => e.type === 'PrefixHijackEvent'),
      'the registered prefix gets the hijack event too',
    );
    // The failover, as stored events: withdrawn by the stopped router, then restored.
    const withdrawn = hq.findIndex((e) => e.type === 'PrefixWithdrawalEvent' && e.details.peer === '127.11.1.1');
    assert.ok(withdrawn >= 0, hq.map((e) => `${e.type} ${e.summary}`).join('\n'));
    assert.ok(
      hq.slice(withdrawn).some((e) => e.type === 'PrefixRestoredEvent'),
      'restored after the withdrawal',
    );
  });
}
