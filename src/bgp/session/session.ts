// One BGP peer: the RFC 4271 finite state machine over one or two TCP connections, with
// ConnectRetry, Hold and Keepalive timers, connection collision detection and capability
// negotiation. UPDATEs are decoded here and handed up; what to do with them is the speaker's.
import { EventEmitter } from 'node:events';
import type net from 'node:net';
import { canonicalAddress } from '../../net/address.js';
import { type Capabilities, emptyCapabilities, IPV4_UNICAST, IPV6_UNICAST } from '../wire/capabilities.js';
import { BgpRole, CeaseSubcode, ErrorCode, FsmSubcode, MAX_EXTENDED_MESSAGE_LENGTH, MessageType, OpenSubcode } from '../wire/constants.js';
import { type BgpError, bgpError, describeError } from '../wire/errors.js';
import { KEEPALIVE } from '../wire/header.js';
import { decodeNotification, describeNotification, type Notification } from '../wire/notification.js';
import { decodeOpen, encodeOpen, type Open } from '../wire/open.js';
import { decodeRouteRefresh, encodeRouteRefresh, type RouteRefresh } from '../wire/route-refresh.js';
import { type DecodeContext, decodeUpdate, type KnownAttributes, type Update } from '../wire/update.js';
import { type PeerConfig, sendHoldTime } from './config.js';
import { TcpConnection } from './connection.js';
import { screenUpdate } from './inbound.js';
import { type Negotiated, negotiate } from './negotiated.js';
import { connectToPeer } from './transport.js';

export type SessionState = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

export interface DownInfo {
  reason: string;
  /** the NOTIFICATION we sent, if any */
  sent?: BgpError;
  /** the NOTIFICATION the peer sent, if any */
  received?: Notification;
}

export interface SessionEvents {
  state: [state: SessionState, previous: SessionState];
  established: [negotiated: Negotiated];
  down: [info: DownInfo];
  update: [update: Update];
  refresh: [request: RouteRefresh];
  /** survivable trouble worth a log line (RFC 7606 discards and withdrawals, unexpected messages) */
  problem: [text: string];
}

export class Session extends EventEmitter<SessionEvents> {
  private conns = new Set<TcpConnection>();
  private established: TcpConnection | undefined;
  private connecting: net.Socket | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private running = false;
  private current: SessionState = 'Idle';
  negotiated: Negotiated | undefined;
  establishedAt: number | undefined;
  lastDown: DownInfo | undefined;
  /** when lastDown happened (ms since the epoch) */
  lastDownAt: number | undefined;
  readonly localCapabilities: Capabilities;
  /** attribute sets this session already decoded cleanly (the speaker's interned sets) */
  knownAttributes: KnownAttributes | undefined;
  /** how UPDATEs of the current negotiation decode */
  private decodeContext: (DecodeContext & { of: Negotiated }) | undefined;
  counters = { updatesIn: 0, updatesOut: 0, messagesIn: 0, messagesOut: 0, establishedTransitions: 0, connectionsRejected: 0 };
  /** families the peer sent without negotiating them, logged once per session */
  private ignoredFamilies = new Set<4 | 6>();
  /** our address on the established connection as the codec formats next hops */
  private ownAddress: string | undefined;

  constructor(
    readonly config: PeerConfig,
    capabilities?: Partial<Capabilities>,
  ) {
    super();
    this.localCapabilities = {
      ...emptyCapabilities(),
      multiprotocol: [...(config.families.includes('ipv4') ? [IPV4_UNICAST] : []), ...(config.families.includes('ipv6') ? [IPV6_UNICAST] : [])],
      routeRefresh: true,
      // Enhanced route refresh (RFC 7313) asks the receiver to purge stale routes after EoRR; until
      // that is implemented the capability is not advertised (the codec handles its messages).
      enhancedRouteRefresh: false,
      extendedMessage: true,
      fourOctetAs: config.localAsn,
      addPath: config.addPathReceive ? config.families.map((f) => ({ afi: f === 'ipv4' ? 1 : 2, safi: 1, mode: 1 as const })) : [],
      ...(config.routeServerClient ? { role: BgpRole.RS } : {}),
      ...capabilities,
    };
  }

  get state(): SessionState {
    return this.current;
  }

  /** Our address on the established connection (the natural next hop towards this peer). */
  get localAddress(): string | undefined {
    const a = this.established?.socket.localAddress;
    return a?.replace(/^::ffff:/, '');
  }
  get isEstablished(): boolean {
    return this.current === 'Established';
  }
  get ebgp(): boolean {
    return this.config.asn !== this.config.localAsn;
  }

  private setState(s: SessionState): void {
    if (s === this.current) return;
    const prev = this.current;
    this.current = s;
    this.emit('state', s, prev);
  }

  /** ManualStart: connect (or wait, when passive) and keep retrying until stopped. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.kick();
  }

  /** ManualStop: Cease/Administrative Shutdown on every connection; no more retries. */
  stop(message = 'administrative shutdown'): void {
    this.running = false;
    clearTimeout(this.retryTimer);
    this.connecting?.destroy();
    this.connecting = undefined;
    const text = Buffer.from(message, 'utf8').subarray(0, 128);
    const data = Buffer.concat([Buffer.from([text.length]), text]);
    for (const c of [...this.conns]) c.fail(bgpError(ErrorCode.CEASE, CeaseSubcode.ADMINISTRATIVE_SHUTDOWN, message, data));
    this.setState('Idle');
  }

  /** Tears the session down with a NOTIFICATION (e.g. max-prefix); restarts after `restartSeconds` unless 0. */
  teardown(e: BgpError, restartSeconds = this.config.connectRetryTime): void {
    const c = this.established;
    if (restartSeconds === 0) this.running = false;
    if (c) c.fail(e);
    if (restartSeconds > 0) this.scheduleRetry(restartSeconds);
  }

  private kick(): void {
    if (!this.running || this.conns.size || this.connecting) return;
    if (this.config.passive) {
      this.setState('Active');
      return;
    }
    this.setState('Connect');
    const sock = connectToPeer(this.config, (text) => this.emit('problem', text));
    this.connecting = sock;
    const fail = () => {
      if (this.connecting !== sock) return;
      this.connecting = undefined;
      sock.destroy();
      if (!this.conns.size) this.setState('Active');
      this.scheduleRetry(this.config.connectRetryTime);
    };
    sock.once('error', fail);
    sock.setTimeout(this.config.connectRetryTime * 1000, fail);
    sock.once('connect', () => {
      sock.removeListener('error', fail);
      sock.setTimeout(0);
      if (this.connecting !== sock) return;
      this.connecting = undefined;
      if (!this.running || this.established) {
        sock.destroy();
        return;
      }
      this.adopt(new TcpConnection(sock, true));
    });
  }

  private scheduleRetry(seconds: number): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.kick(), seconds * 1000);
    this.retryTimer.unref?.();
  }

  /** An incoming TCP connection from this peer's address, handed over by the speaker's listener. */
  accept(socket: net.Socket): void {
    if (!this.running) {
      socket.destroy();
      return;
    }
    const c = new TcpConnection(socket, false);
    if (this.established) {
      // §6.8: with a session already Established, a new connection loses the collision.
      c.fail(bgpError(ErrorCode.CEASE, CeaseSubcode.CONNECTION_COLLISION_RESOLUTION, 'a session is already established'));
      return;
    }
    // §6.8 collision detection needs at most our own connection and one from the peer; a further
    // incoming one is refused at once (RFC 4486 Connection Rejected) so a peer opening many
    // connections cannot pile up sockets. The first stays: a stale one dies of its hold timer
    // or of the RST the restarted peer answers our OPEN with.
    if ([...this.conns].some((o) => !o.outbound && !o.isClosed)) {
      this.counters.connectionsRejected++;
      c.fail(bgpError(ErrorCode.CEASE, CeaseSubcode.CONNECTION_REJECTED, 'another incoming connection from this peer is already in OpenSent or OpenConfirm'));
      return;
    }
    this.adopt(c);
  }

  private adopt(c: TcpConnection): void {
    this.conns.add(c);
    c.on('message', (type, body) => this.onMessage(c, type, body));
    c.on('closed', (reason, sent) => this.onClosed(c, reason, sent));
    this.send(c, encodeOpen({ asn: this.config.localAsn, holdTime: this.config.holdTime, bgpId: this.config.routerId, capabilities: this.localCapabilities }));
    this.refreshState();
  }

  private refreshState(): void {
    if (this.established) {
      this.setState('Established');
      return;
    }
    const states = [...this.conns].map((c) => c.state);
    if (states.includes('OpenConfirm')) this.setState('OpenConfirm');
    else if (states.includes('OpenSent')) this.setState('OpenSent');
    else if (this.connecting) this.setState('Connect');
    else this.setState(this.running ? 'Active' : 'Idle');
  }

  private send(c: TcpConnection, buf: Buffer): boolean {
    this.counters.messagesOut++;
    return c.write(buf);
  }

  private onMessage(c: TcpConnection, type: number, body: Buffer): void {
    this.counters.messagesIn++;
    if (type === MessageType.NOTIFICATION) {
      const n = decodeNotification(body);
      c.close(`received NOTIFICATION: ${describeNotification(n)}`);
      this.noteReceived(c, n);
      return;
    }
    switch (c.state) {
      case 'OpenSent':
        if (type !== MessageType.OPEN) return c.fail(bgpError(ErrorCode.FSM, FsmSubcode.UNEXPECTED_IN_OPENSENT, `message type ${type} before OPEN`));
        return this.onOpen(c, body);
      case 'OpenConfirm':
        if (type === MessageType.KEEPALIVE) return this.onEstablished(c);
        return c.fail(bgpError(ErrorCode.FSM, FsmSubcode.UNEXPECTED_IN_OPENCONFIRM, `message type ${type} in OpenConfirm`));
      case 'Established':
        return this.onEstablishedMessage(c, type, body);
    }
  }

  private receivedNotification: Notification | undefined;
  private noteReceived(_c: TcpConnection, n: Notification): void {
    this.receivedNotification = n;
  }

  private onOpen(c: TcpConnection, body: Buffer): void {
    const open = decodeOpen(body);
    if ('code' in open) return c.fail(open);
    const err = this.checkOpen(open);
    if (err) return c.fail(err);
    c.peerBgpId = open.bgpId;
    // §6.8 collision detection: of two connections to the same peer, the one opened by the
    // speaker with the higher BGP Identifier survives.
    for (const other of this.conns) {
      if (other === c || other.isClosed || other.state === 'Established') continue;
      const keepOutbound = this.config.routerId > open.bgpId;
      const loser = c.outbound === keepOutbound ? other : c;
      loser.fail(bgpError(ErrorCode.CEASE, CeaseSubcode.CONNECTION_COLLISION_RESOLUTION, 'connection collision'));
      if (loser === c) return;
    }
    const n = negotiate(this.localCapabilities, this.config.holdTime, open);
    c.negotiated = n;
    if (n.extendedMessage) c.framer.maxLength = MAX_EXTENDED_MESSAGE_LENGTH;
    c.state = 'OpenConfirm';
    this.send(c, KEEPALIVE);
    c.setTimers(n.holdTime, n.keepaliveTime);
    this.refreshState();
  }

  /** What a correct OPEN from this peer must satisfy beyond its own syntax. */
  private checkOpen(open: Open): BgpError | undefined {
    if (open.asn !== this.config.asn) {
      const data = Buffer.alloc(2);
      data.writeUInt16BE(open.asn > 0xffff ? 23456 : open.asn);
      return bgpError(ErrorCode.OPEN_MESSAGE, OpenSubcode.BAD_PEER_AS, `peer says AS ${open.asn}, configured AS ${this.config.asn}`, data);
    }
    if (!this.ebgp && open.bgpId === this.config.routerId) {
      return bgpError(ErrorCode.OPEN_MESSAGE, OpenSubcode.BAD_BGP_IDENTIFIER, 'internal peer with our own BGP identifier');
    }
    const min = 3;
    if (open.holdTime !== 0 && open.holdTime < min) {
      return bgpError(ErrorCode.OPEN_MESSAGE, OpenSubcode.UNACCEPTABLE_HOLD_TIME, `hold time ${open.holdTime} s`);
    }
    // RFC 9234 §4.2: the roles of both ends must fit together.
    const mine = this.localCapabilities.role;
    const theirs = open.capabilities.role;
    if (mine !== undefined && theirs !== undefined) {
      const pairs: Record<number, number> = {
        [BgpRole.PROVIDER]: BgpRole.CUSTOMER,
        [BgpRole.CUSTOMER]: BgpRole.PROVIDER,
        [BgpRole.RS]: BgpRole.RS_CLIENT,
        [BgpRole.RS_CLIENT]: BgpRole.RS,
        [BgpRole.PEER]: BgpRole.PEER,
      };
      if (pairs[mine] !== theirs) return bgpError(ErrorCode.OPEN_MESSAGE, OpenSubcode.ROLE_MISMATCH, `role ${theirs} does not match ours (${mine})`);
    }
    return undefined;
  }

  private onEstablished(c: TcpConnection): void {
    for (const other of this.conns) {
      if (other !== c) other.fail(bgpError(ErrorCode.CEASE, CeaseSubcode.CONNECTION_COLLISION_RESOLUTION, 'another connection won'));
    }
    c.state = 'Established';
    this.established = c;
    this.negotiated = c.negotiated!;
    this.establishedAt = Date.now();
    this.receivedNotification = undefined;
    this.counters.establishedTransitions++;
    this.ignoredFamilies.clear();
    this.ownAddress = canonicalAddress(this.localAddress ?? '');
    c.startSendHold(sendHoldTime(this.config.sendHoldTime, this.negotiated.holdTime));
    clearTimeout(this.retryTimer);
    this.refreshState();
    this.emit('established', this.negotiated);
  }

  private onEstablishedMessage(c: TcpConnection, type: number, body: Buffer): void {
    const n = this.negotiated!;
    switch (type) {
      case MessageType.KEEPALIVE:
        return;
      case MessageType.UPDATE: {
        this.counters.updatesIn++;
        // (one context per negotiation, not one per UPDATE)
        let ctx = this.decodeContext;
        if (ctx?.of !== n)
          this.decodeContext = ctx = {
            of: n,
            fourOctetAs: n.fourOctetAs,
            ebgp: this.ebgp,
            addPathV4: n.addPathRxV4,
            addPathV6: n.addPathRxV6,
            extendedNextHopV4: n.extendedNextHopV4,
          };
        const d = decodeUpdate(body, ctx, this.knownAttributes);
        if ('code' in d) return c.fail(d);
        for (const p of d.problems)
          this.emit('problem', `UPDATE: ${p.reason}${p.severity === 2 ? ' (routes treated as withdrawn)' : p.severity === 1 ? ' (attribute discarded)' : ''}`);
        const s = screenUpdate(d, n, this.ownAddress);
        if (s.problem) this.emit('problem', `UPDATE: ${s.problem}`);
        if (s.ignoredFamily && !this.ignoredFamilies.has(s.ignoredFamily)) {
          this.ignoredFamilies.add(s.ignoredFamily);
          this.emit('problem', `UPDATE: IPv${s.ignoredFamily} unicast routes ignored: the family was not negotiated (RFC 4760 §8); logged once per session`);
        }
        this.emit('update', s.update);
        return;
      }
      case MessageType.ROUTE_REFRESH: {
        if (!n.routeRefresh) {
          this.emit('problem', 'ROUTE-REFRESH without the capability; ignored');
          return;
        }
        const r = decodeRouteRefresh(body);
        if ('code' in r) return c.fail(r);
        // Subtypes 1 and 2 mark the start and end of the peer's own re-advertisement (RFC 7313);
        // stale-route purging is not done, so they need no action. Unknown subtypes are ignored.
        if (r.subtype === 0) this.emit('refresh', r);
        else if (r.subtype > 2) this.emit('problem', `ROUTE-REFRESH subtype ${r.subtype} ignored`);
        return;
      }
      case MessageType.OPEN:
        return c.fail(bgpError(ErrorCode.FSM, FsmSubcode.UNEXPECTED_IN_ESTABLISHED, 'OPEN in Established'));
    }
  }

  private onClosed(c: TcpConnection, reason: string, sent?: BgpError): void {
    this.conns.delete(c);
    if (c === this.established) {
      this.established = undefined;
      this.negotiated = undefined;
      this.establishedAt = undefined;
      const info: DownInfo = { reason, ...(sent ? { sent } : {}), ...(this.receivedNotification ? { received: this.receivedNotification } : {}) };
      this.lastDown = info;
      this.lastDownAt = Date.now();
      this.receivedNotification = undefined;
      this.refreshState();
      this.emit('down', info);
    } else {
      if (sent || this.receivedNotification) {
        this.lastDown = { reason, ...(sent ? { sent } : {}), ...(this.receivedNotification ? { received: this.receivedNotification } : {}) };
        this.lastDownAt = Date.now();
      }
      this.refreshState();
    }
    if (this.running && !this.conns.size) this.scheduleRetry(this.config.connectRetryTime);
  }

  /** Sends to the established connection; false when the socket buffer is full (see `drain`). */
  sendMessage(buf: Buffer): boolean {
    const c = this.established;
    if (!c) return false;
    // `buf` may hold several messages back to back; count the UPDATEs among them.
    for (let i = 0; i + 19 <= buf.length; i += buf.readUInt16BE(i + 16) || buf.length) {
      if (buf[i + 18] === MessageType.UPDATE) this.counters.updatesOut++;
    }
    return this.send(c, buf);
  }

  /** Resolves when the established connection can take more bytes (or is gone). */
  drain(): Promise<void> {
    const c = this.established;
    if (!c || c.writable) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        c.socket.removeListener('drain', done);
        c.removeListener('closed', done);
        resolve();
      };
      c.socket.once('drain', done);
      c.once('closed', done);
    });
  }

  requestRefresh(afi: number, safi = 1): boolean {
    if (!this.negotiated?.routeRefresh) return false;
    return this.sendMessage(encodeRouteRefresh({ afi, safi, subtype: 0 }));
  }

  describeDown(): string | undefined {
    const d = this.lastDown;
    if (!d) return undefined;
    if (d.received) return `received ${describeNotification(d.received)}`;
    if (d.sent) return `sent ${describeError(d.sent)}`;
    return d.reason;
  }
}
