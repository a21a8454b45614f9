// The edge daemon's one way to the registry: prefix states, what validation keeps beside them
// (the last look, the ongoing rejections), origin memory and events, stored in batches, a
// transaction each, a few milliseconds after they happen. A lost session changes thousands of prefixes at once, and
// one commit per prefix would take seconds. BGP never waits for the store; idle() waits for it.
import type { EventSubject } from '../registry/prefix-events.js';
import type { FactStored, FactWrite } from '../registry/validation-facts.js';
import type { RecordInput } from '../registry/validation-recorder.js';
import type { WatchedKind, WatchedPrefix } from '../validation/engine.js';
import type { PrefixEvent, PrefixLook } from '../validation/events.js';
import type { StateResult } from '../validation/prefix-state.js';
import { encodeLook } from '../validation/stored-look.js';

/** Where batches go (registry/validation-recorder.ts): one transaction each. */
export interface Recorder {
  record(input: RecordInput): Promise<void>;
}

interface PendingRow {
  kind: WatchedKind;
  id: string;
  state?: FactStored;
  look?: PrefixLook;
  alerts?: true;
}

/** "kind:id" (engine.subjectOf) -> kind and id */
function splitSubject(subject: string): { kind: WatchedKind; id: string } {
  const i = subject.indexOf(':');
  return { kind: subject.slice(0, i) as WatchedKind, id: subject.slice(i + 1) };
}

/** One subject object per watched prefix, however many events it has (a full load has 200,000). */
const subjects = new WeakMap<WatchedPrefix, EventSubject>();
function subjectOf(p: WatchedPrefix): EventSubject {
  let s = subjects.get(p);
  if (!s) subjects.set(p, (s = { kind: p.kind, id: p.id, prefix: p.prefix, partner: p.partner ?? null, customer: p.customer ?? null }));
  return s;
}

export class StateWriter {
  private rows = new Map<string, PendingRow>();
  private events: Array<{ p: WatchedPrefix; e: PrefixEvent }> = [];
  private origins: Array<{ id: string; originAs: number }> = [];
  private timer: NodeJS.Timeout | undefined;
  /** when the last batch started (performance.now()) */
  private lastStart = -Infinity;
  /**
   * The batch being written: one at a time, so a later state never lands before an earlier one,
   * and what comes meanwhile waits for the next batch, where a prefix's changes coalesce into one
   * row. (Queueing a batch per 10 ms instead left the writes 60 batches behind a full load.)
   */
  private writing: Promise<void> | undefined;
  /** set by close(): what comes after (sessions closing on shutdown) is not recorded */
  private closed = false;

  constructor(
    private readonly recorder: Recorder,
    /** what is remembered of a subject's ongoing rejections, as stored (read when the batch is written) */
    private readonly alertsOf: (subject: string) => string | null,
    private readonly log: (line: string) => void,
  ) {}

  /** Whether writes are taken (until close()). */
  get open(): boolean {
    return !this.closed;
  }

  /** Batches being written plus rows and events waiting for the next batch (0: all stored). */
  get pending(): number {
    return (this.writing ? 1 : 0) + this.rows.size + this.events.length + this.origins.length;
  }

  /** Takes no more writes; idle() still stores what was taken. */
  close(): void {
    this.closed = true;
  }

  state(p: WatchedPrefix, r: StateResult): void {
    if (this.closed) return;
    this.row(p.kind, p.id).state = { state: r.state, message: r.message };
    this.schedule();
  }

  look(p: WatchedPrefix, look: PrefixLook): void {
    if (this.closed) return;
    this.row(p.kind, p.id).look = look;
    this.schedule();
  }

  /** A subject's ongoing rejections changed ("kind:id"). */
  alerts(subject: string): void {
    if (this.closed) return;
    const { kind, id } = splitSubject(subject);
    this.row(kind, id).alerts = true;
    this.schedule();
  }

  event(p: WatchedPrefix, e: PrefixEvent): void {
    if (this.closed) return;
    this.events.push({ p, e });
    this.schedule();
  }

  origin(id: string, originAs: number): void {
    if (this.closed) return;
    this.origins.push({ id, originAs });
    this.schedule();
  }

  /** Writes what is pending now and resolves when every batch so far is stored. */
  async idle(): Promise<void> {
    for (;;) {
      this.flush();
      if (!this.writing) return;
      await this.writing;
    }
  }

  private row(kind: WatchedKind, id: string): PendingRow {
    const k = `${kind}:${id}`;
    let r = this.rows.get(k);
    if (!r) this.rows.set(k, (r = { kind, id }));
    return r;
  }

  private schedule(): void {
    // 10 ms after the first change, and at most one batch per 50 ms: under a full load a commit
    // (an fsync with synchronous=FULL) per turn of the event loop would be most of the writing.
    const wait = Math.max(10, this.lastStart + 50 - performance.now());
    this.timer ??= setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.writing) return; // taken up when the batch being written is done
    const { rows, events, origins } = this;
    if (!rows.size && !events.length && !origins.length) return;
    this.lastStart = performance.now();
    if (origins.length) this.log(originsLearned(origins));
    this.rows = new Map();
    this.events = [];
    this.origins = [];
    const writes: FactWrite[] = [...rows.entries()].map(([subject, r]) => ({
      kind: r.kind,
      id: r.id,
      ...(r.state ? { state: r.state } : {}),
      ...(r.look ? { look: encodeLook(r.look) } : {}),
      ...(r.alerts ? { alerts: this.alertsOf(subject) } : {}),
    }));
    // In chunks of at most CHUNK rows and events, a transaction each, with a turn of the event
    // loop between them: a big batch stored on the main thread must not hold up BGP.
    const CHUNK = 10_000;
    const turn = () => new Promise<void>((r) => setImmediate(r));
    const items = events.map(({ p, e }) => ({ subject: subjectOf(p), event: e }));
    const w = (async () => {
      for (let i = 0; i === 0 || i < writes.length || i < items.length; i += CHUNK) {
        await this.recorder
          .record({ rows: writes.slice(i, i + CHUNK), origins: i === 0 ? origins : [], events: items.slice(i, i + CHUNK) })
          .catch((e: Error) => this.log(`could not store ${writes.length} prefix states and ${events.length} events: ${e.message}`));
        await turn();
      }
    })();
    this.writing = w;
    void w.finally(() => {
      this.writing = undefined;
      if (this.rows.size || this.events.length || this.origins.length) this.schedule();
    });
  }
}

/** One log line for the origins a batch remembers. */
function originsLearned(origins: ReadonlyArray<{ id: string; originAs: number }>): string {
  const shown = origins
    .slice(0, 3)
    .map((o) => `${o.id} (AS${o.originAs})`)
    .join(', ');
  const more = origins.length > 3 ? ` and ${origins.length - 3} more` : '';
  return `origin memory: ${shown}${more} verified with this origin AS for the first time; another origin is now a hijack (POST .../validate to verify a new one)`;
}
