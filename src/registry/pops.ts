// The operator itself, its PoPs (edge locations) and the edge routers in each PoP.

import { canonicalAddress, parseIPv4 } from '../net/address.js';
import { isReservedAsn } from '../net/asn.js';
import type { PopTable, RouterTable } from '../store/schema.js';
import type { Db, Store } from '../store/store.js';
import { conflict, invalid, notFound } from './errors.js';
import { fetchPage, type Page, type PageRequest } from './paging.js';
import type { Facility, Operator, Pop, Router, Upserted } from './types.js';
import { now, putRow, sameJson } from './util.js';

export interface PopInput {
  metro: string;
  country: string;
  region?: string;
  lat: number;
  lon: number;
  facilities?: Facility[];
}
export interface RouterInput {
  routerId: string;
  addresses: string[];
}

const popOut = (r: PopTable): Pop => ({
  code: r.code,
  metro: r.metro,
  country: r.country,
  region: r.region,
  lat: r.lat,
  lon: r.lon,
  facilities: JSON.parse(r.facilities),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const routerOut = (r: RouterTable): Router => ({
  name: r.name,
  pop: r.pop,
  routerId: r.router_id,
  addresses: JSON.parse(r.addresses),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export class Pops {
  constructor(private readonly store: Store) {}

  async getOperator(): Promise<Operator | null> {
    const r = await this.store.db.selectFrom('operator').selectAll().where('id', '=', 1).executeTakeFirst();
    return r ? { asn: Number(r.asn), name: r.name } : null;
  }

  async putOperator(input: Operator): Promise<Upserted<Operator>> {
    if (isReservedAsn(input.asn)) throw invalid(`ASN ${input.asn} is reserved and cannot be an operator's ASN`, 'asn');
    return this.store.transaction(async (tx) => {
      const cur = await tx.selectFrom('operator').selectAll().where('id', '=', 1).executeTakeFirst();
      const next = { asn: input.asn, name: input.name };
      if (cur && Number(cur.asn) === next.asn && cur.name === next.name) return { resource: next, created: false, changed: false };
      if (cur)
        await tx
          .updateTable('operator')
          .set({ ...next, updated_at: now() })
          .where('id', '=', 1)
          .execute();
      else
        await tx
          .insertInto('operator')
          .values({ id: 1, ...next, updated_at: now() })
          .execute();
      return { resource: next, created: !cur, changed: true };
    });
  }

  async list(req: PageRequest): Promise<Page<Pop>> {
    return fetchPage(this.store.db.selectFrom('pops').selectAll(), 'code', req, (r) => r.code, popOut);
  }

  async all(): Promise<Pop[]> {
    return (await this.store.db.selectFrom('pops').selectAll().orderBy('code').execute()).map(popOut);
  }

  async get(code: string, db: Db = this.store.db): Promise<Pop> {
    const r = await db.selectFrom('pops').selectAll().where('code', '=', code).executeTakeFirst();
    if (!r) throw notFound('Pop', code);
    return popOut(r);
  }

  async put(code: string, input: PopInput): Promise<Upserted<Pop>> {
    const facilities = input.facilities ?? [];
    const ids = new Set<number>();
    for (const [i, f] of facilities.entries()) {
      if (ids.has(f.id)) throw invalid(`facility id ${f.id} appears twice`, `facilities/${i}/id`);
      ids.add(f.id);
    }
    const row = {
      metro: input.metro,
      country: input.country.toUpperCase(),
      region: input.region ?? '',
      lat: input.lat,
      lon: input.lon,
      facilities: JSON.stringify(facilities),
    };
    return this.store.transaction(async (tx) => {
      const cur = await tx.selectFrom('pops').selectAll().where('code', '=', code).executeTakeFirst();
      if (cur) {
        const { code: _c, created_at: _a, updated_at: _u, ...old } = cur;
        if (sameJson(old, row)) return { resource: popOut(cur), created: false, changed: false };
      }
      await putRow(tx, 'pops', row, cur && ['code', code], { code });
      return { resource: await this.get(code, tx), created: !cur, changed: true };
    });
  }

  async delete(code: string): Promise<void> {
    await this.store.transaction(async (tx) => {
      await this.get(code, tx);
      const routers = await tx.selectFrom('routers').select('name').where('pop', '=', code).execute();
      if (routers.length) throw conflict(`Pop ${code} still has routers (${routers.map((r) => r.name).join(', ')}); delete them first`);
      const users = await tx
        .selectFrom('peering_services')
        .select('id')
        .where((eb) => eb.or([eb('primary_pop', '=', code), eb('backup_pop', '=', code)]))
        .execute();
      if (users.length) throw conflict(`Pop ${code} is the primary or backup location of ${users.length} peering service(s)`);
      await tx.deleteFrom('pops').where('code', '=', code).execute();
    });
  }

  // Routers

  async listRouters(pop: string, req: PageRequest): Promise<Page<Router>> {
    await this.get(pop);
    return fetchPage(this.store.db.selectFrom('routers').selectAll().where('pop', '=', pop), 'name', req, (r) => r.name, routerOut);
  }

  async getRouter(pop: string, name: string, db: Db = this.store.db): Promise<Router> {
    const r = await db.selectFrom('routers').selectAll().where('name', '=', name).where('pop', '=', pop).executeTakeFirst();
    if (!r) throw notFound('Router', name);
    return routerOut(r);
  }

  async putRouter(pop: string, name: string, input: RouterInput): Promise<Upserted<Router>> {
    if (parseIPv4(input.routerId) === undefined) throw invalid(`routerId ${input.routerId} is not a dotted-quad IPv4 router ID`, 'routerId');
    const addresses = input.addresses.map((a, i) => {
      const c = canonicalAddress(a);
      if (!c) throw invalid(`addresses/${i} ${JSON.stringify(a)} is not an IPv4 or IPv6 address`, `addresses/${i}`);
      return c;
    });
    if (new Set(addresses).size !== addresses.length) throw invalid('addresses lists an address twice', 'addresses');
    return this.store.transaction(async (tx) => {
      await this.get(pop, tx);
      const cur = await tx.selectFrom('routers').selectAll().where('name', '=', name).executeTakeFirst();
      if (cur && cur.pop !== pop) throw conflict(`Router ${name} already exists in pop ${cur.pop}; router names are unique across PoPs`, 'name');
      const sameId = await tx.selectFrom('routers').select('name').where('router_id', '=', input.routerId).where('name', '!=', name).executeTakeFirst();
      if (sameId) throw conflict(`Router ID ${input.routerId} is already used by router ${sameId.name}`, 'routerId');
      const others = await tx.selectFrom('routers').select(['name', 'addresses']).where('name', '!=', name).execute();
      for (const o of others) {
        const clash = (JSON.parse(o.addresses) as string[]).find((a) => addresses.includes(a));
        if (clash) throw conflict(`Address ${clash} is already used by router ${o.name}`, 'addresses');
      }
      const row = { router_id: input.routerId, addresses: JSON.stringify(addresses) };
      if (cur && cur.router_id === row.router_id && cur.addresses === row.addresses) return { resource: routerOut(cur), created: false, changed: false };
      await putRow(tx, 'routers', row, cur && ['name', name], { name, pop });
      return { resource: await this.getRouter(pop, name, tx), created: !cur, changed: true };
    });
  }

  async deleteRouter(pop: string, name: string): Promise<void> {
    await this.store.transaction(async (tx) => {
      await this.getRouter(pop, name, tx);
      const used = await tx.selectFrom('connections').select('id').where('router', '=', name).execute();
      if (used.length) throw conflict(`Router ${name} still carries ${used.length} connection(s); delete or move them first`);
      await tx.deleteFrom('routers').where('name', '=', name).execute();
    });
  }
}
