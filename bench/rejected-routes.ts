// What a rejected route costs in memory: N routes from one peer into a Speaker whose import policy
// (the registry's, with nothing registered) rejects them all, against the same routes accepted.
// Heap used (plus the typed arrays' buffers outside the heap) after a full GC, per route. No
// sessions: the routes go straight into the RIB.
//
//   node --expose-gc dist/bench/rejected-routes.js [--routes 200000]

import { Changed, type ImportPolicy } from '../src/bgp/rib/rib.js';
import { Speaker } from '../src/bgp/speaker.js';
import { parsePrefixKey } from '../src/net/prefix-key.js';
import { PrefixTrie } from '../src/net/trie.js';
import { importPolicy } from '../src/validation/import-policy.js';
import { defaultServiceCommunity } from '../src/validation/route-checks.js';
import { eachFlag, intFlag } from './lib/args.js';

let routes = 200_000;
const usage = (why: string): never => {
  console.error(`rejected-routes: ${why}\nusage: node --expose-gc dist/bench/rejected-routes.js [--routes N]`);
  process.exit(2);
};
eachFlag(process.argv.slice(2), (flag, value) => {
  if (flag === '--routes') routes = intFlag(flag, value(), 1, usage);
  else usage(`unknown flag ${flag}`);
});
const gc = (globalThis as { gc?: () => void }).gc ?? usage('run node with --expose-gc');

/** Heap used and external buffers after a full GC (twice: weak references and finalizers settle). */
function heapUsed(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/** Loads `routes` routes (a few hundred attribute sets, 100 prefixes each) under `policy`; the heap it took per route. */
function load(policy: ImportPolicy): { perRoute: number; rejected: number; ms: number } {
  const speaker = new Speaker({ asn: 64500, routerId: 1 });
  speaker.addPeer(
    {
      address: '127.75.0.2',
      asn: 64501,
      localAsn: 64500,
      routerId: 1,
      port: 17500,
      passive: true,
      holdTime: 90,
      families: ['ipv4'],
      routeServerClient: false,
      connectRetryTime: 1,
      addPathReceive: false,
    },
    { import: policy },
  );
  const before = heapUsed();
  const rib = speaker.rib.peers.get('127.75.0.2')!.rib;
  const changed = new Changed();
  const t0 = performance.now();
  for (let i = 0; i < routes; i += 100) {
    const origin = 65000 + ((i / 100) % 500);
    const attrs = { origin: 0, asPath: [{ type: 2, asns: [64501, origin] }], nextHop: '127.75.0.2' };
    const set = rib.sets.intern(Buffer.from(JSON.stringify(attrs)), attrs, true);
    const keys = [];
    for (let j = i; j < Math.min(i + 100, routes); j++) keys.push(parsePrefixKey(`${10 + (j >> 16)}.${(j >> 8) & 255}.${j & 255}.0/24`)!);
    speaker.rib.announce('127.75.0.2', keys, null, set, policy, changed);
    changed.clear();
  }
  const ms = performance.now() - t0;
  const after = heapUsed();
  return { perRoute: (after - before) / routes, rejected: rib.size - rib.acceptedV4 - rib.acceptedV6, ms };
}

const regs = { prefixes: new PrefixTrie<string>(), asns: new Map() };
const peering = { id: 'nordlink/ams-ps', type: 'peering-service' as const, asn: 64501 };
const ctx = { checks: { community: defaultServiceCommunity(64500), maxPathLength: 3 } };

const accepted = load(() => undefined);
const rejected = load(importPolicy(peering, regs, ctx));
console.log(`${routes} routes from one peer, heap and buffers used after GC per route:`);
console.log(`  accepted (import all):         ${accepted.perRoute.toFixed(1)} bytes, loaded in ${accepted.ms.toFixed(0)} ms`);
console.log(`  rejected (not registered):     ${rejected.perRoute.toFixed(1)} bytes, loaded in ${rejected.ms.toFixed(0)} ms (${rejected.rejected} rejected)`);
console.log(`  a rejection costs:             ${(rejected.perRoute - accepted.perRoute).toFixed(1)} bytes per route`);
