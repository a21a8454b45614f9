// What the lab prints: its partner routers, the prefixes with their states and times to Verified,
// where to look (the API key, commands, curl lines) and how to see a failover.
import type { EdgeDaemon } from '../edge/edge-daemon.js';
import { parseCustomerPrefixId, parsePeeringId } from '../registry/resource-ids.js';
import type { RunningPartnerRouter } from './partner-routers.js';
import { type Delay, seconds } from './timing.js';
import type { LabPlan, LabRouter } from './world.js';

export interface RouterSlot {
  plan: LabRouter;
  running: RunningPartnerRouter | undefined;
  stopping: boolean;
}

type Say = (line?: string) => void;

export const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));

export function printRouters(say: Say, plan: LabPlan, routers: Map<string, RouterSlot>): void {
  say('Partner routers (one per partner session; each dials its edge router and announces)');
  const w = Math.max(...plan.routers.map((r) => r.name.length));
  for (const r of plan.routers) {
    const run = routers.get(r.name)?.running;
    const what =
      r.routes
        .map((x) => x.prefix + (x.fault === 'missing-community' ? ' (no community)' : x.fault === 'hijack' ? ` (HIJACK from AS${x.origin})` : ''))
        .join(', ') || '(nothing)';
    say(
      `  ${pad(r.name, w)}  ${pad(run ? run.kind : 'stopped', 7)} ${pad(r.address, 13)} ${pad(!run ? '' : run.kind === 'speaker' ? 'in the lab' : `pid ${run.pid}`, 10)} AS${r.asn} -> ${pad(r.edgeRouter, 8)} ${pad(r.operatorAddress, 13)} ${what}`,
    );
  }
}

export function printPrefixes(say: Say, plan: LabPlan, daemon: EdgeDaemon, first: Map<string, Delay>): void {
  say('Prefixes (registered by partners, then customer prefixes)');
  const w = Math.max(...plan.expectations.map((e) => e.watched.id.length));
  const pw = Math.max(...plan.expectations.map((e) => e.watched.prefix.length));
  const order = [...plan.expectations].sort((a, b) => (a.watched.kind === b.watched.kind ? 0 : a.watched.kind === 'registered-prefix' ? -1 : 1));
  for (const e of order) {
    const r = daemon.engine.result(e.watched.kind, e.watched.id);
    const state = r?.state ?? 'Pending';
    const d = first.get(e.watched.id);
    const why =
      e.role === 'good'
        ? state === 'Verified' && d
          ? `${seconds(d.afterRoute)} after the announcement, ${seconds(d.afterUp)} after its last session came up`
          : ''
        : e.role === 'missing-community'
          ? 'on purpose: announced without the community'
          : `cannot be Verified in this world, even with every session announcing it (expected: ${e.state})`;
    say(`  ${pad(state, 8)}  ${pad(e.watched.id, w)}  ${pad(e.watched.prefix, pw)}  ${why}`);
    if (r?.message) say(`  ${' '.repeat(8)}  ${r.message}`);
  }
}

export function printTimes(say: Say, plan: LabPlan, first: Map<string, Delay>, stalls: { max: number; p99: number; writes: number }): void {
  const good = plan.expectations
    .filter((e) => e.role === 'good')
    .map((e) => first.get(e.watched.id))
    .filter((d): d is Delay => !!d);
  if (!good.length) return;
  const route = good
    .map((d) => d.afterRoute ?? NaN)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  const up = good
    .map((d) => d.afterUp ?? NaN)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  const med = (xs: number[]) => xs[Math.floor((xs.length - 1) / 2)];
  say(`Time to Verified (${good.length} prefixes; goal: under 2 s after the partner's announcement)`);
  say(`  after the last announcement reached the edge:   median ${seconds(med(route))}, max ${seconds(route[route.length - 1])}`);
  say(`  after the last of its sessions was Established:  median ${seconds(med(up))}, max ${seconds(up[up.length - 1])}`);
  say(`  (the partner router's own delay before its first UPDATE counts in the second line; the edge's event loop stalled`);
  say(`  up to ${seconds(stalls.max)}, p99 ${seconds(stalls.p99)}, while it stored ${stalls.writes} state changes and events)`);
}

export function printWhereToLook(say: Say, url: string, key: string, plan: LabPlan): void {
  const firstCustomer = plan.expectations.find((e) => e.watched.kind === 'customer-prefix' && e.role === 'good')?.watched;
  const { customer, service, name } = firstCustomer ? parseCustomerPrefixId(firstCustomer.id) : { customer: 'contoso', service: 'contoso-eu', name: 'hq' };
  const shown = parsePeeringId(plan.hijack?.router.peering ?? plan.routers[0]?.peering ?? 'nordlink/nordlink-ams');
  const listed = plan.failover ? parsePeeringId(plan.failover.router.peering) : shown;
  const auth = '-H "Authorization: Bearer $OPENPEERING_API_KEY"';
  say('Look at it (the operator API key of this lab):');
  say(`  export OPENPEERING_URL=${url} OPENPEERING_API_KEY=${key}`);
  say(`  npx openpeering prefixes list --customer ${customer} --service ${service}`);
  say(`  npx openpeering registered-prefixes list --partner ${listed.partner} --peering ${listed.peering}`);
  say(`  curl -s ${auth} "$OPENPEERING_URL/v1/customers/${customer}/peering-services/${service}/prefixes/${name}?expand=events"`);
  if (plan.missingCommunity?.watched.kind === 'customer-prefix') {
    const m = parseCustomerPrefixId(plan.missingCommunity.watched.id);
    say(`  curl -s ${auth} "$OPENPEERING_URL/v1/customers/${m.customer}/peering-services/${m.service}/prefixes/${m.name}"`);
  }
  say(`  curl -s ${auth} "$OPENPEERING_URL/v1/partners/${plan.hijack ? parsePeeringId(plan.hijack.owner).partner : shown.partner}/events"`);
  say(`  curl -s ${auth} "$OPENPEERING_URL/v1/partners/${shown.partner}/peerings/${shown.peering}/received-routes${plan.hijack ? '?accepted=false' : ''}"`);
  say(`  (API description: ${url}/openapi.json)`);
}

export function printFailoverHelp(say: Say, plan: LabPlan, routers: Map<string, RouterSlot>, exiting: boolean): void {
  const f = plan.failover;
  if (!f || exiting) return;
  const run = routers.get(f.router.name)?.running;
  say('Failover: stop the partner router carrying the active path of ' + f.watched.id);
  if (run && run.kind !== 'speaker')
    say(`  kill ${run.pid}                # ${f.router.name}, ${run.kind} on ${f.router.address}; or type: stop ${f.router.name}`);
  else say(`  type: stop ${f.router.name}`);
  say(`  -> ${f.watched.id} turns ${f.state}: ${f.message}${f.nextActive ? ` (the active path moves to ${f.nextActive})` : ''}`);
  say(`  type: start ${f.router.name}   -> Verified again, with a PrefixRestoredEvent`);
}
