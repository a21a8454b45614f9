// Tenant safety in the registry (issue 10), through the HTTP API with partner and operator keys:
// each hostile request the review found, as it was sent, now gets the right answer.
//  1. a partner registering another partner's address space (more-specific, covering, equal);
//  2. a partner moving a live session (addresses, MD5, max-prefix, BFD, bandwidth);
//  3. session prefixes of any size, or in space that cannot hold a session;
//  5. a customer filling the store with prefixes (the per-customer quota).

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_MAX_PREFIXES_PER_CUSTOMER, type RegistryOptions } from '../src/registry/registry.js';
import { type Reply, startServer, type TestServer } from './helpers/server.js';
import { activate, buildWorld, conn, KEYS } from './helpers/world.js';
import { expectError, expectOk, single } from './rules-common.js';

const RP = (partner: string, peering: string, name: string) => `/v1/partners/${partner}/peerings/${peering}/registered-prefixes/${name}`;
const CONN = (partner: string, peering: string, name: string) => `/v1/partners/${partner}/peerings/${peering}/connections/${name}`;
const PFX = (customer: string, service: string, name: string) => `/v1/customers/${customer}/peering-services/${service}/prefixes/${name}`;

/** What nordlink holds and a foreign reply must never show: its name, its registration's name, peering and prefix. */
const NORDLINK_MARKS = ['nordlink', 'nordlink-ams', 'contoso', '45.66.0.0/23'];

function namesNoOne(r: Reply, marks: string[], what: string): void {
  const text = JSON.stringify(r.body).toLowerCase();
  for (const m of marks) assert.ok(!text.includes(m.toLowerCase()), `${what}: the reply names ${m}: ${JSON.stringify(r.body)}`);
}

/** The test server (helpers/server.ts) with registry options, the rate limits at the API's defaults, and the log lines kept. */
function startWith(options: RegistryOptions, log: string[] = []): Promise<TestServer> {
  const stream = {
    write: (line: string) => {
      log.push(line);
    },
  };
  return startServer({ logger: { level: 'info', stream }, authFailureLimit: {}, keyRateLimit: {} }, options);
}

/** apex-ix gets an Active exchange peering at ams, where it can register prefixes. */
async function addApexExchange(s: TestServer): Promise<void> {
  expectOk(
    await s.api('PUT', '/v1/partners/apex-ix/peerings/apex-ams', {
      type: 'exchange',
      pop: 'ams',
      asn: 64502,
      connections: [conn('ams-x1', 'ams-er1', '127.12.1.0/24', { operatorAddressV4: '127.12.1.1', peerAddressV4: '127.12.1.100' })],
    }),
    201,
  );
  await activate(s, 'apex-ix', 'apex-ams', 'ams-x1');
}

describe('1. registered prefixes across partners', () => {
  let s: TestServer;
  let apex: string;
  let nordlink: string;
  const log: string[] = [];
  before(async () => {
    s = await startWith({}, log);
    await buildWorld(s);
    await addApexExchange(s);
    apex = await s.key('partner', 'apex-ix');
    nordlink = await s.key('partner', 'nordlink');
  });
  after(async () => {
    await s.close();
  });

  test("a more-specific or a covering prefix of another partner's registration is refused (409), naming no one", async () => {
    for (const prefix of ['45.66.0.0/24', '45.0.0.0/8', '45.66.1.128/25', '32.0.0.0/3']) {
      const r = await s.api('PUT', RP('apex-ix', 'apex-ams', 'y'), { prefix }, apex);
      expectError(
        r,
        409,
        `Prefix ${prefix} overlaps a prefix another partner has registered; ask the operator if you hold this address space`,
        'prefix',
        prefix,
      );
      namesNoOne(r, NORDLINK_MARKS, prefix);
      expectError(await s.api('GET', RP('apex-ix', 'apex-ams', 'y'), undefined, apex), 404, /not found/, undefined, `${prefix} not registered`);
    }
  });

  test('the exact same prefix is refused (409) without naming the holder; the operator cannot override that', async () => {
    const r = await s.api('PUT', RP('apex-ix', 'apex-ams', 'y'), { prefix: '45.66.0.0/23' }, apex);
    expectError(
      r,
      409,
      'Prefix 45.66.0.0/23 is already registered by another partner; a prefix can be registered under only one peering — ask the operator if you hold this address space',
      'prefix',
    );
    namesNoOne(r, ['nordlink', 'contoso'], 'equal');
    expectError(
      await s.api('PUT', RP('apex-ix', 'apex-ams', 'y'), { prefix: '45.66.0.0/23', allowOverlap: true }),
      409,
      /already registered by another partner/,
      'prefix',
      'operator override of an equal prefix',
    );
  });

  test('IPv6 overlap across partners is refused too', async () => {
    expectOk(await s.api('PUT', RP('nordlink', 'nordlink-ams', 'v6'), { prefix: '2a0c:9a40:100::/40' }, nordlink), 201);
    for (const prefix of ['2a0c:9a40:100::/48', '2a0c:9a40::/32', '2a0c:9a40:1ff:ff00::/56']) {
      const r = await s.api('PUT', RP('apex-ix', 'apex-ams', 'y6'), { prefix }, apex);
      expectError(
        r,
        409,
        `Prefix ${prefix} overlaps a prefix another partner has registered; ask the operator if you hold this address space`,
        'prefix',
        prefix,
      );
      namesNoOne(r, ['nordlink', '2a0c:9a40:100::/40'], prefix);
    }
    expectOk(await s.api('PUT', RP('apex-ix', 'apex-ams', 'y6'), { prefix: '2a0c:9a40:200::/48' }, apex), 201, 'next to it');
  });

  test('within one partner, covering and more-specific registrations are allowed; the same prefix twice is not', async () => {
    expectOk(await s.api('PUT', RP('nordlink', 'nordlink-ams', 'litware'), { prefix: '185.200.0.0/22' }, nordlink), 201);
    const inner = expectOk(
      await s.api('PUT', RP('nordlink', 'nordlink-fra', 'litware-de'), { prefix: '185.200.1.0/24' }, nordlink),
      201,
      'more-specific on another peering',
    );
    assert.equal(inner.state, 'Pending');
    expectOk(await s.api('PUT', RP('nordlink', 'nordlink-fra', 'block'), { prefix: '185.200.0.0/16' }, nordlink), 201, 'covering on another peering');
    expectOk(await s.api('PUT', RP('nordlink', 'nordlink-ams', 'litware-a'), { prefix: '185.200.0.0/24' }, nordlink), 201, 'more-specific on the same peering');
    expectError(
      await s.api('PUT', RP('nordlink', 'nordlink-fra', 'again'), { prefix: '185.200.0.0/22' }, nordlink),
      409,
      'Prefix 185.200.0.0/22 is already registered on a peering; a prefix can be registered under only one peering',
      'prefix',
    );
    // apex-ix is refused next to each of them: they belong to nordlink alone.
    for (const prefix of ['185.200.2.0/24', '185.200.0.0/15', '185.200.1.0/24']) {
      const r = await s.api('PUT', RP('apex-ix', 'apex-ams', 'z'), { prefix }, apex);
      expectError(r, 409, /another partner/, 'prefix', prefix);
      namesNoOne(r, ['nordlink', 'litware', 'block', '185.200.0.0/22', '185.200.0.0/16'], prefix);
    }
  });

  test("allowOverlap is the operator's: a partner sending it gets 403 naming the field, whatever its value", async () => {
    for (const allowOverlap of [true, false]) {
      expectError(
        await s.api('PUT', RP('apex-ix', 'apex-ams', 'y'), { prefix: '45.66.0.0/24', allowOverlap }, apex),
        403,
        /allowOverlap is the operator's/,
        'allowOverlap',
        String(allowOverlap),
      );
    }
    expectError(await s.api('GET', RP('apex-ix', 'apex-ams', 'y'), undefined, apex), 404, /not found/, undefined);
  });

  test('the operator overrides: recorded with its key id and time, shown to the operator only, logged', async () => {
    const who = expectOk(await s.api('GET', '/v1/whoami'), 200);
    const r = await s.api('PUT', RP('apex-ix', 'apex-ams', 'y'), { prefix: '45.66.0.0/24', allowOverlap: true });
    const made = expectOk(r, 201, 'override');
    assert.equal(made.prefix, '45.66.0.0/24');
    assert.equal(made.overlapOverride.by, who.keyId);
    assert.ok(Math.abs(Date.parse(made.overlapOverride.at) - Date.parse(made.createdAt)) === 0, 'recorded when it was made');
    for (const got of [
      expectOk(await s.api('GET', RP('apex-ix', 'apex-ams', 'y')), 200),
      expectOk(await s.api('GET', '/v1/partners/apex-ix/peerings/apex-ams/registered-prefixes'), 200).items.find((x: any) => x.name === 'y'),
    ]) {
      assert.deepEqual(got.overlapOverride, made.overlapOverride, 'the operator reads it back');
    }
    // The partner sees its registration and key, not that it was an override (nor over whom).
    const mine = expectOk(await s.api('GET', RP('apex-ix', 'apex-ams', 'y'), undefined, apex), 200);
    assert.equal(mine.key, made.key);
    assert.ok(!('overlapOverride' in mine), `partner view: ${JSON.stringify(mine)}`);
    const listed = expectOk(await s.api('GET', '/v1/partners/apex-ix/peerings/apex-ams/registered-prefixes', undefined, apex), 200);
    assert.ok(
      listed.items.every((x: any) => !('overlapOverride' in x)),
      'partner list',
    );
    assert.ok(!('overlapOverride' in expectOk(await s.api('POST', `${RP('apex-ix', 'apex-ams', 'y')}/validate`, undefined, apex), 200)), 'partner validate');
    // The log line names the key, the new registration and the one it overlaps.
    const line = log.map((l) => JSON.parse(l)).find((l) => l.msg?.includes('operator override'));
    assert.ok(line, `no override log line in ${log.length} lines`);
    assert.equal(line.level, 30, 'info');
    assert.equal(line.overlapOverrideBy, who.keyId);
    assert.equal(line.prefix, '45.66.0.0/24');
    assert.equal(line.overlaps, 'nordlink/nordlink-ams/contoso 45.66.0.0/23');
    // Restating it (without the flag) changes nothing and keeps the record.
    const again = await s.api('PUT', RP('apex-ix', 'apex-ams', 'y'), { prefix: '45.66.0.0/24' });
    expectOk(again, 200);
    assert.equal(again.headers.get('openpeering-change'), 'unchanged');
    assert.deepEqual(again.body.overlapOverride, made.overlapOverride);
  });

  test('an operator registration that overlaps nothing records no override, even with the flag', async () => {
    const r = expectOk(await s.api('PUT', RP('apex-ix', 'apex-ams', 'free'), { prefix: '185.77.0.0/22', allowOverlap: true }), 201);
    assert.equal(r.overlapOverride, null);
    const plain = expectOk(await s.api('PUT', RP('apex-ix', 'apex-ams', 'free2'), { prefix: '185.78.0.0/22' }, apex), 201);
    assert.ok(!('overlapOverride' in plain));
  });
});

describe('2. a partner cannot move a live session', () => {
  let s: TestServer;
  let nordlink: string;
  const ams1 = CONN('nordlink', 'nordlink-ams', 'ams-1');
  const body = (extra: Record<string, unknown> = {}) => single('ams-er1', '127.11.1.0/31', extra);
  before(async () => {
    s = await startServer();
    await buildWorld(s);
    nordlink = await s.key('partner', 'nordlink');
  });
  after(async () => {
    await s.close();
  });

  test('the request as found: sessionPrefixV4 127.0.0.0/8 on an Active connection is refused (409) and nothing moves', async () => {
    const before0 = expectOk(await s.api('GET', ams1, undefined, nordlink), 200);
    expectError(
      await s.api('PUT', ams1, body({ sessionPrefixV4: '127.0.0.0/8' }), nordlink),
      409,
      'sessionPrefixV4 of connection ams-1 cannot be changed by a partner while it is Active; ask the operator',
      'sessionPrefixV4',
    );
    assert.deepEqual(expectOk(await s.api('GET', ams1, undefined, nordlink), 200), before0);
  });

  test('each live-session field is refused by name (409)', async () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      ['sessionPrefixV4', { sessionPrefixV4: '127.11.1.8/31' }],
      ['operatorAddressV4', { operatorAddressV4: '127.11.1.1', peerAddressV4: '127.11.1.0' }],
      ['peerAddressV4', { operatorAddressV4: '127.11.1.0', peerAddressV4: '127.11.1.3' }],
      ['sessionPrefixV6', { sessionPrefixV6: '2a0c:9a40:7::/127' }],
      ['md5Key', { md5Key: 'partner-chosen' }],
      ['maxPrefixesV4', { maxPrefixesV4: 1_000_000 }],
      ['maxPrefixesV6', { maxPrefixesV6: 1 }],
      ['bfd', { bfd: true }],
      ['bandwidthMbps', { bandwidthMbps: 100000 }],
    ];
    for (const [field, extra] of cases) {
      expectError(
        await s.api('PUT', ams1, body(extra), nordlink),
        409,
        `${field} of connection ams-1 cannot be changed by a partner while it is Active; ask the operator`,
        field,
        field,
      );
    }
    expectError(await s.api('PUT', ams1, single('ams-er2', '127.11.1.0/31'), nordlink), 409, /router of connection ams-1 cannot change/, 'router');
  });

  test("the whole-peering PUT is refused the same way, naming the connection's field", async () => {
    expectError(
      await s.api(
        'PUT',
        '/v1/partners/nordlink/peerings/nordlink-ams',
        {
          type: 'peering-service',
          pop: 'ams',
          asn: 64501,
          connections: [conn('ams-1', 'ams-er1', '127.11.1.0/31'), conn('ams-2', 'ams-er2', '127.0.0.0/8')],
        },
        nordlink,
      ),
      409,
      'sessionPrefixV4 of connection ams-2 cannot be changed by a partner while it is Active; ask the operator',
      'connections/1/sessionPrefixV4',
    );
  });

  test('restating the current values is accepted as unchanged (apply is idempotent)', async () => {
    for (const b of [
      body(),
      body({ operatorAddressV4: '127.11.1.0', peerAddressV4: '127.11.1.1', maxPrefixesV4: 2000, maxPrefixesV6: 500, bfd: false, md5Key: null }),
    ]) {
      const r = await s.api('PUT', ams1, b, nordlink);
      expectOk(r, 200, JSON.stringify(b));
      assert.equal(r.headers.get('openpeering-change'), 'unchanged');
    }
    const whole = await s.api(
      'PUT',
      '/v1/partners/nordlink/peerings/nordlink-ams',
      {
        type: 'peering-service',
        pop: 'ams',
        asn: 64501,
        connections: [conn('ams-1', 'ams-er1', '127.11.1.0/31'), conn('ams-2', 'ams-er2', '127.11.1.2/31')],
      },
      nordlink,
    );
    expectOk(whole, 200);
    assert.equal(whole.headers.get('openpeering-change'), 'unchanged');
  });

  test('the operator changes a live session; the partner may add a new connection beside it', async () => {
    const moved = expectOk(await s.api('PUT', ams1, body({ sessionPrefixV4: '127.11.1.8/31', maxPrefixesV4: 3000, md5Key: 'operator-set' })), 200);
    assert.deepEqual(
      [moved.sessionPrefixV4, moved.operatorAddressV4, moved.peerAddressV4, moved.maxPrefixesV4, moved.md5KeySet, moved.state],
      ['127.11.1.8/31', '127.11.1.8', '127.11.1.9', 3000, true, 'Active'],
    );
    const added = expectOk(await s.api('PUT', CONN('nordlink', 'nordlink-ams', 'ams-3'), single('ams-er1', '127.11.1.10/31'), nordlink), 201);
    assert.equal(added.state, 'PendingApproval');
    // The partner restating the operator's values is still fine.
    expectOk(await s.api('PUT', ams1, single('ams-er1', '127.11.1.8/31', { maxPrefixesV4: 3000 }), nordlink), 200);
  });

  test('states: editable while PendingApproval, Approved or ProvisioningFailed; refused from ProvisioningStarted on', async () => {
    const c = CONN('nordlink', 'nordlink-ams', 'ams-3');
    const go = async (state: string, message?: string) => expectOk(await s.api('POST', `${c}/state`, { state, ...(message ? { message } : {}) }), 200, state);
    expectOk(await s.api('PUT', c, single('ams-er1', '127.11.1.12/31'), nordlink), 200, 'PendingApproval');
    await go('Approved');
    expectOk(await s.api('PUT', c, single('ams-er1', '127.11.1.14/31'), nordlink), 200, 'Approved');
    await go('ProvisioningStarted');
    expectError(
      await s.api('PUT', c, single('ams-er1', '127.11.1.16/31'), nordlink),
      409,
      'sessionPrefixV4 of connection ams-3 cannot be changed by a partner while it is ProvisioningStarted; ask the operator',
      'sessionPrefixV4',
    );
    await go('ProvisioningFailed', 'peer address does not answer');
    const fixed = expectOk(await s.api('PUT', c, single('ams-er1', '127.11.1.16/31'), nordlink), 200, 'ProvisioningFailed: the partner corrects its side');
    assert.equal(fixed.peerAddressV4, '127.11.1.17');
    for (const st of ['ProvisioningStarted', 'ProvisioningCompleted', 'Validating']) {
      await go(st);
      expectError(
        await s.api('PUT', c, single('ams-er1', '127.11.1.16/31', { maxPrefixesV4: 9 }), nordlink),
        409,
        new RegExp(`^maxPrefixesV4 of connection ams-3 cannot be changed by a partner while it is ${st};`),
        'maxPrefixesV4',
        st,
      );
    }
  });
});

describe('3. session prefix sizes', () => {
  let s: TestServer;
  let zeta: string;
  before(async () => {
    s = await startServer();
    await buildWorld(s);
    expectOk(await s.api('PUT', '/v1/partners/zeta', { kind: 'isp', displayName: 'Zeta Networks' }), 201);
    expectOk(await s.api('PUT', '/v1/partners/zeta/asns/64496', { name: 'Zeta', contacts: [{ role: 'Noc', email: 'noc@zeta.example' }] }), 201);
    expectOk(await s.api('POST', '/v1/partners/zeta/asns/64496/approval', { state: 'approved' }), 200);
    zeta = await s.key('partner', 'zeta');
  });
  after(async () => {
    await s.close();
  });

  const direct = (c0: Record<string, unknown>) => ({
    type: 'peering-service',
    pop: 'sin',
    asn: 64496,
    connections: [c0, conn('d2', 'sin-er2', '127.31.0.2/31')],
  });
  const exchange = (c0: Record<string, unknown>) => ({ type: 'exchange', pop: 'sin', asn: 64496, connections: [c0] });
  const lanAddrs = (v4: string) => ({ operatorAddressV4: v4.replace(/\.0\/\d+$/, '.1'), peerAddressV4: v4.replace(/\.0\/\d+$/, '.2') });

  test('direct peerings: a /30 or /31, a /126 or /127 — never a /8, 0.0.0.0/0 or a /32 (422 naming the rule)', async () => {
    const v4: Array<[string, number]> = [
      ['127.0.0.0/8', 8],
      ['0.0.0.0/0', 0],
      ['127.31.0.0/29', 29],
      ['127.31.0.0/24', 24],
      ['127.31.0.0/32', 32],
    ];
    for (const [prefix, len] of v4) {
      const extra = len < 30 ? { operatorAddressV4: '127.31.0.1', peerAddressV4: '127.31.0.2' } : {};
      expectError(
        await s.api('PUT', '/v1/partners/zeta/peerings/zeta-sin', direct(conn('d1', 'sin-er1', prefix, extra)), zeta),
        422,
        `sessionPrefixV4 must be a /30 or /31 (got /${len})`,
        'connections/0/sessionPrefixV4',
        prefix,
      );
    }
    for (const [prefix, len] of [
      ['2a0c:9a40:31::/64', 64],
      ['::/0', 0],
      ['2a0c:9a40:31::/128', 128],
    ] as const) {
      expectError(
        await s.api(
          'PUT',
          '/v1/partners/zeta/peerings/zeta-sin',
          direct(
            conn('d1', 'sin-er1', '127.31.0.0/31', {
              sessionPrefixV6: prefix,
              operatorAddressV6: '2a0c:9a40:31::',
              peerAddressV6: '2a0c:9a40:31::1',
            }),
          ),
          zeta,
        ),
        422,
        `sessionPrefixV6 must be a /126 or /127 (got /${len})`,
        'connections/0/sessionPrefixV6',
        prefix,
      );
    }
    const ok = expectOk(
      await s.api(
        'PUT',
        '/v1/partners/zeta/peerings/zeta-sin',
        direct(conn('d1', 'sin-er1', '127.31.0.4/30', { sessionPrefixV6: '2a0c:9a40:31::/126' })),
        zeta,
      ),
      201,
    );
    assert.deepEqual([ok.connections[0].operatorAddressV4, ok.connections[0].operatorAddressV6], ['127.31.0.5', '2a0c:9a40:31::1']);
  });

  test('exchange peerings: the LAN, up to a /21 and a /64; wider is refused (422)', async () => {
    expectError(
      await s.api('PUT', '/v1/partners/zeta/peerings/zeta-sin-x', exchange(conn('x1', 'sin-er1', '127.32.0.0/20', lanAddrs('127.32.0.0/20'))), zeta),
      422,
      'sessionPrefixV4 must be a /21 to /31 on exchange peerings (the exchange LAN at most) (got /20)',
      'connections/0/sessionPrefixV4',
    );
    expectError(
      await s.api(
        'PUT',
        '/v1/partners/zeta/peerings/zeta-sin-x',
        exchange(
          conn('x1', 'sin-er1', '127.32.0.0/21', {
            ...lanAddrs('127.32.0.0/21'),
            sessionPrefixV6: '2a0c:9a40:32::/48',
            operatorAddressV6: '2a0c:9a40:32::1',
            peerAddressV6: '2a0c:9a40:32::2',
          }),
        ),
        zeta,
      ),
      422,
      'sessionPrefixV6 must be a /64 to /127 on exchange peerings (the exchange LAN at most) (got /48)',
      'connections/0/sessionPrefixV6',
    );
    const ok = expectOk(
      await s.api(
        'PUT',
        '/v1/partners/zeta/peerings/zeta-sin-x',
        exchange(
          conn('x1', 'sin-er1', '127.32.0.0/21', {
            ...lanAddrs('127.32.0.0/21'),
            sessionPrefixV6: '2a0c:9a40:32::/64',
            operatorAddressV6: '2a0c:9a40:32::1',
            peerAddressV6: '2a0c:9a40:32::2',
          }),
        ),
        zeta,
      ),
      201,
      'a /21 and a /64 LAN',
    );
    assert.equal(ok.connections[0].sessionPrefixV4, '127.32.0.0/21');
  });

  test('space that cannot hold a session is refused (422); private, link-local and loopback space is fine', async () => {
    const x = (name: string) => `/v1/partners/zeta/peerings/zeta-sin-x/connections/${name}`;
    const refused: Array<[string, 'V4' | 'V6', string]> = [
      ['0.0.0.0/31', 'V4', '"this network"'],
      ['224.0.0.0/31', 'V4', 'multicast'],
      ['239.255.255.254/31', 'V4', 'multicast'],
      ['255.255.255.254/31', 'V4', 'reserved (and limited broadcast)'],
      ['240.0.0.0/30', 'V4', 'reserved (and limited broadcast)'],
      ['::/127', 'V6', 'unspecified'],
      ['ff02::/127', 'V6', 'multicast'],
      ['::ffff:0.0.0.0/127', 'V6', 'IPv4-mapped'],
      ['100::/127', 'V6', 'discard-only'],
    ];
    for (const [prefix, fam, what] of refused) {
      const body = fam === 'V4' ? single('sin-er1', prefix) : single('sin-er1', '127.33.0.0/31', { sessionPrefixV6: prefix });
      expectError(
        await s.api('PUT', x('bad'), body, zeta),
        422,
        `sessionPrefix${fam} ${prefix} is in ${what} address space, which cannot hold a BGP session`,
        `sessionPrefix${fam}`,
        prefix,
      );
    }
    expectError(await s.api('GET', x('bad'), undefined, zeta), 404, /not found/, undefined, 'nothing created');
    for (const [i, prefix] of ['10.33.0.0/31', '169.254.33.0/31', '100.64.33.0/31', '127.33.1.0/31'].entries()) {
      const c = expectOk(await s.api('PUT', x(`ok-${i}`), single('sin-er1', prefix, { sessionPrefixV6: `fe80::${i}00/127` }), zeta), 201, prefix);
      assert.equal(c.sessionPrefixV4, prefix);
    }
  });

  test('a type change to a direct type checks the session prefixes against it (422, target type)', async () => {
    expectOk(
      await s.api('PUT', '/v1/partners/apex-ix/peerings/apex-sin-x', {
        type: 'exchange',
        pop: 'sin',
        asn: 64502,
        connections: [
          conn('l1', 'sin-er1', '127.34.0.0/24', lanAddrs('127.34.0.0/24')),
          conn('l2', 'sin-er2', '127.34.0.0/24', { operatorAddressV4: '127.34.0.3', peerAddressV4: '127.34.0.4' }),
        ],
      }),
      201,
    );
    await activate(s, 'apex-ix', 'apex-sin-x', 'l1');
    await activate(s, 'apex-ix', 'apex-sin-x', 'l2');
    expectError(
      await s.api('POST', '/v1/partners/apex-ix/peerings/apex-sin-x/change-type', { type: 'peering-service' }),
      422,
      'sessionPrefixV4 of connection l1 must be a /30 or /31 (got /24)',
      'type',
    );
    const p = expectOk(await s.api('GET', '/v1/partners/apex-ix/peerings/apex-sin-x'), 200);
    assert.deepEqual([p.type, p.requestedType], ['exchange', null]);
  });
});

describe('5. the per-customer prefix quota', () => {
  let s: TestServer;
  let contoso: string;
  let fabrikam: string;
  before(async () => {
    s = await startWith({ maxPrefixesPerCustomer: 3 });
    await buildWorld(s);
    contoso = await s.key('customer', 'contoso');
    fabrikam = await s.key('customer', 'fabrikam');
  });
  after(async () => {
    await s.close();
  });

  test('over the quota a new prefix is refused (422) naming the quota and the count, across services and states', async () => {
    expectOk(await s.api('PUT', PFX('contoso', 'contoso-eu', 'branch'), { prefix: '45.66.1.0/24', key: KEYS.nordlinkAms }, contoso), 201);
    const rogue = expectOk(await s.api('PUT', PFX('contoso', 'contoso-eu', 'rogue'), { prefix: '185.20.0.0/24', key: randomUUID() }, contoso), 201);
    assert.equal(rogue.state, 'Failed', 'a Failed prefix still counts');
    const over =
      'Customer contoso has 3 prefixes, its quota (maxPrefixesPerCustomer 3); delete one before adding another, or ask the operator to raise the quota';
    expectError(await s.api('PUT', PFX('contoso', 'contoso-eu', 'fourth'), { prefix: '185.21.0.0/24', key: KEYS.nordlinkAms }, contoso), 422, over, 'prefix');
    expectOk(
      await s.api('PUT', '/v1/customers/contoso/peering-services/contoso-de', { provider: 'apex-ix', location: { country: 'DE' }, primaryPop: 'fra' }, contoso),
      201,
    );
    expectError(
      await s.api('PUT', PFX('contoso', 'contoso-de', 'fourth'), { prefix: '185.22.0.0/24', key: KEYS.apexAsn }, contoso),
      422,
      over,
      'prefix',
      'another service',
    );
    expectError(
      await s.api('PUT', PFX('contoso', 'contoso-eu', 'fourth'), { prefix: '185.21.0.0/24', key: KEYS.nordlinkAms }),
      422,
      over,
      'prefix',
      'the operator too',
    );
    const same = await s.api('PUT', PFX('contoso', 'contoso-eu', 'hq'), { prefix: '45.66.0.0/24', key: KEYS.nordlinkAms }, contoso);
    expectOk(same, 200, 'restating a prefix it holds');
    assert.equal(same.headers.get('openpeering-change'), 'unchanged');
  });

  test('the quota is per customer, and deleting a prefix makes room', async () => {
    expectOk(await s.api('PUT', PFX('fabrikam', 'fabrikam-eu', 'lab'), { prefix: '176.124.202.0/24', key: KEYS.apexAsn }, fabrikam), 201);
    expectOk(await s.api('PUT', PFX('fabrikam', 'fabrikam-eu', 'lab2'), { prefix: '176.124.203.0/24', key: KEYS.apexAsn }, fabrikam), 201);
    expectOk(await s.api('DELETE', PFX('contoso', 'contoso-eu', 'rogue'), undefined, contoso), 204);
    expectOk(await s.api('PUT', PFX('contoso', 'contoso-de', 'fourth'), { prefix: '185.22.0.0/24', key: KEYS.apexAsn }, contoso), 201);
  });
});

describe('5. the default quota', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer();
    await buildWorld(s);
  });
  after(async () => {
    await s.close();
  });

  test(`a registry opened without options allows ${DEFAULT_MAX_PREFIXES_PER_CUSTOMER} prefixes per customer`, async () => {
    assert.equal(s.registry.customerPrefixes.maxPerCustomer, DEFAULT_MAX_PREFIXES_PER_CUSTOMER);
    // contoso holds hq; fill up to one below the quota directly, in Failed state so nothing overlaps.
    const svc = await s.registry.customers.serviceRow('contoso', 'contoso-eu');
    await s.registry.store.transaction(async (tx) => {
      for (let i = 0; i < DEFAULT_MAX_PREFIXES_PER_CUSTOMER - 2; i++) {
        await tx
          .insertInto('customer_prefixes')
          .values({
            peering_service_id: svc.id,
            name: `filler-${i}`,
            prefix: `185.${100 + (i >> 8)}.${i & 255}.0/24`,
            family: 4,
            key: randomUUID(),
            state: 'Failed',
            error_message: 'filler',
            created_at: '2026-01-01T00:00:00.000Z',
            updated_at: '2026-01-01T00:00:00.000Z',
          })
          .execute();
      }
    });
    expectOk(await s.api('PUT', PFX('contoso', 'contoso-eu', 'last'), { prefix: '45.66.1.0/24', key: KEYS.nordlinkAms }), 201, 'the last one under the quota');
    expectError(
      await s.api('PUT', PFX('contoso', 'contoso-eu', 'over'), { prefix: '45.66.1.0/25', key: KEYS.nordlinkAms }),
      422,
      `Customer contoso has ${DEFAULT_MAX_PREFIXES_PER_CUSTOMER} prefixes, its quota (maxPrefixesPerCustomer ${DEFAULT_MAX_PREFIXES_PER_CUSTOMER}); delete one before adding another, or ask the operator to raise the quota`,
      'prefix',
    );
  });
});
