// What a partner registers on a peering for its customers: prefixes (direct and exchange
// peerings) or customer ASNs (exchange route-server peerings). Each registration gets a
// prefix key, a random UUID the partner hands to the customer.
import { randomUUID } from 'node:crypto';
import { formatPrefix, type Prefix, parsePrefixStrict, prefixProblem } from '../net/prefix.js';
import { specialPurposeReason } from '../net/special.js';
import type { PeeringRow, RegisteredAsnRow, RegisteredPrefixRow } from '../store/schema.js';
import type { Db, Store } from '../store/store.js';
import { conflict, invalid, notFound, rule } from './errors.js';
import { fetchPage, type Page, type PageRequest } from './paging.js';
import { checkPublicAsn } from './partners.js';
import type { Peerings } from './peerings.js';
import { firstOverlap, rangeColumns } from './prefix-range.js';
import type { PrefixState, RegisteredAsn, RegisteredPrefix, Upserted } from './types.js';
import { now } from './util.js';

export interface RegisteredPrefixInput {
  prefix: string;
  key?: string;
  /** the operator registers although another partner holds an overlapping prefix (audited) */
  allowOverlap?: boolean;
}

/** An operator's override of the cross-partner overlap rule: which API key, when. */
export interface OverlapOverride {
  by: string;
  at: string;
}

/** A registered prefix as the registry returns it; the API shows `overlapOverride` to the operator only. */
export type RegisteredPrefixView = RegisteredPrefix & { overlapOverride: OverlapOverride | null };

/** Another partner's registration a new one overlaps (for the operator's log; never shown to partners). */
export interface OverlappedRegistration {
  partner: string;
  peering: string;
  name: string;
  prefix: string;
}
export interface RegisteredAsnInput {
  asn: number;
  key?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Parses a prefix that a customer may own: well-formed, network address only, public unicast.
 * The message is the reference's "Invalid IP prefix <prefix>", with the reason after it.
 */
export function publicPrefix(text: string): { ok: true; prefix: Prefix } | { ok: false; message: string } {
  const r = parsePrefixStrict(text);
  if (!r.ok) return { ok: false, message: `Invalid IP prefix ${text}: ${prefixProblem(text)}` };
  const special = specialPurposeReason(r.prefix);
  if (special) return { ok: false, message: `Invalid IP prefix ${text}: ${special}, which cannot be registered` };
  return { ok: true, prefix: r.prefix };
}

function checkKey(key: string | undefined, target: string): void {
  if (key !== undefined && !UUID.test(key)) throw invalid(`${target} must be a UUID`, target);
}

const prefixOut =
  (partner: string, peering: string) =>
  (r: RegisteredPrefixRow): RegisteredPrefixView => ({
    name: r.name,
    partner,
    peering,
    prefix: r.prefix,
    key: r.key,
    state: r.state as PrefixState,
    errorMessage: r.error_message,
    verifiedOriginAs: r.origin_as === null ? null : Number(r.origin_as),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    overlapOverride: r.overlap_override_by === null ? null : { by: r.overlap_override_by, at: r.overlap_override_at! },
  });

const asnOut =
  (partner: string, peering: string) =>
  (r: RegisteredAsnRow): RegisteredAsn => ({
    name: r.name,
    partner,
    peering,
    asn: Number(r.asn),
    key: r.key,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });

export class Registrations {
  constructor(
    private readonly store: Store,
    private readonly peerings: Peerings,
  ) {}

  // Registered prefixes

  async listPrefixes(partner: string, peering: string, req: PageRequest): Promise<Page<RegisteredPrefixView>> {
    const p = await this.peerings.row(partner, peering);
    return fetchPage(
      this.store.db.selectFrom('registered_prefixes').selectAll().where('peering_id', '=', p.id),
      'name',
      req,
      (r) => r.name,
      prefixOut(partner, peering),
    );
  }

  async getPrefix(partner: string, peering: string, name: string, db: Db = this.store.db): Promise<RegisteredPrefixView> {
    const p = await this.peerings.row(partner, peering, db);
    const r = await db.selectFrom('registered_prefixes').selectAll().where('peering_id', '=', p.id).where('name', '=', name).executeTakeFirst();
    if (!r) throw notFound('Registered prefix', name);
    return prefixOut(partner, peering)(r);
  }

  /**
   * Registers a prefix. `by` is the calling API key's id: an operator's `allowOverlap` is recorded
   * with it. The result names the other partner's registration an override overlapped, if any.
   */
  async putPrefix(
    partner: string,
    peering: string,
    name: string,
    input: RegisteredPrefixInput,
    by?: string,
  ): Promise<Upserted<RegisteredPrefixView> & { overlapped?: OverlappedRegistration }> {
    checkKey(input.key, 'key');
    // An override is only ever recorded with the key that made it.
    if (input.allowOverlap && !by) throw invalid('allowOverlap needs the id of the operator key that overrides', 'allowOverlap');
    const parsed = publicPrefix(input.prefix);
    if (!parsed.ok) throw invalid(parsed.message, 'prefix');
    const prefix = formatPrefix(parsed.prefix);
    return this.store.transaction(async (tx) => {
      const p = await this.peerings.row(partner, peering, tx);
      const cur = await tx.selectFrom('registered_prefixes').selectAll().where('peering_id', '=', p.id).where('name', '=', name).executeTakeFirst();
      if (cur) {
        if (cur.prefix !== prefix)
          throw conflict(`Registered prefix ${name} is ${cur.prefix}; a registration cannot change its prefix — delete it and register anew`, 'prefix');
        if (input.key !== undefined && input.key !== cur.key) throw conflict(`the key of registered prefix ${name} cannot change`, 'key');
        return { resource: prefixOut(partner, peering)(cur), created: false, changed: false };
      }
      if (p.type === 'exchange-route-server') throw rule('exchange-route-server peerings register customer ASNs, not prefixes', 'prefix');
      if (!(await this.peerings.hasActiveConnection(p.id, tx))) {
        throw rule(`At least one connection of peering ${peering} must be Active before prefixes can be registered`, 'prefix');
      }
      const taken = await tx
        .selectFrom('registered_prefixes')
        .innerJoin('peerings', 'peerings.id', 'registered_prefixes.peering_id')
        .select('peerings.partner')
        .where('registered_prefixes.prefix', '=', prefix)
        .executeTakeFirst();
      if (taken) {
        // Never an override: one prefix, one registration, one key (the reference's rule).
        const whose = taken.partner === partner ? 'on a peering' : 'by another partner';
        const ask = taken.partner === partner ? '' : ' — ask the operator if you hold this address space';
        throw conflict(`Prefix ${prefix} is already registered ${whose}; a prefix can be registered under only one peering${ask}`, 'prefix');
      }
      const overlapped = await this.otherPartnersOverlap(tx, partner, parsed.prefix);
      if (overlapped && !input.allowOverlap) {
        // The message names neither the other partner nor its prefix: a partner must not learn who holds what.
        throw conflict(`Prefix ${prefix} overlaps a prefix another partner has registered; ask the operator if you hold this address space`, 'prefix');
      }
      const key = input.key ?? randomUUID();
      await this.keyFree(tx, key);
      const t = now();
      await tx
        .insertInto('registered_prefixes')
        .values({
          peering_id: p.id,
          name,
          prefix,
          family: parsed.prefix.family,
          key,
          state: 'Pending',
          error_message: null,
          origin_as: null,
          created_at: t,
          updated_at: t,
          ...rangeColumns(parsed.prefix),
          // Recorded only when an overlap was actually overridden.
          overlap_override_by: overlapped ? by! : null,
          overlap_override_at: overlapped ? t : null,
        })
        .execute();
      const resource = await this.getPrefix(partner, peering, name, tx);
      return { resource, created: true, changed: true, ...(overlapped ? { overlapped } : {}) };
    });
  }

  /**
   * Re-queues validation (reference: RegisteredPrefixes_Validate): the state turns Pending and the
   * origin memory is cleared, so a prefix that moved to a new origin is verified with that one.
   */
  async validatePrefix(partner: string, peering: string, name: string): Promise<RegisteredPrefixView> {
    return this.store.transaction(async (tx) => {
      const p = await this.peerings.row(partner, peering, tx);
      await this.getPrefix(partner, peering, name, tx);
      await tx
        .updateTable('registered_prefixes')
        .set({ state: 'Pending', error_message: null, origin_as: null, updated_at: now() })
        .where('peering_id', '=', p.id)
        .where('name', '=', name)
        .execute();
      return this.getPrefix(partner, peering, name, tx);
    });
  }

  async deletePrefix(partner: string, peering: string, name: string): Promise<void> {
    await this.store.transaction(async (tx) => {
      const r = await this.getPrefix(partner, peering, name, tx);
      const used = await tx.selectFrom('customer_prefixes').select('prefix').where('key', '=', r.key).executeTakeFirst();
      if (used) throw conflict(`Registered prefix ${name} is in use by a customer prefix (${used.prefix}); the customer must delete it first`);
      const p = await this.peerings.row(partner, peering, tx);
      await tx.deleteFrom('registered_prefixes').where('peering_id', '=', p.id).where('name', '=', name).execute();
    });
  }

  // Registered ASNs

  async listAsns(partner: string, peering: string, req: PageRequest): Promise<Page<RegisteredAsn>> {
    const p = await this.peerings.row(partner, peering);
    return fetchPage(
      this.store.db.selectFrom('registered_asns').selectAll().where('peering_id', '=', p.id),
      'name',
      req,
      (r) => r.name,
      asnOut(partner, peering),
    );
  }

  async getAsn(partner: string, peering: string, name: string, db: Db = this.store.db): Promise<RegisteredAsn> {
    const p = await this.peerings.row(partner, peering, db);
    const r = await db.selectFrom('registered_asns').selectAll().where('peering_id', '=', p.id).where('name', '=', name).executeTakeFirst();
    if (!r) throw notFound('Registered ASN', name);
    return asnOut(partner, peering)(r);
  }

  async putAsn(partner: string, peering: string, name: string, input: RegisteredAsnInput): Promise<Upserted<RegisteredAsn>> {
    checkKey(input.key, 'key');
    checkPublicAsn(input.asn, 'asn');
    return this.store.transaction(async (tx) => {
      const p: PeeringRow = await this.peerings.row(partner, peering, tx);
      const cur = await tx.selectFrom('registered_asns').selectAll().where('peering_id', '=', p.id).where('name', '=', name).executeTakeFirst();
      if (cur) {
        if (Number(cur.asn) !== input.asn) throw conflict(`Registered ASN ${name} is ${cur.asn}; delete it and register anew`, 'asn');
        if (input.key !== undefined && input.key !== cur.key) throw conflict(`the key of registered ASN ${name} cannot change`, 'key');
        return { resource: asnOut(partner, peering)(cur), created: false, changed: false };
      }
      if (p.type !== 'exchange-route-server')
        throw rule(`Customer ASNs are registered on exchange-route-server peerings; ${peering} is a ${p.type} peering — register prefixes instead`, 'asn');
      if (!(await this.peerings.hasActiveConnection(p.id, tx))) {
        throw rule(`At least one connection of peering ${peering} must be Active before ASNs can be registered`, 'asn');
      }
      const taken = await tx.selectFrom('registered_asns').select('id').where('asn', '=', input.asn).executeTakeFirst();
      if (taken) throw conflict(`ASN ${input.asn} is already registered; an ASN cannot be registered twice`, 'asn');
      const key = input.key ?? randomUUID();
      await this.keyFree(tx, key);
      const t = now();
      await tx.insertInto('registered_asns').values({ peering_id: p.id, name, asn: input.asn, key, created_at: t, updated_at: t }).execute();
      return { resource: await this.getAsn(partner, peering, name, tx), created: true, changed: true };
    });
  }

  async deleteAsn(partner: string, peering: string, name: string): Promise<void> {
    await this.store.transaction(async (tx) => {
      const r = await this.getAsn(partner, peering, name, tx);
      const used = await tx.selectFrom('customer_prefixes').select('prefix').where('key', '=', r.key).executeTakeFirst();
      if (used) throw conflict(`Registered ASN ${name} is in use by a customer prefix (${used.prefix}); the customer must delete it first`);
      const p = await this.peerings.row(partner, peering, tx);
      await tx.deleteFrom('registered_asns').where('peering_id', '=', p.id).where('name', '=', name).execute();
    });
  }

  /**
   * Another partner's registered prefix that equals, covers or lies inside `p`, if any. Overlap
   * within one partner is allowed (the reference only forbids registering one prefix twice): a
   * partner may register a covering /22 on one peering and a /24 of it on another.
   */
  private async otherPartnersOverlap(tx: Db, partner: string, p: Prefix): Promise<OverlappedRegistration | undefined> {
    const others = tx
      .selectFrom('registered_prefixes')
      .innerJoin('peerings', 'peerings.id', 'registered_prefixes.peering_id')
      .select([
        'registered_prefixes.net_start',
        'registered_prefixes.net_length',
        'registered_prefixes.prefix',
        'registered_prefixes.name',
        'peerings.partner',
        'peerings.name as peering',
      ])
      .where('registered_prefixes.family', '=', p.family)
      .where('peerings.partner', '!=', partner);
    const row = await firstOverlap(
      p,
      (starts, maxLength) => others.where('registered_prefixes.net_start', 'in', starts).where('registered_prefixes.net_length', '<=', maxLength).execute(),
      (start, end) => others.where('registered_prefixes.net_start', '>=', start).where('registered_prefixes.net_start', '<=', end).limit(1).executeTakeFirst(),
    );
    return row && { partner: row.partner, peering: row.peering, name: row.name, prefix: row.prefix };
  }

  /** A key names one registration, across prefixes and ASNs. */
  private async keyFree(tx: Db, key: string): Promise<void> {
    const a = await tx.selectFrom('registered_prefixes').select('id').where('key', '=', key).executeTakeFirst();
    const b = await tx.selectFrom('registered_asns').select('id').where('key', '=', key).executeTakeFirst();
    if (a || b) throw conflict('key is already used by another registration', 'key');
  }
}
