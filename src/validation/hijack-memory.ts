// The rejections (hijacks, RPKI invalid routes) that raised an event and are still going on, per
// prefix they were raised on, so that the same route judged again (re-sent, re-judged after a
// registry or VRP change, seen again after a restart) raises nothing. One is forgotten when its
// route is withdrawn or judged otherwise, when its session goes down, or, for those remembered
// from before a restart, when its route has not come back by the end of settling. Kept in the
// registry beside the prefix's state (compact JSON), so a restart does not raise them again.

export type RememberedKind = 'hijack' | 'rpki-invalid';

/** One ongoing rejection as raised on one prefix (the subject). */
export interface Remembered {
  /** the session's peer address */
  peer: string;
  /** the prefix as announced (the subject's own, or a more-specific of it) */
  prefix: string;
  originAs: number | null;
  kind: RememberedKind;
}

type Stored = Array<[peer: string, prefix: string, originAs: number | null, kind: RememberedKind]>;

export function decodeRemembered(text: string | null | undefined): Remembered[] {
  if (!text) return [];
  try {
    const rows = JSON.parse(text) as Stored;
    if (!Array.isArray(rows)) return [];
    return rows
      .filter((r) => Array.isArray(r) && typeof r[0] === 'string' && typeof r[1] === 'string' && (r[3] === 'hijack' || r[3] === 'rpki-invalid'))
      .map(([peer, prefix, originAs, kind]) => ({ peer, prefix, originAs: typeof originAs === 'number' ? originAs : null, kind }));
  } catch {
    return [];
  }
}

const routeKey = (peer: string, prefix: string) => `${peer} ${prefix}`;

export class RejectionMemory {
  /** subject -> "peer prefix" -> what was raised */
  private bySubject = new Map<string, Map<string, Remembered>>();
  /** peer -> prefix -> subjects it was raised on */
  private byPeer = new Map<string, Map<string, Set<string>>>();
  /** subjects whose stored memory was read (once: afterwards this memory is the truth) */
  private loaded = new Set<string>();
  /** remembered from before a restart and not seen again yet: "subject\npeer prefix" */
  private unconfirmed = new Set<string>();
  private changes = 0;

  /** Grows with every change of what is remembered (so a reader can keep what it derived until then). */
  get version(): number {
    return this.changes;
  }

  /** What the registry remembers for a subject (as stored), read at its first sight only (a start, a new prefix). */
  load(subject: string, stored: string | null | undefined): void {
    if (this.loaded.has(subject)) return;
    this.loaded.add(subject);
    for (const r of decodeRemembered(stored)) {
      this.put(subject, r);
      this.unconfirmed.add(`${subject}\n${routeKey(r.peer, r.prefix)}`);
    }
  }

  /** A rejection that calls for an event on `subject`: true when it is new (raise it), false when it is going on. */
  note(subject: string, r: Remembered): boolean {
    const k = routeKey(r.peer, r.prefix);
    this.unconfirmed.delete(`${subject}\n${k}`);
    const old = this.bySubject.get(subject)?.get(k);
    if (old && old.originAs === r.originAs && old.kind === r.kind) return false;
    this.put(subject, r);
    return true;
  }

  /** Whether anything is remembered for a session. */
  has(peer: string): boolean {
    return this.byPeer.has(peer);
  }

  /** The prefixes of a session with something remembered (live: forget nothing while iterating). */
  prefixesOf(peer: string): Iterable<string> {
    return this.byPeer.get(peer)?.keys() ?? [];
  }

  /** What is remembered for one route of a session, on any subject. */
  of(peer: string, prefix: string): Remembered | undefined {
    for (const s of this.byPeer.get(peer)?.get(prefix) ?? []) return this.bySubject.get(s)?.get(routeKey(peer, prefix));
    return undefined;
  }

  /** The route is gone or judged otherwise: forgotten on every subject. Returns the subjects changed. */
  forgetRoute(peer: string, prefix: string): string[] {
    const subjects = [...(this.byPeer.get(peer)?.get(prefix) ?? [])];
    for (const s of subjects) this.remove(s, peer, prefix);
    return subjects;
  }

  /** The session went down: all of its routes are gone. Returns the subjects changed. */
  forgetPeer(peer: string): string[] {
    const changed = new Set<string>();
    for (const prefix of [...this.prefixesOf(peer)]) for (const s of this.forgetRoute(peer, prefix)) changed.add(s);
    return [...changed];
  }

  /** A subject left the registry (its stored memory went with it). */
  forgetSubject(subject: string): void {
    for (const r of [...(this.bySubject.get(subject)?.values() ?? [])]) this.remove(subject, r.peer, r.prefix);
    this.loaded.delete(subject);
  }

  /** Settling is over: what was remembered from before and has not come back is forgotten. Returns the subjects changed. */
  dropUnconfirmed(): string[] {
    const changed = new Set<string>();
    for (const u of this.unconfirmed) {
      const [subject, k] = u.split('\n') as [string, string];
      const i = k.indexOf(' ');
      this.remove(subject, k.slice(0, i), k.slice(i + 1));
      changed.add(subject);
    }
    this.unconfirmed.clear();
    return [...changed];
  }

  /** What the registry keeps for a subject: compact JSON, null when nothing is remembered. */
  encode(subject: string): string | null {
    const m = this.bySubject.get(subject);
    if (!m?.size) return null;
    const rows: Stored = [...m.values()].map((r) => [r.peer, r.prefix, r.originAs, r.kind]);
    return JSON.stringify(rows);
  }

  private put(subject: string, r: Remembered): void {
    this.changes++;
    let m = this.bySubject.get(subject);
    if (!m) this.bySubject.set(subject, (m = new Map()));
    m.set(routeKey(r.peer, r.prefix), r);
    let p = this.byPeer.get(r.peer);
    if (!p) this.byPeer.set(r.peer, (p = new Map()));
    let subjects = p.get(r.prefix);
    if (!subjects) p.set(r.prefix, (subjects = new Set()));
    subjects.add(subject);
  }

  private remove(subject: string, peer: string, prefix: string): void {
    this.changes++;
    const k = routeKey(peer, prefix);
    const m = this.bySubject.get(subject);
    m?.delete(k);
    if (m && !m.size) this.bySubject.delete(subject);
    const p = this.byPeer.get(peer);
    const subjects = p?.get(prefix);
    subjects?.delete(subject);
    if (subjects && !subjects.size) p!.delete(prefix);
    if (p && !p.size) this.byPeer.delete(peer);
    this.unconfirmed.delete(`${subject}\n${k}`);
  }
}
