// What the validation receiver (bench/validation-receiver.ts) counts in each phase of a run (the
// load, a churn, a session's loss and return): its /status reports them to bench/validation.ts.

/** One phase's counters, from its mark (POST /mark?name=...) on. */
export interface PhaseCounts {
  name: string;
  /** the mark (epoch ms) */
  at: number;
  updates: number;
  changes: number;
  handlerMs: number;
  firstUpdate?: number;
  lastUpdate?: number;
  stateChanges: number;
  events: number;
  /** sessions that went down in this phase: peer, reason */
  downs: Array<[string, string]>;
}
