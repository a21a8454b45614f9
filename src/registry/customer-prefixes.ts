// Customer prefixes: a prefix plus the key the provider issued for it. Immutable once created
// (delete and re-create). The checks that need no routes happen here: format, special-purpose
// space, key; the validation engine takes it from Pending with the live routes.

import { covers, formatPrefix, type Prefix, parsePrefix, parsePrefixStrict } from '../net/prefix.js';
import type { CustomerPrefixRow } from '../store/schema.js';
import type { Db, Store } from '../store/store.js';
import type { Customers } from './customers.js';
import { conflict, invalid, notFound, rule } from './errors.js';
import { DEFAULT_MAX_PREFIXES_PER_CUSTOMER, type RegistryOptions } from './options.js';
import { fetchPage, type Page, type PageRequest } from './paging.js';
import type { Partners } from './partners.js';
import { firstOverlap, rangeColumns } from './prefix-range.js';
import { publicPrefix } from './registrations.js';
import type { CustomerPrefix, PrefixState, Upserted } from './types.js';
import { now } from './util.js';

export interface CustomerPrefixInput {
  prefix: string;
  key: string;
}

/** A customer prefix as its provider sees it: which customer uses which of its keys. */
export interface PartnerCustomerPrefix extends CustomerPrefix {
  registration: string;
  peering: string;
}

const out =
  (customer: string, service: string) =>
  (r: CustomerPrefixRow): CustomerPrefix => ({
    name: r.name,
    customer,
    peeringService: service,
    prefix: r.prefix,
    key: r.key,
    state: r.state as PrefixState,
    errorMessage: r.error_message,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });

/** States in which a prefix does not hold its space: a prefix whose key failed must not block the real owner. */
const NOT_HOLDING: PrefixState[] = ['Invalid', 'Failed'];

/** What a partner sees of a customer prefix using its keys (both ways a key can match). */
const PARTNER_VIEW_COLUMNS = [
  'cp.id',
  'cp.name',
  'cp.prefix',
  'cp.key',
  'cp.state',
  'cp.error_message',
  'cp.created_at',
  'cp.updated_at',
  'ps.customer',
  'ps.name as service',
] as const;

export class CustomerPrefixes {
  /** customer prefixes one customer may hold (RegistryOptions.maxPrefixesPerCustomer) */
  readonly maxPerCustomer: number;

  constructor(
    private readonly store: Store,
    private readonly customers: Customers,
    private readonly partners: Partners,
    options: RegistryOptions = {},
  ) {
    this.maxPerCustomer = options.maxPrefixesPerCustomer ?? DEFAULT_MAX_PREFIXES_PER_CUSTOMER;
  }

  async list(customer: string, service: string, req: PageRequest): Promise<Page<CustomerPrefix>> {
    const s = await this.customers.serviceRow(customer, service);
    return fetchPage(
      this.store.db.selectFrom('customer_prefixes').selectAll().where('peering_service_id', '=', s.id),
      'name',
      req,
      (r) => r.name,
      out(customer, service),
    );
  }

  async get(customer: string, service: string, name: string, db: Db = this.store.db): Promise<CustomerPrefix> {
    const s = await this.customers.serviceRow(customer, service, db);
    const r = await db.selectFrom('customer_prefixes').selectAll().where('peering_service_id', '=', s.id).where('name', '=', name).executeTakeFirst();
    if (!r) throw notFound('Prefix', name);
    return out(customer, service)(r);
  }

  async put(customer: string, service: string, name: string, input: CustomerPrefixInput): Promise<Upserted<CustomerPrefix>> {
    const syntax = parsePrefixStrict(input.prefix);
    if (!syntax.ok && syntax.reason !== 'host-bits') {
      throw invalid(`Invalid Peering Service prefix ${input.prefix}, the prefix should be valid format (CIDR, IPv4 or IPv6)`, 'prefix');
    }
    return this.store.transaction(async (tx) => {
      const s = await this.customers.serviceRow(customer, service, tx);
      const cur = await tx.selectFrom('customer_prefixes').selectAll().where('peering_service_id', '=', s.id).where('name', '=', name).executeTakeFirst();
      if (cur) {
        if (cur.prefix !== canonical(input.prefix) || cur.key !== input.key) {
          throw conflict(
            `An existing prefix cannot be modified; delete prefix ${name} and re-create it`,
            cur.prefix !== canonical(input.prefix) ? 'prefix' : 'key',
          );
        }
        return { resource: out(customer, service)(cur), created: false, changed: false };
      }
      await this.checkQuota(tx, customer);
      const verdict = await this.judge(tx, s.provider, input);
      if (verdict.prefix && (await this.overlapping(tx, verdict.prefix))) throw conflict('Prefix overlaps with an existing prefix', 'prefix');
      const t = now();
      await tx
        .insertInto('customer_prefixes')
        .values({
          peering_service_id: s.id,
          name,
          prefix: verdict.text,
          family: verdict.prefix?.family ?? null,
          key: input.key,
          state: verdict.state,
          error_message: verdict.message,
          created_at: t,
          updated_at: t,
          ...rangeColumns(verdict.prefix),
        })
        .execute();
      return { resource: await this.get(customer, service, name, tx), created: true, changed: true };
    });
  }

  /**
   * Whether a prefix that holds its space (any state but Invalid and Failed) overlaps `p`: equal,
   * covering or more-specific, of any customer. Two indexed look-ups (see prefix-range.ts).
   */
  protected async overlapping(tx: Db, p: Prefix): Promise<boolean> {
    const holding = tx.selectFrom('customer_prefixes').select(['net_start', 'net_length']).where('family', '=', p.family).where('state', 'not in', NOT_HOLDING);
    const found = await firstOverlap(
      p,
      (starts, maxLength) => holding.where('net_start', 'in', starts).where('net_length', '<=', maxLength).execute(),
      (start, end) => holding.where('net_start', '>=', start).where('net_start', '<=', end).limit(1).executeTakeFirst(),
    );
    return found !== undefined;
  }

  /** Refuses a new prefix once the customer holds its quota of them (every state counts). */
  private async checkQuota(tx: Db, customer: string): Promise<void> {
    const { n } = await tx
      .selectFrom('customer_prefixes')
      .where('peering_service_id', 'in', tx.selectFrom('peering_services').select('id').where('customer', '=', customer))
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    if (Number(n) >= this.maxPerCustomer) {
      throw rule(
        `Customer ${customer} has ${Number(n)} prefixes, its quota (maxPrefixesPerCustomer ${this.maxPerCustomer}); delete one before adding another, or ask the operator to raise the quota`,
        'prefix',
      );
    }
  }

  /** The state a new prefix starts in, from what can be known without routes. */
  private async judge(
    tx: Db,
    provider: string,
    input: CustomerPrefixInput,
  ): Promise<{ state: PrefixState; message: string | null; text: string; prefix?: ReturnType<typeof parsePrefix> }> {
    const pub = publicPrefix(input.prefix);
    if (!pub.ok) return { state: 'Invalid', message: pub.message, text: input.prefix };
    const text = formatPrefix(pub.prefix);
    const reg = await tx
      .selectFrom('registered_prefixes')
      .innerJoin('peerings', 'peerings.id', 'registered_prefixes.peering_id')
      .select(['registered_prefixes.prefix', 'peerings.partner'])
      .where('registered_prefixes.key', '=', input.key)
      .executeTakeFirst();
    const regAsn = reg
      ? undefined
      : await tx
          .selectFrom('registered_asns')
          .innerJoin('peerings', 'peerings.id', 'registered_asns.peering_id')
          .select(['registered_asns.asn', 'peerings.partner'])
          .where('registered_asns.key', '=', input.key)
          .executeTakeFirst();
    const mismatch = keyMismatchMessage(provider, text);
    if (reg) {
      if (reg.partner !== provider || !covers(parsePrefix(reg.prefix)!, pub.prefix)) return { state: 'Failed', message: mismatch, text, prefix: pub.prefix };
    } else if (!regAsn || regAsn.partner !== provider) {
      return { state: 'Failed', message: mismatch, text, prefix: pub.prefix };
    }
    return { state: 'Pending', message: null, text, prefix: pub.prefix };
  }

  /**
   * Re-queues validation: the key is checked again (the provider may have registered the prefix
   * since) and the prefix waits in Pending for the live routes, or gets the key's message.
   */
  async validate(customer: string, service: string, name: string): Promise<CustomerPrefix> {
    return this.store.transaction(async (tx) => {
      const s = await this.customers.serviceRow(customer, service, tx);
      const cur = await this.get(customer, service, name, tx);
      const verdict = await this.judge(tx, s.provider, { prefix: cur.prefix, key: cur.key });
      await tx
        .updateTable('customer_prefixes')
        .set({ state: verdict.state, error_message: verdict.message, updated_at: now() })
        .where('peering_service_id', '=', s.id)
        .where('name', '=', name)
        .execute();
      return this.get(customer, service, name, tx);
    });
  }

  async delete(customer: string, service: string, name: string): Promise<void> {
    await this.store.transaction(async (tx) => {
      const s = await this.customers.serviceRow(customer, service, tx);
      const r = await tx.deleteFrom('customer_prefixes').where('peering_service_id', '=', s.id).where('name', '=', name).executeTakeFirst();
      if (Number(r.numDeletedRows) === 0) throw notFound('Prefix', name);
    });
  }

  /** The customer prefixes that use the partner's keys (read-only view for the partner). */
  async listForPartner(partner: string, req: PageRequest): Promise<Page<PartnerCustomerPrefix>> {
    await this.partners.get(partner);
    const viaPrefix = this.store.db
      .selectFrom('customer_prefixes as cp')
      .innerJoin('registered_prefixes as rp', 'rp.key', 'cp.key')
      .innerJoin('peerings as p', 'p.id', 'rp.peering_id')
      .innerJoin('peering_services as ps', 'ps.id', 'cp.peering_service_id')
      .select([...PARTNER_VIEW_COLUMNS, 'rp.name as registration', 'p.name as peering'])
      .where('p.partner', '=', partner);
    const viaAsn = this.store.db
      .selectFrom('customer_prefixes as cp')
      .innerJoin('registered_asns as ra', 'ra.key', 'cp.key')
      .innerJoin('peerings as p', 'p.id', 'ra.peering_id')
      .innerJoin('peering_services as ps', 'ps.id', 'cp.peering_service_id')
      .select([...PARTNER_VIEW_COLUMNS, 'ra.name as registration', 'p.name as peering'])
      .where('p.partner', '=', partner);
    return fetchPage(
      this.store.db.selectFrom(viaPrefix.unionAll(viaAsn).as('u')).selectAll(),
      'id',
      req,
      (r) => r.id,
      (r) => ({
        name: r.name,
        customer: r.customer,
        peeringService: r.service,
        prefix: r.prefix,
        key: r.key,
        state: r.state as PrefixState,
        errorMessage: r.error_message,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
        registration: r.registration,
        peering: r.peering,
      }),
    );
  }
}

export const keyMismatchMessage = (provider: string, prefix: string): string =>
  `The prefix key does not match a key that provider ${provider} issued for prefix ${prefix}`;

function canonical(text: string): string {
  const p = parsePrefix(text);
  return p ? formatPrefix(p) : text;
}
