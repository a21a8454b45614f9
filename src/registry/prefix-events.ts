// The prefix event log: events of registered and customer prefixes, stored as validation raises
// them and listed oldest first with keyset paging, per prefix, per partner (its registered
// prefixes and its customers' prefixes) and per customer. In-process subscribers hear of each
// event once it is stored (the API's live event streams). Readers see opaque ids (event-ids.ts)
// and their role's view of each event (event-view.ts).

import type { PrefixEventTable } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { invalid } from './errors.js';
import { EventIds } from './event-ids.js';
import { type EventRow, insertEventRows, toEventRow } from './event-rows.js';
import { type EventAudience, eventView, type PrefixEventView } from './event-view.js';
import { type Page, type PageRequest, pageLimit } from './paging.js';

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

/** An event as stored, with everything it carries; readers get eventView() of it. */
export interface StoredPrefixEvent extends PrefixEventInput {
  /** the row id: the log's order, counting every tenant's events; never shown to readers */
  seq: number;
  /** the opaque id readers see */
  id: string;
  subjectKind: EventSubjectKind;
  /** "partner/peering/name" or "customer/service/name" */
  subject: string;
  /** the prefix the event is about */
  prefix: string;
  /** the registered or customer prefix it belongs to */
  subjectPrefix: string;
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

type Row = Omit<PrefixEventTable, 'id'> & { id: number };

const selectEvents = (store: Store) => store.db.selectFrom('prefix_events').selectAll();
type EventQuery = ReturnType<typeof selectEvents>;

export class PrefixEvents {
  private readonly listeners = new Set<PrefixEventListener>();
  private idsLoaded: Promise<EventIds> | undefined;
  /** the codec once loaded */
  private codec: EventIds | undefined;

  constructor(private readonly store: Store) {}

  /** The database's opaque id codec (its key is read once). */
  ids(): Promise<EventIds> {
    this.idsLoaded ??= EventIds.load(this.store).then((c) => (this.codec = c));
    return this.idsLoaded;
  }

  private out(r: Row, ids: EventIds): StoredPrefixEvent {
    return {
      seq: r.id,
      id: ids.encode(r.id),
      subjectKind: r.subject_kind as EventSubjectKind,
      subject: r.subject,
      prefix: r.prefix,
      subjectPrefix: r.subject_prefix ?? r.prefix,
      time: r.time,
      type: r.type,
      level: r.level,
      summary: r.summary,
      details: JSON.parse(r.details) as Record<string, unknown>,
      ...(r.internal ? { internal: JSON.parse(r.internal) as StoredPrefixEvent['internal'] } : {}),
    };
  }

  /** Stores one event; returns its opaque id. */
  async add(subject: EventSubject, e: PrefixEventInput): Promise<string> {
    const ids = await this.ids();
    const row = toEventRow(subject, e);
    const r = await this.store.db.insertInto('prefix_events').values(row).executeTakeFirstOrThrow();
    const id = Number(r.insertId);
    if (this.listeners.size > 0) this.notify({ ...this.out({ ...row, id }, ids), partner: subject.partner, customer: subject.customer });
    return ids.encode(id);
  }

  /**
   * Stores many events in one transaction (validation raises them in bursts: a session lost is an
   * event per prefix it carried); subscribers hear of them once they are committed.
   */
  async addMany(items: Array<{ subject: EventSubject; event: PrefixEventInput }>): Promise<void> {
    if (!items.length) return;
    await this.ids();
    const rows = items.map(({ subject, event }) => toEventRow(subject, event));
    const stored = await this.store.transaction((tx) => insertEventRows(tx, rows));
    this.announce(
      rows,
      stored,
      items.map((i) => i.subject),
    );
  }

  /**
   * Rows stored by someone else (validation's batched writes): subscribers hear of them now.
   * `ids[i]` is the row id of `rows[i]`, whose subject is `subjects[i]`.
   */
  /** Whether anyone listens (else a batch need not keep its rows until it is stored). */
  get listened(): boolean {
    return this.listeners.size > 0;
  }

  announce(rows: readonly EventRow[], ids: readonly number[], subjects: readonly EventSubject[]): void {
    if (this.listeners.size === 0) return;
    const codec = this.codec;
    if (!codec) throw new Error('event ids are not loaded: await ids() before announcing');
    rows.forEach((row, i) => this.notify({ ...this.out({ ...row, id: ids[i]! }, codec), partner: subjects[i]!.partner, customer: subjects[i]!.customer }));
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
    return () => {
      this.listeners.delete(entry);
    };
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

  /**
   * The scope's events after row `afterSeq`, oldest first, at most `limit`, as stored (streams
   * replay them, rendering each for their reader with eventView).
   */
  async listAfter(scope: EventScope, afterSeq: number, limit: number): Promise<StoredPrefixEvent[]> {
    const ids = await this.ids();
    let q = selectEvents(this.store);
    q = 'partner' in scope ? q.where('partner', '=', scope.partner) : q.where('customer', '=', scope.customer);
    const rows = await q.where('id', '>', afterSeq).orderBy('id').limit(limit).execute();
    return rows.map((r) => this.out(r, ids));
  }

  /**
   * The row an opaque id a client sent stands for; "0" is the start of the log. Anything else is
   * a 400 naming `field`.
   */
  async position(id: string, field: string): Promise<number> {
    if (id === '0') return 0;
    const seq = (await this.ids()).decode(id);
    if (seq === undefined) throw invalid(`${field} ${JSON.stringify(id.slice(0, 40))} is not an event id this API returned (or 0 for the start)`, field);
    return seq;
  }

  /** One prefix's events. `audience` defaults to the tenant view: a caller that forgets it leaks nothing. */
  listForSubject(kind: EventSubjectKind, subject: string, req: PageRequest, audience: EventAudience = 'tenant'): Promise<Page<PrefixEventView>> {
    return this.page(selectEvents(this.store).where('subject_kind', '=', kind).where('subject', '=', subject), req, audience);
  }

  listForPartner(partner: string, req: PageRequest, audience: EventAudience = 'tenant'): Promise<Page<PrefixEventView>> {
    return this.page(selectEvents(this.store).where('partner', '=', partner), req, audience);
  }

  listForCustomer(customer: string, req: PageRequest, audience: EventAudience = 'tenant'): Promise<Page<PrefixEventView>> {
    return this.page(selectEvents(this.store).where('customer', '=', customer), req, audience);
  }

  /** Keyset paging by row id; the cursor is the last event's opaque id. */
  private async page(q: EventQuery, req: PageRequest, audience: EventAudience): Promise<Page<PrefixEventView>> {
    const ids = await this.ids();
    const limit = pageLimit(req);
    if (req.cursor !== undefined && req.cursor !== '') {
      const after = ids.decode(req.cursor);
      if (after === undefined) throw invalid(`cursor ${JSON.stringify(req.cursor.slice(0, 40))} is not a cursor this API returned`, 'cursor');
      q = q.where('id', '>', after);
    }
    const rows = await q
      .orderBy('id')
      .limit(limit + 1)
      .execute();
    const items = rows.slice(0, limit).map((r) => eventView(this.out(r, ids), audience));
    return { items, nextCursor: rows.length > limit ? items[items.length - 1]!.id : null };
  }
}
