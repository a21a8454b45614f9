// A scripted BGP peer for tests: speaks just enough BGP (with our codec) to reach Established,
// then sends whatever bytes a test wants and records what it receives.
import net from 'node:net';
import { type Capabilities, emptyCapabilities, IPV4_UNICAST, IPV6_UNICAST } from '../../src/bgp/wire/capabilities.js';
import { MessageType } from '../../src/bgp/wire/constants.js';
import { encodeMessage, Framer, KEEPALIVE } from '../../src/bgp/wire/header.js';
import { decodeNotification, type Notification } from '../../src/bgp/wire/notification.js';
import { decodeOpen, encodeOpen } from '../../src/bgp/wire/open.js';
import { decodeUpdate, type Update } from '../../src/bgp/wire/update.js';

/** Feeds a socket's bytes through `framer` to `onMessage`; a framing error ends the connection. */
export function readMessages(s: net.Socket, framer: Framer, onMessage: (type: number, body: Buffer) => void): void {
  s.on('data', (chunk: Buffer) => {
    framer.push(chunk);
    for (let f = framer.next(); f; f = framer.next()) {
      if ('code' in f) {
        s.destroy();
        return;
      }
      onMessage(f.type, f.body);
    }
  });
}

export interface RawPeerOptions {
  asn: number;
  bgpId: number;
  holdTime?: number;
  /** connect to host:port (we are active) ... */
  connect?: { host: string; port: number; localAddress?: string };
  /** ... or accept one connection on host:port (we are passive) */
  listen?: { host: string; port: number };
  /** answer the speaker's KEEPALIVEs; false freezes the peer after Established */
  keepalives?: boolean;
  /** capabilities of our OPEN, over the default (IPv4 and IPv6 unicast, route refresh) */
  capabilities?: Partial<Capabilities>;
  /** a whole OPEN message to send instead of ours (a hostile or broken peer) */
  open?: Buffer;
  /** also send a KEEPALIVE every so many ms, read or not (a peer that stays alive but stalls) */
  keepaliveEveryMs?: number;
}

export class RawPeer {
  socket: net.Socket | undefined;
  server: net.Server | undefined;
  readonly framer = new Framer();
  readonly updates: Update[] = [];
  /** IPv4 and IPv6 prefixes announced to us so far (a running count, cheap to poll) */
  announced = 0;
  notification: Notification | undefined;
  established = false;
  closed = false;
  private waiters: Array<() => void> = [];
  private ticker: NodeJS.Timeout | undefined;

  constructor(readonly opts: RawPeerOptions) {}

  async start(): Promise<void> {
    if (this.opts.listen) {
      const server = net.createServer((s) => this.attach(s));
      this.server = server;
      await new Promise<void>((r) => server.listen(this.opts.listen!.port, this.opts.listen!.host, r));
    } else {
      const c = this.opts.connect!;
      this.attach(net.connect({ host: c.host, port: c.port, ...(c.localAddress ? { localAddress: c.localAddress } : {}) }));
    }
  }

  private attach(s: net.Socket): void {
    this.socket = s;
    s.on('error', () => {});
    s.on('close', () => {
      this.closed = true;
      clearInterval(this.ticker);
      this.wake();
    });
    readMessages(s, this.framer, (type, body) => this.onMessage(type, body));
    s.on('data', () => this.wake());
    s.write(
      this.opts.open ??
        encodeOpen({
          asn: this.opts.asn,
          holdTime: this.opts.holdTime ?? 90,
          bgpId: this.opts.bgpId,
          capabilities: { ...emptyCapabilities(), multiprotocol: [IPV4_UNICAST, IPV6_UNICAST], routeRefresh: true, ...this.opts.capabilities },
        }),
    );
    if (this.opts.keepaliveEveryMs)
      this.ticker = setInterval(() => {
        if (this.established) s.write(KEEPALIVE);
      }, this.opts.keepaliveEveryMs);
  }

  private onMessage(type: number, body: Buffer): void {
    if (type === MessageType.OPEN) {
      if (!('code' in decodeOpen(body))) this.socket!.write(KEEPALIVE);
    } else if (type === MessageType.KEEPALIVE) {
      if (!this.established) this.established = true;
      else if (this.opts.keepalives !== false) this.socket!.write(KEEPALIVE);
    } else if (type === MessageType.NOTIFICATION) {
      this.notification = decodeNotification(body);
    } else if (type === MessageType.UPDATE) {
      const u = decodeUpdate(body, { fourOctetAs: true, ebgp: true, addPathV4: false, addPathV6: false });
      if (!('code' in u)) {
        this.updates.push(u);
        this.announced += u.nlri.keys.length + (u.mpReach?.nlri.keys.length ?? 0);
      }
    }
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves when `cond` holds, checked after every received chunk; rejects after timeoutMs. */
  async until(cond: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`raw peer: timed out waiting for ${what}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
  }

  /** Stops reading from the socket: the speaker's writes back up, as with a stalled router. */
  stall(): void {
    this.socket!.pause();
  }

  /** Sends an UPDATE body (wrapped in a header) or any raw bytes. */
  sendUpdateBody(body: Buffer): void {
    this.socket!.write(encodeMessage(MessageType.UPDATE, body));
  }
  sendRaw(bytes: Buffer): void {
    this.socket!.write(bytes);
  }

  async stop(): Promise<void> {
    clearInterval(this.ticker);
    this.socket?.destroy();
    if (this.server) await new Promise<void>((r) => this.server!.close(() => r()));
  }
}
