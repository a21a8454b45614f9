// The prefix event log: events of registered and customer prefixes, stored as validation raises
// them and listed oldest first with keyset paging, per prefix, per partner (its registered
// prefixes and its customers' prefixes) and per customer. In-process subscribers hear of each
// event once it is stored (the API's live event streams).
import type { Store } from '../store/store.js';
import { fetchPage, type Page, type PageRequest } from './paging.js';

export type EventSubjectKind = 'registered-prefix' | 'customer-prefix';

export interface PrefixEventInput {
  time: string;
  type: string;
  level: string;
  /** what happened, in words any key that sees the event may read: no other tenant's names or addresses */
  summary: string;
  /** facts any key that sees the event may read */
  details: Record<string, unknown>;
  /**
   * The prefix the event is about when it is not the subject's own (a hijacked more-specific of a
   * registered or customer prefix); the subject's prefix otherwise.
   */
  prefix?: string;
  /**
   * Operator-only facts: other tenants' names, their session addresses, and `summary`, the event
   * in words that name them. Partner and customer keys never see these.
   */
  internal?: { summary?: string } & Record<string, unknown>;
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

/** A stored event as subscribers get it: with the partner and customer it belongs to (its scope). */
export interface PrefixEventNotice extends StoredPrefixEvent {
  partner: string | null;
  customer: string | null;
}

export type PrefixEventListener = (e: PrefixEventNotice) => void;

/** Whose events: a partner's (its registered prefixes and its customers') or a customer's. */
export type EventScope = { partner: string } | { customer: string };

interface Row {
  id: number; subject_kind: string; subject: string; partner: string | null; customer: string | null; prefix: string;
  time: string; type: string; level: string; summary: string; details: string;
}

const out = (r: Row): StoredPrefixEvent => ({
  id: r.id, subjectKind: r.subject_kind as EventSubjectKind, subject: r.subject, prefix: r.prefix,
  time: r.time, type: r.type, level: r.level, summary: r.summary, details: JSON.parse(r.details) as Record<string, unknown>,
});

export class PrefixEvents {
  private readonly listeners = new Set<PrefixEventListener>();

  constructor(private readonly store: Store) {}

  async add(subject: EventSubject, e: PrefixEventInput): Promise<number> {
    const details = JSON.stringify(e.details);
    const r = await this.store.db.insertInto('prefix_events').values({
      subject_kind: subject.kind, subject: subject.id, partner: subject.partner, customer: subject.customer, prefix: subject.prefix,
      time: e.time, type: e.type, level: e.level, summary: e.summary, details,
    }).executeTakeFirstOrThrow();
    const id = Number(r.insertId);
    if (this.listeners.size > 0) {
      // What a later read returns (details through JSON), plus the scope.
      this.notify({
        ...out({
          id, subject_kind: subject.kind, subject: subject.id, partner: subject.partner, customer: subject.customer, prefix: subject.prefix,
          time: e.time, type: e.type, level: e.level, summary: e.summary, details,
        }),
        partner: subject.partner, customer: subject.customer,
      });
    }
    return id;
  }

  /**
   * Stores many events in one transaction (validation raises them in bursts: a session lost is an
   * event per prefix it carried); subscribers hear of them once they are committed.
   */
  async addMany(items: Array<{ subject: EventSubject; event: PrefixEventInput }>): Promise<void> {
    if (!items.length) return;
    const stored = await this.store.transaction(async (tx) => {
      const out: Array<{ id: number; subject: EventSubject; e: PrefixEventInput; details: string }> = [];
      for (const { subject, event: e } of items) {
        const details = JSON.stringify(e.details);
        const r = await tx.insertInto('prefix_events').values({
          subject_kind: subject.kind, subject: subject.id, partner: subject.partner, customer: subject.customer, prefix: subject.prefix,
          time: e.time, type: e.type, level: e.level, summary: e.summary, details,
        }).executeTakeFirstOrThrow();
        out.push({ id: Number(r.insertId), subject, e, details });
      }
      return out;
    });
    if (this.listeners.size === 0) return;
    for (const { id, subject, e, details } of stored) {
      this.notify({
        ...out({
          id, subject_kind: subject.kind, subject: subject.id, partner: subject.partner, customer: subject.customer, prefix: subject.prefix,
          time: e.time, type: e.type, level: e.level, summary: e.summary, details,
        }),
        partner: subject.partner, customer: subject.customer,
      });
    }
  }

  /**
   * Calls `listener` with every event stored from now on, right after its insert succeeded.
   * Returns the function that unsubscribes. A listener that throws never fails add(): its error
   * becomes a process warning.
   */
  subscribe(listener: PrefixEventListener): () => void {
    // A wrapper, so the same function subscribed twice is two subscriptions, each removed once.
    const entry: PrefixEventListener = (e) => listener(e);
    this.listeners.add(entry);
    return () => { this.listeners.delete(entry); };
  }

  /** How many subscribers there are (tests check that closed streams let go). */
  get subscriberCount(): number {
    return this.listeners.size;
  }

  private notify(e: PrefixEventNotice): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch (err) {
        process.emitWarning(`a prefix event subscriber failed on event ${e.id}: ${(err as Error)?.message ?? String(err)}`, 'PrefixEventSubscriberWarning');
      }
    }
  }

  /** The scope's events with an id above `after`, oldest first, at most `limit` (replay for streams). */
  async listAfter(scope: EventScope, after: number, limit: number): Promise<StoredPrefixEvent[]> {
    let q = this.store.db.selectFrom('prefix_events').selectAll();
    q = 'partner' in scope ? q.where('partner', '=', scope.partner) : q.where('customer', '=', scope.customer);
    const rows = await q.where('id', '>', after).orderBy('id').limit(limit).execute();
    return rows.map(out);
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
