// Customers (enterprises) and their peering services: which partner provides their
// connectivity, where they are, and the operator's PoPs that should carry their traffic.

import type { PeeringServiceRow } from '../store/schema.js';
import type { Db, Store } from '../store/store.js';
import type { ApiKeys } from './api-keys.js';
import { conflict, invalid, notFound, rule } from './errors.js';
import { fetchPage, type Page, type PageRequest } from './paging.js';
import type { Customer, CustomerLocation, PeeringService, Upserted } from './types.js';
import { putRow } from './util.js';

export interface CustomerInput {
  displayName: string;
}
export interface PeeringServiceInput {
  provider: string;
  location: CustomerLocation;
  primaryPop: string;
  backupPop?: string | null;
}

const customerOut = (r: { name: string; display_name: string; created_at: string; updated_at: string }): Customer => ({
  name: r.name,
  displayName: r.display_name,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export const serviceOut = (r: PeeringServiceRow): PeeringService => ({
  name: r.name,
  customer: r.customer,
  provider: r.provider,
  location: { country: r.country, region: r.region, ...(r.lat != null && r.lon != null ? { lat: r.lat, lon: r.lon } : {}) },
  primaryPop: r.primary_pop,
  backupPop: r.backup_pop,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export class Customers {
  constructor(
    private readonly store: Store,
    private readonly apiKeys: ApiKeys,
  ) {}

  async list(req: PageRequest, only?: string): Promise<Page<Customer>> {
    let q = this.store.db.selectFrom('customers').selectAll();
    if (only !== undefined) q = q.where('name', '=', only);
    return fetchPage(q, 'name', req, (r) => r.name, customerOut);
  }

  async get(name: string, db: Db = this.store.db): Promise<Customer> {
    const r = await db.selectFrom('customers').selectAll().where('name', '=', name).executeTakeFirst();
    if (!r) throw notFound('Customer', name);
    return customerOut(r);
  }

  async put(name: string, input: CustomerInput): Promise<Upserted<Customer>> {
    return this.store.transaction(async (tx) => {
      const cur = await tx.selectFrom('customers').selectAll().where('name', '=', name).executeTakeFirst();
      if (cur && cur.display_name === input.displayName) return { resource: customerOut(cur), created: false, changed: false };
      await putRow(tx, 'customers', { display_name: input.displayName }, cur && ['name', name], { name });
      return { resource: await this.get(name, tx), created: !cur, changed: true };
    });
  }

  async delete(name: string): Promise<void> {
    // Its keys go with it; whatever they hold open (event streams) ends once the delete is committed.
    const announce = await this.store.transaction(async (tx) => {
      await this.get(name, tx);
      const services = await tx.selectFrom('peering_services').select('name').where('customer', '=', name).execute();
      if (services.length) throw conflict(`Customer ${name} still has peering services (${services.map((s) => s.name).join(', ')}); delete them first`);
      const revoked = await this.apiKeys.deleteTenantKeys(tx, { customer: name });
      await tx.deleteFrom('customers').where('name', '=', name).execute();
      return revoked;
    });
    announce();
  }

  // Peering services

  async listServices(customer: string, req: PageRequest): Promise<Page<PeeringService>> {
    await this.get(customer);
    return fetchPage(this.store.db.selectFrom('peering_services').selectAll().where('customer', '=', customer), 'name', req, (r) => r.name, serviceOut);
  }

  async serviceRow(customer: string, name: string, db: Db = this.store.db): Promise<PeeringServiceRow> {
    await this.get(customer, db);
    const r = await db.selectFrom('peering_services').selectAll().where('customer', '=', customer).where('name', '=', name).executeTakeFirst();
    if (!r) throw notFound('Peering service', name);
    return r;
  }

  async getService(customer: string, name: string, db: Db = this.store.db): Promise<PeeringService> {
    return serviceOut(await this.serviceRow(customer, name, db));
  }

  async putService(customer: string, name: string, input: PeeringServiceInput): Promise<Upserted<PeeringService>> {
    const loc = input.location;
    if ((loc.lat === undefined) !== (loc.lon === undefined))
      throw invalid('location needs both lat and lon, or neither', loc.lat === undefined ? 'location/lat' : 'location/lon');
    const backup = input.backupPop ?? null;
    if (backup !== null && backup === input.primaryPop) {
      throw rule('backupPop must differ from primaryPop: a backup location is a different location from the primary', 'backupPop');
    }
    return this.store.transaction(async (tx) => {
      await this.get(customer, tx);
      const cur = await tx.selectFrom('peering_services').selectAll().where('customer', '=', customer).where('name', '=', name).executeTakeFirst();
      if (cur && cur.provider !== input.provider)
        throw conflict(`provider of peering service ${name} cannot change (is ${cur.provider}); create another peering service`, 'provider');
      const provider = await tx.selectFrom('partners').select('name').where('name', '=', input.provider).executeTakeFirst();
      if (!provider) throw rule('Peering service provider not found', 'provider');
      for (const [field, pop] of [
        ['primaryPop', input.primaryPop],
        ['backupPop', backup],
      ] as const) {
        if (pop === null) continue;
        const p = await tx.selectFrom('pops').select('code').where('code', '=', pop).executeTakeFirst();
        if (!p) throw rule(`Pop ${pop} not found`, field);
        const peering = await tx.selectFrom('peerings').select('name').where('partner', '=', input.provider).where('pop', '=', pop).executeTakeFirst();
        if (!peering)
          throw rule(`Provider ${input.provider} has no peering at pop ${pop}; the provider must peer at the primary and the backup location`, field);
      }
      const row = {
        provider: input.provider,
        country: loc.country.toUpperCase(),
        region: loc.region ?? '',
        lat: loc.lat ?? null,
        lon: loc.lon ?? null,
        primary_pop: input.primaryPop,
        backup_pop: backup,
      };
      if (cur) {
        const same = (Object.keys(row) as Array<keyof typeof row>).every((k) => cur[k] === row[k]);
        if (same) return { resource: serviceOut(cur), created: false, changed: false };
      }
      await putRow(tx, 'peering_services', row, cur && ['id', cur.id], { customer, name });
      return { resource: await this.getService(customer, name, tx), created: !cur, changed: true };
    });
  }

  async deleteService(customer: string, name: string): Promise<void> {
    await this.store.transaction(async (tx) => {
      const s = await this.serviceRow(customer, name, tx);
      await tx.deleteFrom('customer_prefixes').where('peering_service_id', '=', s.id).execute();
      await tx.deleteFrom('peering_services').where('id', '=', s.id).execute();
    });
  }
}
