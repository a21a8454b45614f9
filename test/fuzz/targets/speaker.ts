// Target (b): the UPDATE path through a live Speaker over loopback TCP. A RawPeer (the "fuzz
// peer") sends each mutated UPDATE, then a marker UPDATE; the input is done when the speaker
// has taken the marker and exported it to a second, well-behaved RawPeer (the "good peer"), or
// when it has closed the fuzz session. Contract: no uncaught exception or unhandled rejection
// (the supervisor sees those as a crashed worker); every NOTIFICATION the speaker sends is one
// RFC 4271 and its successors define, for a cause an Established session can have; the good
// peer stays Established, and every UPDATE it receives decodes without any RFC 7606 problem.
import { type PeerOptions, Speaker } from '../../../src/bgp/speaker.js';
import { decodeUpdate, encodeMessage, Framer } from '../../../src/bgp/wire/index.js';
import { acceptAll as all, ip, peerOptions } from '../../helpers/peer-options.js';
import { RawPeer } from '../../helpers/raw-peer.js';
import { bgpCorpus, V } from '../corpus.js';
import type { Seed } from '../mutate.js';
import { type Target, type TargetOptions, Violation } from '../target.js';
import { bgpTarget } from './bgp.js';

/** Subcodes per NOTIFICATION code (IANA BGP Error (Sub)Codes; 0 is "unspecific"; deprecated ones left out). */
const LEGAL: Record<number, number[]> = {
  1: [0, 1, 2, 3],
  2: [0, 1, 2, 3, 4, 6, 7, 11],
  3: [0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11],
  4: [0],
  5: [0, 1, 2, 3],
  6: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  7: [0, 1],
};
/** What an Established session may answer a received message with: header, UPDATE, FSM (an OPEN), Cease, ROUTE-REFRESH errors. */
const ESTABLISHED_CODES = new Set([1, 3, 5, 6, 7]);

const WAIT_MS = 5000;

interface Live {
  speaker: Speaker;
  addr: { speaker: string; fuzz: string; good: string };
  port: number;
  fuzz: RawPeer | undefined;
  good: RawPeer;
  /** the marker prefix the current input waits for, at the speaker and at the good peer */
  marker: number;
  atSpeaker: boolean;
  atGood: boolean;
  wake: (() => void) | undefined;
  /** a broken contract seen between inputs (good peer side), thrown with the next input */
  late: string | undefined;
  sent: number;
  notifications: Map<string, number>;
}

let live: Live | undefined;

function peerConfig(address: string, asn: number, l: { speaker: string }, port: number): PeerOptions {
  return peerOptions({ address, asn, port, localAddress: l.speaker });
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!cond()) {
    if (Date.now() > deadline) throw new Violation(`speaker target: timed out waiting for ${what}`);
    await new Promise<void>((r) => {
      live!.wake = r;
      setTimeout(r, 20);
    });
  }
}

/** Watches what the speaker sends the good peer: every UPDATE must decode cleanly. */
function watchGood(l: Live): void {
  const framer = new Framer();
  l.good.socket!.on('data', (chunk: Buffer) => {
    framer.push(chunk);
    for (let f = framer.next(); f; f = framer.next()) {
      if ('code' in f) {
        l.late ??= `the speaker sent the good peer an unframeable message: ${f.reason}`;
        return;
      }
      if (f.type !== 2) continue;
      const u = decodeUpdate(f.body, { fourOctetAs: true, ebgp: true, addPathV4: false, addPathV6: false });
      if ('code' in u) {
        l.late ??= `the speaker sent the good peer a malformed UPDATE (${u.reason}): ${f.body.toString('hex')}`;
        continue;
      }
      if (u.problems.length)
        l.late ??= `the speaker sent the good peer an UPDATE with problems (${u.problems.map((p) => p.reason).join('; ')}): ${f.body.toString('hex')}`;
      if (u.nlri.keys.includes(l.marker)) {
        l.atGood = true;
        l.wake?.();
      }
    }
  });
}

async function setup(o: TargetOptions): Promise<void> {
  const base = 10 + 4 * o.job;
  const addr = { speaker: `${o.net}${base}`, fuzz: `${o.net}${base + 1}`, good: `${o.net}${base + 2}` };
  const port = o.port + o.job;
  const speaker = new Speaker({ asn: 65001, routerId: ip('192.0.2.1'), listen: { host: addr.speaker, port } });
  speaker.addPeer(peerConfig(addr.fuzz, 65002, addr, port), all);
  speaker.addPeer(peerConfig(addr.good, 65003, addr, port), all);
  await speaker.start();
  const good = new RawPeer({ asn: 65003, bgpId: ip('192.0.2.3'), connect: { host: addr.speaker, port, localAddress: addr.good } });
  const l: Live = {
    speaker,
    addr,
    port,
    fuzz: undefined,
    good,
    marker: -1,
    atSpeaker: false,
    atGood: false,
    wake: undefined,
    late: undefined,
    sent: 0,
    notifications: new Map(),
  };
  live = l;
  speaker.on('session', () => l.wake?.());
  speaker.on('routes', (peer, announced) => {
    if (peer === addr.fuzz && announced.includes(l.marker)) {
      l.atSpeaker = true;
      l.wake?.();
    }
  });
  await good.start();
  watchGood(l);
  await until(() => good.established, 'the good peer to be Established');
}

async function connectFuzzPeer(l: Live): Promise<RawPeer> {
  for (let attempt = 0; ; attempt++) {
    // The speaker must have seen the last session go before a new one can be accepted.
    await until(() => !l.speaker.peer(l.addr.fuzz)!.session.isEstablished, 'the fuzz session to be down at the speaker');
    const p = new RawPeer({ asn: 65002, bgpId: ip('192.0.2.2'), connect: { host: l.addr.speaker, port: l.port, localAddress: l.addr.fuzz } });
    await p.start();
    p.socket!.on('data', () => l.wake?.()).on('close', () => l.wake?.());
    await until(() => p.established || p.closed, 'the fuzz peer to connect');
    if (p.established) return p;
    if (attempt > 5) throw new Violation(`the fuzz peer cannot connect: ${JSON.stringify(p.notification)}`);
  }
}

/** The marker: withdraws the last one, announces 100.64.0.0/10 + n as a /32. */
function markerUpdate(l: Live, n: number): Buffer {
  const prev = l.marker;
  const addr = 0x64400000 + (n % (1 << 22));
  l.marker = addr * 64 + 32;
  const pfx = (a: number) => [32, a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255];
  const withdrawn = prev >= 0 ? pfx((prev - 32) / 64) : [];
  const nh = l.addr.fuzz.split('.').map(Number);
  const attrs = [0x40, 1, 1, 0, 0x40, 2, 6, 2, 1, 0, 0, 0xfd, 0xea, 0x40, 3, 4, ...nh];
  return encodeMessage(2, Buffer.from([0, withdrawn.length, ...withdrawn, 0, attrs.length, ...attrs, ...pfx(addr)]));
}

/** Variant bit: keep a damaged marker and type (else they are made right: the decoder fuzz covers framing). */
const RAW_HEADER = 0x100;

/** The mutated message with its header length made true (so the marker after it is framed alone). */
function asMessage(b: Buffer, variant: number): Buffer {
  if (b.length < 19) return encodeMessage(2, b);
  const m = Buffer.from(b.subarray(0, 65535));
  m.writeUInt16BE(m.length, 16);
  if (!(variant & RAW_HEADER)) {
    m.fill(0xff, 0, 16);
    m[18] = 2;
  }
  return m;
}

async function run(input: Seed): Promise<void> {
  const l = live!;
  if (l.late) throw new Violation(l.late);
  if (!l.fuzz || l.fuzz.closed) l.fuzz = await connectFuzzPeer(l);
  const fuzz = l.fuzz;
  const msg = asMessage(input.bytes, input.variant);
  l.atSpeaker = l.atGood = false;
  const marker = markerUpdate(l, l.sent++);
  fuzz.sendRaw(Buffer.concat([msg, marker]));
  await until(() => fuzz.closed || (l.atSpeaker && l.atGood) || l.late !== undefined, 'the marker UPDATE, or the session to close');
  if (l.late) throw new Violation(l.late);
  if (fuzz.closed) {
    const n = fuzz.notification;
    const name = n ? `${n.code}/${n.subcode}` : 'none';
    l.notifications.set(name, (l.notifications.get(name) ?? 0) + 1);
    l.marker = -1;
    if (!n) {
      // Closing without a NOTIFICATION is right only when the peer sent one (RFC 4271 §6.4).
      if (!(msg[18] === 3 && msg.subarray(0, 16).every((x) => x === 0xff))) throw new Violation('the speaker closed the session without a NOTIFICATION');
    } else if (!LEGAL[n.code]?.includes(n.subcode) || !ESTABLISHED_CODES.has(n.code)) {
      throw new Violation(`the speaker sent NOTIFICATION ${n.code}/${n.subcode} (data ${n.data.toString('hex')}) in Established`);
    }
  }
  if (l.good.closed || l.good.notification || !l.good.established) {
    throw new Violation(`the good peer lost its session (${JSON.stringify(l.good.notification)})`);
  }
}

async function teardown(): Promise<void> {
  const l = live;
  if (!l) return;
  live = undefined;
  await l.fuzz?.stop();
  await l.good.stop();
  await l.speaker.stop();
  const counts = [...l.notifications]
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  console.log(`speaker target: NOTIFICATIONs received by the fuzz peer (code/subcode: count): ${counts || 'none'}`);
}

/** UPDATEs only, from 4-octet-AS sessions without ADD-PATH: what the fuzz peer's session negotiates. */
let updates: Seed[] | undefined;

export const speakerTarget: Target = {
  name: 'speaker',
  corpus: () => (updates ??= bgpCorpus().filter((s) => s.bytes[18] === 2 && s.variant & V.AS4 && !(s.variant & (V.ADDPATH_V4 | V.ADDPATH_V6)))),
  locate: bgpTarget.locate,
  variant: (rng) => V.AS4 | V.EBGP | (rng.bool(0.1) ? RAW_HEADER : 0),
  run,
  setup,
  teardown,
};
