// RTR client (RFC 8210, falling back to version 0 / RFC 6810 as §7 describes): keeps a VrpTable
// in sync with one cache over TCP.
//
// Connect, send Reset Query (no data yet) or Serial Query (session and serial known); apply each
// Cache Response ... End of Data batch atomically to the table (one change event per batch).
// Refresh timer -> Serial Query; Serial Notify -> Serial Query; Cache Reset -> Reset Query.
// On failure: reconnect after a backoff (doubling, capped by the Retry Interval); the data stays
// until the Expire Interval has passed without a successful update, then it is dropped.
// Malformed PDUs: an Error Report to the cache, then disconnect; never an exception to the caller.

import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { Slurm } from '../slurm.js';
import { type VrpChange, VrpTable } from '../table.js';
import { VrpList } from '../vrp-list.js';
import type { RtrClientEvents, RtrState, RtrSynced } from './client-events.js';
import { RtrErrorCode, RtrProtocolError, rtrErrorName } from './errors.js';
import { decodePdu, encodeErrorReport, encodePdu, HEADER, type Pdu, PduType, pduLength, type RtrVersion } from './pdu.js';
import { DEFAULT_TIMERS, type RtrTimers, saneTimers } from './timers.js';

export interface RtrClientOptions {
  host: string;
  port: number;
  /** The table this client owns (created when omitted); one client per table. */
  table?: VrpTable;
  /** Local exceptions applied to everything the cache sends. */
  slurm?: Slurm;
  /** Highest protocol version to offer (default 1). */
  version?: RtrVersion;
  localAddress?: string;
  /** Timers until the cache sends its own (always for version 0). */
  timers?: Partial<RtrTimers>;
  /** First reconnect delay (ms, default 1000); doubles per failure up to maxBackoffMs and the Retry Interval. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** A query unanswered (no byte received) for this long fails the connection (ms, default 30000). */
  responseTimeoutMs?: number;
}

// One incremental batch: the state after the batch of every VRP it touched.
interface Touched {
  v4: boolean;
  a: number;
  w: Uint32Array | undefined;
  len: number;
  max: number;
  asn: number;
  was: boolean;
  now: boolean;
}

export class RtrClient extends EventEmitter<RtrClientEvents> {
  readonly table: VrpTable;
  private readonly o: Required<Omit<RtrClientOptions, 'table' | 'slurm' | 'localAddress' | 'timers'>> & Pick<RtrClientOptions, 'slurm' | 'localAddress'>;
  private readonly maxVersion: RtrVersion;
  private ver: RtrVersion;
  /** A PDU of the current connection was accepted: the version is fixed for it. */
  private negotiated = false;
  private sock: net.Socket | undefined;
  private rest: Buffer = Buffer.alloc(0);
  private st: RtrState = 'idle';
  private sessionId: number | undefined;
  private serial: number | undefined;
  timers: RtrTimers;
  private failures = 0;
  private refreshTimer: NodeJS.Timeout | undefined;
  private expireTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private responseTimer: NodeJS.Timeout | undefined;
  /** What we asked for and have not had End of Data for yet. */
  private pending: 'reset' | 'serial' | undefined;
  /** Inside Cache Response ... End of Data. */
  private batch: { full: boolean; sessionId: number; staging: VrpTable | undefined; touched: Map<string, Touched> } | undefined;
  private lastError = '';

  constructor(options: RtrClientOptions) {
    super();
    this.table = options.table ?? new VrpTable();
    this.maxVersion = options.version ?? 1;
    this.ver = this.maxVersion;
    this.timers = { ...DEFAULT_TIMERS, ...options.timers };
    this.o = {
      host: options.host,
      port: options.port,
      version: this.maxVersion,
      minBackoffMs: options.minBackoffMs ?? 1000,
      maxBackoffMs: options.maxBackoffMs ?? 60_000,
      responseTimeoutMs: options.responseTimeoutMs ?? 30_000,
      slurm: options.slurm,
      localAddress: options.localAddress,
    };
  }

  get state(): RtrState {
    return this.st;
  }
  get version(): RtrVersion {
    return this.ver;
  }
  /** Session ID and serial of the data in the table, once synced. */
  get session(): { sessionId: number; serial: number } | undefined {
    return this.sessionId === undefined || this.serial === undefined ? undefined : { sessionId: this.sessionId, serial: this.serial };
  }
  /** Why the last connection failed ('' when none did). */
  get lastFailure(): string {
    return this.lastError;
  }

  start(): void {
    if (this.st !== 'idle' && this.st !== 'stopped') return;
    this.connect();
  }

  /** Closes the connection and stops every timer; the table keeps its data. */
  stop(): void {
    this.setState('stopped');
    for (const t of [this.refreshTimer, this.expireTimer, this.reconnectTimer, this.responseTimer]) if (t) clearTimeout(t);
    this.refreshTimer = this.expireTimer = this.reconnectTimer = this.responseTimer = undefined;
    const s = this.sock;
    this.sock = undefined;
    s?.destroy();
  }

  /** Resolves at the next End of Data (or rejects when `timeoutMs` passes first). */
  waitSynced(timeoutMs: number): Promise<RtrSynced> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.off('synced', ok);
        reject(new Error(`no RTR data from ${this.o.host}:${this.o.port} within ${timeoutMs} ms${this.lastError ? `: ${this.lastError}` : ''}`));
      }, timeoutMs);
      const ok = (s: RtrSynced) => {
        clearTimeout(t);
        resolve(s);
      };
      this.once('synced', ok);
    });
  }

  private setState(s: RtrState): void {
    if (this.st === s) return;
    this.st = s;
    this.emit('state', s);
  }

  // -------------------------------------------------------------------------------------------
  // Connection

  private connect(): void {
    this.reconnectTimer = undefined;
    this.setState('connecting');
    this.negotiated = false;
    this.rest = Buffer.alloc(0);
    this.batch = undefined;
    this.pending = undefined;
    const sock = net.connect({ host: this.o.host, port: this.o.port, ...(this.o.localAddress ? { localAddress: this.o.localAddress } : {}) });
    this.sock = sock;
    sock.setNoDelay(true);
    sock.on('connect', () => {
      if (this.sock !== sock) return;
      this.setState('syncing');
      this.query();
    });
    sock.on('data', (chunk: Buffer) => {
      if (this.sock === sock) this.onData(chunk);
    });
    sock.on('error', (e) => {
      if (this.sock === sock) this.fail(`connection error: ${e.message}`);
    });
    sock.on('close', () => {
      if (this.sock === sock) this.fail('connection closed by the cache');
    });
    this.armResponseTimer();
  }

  private armResponseTimer(): void {
    if (this.responseTimer) clearTimeout(this.responseTimer);
    this.responseTimer = setTimeout(() => {
      this.responseTimer = undefined;
      this.fail(this.st === 'connecting' ? 'connect timed out' : `no answer from the cache within ${this.o.responseTimeoutMs} ms`);
    }, this.o.responseTimeoutMs);
  }

  private send(p: Pdu): void {
    this.sock?.write(encodePdu(p));
  }

  /** Reset Query without a session, Serial Query with one (RFC 8210 §8.1, §8.2). */
  private query(): void {
    if (this.sessionId !== undefined && this.serial !== undefined) {
      this.pending = 'serial';
      this.send({ type: 'serial-query', version: this.ver, sessionId: this.sessionId, serial: this.serial });
    } else {
      this.pending = 'reset';
      this.send({ type: 'reset-query', version: this.ver });
    }
    this.armResponseTimer();
  }

  /** Drops the connection and schedules a reconnect (backoff, capped by the Retry Interval). */
  private fail(reason: string, delayMs?: number): void {
    if (this.st === 'stopped') return;
    this.lastError = reason;
    const s = this.sock;
    this.sock = undefined;
    if (s) {
      // Let a final Error Report leave before the socket goes.
      s.end();
      setTimeout(() => s.destroy(), 200).unref();
    }
    if (this.responseTimer) {
      clearTimeout(this.responseTimer);
      this.responseTimer = undefined;
    }
    if (this.refreshTimer) {
      clearTimeout(this.refreshTimer);
      this.refreshTimer = undefined;
    }
    // A Serial Query that keeps failing may be one the cache cannot answer: fall back to a reset.
    if (this.pending === 'serial' && this.failures >= 2) {
      this.sessionId = undefined;
      this.serial = undefined;
    }
    this.batch = undefined;
    this.pending = undefined;
    this.emit('disconnect', reason);
    this.failures++;
    const backoff = Math.min(this.o.minBackoffMs * 2 ** Math.min(this.failures - 1, 20), this.o.maxBackoffMs, this.timers.retry * 1000);
    const jittered = delayMs ?? Math.max(this.o.minBackoffMs, Math.round(backoff * (0.8 + 0.4 * Math.random())));
    this.setState('backoff');
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.connect(), jittered);
  }

  /** Reports a protocol error to the cache (RFC 8210 §5.11) and disconnects. */
  private protocolError(e: RtrProtocolError, forgetSession: boolean): void {
    this.sock?.write(encodeErrorReport(this.ver, e.code, e.pdu, e.detail));
    this.emit('errorReport', { sent: true, code: e.code, name: rtrErrorName(e.code), text: e.detail });
    // After a bad record our data no longer matches the cache's serial: start over with a reset.
    if (forgetSession) {
      this.sessionId = undefined;
      this.serial = undefined;
    }
    this.fail(`sent Error Report: ${e.message}`);
  }

  // -------------------------------------------------------------------------------------------
  // Receiving

  private onData(chunk: Buffer): void {
    this.armResponseTimer();
    let data = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    let off = 0;
    const sock = this.sock;
    try {
      while (data.length - off >= HEADER && this.sock === sock) {
        const len = pduLength(data, off);
        if (data.length - off < len) break;
        this.onPdu(data, off, len);
        off += len;
      }
    } catch (e) {
      if (e instanceof RtrProtocolError) {
        const forget = e.code === RtrErrorCode.DuplicateAnnouncementReceived || e.code === RtrErrorCode.WithdrawalOfUnknownRecord;
        this.protocolError(e, forget);
      } else {
        // A bug of ours must not take the process down: report Internal Error and start over.
        const err = new RtrProtocolError(RtrErrorCode.InternalError, (e as Error).message);
        this.protocolError(err, true);
      }
      return;
    }
    if (this.sock !== sock) return;
    // Keep only the unparsed tail (copied, so the big chunk can be freed).
    data = data.subarray(off);
    this.rest = data.length ? Buffer.from(data) : Buffer.alloc(0);
  }

  private onPdu(data: Buffer, off: number, len: number): void {
    const version = data[off]!;
    const type = data[off + 1]!;
    const raw = () => data.subarray(off, off + len);
    if (!this.negotiated) this.negotiate(version, type, raw());
    else if (version !== this.ver) {
      throw new RtrProtocolError(RtrErrorCode.UnexpectedProtocolVersion, `PDU of version ${version} in a version ${this.ver} session`, raw());
    }
    if (!this.sock) return; // negotiate() may reconnect
    // Prefix PDUs decoded in place: a full table is hundreds of thousands of them.
    if (type === PduType.IPv4Prefix && len === 20) {
      const flags = data[off + 8]!,
        plen = data[off + 9]!,
        max = data[off + 10]!;
      if (flags > 1 || plen > 32 || max > 32 || max < plen) decodePdu(raw(), this.ver); // throws the precise error
      this.prefix(true, data.readUInt32BE(off + 12), undefined, plen, max, data.readUInt32BE(off + 16), flags === 1, raw);
      return;
    }
    const pdu = decodePdu(raw(), this.ver);
    switch (pdu.type) {
      case 'ipv6-prefix':
        this.prefix(false, 0, pdu.words, pdu.length, pdu.maxLength, pdu.asn, pdu.announce, raw);
        return;
      case 'ipv4-prefix':
        this.prefix(true, pdu.addr, undefined, pdu.length, pdu.maxLength, pdu.asn, pdu.announce, raw);
        return;
      case 'router-key':
        // Parsed (lengths checked) and not kept: we do no BGPsec.
        if (!this.batch) throw new RtrProtocolError(RtrErrorCode.CorruptData, 'Router Key outside Cache Response ... End of Data', raw());
        return;
      case 'serial-notify':
        this.onNotify(pdu.sessionId, pdu.serial);
        return;
      case 'cache-response':
        this.onCacheResponse(pdu.sessionId, raw());
        return;
      case 'end-of-data':
        this.onEndOfData(pdu, raw());
        return;
      case 'cache-reset':
        if (this.pending !== 'serial' || this.batch)
          throw new RtrProtocolError(RtrErrorCode.CorruptData, 'Cache Reset without a Serial Query outstanding', raw());
        // The cache cannot serve our serial: start over (RFC 8210 §8.3).
        this.sessionId = undefined;
        this.serial = undefined;
        this.query();
        return;
      case 'error-report':
        this.onErrorReport(pdu.code, pdu.text, pdu.version);
        return;
      case 'serial-query':
      case 'reset-query':
        throw new RtrProtocolError(
          RtrErrorCode.UnsupportedPduType,
          `a cache does not send ${pdu.type === 'serial-query' ? 'Serial Query' : 'Reset Query'} PDUs`,
          raw(),
        );
    }
  }

  /** The first PDU of a connection fixes the version (RFC 8210 §7). */
  private negotiate(version: number, type: number, raw: Buffer): void {
    if (type === PduType.ErrorReport && raw.length >= 4 && raw.readUInt16BE(2) === RtrErrorCode.UnsupportedProtocolVersion) {
      // onErrorReport downgrades and reconnects; any version may carry this one.
      return;
    }
    if (version > this.ver) {
      // We never offered it: a version-1 cache must not answer in 2.
      throw new RtrProtocolError(RtrErrorCode.UnsupportedProtocolVersion, `PDU of version ${version}, we speak ${this.ver}`, raw);
    }
    if (version < this.ver) {
      // The cache answered in a lower version: speak it from now on (RFC 8210 §7).
      this.ver = version as RtrVersion;
      this.emit('version', this.ver);
    }
    this.negotiated = true;
  }

  private onErrorReport(code: number, text: string, version: number): void {
    this.emit('errorReport', { sent: false, code, name: rtrErrorName(code), text });
    // A cache that cannot serve our Serial Query may say so with an error instead of Cache Reset
    // (StayRTR does after a restart: "Session ID mismatch"): ask for everything next time.
    if (this.pending === 'serial') {
      this.sessionId = undefined;
      this.serial = undefined;
    }
    const what = `cache sent Error Report ${rtrErrorName(code)}${text ? `: ${text}` : ''}`;
    if (code === RtrErrorCode.UnsupportedProtocolVersion && !this.negotiated && this.ver > 0) {
      // Retry at once in the version the cache named, or one lower.
      const next = Math.min(version, this.ver - 1) as RtrVersion;
      this.ver = next;
      this.emit('version', next);
      this.failures = 0;
      this.fail(what, 0);
      return;
    }
    if (code === RtrErrorCode.NoDataAvailable) {
      // Not a failure of ours: ask again after the retry interval (or our backoff, if shorter).
      this.fail(what);
      return;
    }
    this.fail(what);
  }

  private onNotify(sessionId: number, serial: number): void {
    if (this.pending || this.batch) return; // busy: the answer under way will cover it
    if (this.sessionId !== undefined && sessionId !== this.sessionId) {
      this.sessionId = undefined;
      this.serial = undefined;
    } else if (serial === this.serial) {
      return;
    }
    this.query();
  }

  private onCacheResponse(sessionId: number, raw: Buffer): void {
    if (!this.pending || this.batch) throw new RtrProtocolError(RtrErrorCode.CorruptData, 'Cache Response without a query outstanding', raw);
    if (this.pending === 'serial' && sessionId !== this.sessionId) {
      throw new RtrProtocolError(RtrErrorCode.CorruptData, `Cache Response for session ${sessionId}, we asked about session ${this.sessionId}`, raw);
    }
    const full = this.pending === 'reset';
    this.batch = { full, sessionId, staging: full ? new VrpTable() : undefined, touched: new Map() };
  }

  private prefix(v4: boolean, addr: number, words: Uint32Array | undefined, len: number, max: number, asn: number, announce: boolean, raw: () => Buffer): void {
    const b = this.batch;
    if (!b) throw new RtrProtocolError(RtrErrorCode.CorruptData, 'Prefix PDU outside Cache Response ... End of Data', raw());
    if (b.staging) {
      const ok = announce
        ? v4
          ? b.staging.addV4(addr, len, max, asn)
          : b.staging.addV6(words!, 0, len, max, asn)
        : v4
          ? b.staging.removeV4(addr, len, max, asn)
          : b.staging.removeV6(words!, 0, len, max, asn);
      if (!ok) this.badRecord(announce, raw());
      return;
    }
    const key = v4 ? `${addr}/${len}-${max}:${asn}` : `${words!.join('.')}/${len}-${max}:${asn}`;
    let t = b.touched.get(key);
    if (!t) {
      // With SLURM the table may not show what the cache sent: trust the cache for those VRPs.
      const slurm = this.o.slurm;
      const hidden = slurm !== undefined && (v4 ? slurm.filtersV4(addr, len, asn) : slurm.filtersV6(words!, 0, len, asn));
      const was = hidden ? !announce : v4 ? this.table.hasV4(addr, len, max, asn) : this.table.hasV6(words!, 0, len, max, asn);
      t = { v4, a: addr, w: words, len, max, asn, was, now: was };
      b.touched.set(key, t);
    }
    if (announce === t.now) this.badRecord(announce, raw());
    t.now = announce;
  }

  private badRecord(announce: boolean, raw: Buffer): never {
    throw announce
      ? new RtrProtocolError(RtrErrorCode.DuplicateAnnouncementReceived, 'announcement of a VRP we already have', raw)
      : new RtrProtocolError(RtrErrorCode.WithdrawalOfUnknownRecord, 'withdrawal of a VRP we do not have', raw);
  }

  private onEndOfData(p: Extract<Pdu, { type: 'end-of-data' }>, raw: Buffer): void {
    const b = this.batch;
    if (!b) throw new RtrProtocolError(RtrErrorCode.CorruptData, 'End of Data without Cache Response', raw);
    if (p.sessionId !== b.sessionId)
      throw new RtrProtocolError(RtrErrorCode.CorruptData, `End of Data for session ${p.sessionId} in session ${b.sessionId}`, raw);
    if (p.refresh !== undefined) this.timers = saneTimers(p.refresh, p.retry!, p.expire!, this.timers);
    const cause = `rtr ${this.o.host}:${this.o.port} session ${p.sessionId} serial ${p.serial}`;
    const slurm = this.o.slurm;
    let change: VrpChange;
    if (b.staging) {
      change = slurm ? this.table.replace(slurm.apply(b.staging.toList()), cause) : this.table.replaceWith(b.staging, cause);
    } else {
      const ann = new VrpList();
      const wd = new VrpList();
      for (const t of b.touched.values()) {
        if (t.now === t.was) continue;
        const l = t.now ? ann : wd;
        if (t.v4) l.pushV4(t.a, t.len, t.max, t.asn);
        else l.pushV6(t.w!, 0, t.len, t.max, t.asn);
      }
      change = this.table.update(slurm ? slurm.filter(ann) : ann, slurm ? slurm.filter(wd) : wd, cause);
    }
    this.sessionId = p.sessionId;
    this.serial = p.serial;
    this.batch = undefined;
    this.pending = undefined;
    this.failures = 0;
    this.lastError = '';
    if (this.responseTimer) {
      clearTimeout(this.responseTimer);
      this.responseTimer = undefined;
    }
    this.setState('synced');
    this.armTimers();
    this.emit('synced', { version: this.ver, sessionId: p.sessionId, serial: p.serial, full: b.full, change, timers: { ...this.timers } });
  }

  private armTimers(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      if (this.sock && !this.pending) this.query();
    }, this.timers.refresh * 1000);
    if (this.expireTimer) clearTimeout(this.expireTimer);
    this.expireTimer = setTimeout(() => {
      this.expireTimer = undefined;
      // No successful update for the Expire Interval: the data can no longer be trusted (§6).
      this.sessionId = undefined;
      this.serial = undefined;
      this.table.clear(`rtr ${this.o.host}:${this.o.port} data expired`);
      this.emit('expired');
    }, this.timers.expire * 1000);
  }
}
