// A live prefix event stream over server-sent events (text/event-stream): first the stored events
// after a given id (so a reconnecting client misses nothing), then each event as it is stored,
// with a comment heartbeat in between. Ends on client disconnect, after `limit` events, at the end
// of the replay when not following, and when the server closes.
import type { ServerResponse } from 'node:http';
import type { EventScope, PrefixEventNotice, PrefixEvents, StoredPrefixEvent } from '../registry/prefix-events.js';

export const HEARTBEAT_MS = 15_000;
/** Rows per replay query. */
const REPLAY_PAGE = 500;
/** A live client that lets this much output pile up is dropped; it may reconnect with Last-Event-ID. */
const MAX_BUFFERED = 1 << 20;

export interface StreamOptions {
  scope: EventScope;
  /** replay stored events with an id above this; undefined: no replay */
  after: number | undefined;
  /** end after this many events (replayed and live together) */
  limit: number | undefined;
  /** false: end after the replay */
  follow: boolean;
  heartbeatMs: number;
  /** the event's JSON, as the list routes send it */
  serialize: (e: StoredPrefixEvent) => string;
  onError: (err: Error) => void;
}

const inScope = (scope: EventScope, e: PrefixEventNotice): boolean =>
  'partner' in scope ? e.partner === scope.partner : e.customer === scope.customer;

/** SSE field values must be one line. */
const oneLine = (s: string): string => s.replace(/[\r\n]+/g, ' ');

/** The open streams of one server, so it can end them when it closes. */
export class EventStreams {
  private readonly open = new Set<() => void>();

  get size(): number {
    return this.open.size;
  }

  closeAll(): void {
    for (const end of [...this.open]) end();
  }

  /** Takes over `res` (the route has hijacked the reply) and streams until one of the ends above. */
  async stream(res: ServerResponse, events: PrefixEvents, o: StreamOptions): Promise<void> {
    let ended = false;
    let sent = 0;
    let live = false;
    /** live events heard during the replay, sent after it */
    let pending: PrefixEventNotice[] = [];
    /**
     * Ids the replay sent: an event stored while the replay ran may reach both the replay query
     * and the listener. Kept until the first heartbeat; by then such notifications have arrived.
     */
    let replayed: Set<number> | undefined = new Set();

    const end = (): void => {
      if (ended) return;
      ended = true;
      unsubscribe?.();
      clearInterval(heartbeat);
      this.open.delete(end);
      pending = [];
      replayed = undefined;
      if (!res.writableEnded) res.end();
    };
    const write = (chunk: string): void => {
      if (ended) return;
      if (res.destroyed) { end(); return; }
      res.write(chunk);
      // (the replay waits for the client instead)
      if (live && res.writableLength > MAX_BUFFERED) end();
    };
    const drained = (): Promise<void> => new Promise((resolve) => {
      const done = (): void => { res.off('drain', done); res.off('close', done); resolve(); };
      res.on('drain', done);
      res.on('close', done);
    });
    const send = (e: StoredPrefixEvent): void => {
      if (ended) return;
      write(`id: ${e.id}\nevent: ${oneLine(e.type)}\ndata: ${o.serialize(e)}\n\n`);
      sent++;
      if (o.limit !== undefined && sent >= o.limit) end();
    };

    const unsubscribe = o.follow
      ? events.subscribe((e) => {
        // at or below `after`: the client says it has it
        if (ended || !inScope(o.scope, e) || (o.after !== undefined && e.id <= o.after)) return;
        if (!live) pending.push(e);
        else if (!replayed?.has(e.id)) send(e);
      })
      : undefined;
    const heartbeat = setInterval(() => {
      if (live) replayed = undefined;
      write(': keep-alive\n\n');
    }, o.heartbeatMs);
    heartbeat.unref();
    this.open.add(end);
    res.on('close', end);
    res.on('error', end);

    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // no buffering in nginx-style proxies
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();

    try {
      let cursor = o.after;
      while (cursor !== undefined && !ended) {
        const want = o.limit === undefined ? REPLAY_PAGE : Math.min(REPLAY_PAGE, o.limit - sent);
        const rows = await events.listAfter(o.scope, cursor, want);
        for (const e of rows) {
          if (ended) break;
          replayed?.add(e.id);
          send(e);
          if (res.writableNeedDrain && !ended) await drained();
        }
        cursor = rows.length === want ? rows[rows.length - 1]!.id : undefined;
      }
    } catch (err) {
      o.onError(err as Error);
      end();
      return;
    }
    if (!o.follow) { end(); return; }
    live = true;
    const heard = pending;
    pending = [];
    for (const e of heard) if (!replayed?.has(e.id)) send(e);
  }
}
