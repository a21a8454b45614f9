// A peer that floods ROUTE-REFRESH, run as its own process so the flood keeps its pace whatever
// the speaker under test does to its own event loop (as a hostile router would). Argument: JSON
// {host, port, localAddress, asn, bgpId, table, rate, seconds}. It takes the initial table, sends
// `rate` requests per second for `seconds`, waits until the speaker has been quiet for 2 s, then
// prints {requested, tables, closed, notification} as JSON: `tables` is how many times it got the
// table again.
import { CapsPeer } from './caps-peer.js';

const o = JSON.parse(process.argv[2]!) as {
  host: string;
  port: number;
  localAddress: string;
  asn: number;
  bgpId: number;
  table: number;
  rate: number;
  seconds: number;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const peer = new CapsPeer({ asn: o.asn, bgpId: o.bgpId, connect: { host: o.host, port: o.port, localAddress: o.localAddress }, keep: false });
await peer.start(30_000);
await peer.until(() => peer.counts.prefixes >= o.table, 120_000, 'the initial table');
const base = peer.counts.prefixes;
let requested = 0;
const perTick = Math.max(1, Math.round(o.rate / 50));
const flood = setInterval(() => {
  peer.requestRefresh(1, perTick);
  requested += perTick;
}, 20);
process.stdout.write(JSON.stringify({ flooding: true }) + '\n');
await sleep(o.seconds * 1000);
clearInterval(flood);
// The speaker is done when nothing arrived for 2 s (bounded: 180 s).
const deadline = Date.now() + 180_000;
for (let last = -1; last !== peer.counts.prefixes && Date.now() < deadline; ) {
  last = peer.counts.prefixes;
  await sleep(2000);
}
process.stdout.write(
  JSON.stringify({
    requested,
    tables: (peer.counts.prefixes - base) / o.table,
    closed: peer.closed,
    notification: peer.notification ?? null,
  }) + '\n',
);
peer.stop();
process.exit(0);
