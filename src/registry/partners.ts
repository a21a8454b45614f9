// Partners (ISPs, exchanges, cloud interconnect providers) and the peer ASNs they own.
// A partner registers an ASN (pending); the operator approves or fails it; only an approved
// ASN can be used in a peering.

import { isPrivateAsn, isReservedAsn } from '../net/asn.js';
import type { PartnerTable, PeerAsnTable } from '../store/schema.js';
import type { Db, Store } from '../store/store.js';
import type { ApiKeys } from './api-keys.js';
import { conflict, invalid, notFound, rule } from './errors.js';
import { fetchPage, type Page, type PageRequest } from './paging.js';
import type { AsnState, Contact, Partner, PartnerKind, PeerAsn, Upserted } from './types.js';
import { now, putRow, sameJson } from './util.js';

export interface PartnerInput {
  kind: PartnerKind;
  displayName: string;
}
export interface PeerAsnInput {
  name: string;
  contacts: Contact[];
}

const partnerOut = (r: PartnerTable): Partner => ({
  name: r.name,
  kind: r.kind as PartnerKind,
  displayName: r.display_name,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const asnOut = (r: PeerAsnTable): PeerAsn => ({
  asn: Number(r.asn),
  partner: r.partner,
  name: r.name,
  contacts: JSON.parse(r.contacts),
  state: r.state as AsnState,
  errorMessage: r.error_message,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Refuses ASNs that cannot identify a network on the public Internet. */
export function checkPublicAsn(asn: number, target: string): void {
  if (isPrivateAsn(asn)) throw invalid(`ASN ${asn} is a private ASN (RFC 6996); a public ASN is required`, target);
  if (isReservedAsn(asn)) throw invalid(`ASN ${asn} is reserved (RFC 7607, RFC 6793) and cannot be used`, target);
}

export class Partners {
  constructor(
    private readonly store: Store,
    private readonly apiKeys: ApiKeys,
  ) {}

  async list(req: PageRequest, only?: string): Promise<Page<Partner>> {
    let q = this.store.db.selectFrom('partners').selectAll();
    if (only !== undefined) q = q.where('name', '=', only);
    return fetchPage(q, 'name', req, (r) => r.name, partnerOut);
  }

  async get(name: string, db: Db = this.store.db): Promise<Partner> {
    const r = await db.selectFrom('partners').selectAll().where('name', '=', name).executeTakeFirst();
    if (!r) throw notFound('Partner', name);
    return partnerOut(r);
  }

  async put(name: string, input: PartnerInput): Promise<Upserted<Partner>> {
    return this.store.transaction(async (tx) => {
      const cur = await tx.selectFrom('partners').selectAll().where('name', '=', name).executeTakeFirst();
      const row = { kind: input.kind, display_name: input.displayName };
      if (cur && cur.kind === row.kind && cur.display_name === row.display_name) return { resource: partnerOut(cur), created: false, changed: false };
      await putRow(tx, 'partners', row, cur && ['name', name], { name });
      return { resource: await this.get(name, tx), created: !cur, changed: true };
    });
  }

  async delete(name: string): Promise<void> {
    // Its keys go with it; whatever they hold open (event streams) ends once the delete is committed.
    const announce = await this.store.transaction(async (tx) => {
      await this.get(name, tx);
      const peerings = await tx.selectFrom('peerings').select('name').where('partner', '=', name).execute();
      if (peerings.length) throw conflict(`Partner ${name} still has peerings (${peerings.map((p) => p.name).join(', ')}); delete them first`);
      const services = await tx.selectFrom('peering_services').select('id').where('provider', '=', name).execute();
      if (services.length) throw conflict(`Partner ${name} is the provider of ${services.length} peering service(s)`);
      await tx.deleteFrom('peer_asns').where('partner', '=', name).execute();
      const revoked = await this.apiKeys.deleteTenantKeys(tx, { partner: name });
      await tx.deleteFrom('partners').where('name', '=', name).execute();
      return revoked;
    });
    announce();
  }

  // Peer ASNs

  async listAsns(partner: string, req: PageRequest): Promise<Page<PeerAsn>> {
    await this.get(partner);
    return fetchPage(this.store.db.selectFrom('peer_asns').selectAll().where('partner', '=', partner), 'asn', req, (r) => Number(r.asn), asnOut);
  }

  async getAsn(partner: string, asn: number, db: Db = this.store.db): Promise<PeerAsn> {
    await this.get(partner, db);
    const r = await db.selectFrom('peer_asns').selectAll().where('asn', '=', asn).where('partner', '=', partner).executeTakeFirst();
    if (!r) throw notFound('Peer ASN', asn);
    return asnOut(r);
  }

  async putAsn(partner: string, asn: number, input: PeerAsnInput): Promise<Upserted<PeerAsn>> {
    checkPublicAsn(asn, 'asn');
    return this.store.transaction(async (tx) => {
      await this.get(partner, tx);
      const cur = await tx.selectFrom('peer_asns').selectAll().where('asn', '=', asn).executeTakeFirst();
      // An ASN belongs to one partner; say so without naming the other tenant.
      if (cur && cur.partner !== partner) throw conflict(`ASN ${asn} is already registered by another partner`, 'asn');
      const row = { name: input.name, contacts: JSON.stringify(input.contacts) };
      if (cur && cur.name === row.name && sameJson(JSON.parse(cur.contacts), input.contacts)) return { resource: asnOut(cur), created: false, changed: false };
      await putRow(tx, 'peer_asns', row, cur && ['asn', asn], { asn, partner, state: 'pending', error_message: null });
      return { resource: await this.getAsn(partner, asn, tx), created: !cur, changed: true };
    });
  }

  /** The operator's verdict on an ASN: approved, or failed with a message saying why. */
  async setAsnState(partner: string, asn: number, state: AsnState, message?: string): Promise<Upserted<PeerAsn>> {
    if (state === 'failed' && !message) throw rule('a failed ASN needs a message saying why', 'message');
    return this.store.transaction(async (tx) => {
      const cur = await this.getAsn(partner, asn, tx);
      const errorMessage = state === 'failed' ? message! : null;
      if (cur.state === state && cur.errorMessage === errorMessage) return { resource: cur, created: false, changed: false };
      if (state !== 'approved') {
        const used = await tx.selectFrom('peerings').select('name').where('asn', '=', asn).execute();
        if (used.length) throw conflict(`ASN ${asn} is used by peering(s) ${used.map((p) => p.name).join(', ')}; it must stay approved`, 'state');
      }
      await tx.updateTable('peer_asns').set({ state, error_message: errorMessage, updated_at: now() }).where('asn', '=', asn).execute();
      return { resource: await this.getAsn(partner, asn, tx), created: false, changed: true };
    });
  }

  async deleteAsn(partner: string, asn: number): Promise<void> {
    await this.store.transaction(async (tx) => {
      await this.getAsn(partner, asn, tx);
      const used = await tx.selectFrom('peerings').select('name').where('asn', '=', asn).execute();
      if (used.length) throw conflict(`ASN ${asn} is used by peering(s) ${used.map((p) => p.name).join(', ')}; delete them first`);
      await tx.deleteFrom('peer_asns').where('asn', '=', asn).execute();
    });
  }
}
