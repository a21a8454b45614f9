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
import { CLOCK_EVERY, turnBudget } from './turns.js';

export type TcpConnectionState = 'OpenSent' | 'OpenConfirm' | 'Established';

export interface TcpConnectionEvents {
  message: [type: number, body: Buffer];
  closed: [reason: string, sent?: BgpError];
}

export class TcpConnection extends EventEmitter<TcpConnectionEvents> {
  state: TcpConnectionState = 'OpenSent';
  readonly framer = new Framer();
  private holdTimer: NodeJS.Timeout | undefined;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private sendHoldTimer: NodeJS.Timeout | undefined;
  private sendHoldMs = 0;
  private readonly sent = () => this.armSendHold();
  private holdMs = LARGE_HOLD_TIME * 1000;
  private closed = false;
  /** work done since the last yield (see turns.ts): messages, and ms spent handling them */
  private spentMessages = 0;
  private spentMs = 0;
  /** a continuation is scheduled and the socket paused: complete messages wait in the framer */
  private behind = false;
  /** batches of messages handled: the hold timer's check that the peer was heard */
  private heard = 0;
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
    socket.on('close', () => {
      // Whatever the peer sent before closing (a NOTIFICATION) is handled first, as if unpaused.
      if (!this.closed && this.framer.pending > 0) this.drain(false);
      this.finish('connection closed by peer');
    });
    this.armHold();
  }

  get remote(): string {
    return `${this.socket.remoteAddress}:${this.socket.remotePort}`;
  }

  private onData(chunk: Buffer): void {
    this.bytesIn += chunk.length;
    this.framer.push(chunk);
    if (!this.behind) this.drain(true);
  }

  private readonly continue = () => {
    this.behind = false;
    this.spentMessages = 0;
    this.spentMs = 0;
    this.drain(true);
  };

  /**
   * Handles the framer's complete messages; `bounded`, stops once the turn budget is spent, pauses
   * the socket (the kernel's buffer then holds the peer back) and goes on in setImmediate, after
   * timers and the other sockets had their turn.
   */
  private drain(bounded: boolean): void {
    const start = performance.now();
    let n = 0;
    let yielded = false;
    for (;;) {
      if (this.closed) return;
      if (bounded && n > 0 && n % CLOCK_EVERY === 0 && this.overBudget(n, start)) {
        yielded = true;
        break;
      }
      const f = this.framer.next();
      if (f === undefined) break;
      if ('code' in f) {
        this.fail(f);
        return;
      }
      n++;
      this.emit('message', f.type, f.body);
    }
    if (this.closed) return;
    this.spentMessages += n;
    this.spentMs += performance.now() - start;
    // RFC 4271 §4.4: any KEEPALIVE or UPDATE restarts the hold timer; we count every message,
    // once per batch rather than per message (a full table is a million messages).
    if (n > 0) {
      this.heard++;
      this.armHold();
    }
    if (yielded) {
      this.behind = true;
      this.socket.pause();
      setImmediate(this.continue);
    } else if (this.socket.isPaused()) this.socket.resume();
  }

  private overBudget(n: number, start: number): boolean {
    return this.spentMessages + n >= turnBudget.messages || this.spentMs + (performance.now() - start) >= turnBudget.ms;
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
      this.holdTimer = setTimeout(() => this.holdExpired(), this.holdMs);
    }
  }

  /**
   * The hold timer is about the peer's silence, not our slowness: with received messages still
   * waiting for their turn it restarts, and otherwise the verdict waits for setImmediate, i.e.
   * after this turn's socket reads, which a long turn of ours may have delayed past the timer.
   */
  private holdExpired(): void {
    if (this.closed) return;
    if (this.behind) {
      this.armHold();
      return;
    }
    const heard = this.heard;
    setImmediate(() => {
      if (this.closed || this.heard !== heard) return;
      this.fail(bgpError(ErrorCode.HOLD_TIMER_EXPIRED, 0, `no message from the peer for ${this.holdMs / 1000} s`));
    });
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
