// Where validation's batches go: one transaction per batch on the registry's own connection, and
// subscribers hear of the events once it is committed. (A worker thread with its own connection
// stored them for a while: on the 2-core machine it cost 6 s more CPU and 80 MB more memory in a
// full load than the main thread doing the same statements, and finished no sooner; see
// bench/README.md.)
import type { Store } from '../store/store.js';
import { toEventRow } from './event-rows.js';
import type { EventSubject, PrefixEventInput, PrefixEvents } from './prefix-events.js';
import { now } from './util.js';
import type { FactWrite, ValidationFacts } from './validation-facts.js';
import { recordValidation } from './validation-record.js';

export interface RecordInput {
  rows: FactWrite[];
  origins: Array<{ id: string; originAs: number }>;
  events: Array<{ subject: EventSubject; event: PrefixEventInput }>;
}

export class ValidationRecorder {
  constructor(
    private readonly store: Store,
    private readonly facts: ValidationFacts,
    private readonly events: PrefixEvents,
  ) {}

  /** Stores one batch in one transaction; resolves once it is committed and its events announced. */
  async record(input: RecordInput): Promise<void> {
    await this.events.ids();
    const batch = this.facts.batch(
      input.rows,
      input.origins,
      input.events.map(({ subject, event }) => toEventRow(subject, event)),
    );
    // (the subjects are taken now: the batch's events are not kept past the commit for nobody)
    const subjects = this.events.listened ? input.events.map((e) => e.subject) : undefined;
    const ids = await this.store.transaction((tx) => recordValidation(tx, batch, now()));
    if (subjects) this.events.announce(batch.events, ids, subjects);
  }
}
