// One TCP connection to a peer: framing, hold and keepalive timers, and the OPEN exchange.
// A session may hold two of these for a moment (connection collision, RFC 4271 §6.8).
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { ErrorCode } from '../wire/constants.js';
import { type BgpError, bgpError } from '../wire/errors.js';
import { Framer, KEEPALIVE } from '../wire/header.js';
import { encodeNotification } from '../wire/notification.js';
import { LARGE_HOLD_TIME } from './config.js';
import type { Negotiated } from './negotiated.js';

export type ConnectionState = 'OpenSent' | 'OpenConfirm' | 'Established';

export interface ConnectionEvents {
  message: [type: number, body: Buffer];
  closed: [reason: string, sent?: BgpError];
}

export class Connection extends EventEmitter<ConnectionEvents> {
  state: ConnectionState = 'OpenSent';
  readonly framer = new Framer();
  private holdTimer: NodeJS.Timeout | undefined;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private sendHoldTimer: NodeJS.Timeout | undefined;
  private sendHoldMs = 0;
  private readonly sent = () => this.armSendHold();
  private holdMs = LARGE_HOLD_TIME * 1000;
  private closed = false;
  /** the peer's BGP identifier, once its OPEN arrived */
  peerBgpId = 0;
  /** what this connection's OPEN exchange agreed on */
  negotiated: Negotiated | undefined;
  bytesIn = 0;
  bytesOut = 0;

  constructor(
    readonly socket: Socket,
    readonly outbound: boolean,
  ) {
    super();
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => this.finish(`socket error: ${e.message}`));
    socket.on('close', () => this.finish('connection closed by peer'));
    this.armHold();
  }

  get remote(): string {
    return `${this.socket.remoteAddress}:${this.socket.remotePort}`;
  }

  private onData(chunk: Buffer): void {
    this.bytesIn += chunk.length;
    this.framer.push(chunk);
    let any = false;
    for (;;) {
      if (this.closed) return;
      const f = this.framer.next();
      if (f === undefined) break;
      if ('code' in f) {
        this.fail(f);
        return;
      }
      any = true;
      this.emit('message', f.type, f.body);
    }
    // RFC 4271 §4.4: any KEEPALIVE or UPDATE restarts the hold timer; we count every message,
    // once per chunk read rather than per message (a full table is a million messages).
    if (any && !this.closed) this.armHold();
  }

  /** Negotiated hold time in seconds (0 disables both timers). */
  setTimers(holdTime: number, keepaliveTime: number): void {
    this.holdMs = holdTime * 1000;
    this.armHold();
    clearInterval(this.keepaliveTimer);
    if (keepaliveTime > 0) this.keepaliveTimer = setInterval(() => this.write(KEEPALIVE), keepaliveTime * 1000);
  }

  private armHold(): void {
    clearTimeout(this.holdTimer);
    if (this.holdMs > 0 && !this.closed) {
      this.holdTimer = setTimeout(
        () => this.fail(bgpError(ErrorCode.HOLD_TIMER_EXPIRED, 0, `no message from the peer for ${this.holdMs / 1000} s`)),
        this.holdMs,
      );
    }
  }

  /**
   * RFC 9687: from Established on, the connection is closed when nothing could be sent for
   * `seconds` (the peer stopped reading and our buffers stay full); 0 disables it.
   */
  startSendHold(seconds: number): void {
    this.sendHoldMs = seconds * 1000;
    this.armSendHold();
  }

  /** (Re)starts the send hold timer: called when bytes reached the kernel, i.e. were sent. */
  private armSendHold(): void {
    if (this.sendHoldMs <= 0 || this.closed) return;
    // refresh() rather than a new timer: this runs once per write of up to 64 KiB.
    if (this.sendHoldTimer) this.sendHoldTimer.refresh();
    else this.sendHoldTimer = setTimeout(() => this.sendHoldExpired(), this.sendHoldMs);
  }

  private sendHoldExpired(): void {
    // §4.3: the NOTIFICATION is optional and must not delay the close. It is queued behind what
    // could not be sent; the session is down at once and the socket destroyed soon after (finish).
    const s = this.sendHoldMs / 1000;
    this.fail(
      bgpError(ErrorCode.SEND_HOLD_TIMER_EXPIRED, 0, `nothing could be sent for ${s} s: the peer does not read (${this.socket.writableLength} octets waiting)`),
    );
  }

  /** Queues bytes; false when the socket's buffer is full (wait for 'drain'). */
  write(buf: Buffer): boolean {
    if (this.closed) return false;
    this.bytesOut += buf.length;
    // The callback runs once the bytes are handed to the kernel: that is when a message is sent.
    return this.socket.write(buf, this.sent);
  }

  get writable(): boolean {
    return !this.closed && !this.socket.writableNeedDrain;
  }

  /** Sends the NOTIFICATION for `e`, then closes. */
  fail(e: BgpError): void {
    if (this.closed) return;
    this.socket.write(encodeNotification(e));
    this.socket.end();
    this.finish(`sent NOTIFICATION: ${e.reason}`, e);
  }

  /** Closes without a NOTIFICATION (after receiving one, or when superseded). */
  close(reason: string): void {
    if (this.closed) return;
    this.socket.end();
    this.socket.destroySoon?.();
    this.finish(reason);
  }

  private finish(reason: string, sent?: BgpError): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.holdTimer);
    clearInterval(this.keepaliveTimer);
    clearTimeout(this.sendHoldTimer);
    // Make sure the socket goes away even if the peer never reads what we wrote.
    setTimeout(() => this.socket.destroy(), 1000).unref();
    this.emit('closed', reason, sent);
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
