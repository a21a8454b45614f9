// A live prefix event stream over server-sent events (text/event-stream): first the stored events
// after a given position (so a reconnecting client misses nothing), then each event as it is
// stored, with a comment heartbeat in between. Ends on client disconnect, after `limit` events,
// at the end of the replay when not following, when the replay reaches its bound (with a
// "continue" event saying where to resume), when the key is revoked, and when the server closes.
//
// A replay never holds the event loop: it reads small pages, which all replays share out through
// one pacer (replay-pacer.ts) a time budget per turn of the loop, and it waits for the client when
// the socket backs up. Streams are counted per API key and in all, so
// no one client (or all of them) can tie up the server with replays.
import type { ServerResponse } from 'node:http';
import type { EventScope, PrefixEventNotice, PrefixEvents, StoredPrefixEvent } from '../registry/prefix-events.js';
import { ReplayPacer } from './replay-pacer.js';

export const HEARTBEAT_MS = 15_000;
/** Rows per replay query: a page is the pacer's unit of work (about a millisecond). */
const REPLAY_PAGE = 100;
/** A live client that lets this much output pile up is dropped; it may reconnect with Last-Event-ID. */
const MAX_BUFFERED = 1 << 20;

export interface StreamLimits {
  /** open streams per API key */
  perKey: number;
  /** open streams in all */
  total: number;
  /** events one request replays at most; then a "continue" event and the end */
  replayMax: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = { perKey: 5, total: 1000, replayMax: 10_000 };

/** Seconds a refused client is told to wait (Retry-After): streams are long-lived, retrying at once is futile. */
export const STREAM_RETRY_AFTER_S = 10;

/** The SSE event that ends a bounded replay; its data is {"after":"<id>"}, the last event sent. */
export const CONTINUE_EVENT = 'continue';

export interface StreamOptions {
  scope: EventScope;
  /** the API key that opened the stream: it ends when the key is revoked */
  keyId: string;
  /** replay stored events after this row (0: from the start); undefined: no replay */
  after: number | undefined;
  /** end after this many events (replayed and live together) */
  limit: number | undefined;
  /** false: end after the replay */
  follow: boolean;
  heartbeatMs: number;
  /** the event's JSON, in the reader's view (eventView), as the list routes send it */
  serialize: (e: StoredPrefixEvent) => string;
  onError: (err: Error) => void;
}

const inScope = (scope: EventScope, e: PrefixEventNotice): boolean => ('partner' in scope ? e.partner === scope.partner : e.customer === scope.customer);

/** SSE field values must be one line. */
const oneLine = (s: string): string => s.replace(/[\r\n]+/g, ' ');

interface OpenStream {
  keyId: string;
  end: (abort?: boolean) => void;
}

/** The open streams of one server: counted per key, ended when their key is revoked or the server closes. */
export class EventStreams {
  private readonly open = new Set<OpenStream>();
  private readonly perKey = new Map<string, number>();
  /** keys revoked while this server runs: a stream authenticated just before must not open after */
  private readonly revoked = new Set<string>();
  /** every replay's pages go through it: together they get a bounded share of each loop turn */
  private readonly pacer = new ReplayPacer();

  constructor(readonly limits: StreamLimits = DEFAULT_STREAM_LIMITS) {}

  get size(): number {
    return this.open.size;
  }

  /** Why another stream for this key may not open now (the 429 message), or undefined. */
  refusal(keyId: string): string | undefined {
    if (this.open.size >= this.limits.total) {
      return `the server has ${this.open.size} event streams open, its most; retry later`;
    }
    const mine = this.perKey.get(keyId) ?? 0;
    if (mine >= this.limits.perKey) {
      return `this API key has ${mine} event streams open, the most one key may have; close one (or wait for one to end) before opening another`;
    }
    return undefined;
  }

  /** Ends every stream of a key that no longer authenticates, at once. */
  revoke(keyId: string): void {
    this.revoked.add(keyId);
    for (const s of [...this.open]) if (s.keyId === keyId) s.end(true);
  }

  closeAll(): void {
    for (const s of [...this.open]) s.end();
  }

  private add(s: OpenStream): void {
    this.open.add(s);
    this.perKey.set(s.keyId, (this.perKey.get(s.keyId) ?? 0) + 1);
  }

  private remove(s: OpenStream): void {
    if (!this.open.delete(s)) return;
    const n = (this.perKey.get(s.keyId) ?? 1) - 1;
    if (n > 0) this.perKey.set(s.keyId, n);
    else this.perKey.delete(s.keyId);
  }

  /**
   * Takes over `res` (the route has hijacked the reply) and streams until one of the ends above.
   * The stream counts against the caps from this call on (synchronously: call it right after
   * refusal() said yes).
   */
  async stream(res: ServerResponse, events: PrefixEvents, o: StreamOptions): Promise<void> {
    let ended = false;
    let sent = 0;
    let live = false;
    /** the last row sent (or the client already has): nothing at or before it is sent again */
    let lastSeq = o.after ?? 0;
    /** live events heard during the replay and not read by it yet, sent after it */
    let pending: PrefixEventNotice[] = [];
    /** wakes a replay that waits for the client to drain */
    let wake: () => void = () => {};

    const self: OpenStream = {
      keyId: o.keyId,
      end: (abort = false) => {
        if (ended) return;
        ended = true;
        unsubscribe?.();
        clearInterval(heartbeat);
        this.remove(self);
        pending = [];
        wake();
        if (!res.writableEnded) res.end();
        // A revoked key's client gets nothing more, not even what still waits in the socket.
        if (abort && res.writableLength > 0) res.destroy();
      },
    };
    const end = (): void => self.end();
    /** false: the client is behind (wait for drain before more) */
    const write = (chunk: string): boolean => {
      if (ended) return true;
      if (res.destroyed) {
        end();
        return true;
      }
      const ok = res.write(chunk);
      // (the replay waits for the client instead)
      if (live && res.writableLength > MAX_BUFFERED) end();
      return ok;
    };
    const drained = (): Promise<void> =>
      new Promise((resolve) => {
        const done = (): void => {
          res.off('drain', done);
          res.off('close', done);
          wake = () => {};
          resolve();
        };
        wake = done;
        res.on('drain', done);
        res.on('close', done);
      });
    const frame = (e: StoredPrefixEvent): string => `id: ${e.id}\nevent: ${oneLine(e.type)}\ndata: ${o.serialize(e)}\n\n`;
    const sendLive = (e: PrefixEventNotice): void => {
      if (ended || e.seq <= lastSeq) return;
      lastSeq = e.seq;
      write(frame(e));
      sent++;
      if (o.limit !== undefined && sent >= o.limit) end();
    };

    const unsubscribe = o.follow
      ? events.subscribe((e) => {
          if (ended || !inScope(o.scope, e)) return;
          if (live) sendLive(e);
          else if (e.seq > lastSeq) pending.push(e);
        })
      : undefined;
    const heartbeat = setInterval(() => {
      write(': keep-alive\n\n');
    }, o.heartbeatMs);
    heartbeat.unref();
    this.add(self);
    res.on('close', end);
    res.on('error', end);
    if (this.revoked.has(o.keyId)) {
      end();
      return;
    }

    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // no buffering in nginx-style proxies
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();

    if (o.after !== undefined) {
      try {
        const more = await this.replay(events, o, {
          ended: () => ended,
          room: () => (o.limit === undefined ? Infinity : o.limit - sent),
          send: (rows) => {
            let chunk = '';
            for (const e of rows) chunk += frame(e);
            lastSeq = rows[rows.length - 1]!.seq;
            sent += rows.length;
            if (pending.length) pending = pending.filter((e) => e.seq > lastSeq);
            const ok = write(chunk);
            if (o.limit !== undefined && sent >= o.limit) end();
            return ok;
          },
          drained,
          lastSeq: () => lastSeq,
        });
        if (more !== undefined && !ended) {
          // The client resumes from the last event it got: EventSource does so by itself with
          // Last-Event-ID when the stream ends; scripts pass ?after=<id>.
          write(`event: ${CONTINUE_EVENT}\ndata: ${JSON.stringify({ after: more })}\n\n`);
          end();
        }
      } catch (err) {
        o.onError(err as Error);
        end();
        return;
      }
    }
    if (ended) return;
    if (!o.follow) {
      end();
      return;
    }
    live = true;
    const heard = pending;
    pending = [];
    for (const e of heard) sendLive(e);
  }

  /**
   * Sends the stored events after o.after in pages, each page a job of the server's pacer (so all
   * replays together take a bounded share of each turn of the event loop), waiting whenever the
   * client is behind. Returns the id to continue after when the bound stopped it with events
   * left, undefined when it caught up (or the stream ended).
   */
  private async replay(
    events: PrefixEvents,
    o: StreamOptions,
    s: {
      ended: () => boolean;
      room: () => number;
      send: (rows: StoredPrefixEvent[]) => boolean;
      drained: () => Promise<void>;
      lastSeq: () => number;
    },
  ): Promise<string | undefined> {
    let replayed = 0;
    let lastId: string | undefined;
    while (!s.ended()) {
      const want = Math.min(REPLAY_PAGE, this.limits.replayMax - replayed, s.room());
      if (want <= 0) break;
      const page = await this.pacer.run(async () => {
        if (s.ended()) return undefined;
        const rows = await events.listAfter(o.scope, s.lastSeq(), want);
        if (s.ended()) return undefined;
        return { n: rows.length, lastId: rows[rows.length - 1]?.id, ok: rows.length ? s.send(rows) : true };
      });
      if (!page || s.ended()) return undefined;
      if (page.n) {
        replayed += page.n;
        lastId = page.lastId;
      }
      if (!page.ok && !s.ended()) await s.drained();
      if (page.n < want) return undefined;
    }
    if (s.ended() || replayed < this.limits.replayMax || lastId === undefined) return undefined;
    // At the bound: is there more? (one row tells)
    const next = await events.listAfter(o.scope, s.lastSeq(), 1);
    return next.length ? lastId : undefined;
  }
}
