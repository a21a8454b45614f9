// A scripted BGP peer that advertises the capabilities a test chooses (4-octet ASNs or not,
// Extended Messages, enhanced route refresh), decodes what it receives accordingly and counts
// prefixes, End-of-RIBs and route-refresh markers. RawPeer's OPEN is fixed; this one is not.
import net from 'node:net';
import { type Capabilities, emptyCapabilities, encodeCapabilities, IPV4_UNICAST, IPV6_UNICAST } from '../../src/bgp/wire/capabilities.js';
import { MAX_EXTENDED_MESSAGE_LENGTH, MessageType } from '../../src/bgp/wire/constants.js';
import { encodeMessage, Framer, KEEPALIVE } from '../../src/bgp/wire/header.js';
import { decodeNotification, type Notification } from '../../src/bgp/wire/notification.js';
import { decodeRouteRefresh, encodeRouteRefresh } from '../../src/bgp/wire/route-refresh.js';
import { decodeUpdate, type Update } from '../../src/bgp/wire/update.js';
import { readMessages } from './raw-peer.js';

export interface CapsPeerOptions {
  asn: number;
  bgpId: number;
  holdTime?: number;
  connect: { host: string; port: number; localAddress: string };
  /** on top of IPv4+IPv6 unicast and route refresh */
  capabilities?: Partial<Capabilities>;
  /** keep every decoded UPDATE (default true; a peer taking whole tables only counts) */
  keep?: boolean;
}

export class CapsPeer {
  socket: net.Socket | undefined;
  readonly framer = new Framer();
  readonly caps: Capabilities;
  readonly updates: Update[] = [];
  readonly counts = { prefixes: 0, withdrawn: 0, endOfRib: 0, borr: 0, eorr: 0 };
  notification: Notification | undefined;
  established = false;
  closed = false;

  constructor(readonly opts: CapsPeerOptions) {
    this.caps = { ...emptyCapabilities(), multiprotocol: [IPV4_UNICAST, IPV6_UNICAST], routeRefresh: true, ...opts.capabilities };
    // A 4-octet peer unless the test says otherwise (`fourOctetAs: undefined`).
    if (opts.capabilities && 'fourOctetAs' in opts.capabilities) this.caps.fourOctetAs = opts.capabilities.fourOctetAs;
    else this.caps.fourOctetAs = opts.asn;
  }

  /** Connects and resolves once Established. */
  async start(timeoutMs = 10_000): Promise<void> {
    const c = this.opts.connect;
    const s = net.connect({ host: c.host, port: c.port, localAddress: c.localAddress });
    this.socket = s;
    s.on('error', () => {});
    s.on('close', () => {
      this.closed = true;
    });
    readMessages(s, this.framer, (type, body) => this.onMessage(type, body));
    s.write(openMessage(this.opts.asn, this.opts.holdTime ?? 90, this.opts.bgpId, this.caps));
    await this.until(() => this.established, timeoutMs, 'Established');
  }

  private onMessage(type: number, body: Buffer): void {
    if (type === MessageType.OPEN) {
      // Both sides offered Extended Messages: larger messages may come (RFC 8654).
      if (this.caps.extendedMessage) this.framer.maxLength = MAX_EXTENDED_MESSAGE_LENGTH;
      this.socket!.write(KEEPALIVE);
    } else if (type === MessageType.KEEPALIVE) {
      if (!this.established) this.established = true;
      else this.socket!.write(KEEPALIVE);
    } else if (type === MessageType.NOTIFICATION) {
      this.notification = decodeNotification(body);
    } else if (type === MessageType.ROUTE_REFRESH) {
      const r = decodeRouteRefresh(body);
      if (!('code' in r) && r.subtype === 1) this.counts.borr++;
      if (!('code' in r) && r.subtype === 2) this.counts.eorr++;
    } else if (type === MessageType.UPDATE) {
      const u = decodeUpdate(body, { fourOctetAs: this.caps.fourOctetAs !== undefined, ebgp: true, addPathV4: false, addPathV6: false });
      if ('code' in u) return;
      if (this.opts.keep !== false) this.updates.push(u);
      this.counts.prefixes += u.nlri.keys.length + (u.mpReach?.nlri.keys.length ?? 0);
      this.counts.withdrawn += u.withdrawn.keys.length + (u.mpUnreach?.nlri.keys.length ?? 0);
      if (u.endOfRib) this.counts.endOfRib++;
    }
  }

  /** Resolves when `cond` holds; rejects after timeoutMs. */
  async until(cond: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!cond()) {
      if (this.closed && !this.established) throw new Error(`caps peer: connection closed while waiting for ${what}`);
      if (Date.now() > deadline) throw new Error(`caps peer: timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  sendUpdateBody(body: Buffer): void {
    this.socket!.write(encodeMessage(MessageType.UPDATE, body));
  }
  /** `n` ROUTE-REFRESH requests in one write. */
  requestRefresh(afi: number, n = 1): void {
    const one = encodeRouteRefresh({ afi, safi: 1, subtype: 0 });
    this.socket!.write(n === 1 ? one : Buffer.concat(Array.from({ length: n }, () => one)));
  }

  stop(): void {
    this.socket?.destroy();
  }
}

/** An OPEN with exactly these capabilities (encodeOpen always adds the 4-octet AS one). */
function openMessage(asn: number, holdTime: number, bgpId: number, caps: Capabilities): Buffer {
  const c = encodeCapabilities(caps);
  const body = Buffer.alloc(12 + c.length);
  body[0] = 4;
  body.writeUInt16BE(asn > 0xffff ? 23456 : asn, 1);
  body.writeUInt16BE(holdTime, 3);
  body.writeUInt32BE(bgpId >>> 0, 5);
  body[9] = 2 + c.length;
  body[10] = 2; // Capabilities optional parameter (RFC 5492)
  body[11] = c.length;
  c.copy(body, 12);
  return encodeMessage(MessageType.OPEN, body);
}
