// The prefix event log: events of registered and customer prefixes, stored as validation raises
// them and listed oldest first with keyset paging, per prefix, per partner (its registered
// prefixes and its customers' prefixes) and per customer.
import type { Store } from '../store/store.js';
import { fetchPage, type Page, type PageRequest } from './paging.js';

export type EventSubjectKind = 'registered-prefix' | 'customer-prefix';

export interface PrefixEventInput {
  time: string;
  type: string;
  level: string;
  summary: string;
  details: Record<string, unknown>;
}

export interface StoredPrefixEvent extends PrefixEventInput {
  id: number;
  subjectKind: EventSubjectKind;
  /** "partner/peering/name" or "customer/service/name" */
  subject: string;
  prefix: string;
}

export interface EventSubject {
  kind: EventSubjectKind;
  id: string;
  prefix: string;
  /** the partner that registered the prefix, or the customer's provider */
  partner: string | null;
  customer: string | null;
}

interface Row {
  id: number; subject_kind: string; subject: string; partner: string | null; customer: string | null; prefix: string;
  time: string; type: string; level: string; summary: string; details: string;
}

const out = (r: Row): StoredPrefixEvent => ({
  id: r.id, subjectKind: r.subject_kind as EventSubjectKind, subject: r.subject, prefix: r.prefix,
  time: r.time, type: r.type, level: r.level, summary: r.summary, details: JSON.parse(r.details) as Record<string, unknown>,
});

export class PrefixEvents {
  constructor(private readonly store: Store) {}

  async add(subject: EventSubject, e: PrefixEventInput): Promise<number> {
    const r = await this.store.db.insertInto('prefix_events').values({
      subject_kind: subject.kind, subject: subject.id, partner: subject.partner, customer: subject.customer, prefix: subject.prefix,
      time: e.time, type: e.type, level: e.level, summary: e.summary, details: JSON.stringify(e.details),
    }).executeTakeFirstOrThrow();
    return Number(r.insertId);
  }

  listForSubject(kind: EventSubjectKind, subject: string, req: PageRequest): Promise<Page<StoredPrefixEvent>> {
    const q = this.store.db.selectFrom('prefix_events').selectAll().where('subject_kind', '=', kind).where('subject', '=', subject);
    return fetchPage(q, 'id', req, (r) => r.id, out);
  }

  listForPartner(partner: string, req: PageRequest): Promise<Page<StoredPrefixEvent>> {
    return fetchPage(this.store.db.selectFrom('prefix_events').selectAll().where('partner', '=', partner), 'id', req, (r) => r.id, out);
  }

  listForCustomer(customer: string, req: PageRequest): Promise<Page<StoredPrefixEvent>> {
    return fetchPage(this.store.db.selectFrom('prefix_events').selectAll().where('customer', '=', customer), 'id', req, (r) => r.id, out);
  }
}
