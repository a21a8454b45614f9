// Builds the validation benchmark's registry (validation-world.ts) in a SQLite file through the
// HTTP API, in-process (fastify inject, as a client would send it; every rule checked on write),
// the way test/helpers/world.ts builds the tests' world. The build runs with
// `PRAGMA synchronous = OFF` (it is set-up, not what is measured); the file is then closed and
// each receiver run works on a fresh copy, with the store's own settings.
import { sql } from 'kysely';
import { buildServer } from '../src/api/server.js';
import { ensureOperatorKey, openRegistry } from '../src/bootstrap.js';
import { ValidationFacts, type ValidationFactsSnapshot } from '../src/registry/validation-facts.js';
import { OPERATOR_ASN, type World } from './validation-world.js';

const ACTIVE_PATH = ['Approved', 'ProvisioningStarted', 'ProvisioningCompleted', 'Validating', 'Active'];

export interface BuiltRegistry {
  seconds: number;
  requests: number;
  facts: ValidationFactsSnapshot;
}

export async function buildRegistry(w: World, file: string, progress: (line: string) => void): Promise<BuiltRegistry> {
  const t0 = performance.now();
  const registry = await openRegistry(file);
  await sql`PRAGMA synchronous = OFF`.execute(registry.store.db);
  const key = (await ensureOperatorKey(registry))!;
  const app = await buildServer(registry);
  let requests = 0;
  const api = async (method: 'PUT' | 'POST', url: string, body: unknown): Promise<void> => {
    requests++;
    const r = await app.inject({ method, url, payload: body as object, headers: { authorization: `Bearer ${key}` } });
    if (r.statusCode >= 300) throw new Error(`${method} ${url}: ${r.statusCode} ${r.body}`);
  };
  try {
    await api('PUT', '/v1/operator', { asn: OPERATOR_ASN, name: 'Bench Cloud' });
    for (const [j, p] of w.pops.entries()) {
      await api('PUT', `/v1/pops/${p.code}`, { metro: p.metro, country: p.country, lat: p.lat, lon: p.lon });
      for (const [r, router] of p.routers.entries()) {
        await api('PUT', `/v1/pops/${p.code}/routers/${router}`, { routerId: `10.255.${j}.${r + 1}`, addresses: [`127.31.${j}.${r + 1}`] });
      }
    }
    for (const p of w.partners) {
      await api('PUT', `/v1/partners/${p.name}`, { kind: 'isp', displayName: `ISP ${p.name}` });
      await api('PUT', `/v1/partners/${p.name}/asns/${p.asn}`, { name: p.name, contacts: [{ role: 'Noc', email: `noc@${p.name}.example` }] });
      await api('POST', `/v1/partners/${p.name}/asns/${p.asn}/approval`, { state: 'approved' });
    }
    for (const pe of w.peerings) {
      const partner = w.partners[pe.partner]!;
      const conns = pe.sessions.map((k) => {
        const s = w.sessions[k]!;
        return {
          name: s.connection,
          router: s.router,
          bandwidthMbps: 10000,
          sessionAddressProvider: 'peer',
          sessionPrefixV4: s.sessionPrefix,
          maxPrefixesV4: 1_000_000,
        };
      });
      await api('PUT', `/v1/partners/${partner.name}/peerings/${pe.name}`, {
        type: 'peering-service',
        pop: w.pops[pe.pop]!.code,
        asn: partner.asn,
        connections: conns,
      });
      for (const k of pe.sessions) {
        for (const state of ACTIVE_PATH) {
          await api('POST', `/v1/partners/${partner.name}/peerings/${pe.name}/connections/${w.sessions[k]!.connection}/state`, { state });
        }
      }
    }
    let done = 0;
    for (const r of w.regs) {
      const pe = w.peerings[r.peering]!;
      await api('PUT', `/v1/partners/${w.partners[r.partner]!.name}/peerings/${pe.name}/registered-prefixes/${r.name}`, { prefix: r.prefix, key: r.key });
      if (++done % 10_000 === 0) progress(`  registry: ${done} of ${w.regs.length} registered prefixes (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
    const customers = new Set<string>();
    for (const c of w.custs) {
      if (!customers.has(c.customer)) {
        customers.add(c.customer);
        const pop = w.pops[c.primaryPop]!;
        await api('PUT', `/v1/customers/${c.customer}`, { displayName: `Customer ${c.customer}` });
        await api('PUT', `/v1/customers/${c.customer}/peering-services/${c.service}`, {
          provider: w.partners[c.partner]!.name,
          location: { country: pop.country, region: '', lat: pop.lat, lon: pop.lon },
          primaryPop: pop.code,
          backupPop: w.pops[c.backupPop]!.code,
        });
      }
      const r = w.regs[c.reg]!;
      await api('PUT', `/v1/customers/${c.customer}/peering-services/${c.service}/prefixes/${c.name}`, { prefix: r.prefix, key: r.key });
    }
    const facts = await new ValidationFacts(registry.store).load();
    return { seconds: (performance.now() - t0) / 1000, requests, facts };
  } finally {
    await app.close();
    await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(registry.store.db);
    await registry.store.close();
  }
}
