// The server process of bench:event-replay (event-replay.ts starts it; it is not run by hand).
//
// A real openpeering API (buildServer over a SQLite store in a temp file) with N stored events of
// one partner and one partner key per client, on 127.0.0.1 (an ephemeral port). Next to it, on
// the same socket and event loop, the previous replay as it was before issue 10 (the comparison):
// pages of 500 rows queried and written one after the other with no turn of the event loop
// between them (only a wait when the socket backs up), numeric ids. Paths:
//
//   /v1/...                            the API (its event stream is the one measured as "now")
//   /naive/partners/:partner/stream    the previous loop, ?after=<row id> (0: all), no key, no follow
//
// It tells the parent {url, keys} over IPC once ready, its event loop delay when asked, and exits
// when the parent disconnects.
import fs from 'node:fs';
import type { ServerResponse } from 'node:http';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import Fastify, { type FastifyReply } from 'fastify';
import * as S from '../src/api/schemas.js';
import { buildServer } from '../src/api/server.js';
import { ensureOperatorKey, openRegistry } from '../src/bootstrap.js';
import type { EventSubject } from '../src/registry/prefix-events.js';
import type { Registry } from '../src/registry/registry.js';

export interface ServerReady {
  url: string;
  keys: string[];
  events: number;
  dbMB: number;
}
/** The server's own event loop delay (perf_hooks), ms, since the last reset: blocking seen from inside, without the OS's scheduling of the probe. */
export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
  gcMaxMs: number;
  gcTotalMs: number;
}

const PARTNER = 'bench';
const SUBJECT: EventSubject = { kind: 'registered-prefix', id: `${PARTNER}/bench-ams/p`, prefix: '198.51.100.0/24', partner: PARTNER, customer: null };
const TYPES = ['PrefixAnnouncementEvent', 'PrefixWithdrawalEvent', 'PrefixActivePath', 'PrefixBackupPath', 'PrefixRestoredEvent'];

/** N events of the bench partner, stored as validation stores them (addMany, 10,000 per transaction). */
async function fill(registry: Registry, n: number): Promise<void> {
  const t0 = Date.parse('2026-01-01T00:00:00.000Z');
  for (let i = 0; i < n; i += 10_000) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + 10_000); j++) {
      const peer = `192.0.2.${(j % 250) + 1}`;
      batch.push({
        subject: SUBJECT,
        event: {
          time: new Date(t0 + j * 1000).toISOString(),
          type: TYPES[j % TYPES.length]!,
          level: j % 7 ? 'Information' : 'Warning',
          summary: `198.51.100.0/24 announced by ${peer} (AS64501) with path 64501 65540`,
          details: { peer, asPath: [64501, 65540], originAs: 65540, nextHop: peer, communities: ['64500:100'] },
        },
      });
    }
    await registry.events.addMany(batch);
  }
}

interface NaiveRow {
  id: number;
  subject_kind: string;
  subject: string;
  prefix: string;
  time: string;
  type: string;
  level: string;
  summary: string;
  details: string;
}

/** The replay loop as it was: 500 rows per query, every frame written at once, no turn between pages. */
async function naiveReplay(
  res: ServerResponse,
  registry: Registry,
  partner: string,
  after: number,
  toJson: (e: Record<string, unknown>) => string,
): Promise<void> {
  const drained = (): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform' });
  let cursor: number | undefined = after;
  while (cursor !== undefined && !res.destroyed) {
    const rows = (await registry.store.db
      .selectFrom('prefix_events')
      .selectAll()
      .where('partner', '=', partner)
      .where('id', '>', cursor)
      .orderBy('id')
      .limit(500)
      .execute()) as NaiveRow[];
    for (const r of rows) {
      if (res.destroyed) break;
      const e = {
        id: String(r.id),
        time: r.time,
        type: r.type,
        level: r.level,
        summary: r.summary,
        details: JSON.parse(r.details) as unknown,
        subjectKind: r.subject_kind,
        subject: r.subject,
        prefix: r.prefix,
        subjectPrefix: r.prefix,
      };
      res.write(`id: ${r.id}\nevent: ${r.type}\ndata: ${toJson(e)}\n\n`);
      if (res.writableNeedDrain) await drained();
    }
    cursor = rows.length === 500 ? rows[rows.length - 1]!.id : undefined;
  }
  res.end();
}

async function main(): Promise<void> {
  const events = Number(process.env.BENCH_EVENTS ?? 100_000);
  const clients = Number(process.env.BENCH_CLIENTS ?? 20);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openpeering-bench-events-'));
  const dbFile = path.join(dir, 'openpeering.db');
  const registry = await openRegistry(dbFile);
  await ensureOperatorKey(registry);
  await registry.partners.put(PARTNER, { kind: 'isp', displayName: 'Bench ISP' });
  await fill(registry, events);
  const keys: string[] = [];
  // One key per client: 20 clients are 20 readers, each within the per-key stream cap.
  for (let i = 0; i < clients; i++) keys.push((await registry.apiKeys.create({ name: `client-${i}`, role: 'partner', partner: PARTNER })).secret);

  const app = await buildServer(registry);
  // The comparison runs in a Fastify of its own (its own serializer, the list's schema as before)
  // on the same socket and loop; /healthz and the API stay the real server's.
  const naive = Fastify({ logger: false });
  naive.get('/naive/partners/:partner/stream', async (req, reply: FastifyReply) => {
    const { partner } = req.params as { partner: string };
    const after = Number((req.query as { after?: string }).after ?? 0);
    const toJson = reply.compileSerializationSchema(S.PrefixEvent) as (e: Record<string, unknown>) => string;
    reply.hijack();
    await naiveReplay(reply.raw, registry, partner, after, toJson);
  });
  await naive.ready();
  const server = http.createServer((req, res) => {
    if (req.url?.startsWith('/naive/')) naive.routing(req, res);
    else app.routing(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const ready: ServerReady = { url: `http://127.0.0.1:${port}`, keys, events, dbMB: fs.statSync(dbFile).size / 1e6 };
  // Asked by the parent: "reset" at the start of a phase, "loop" at its end.
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  let gcMaxMs = 0;
  let gcTotalMs = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcMaxMs = Math.max(gcMaxMs, e.duration);
      gcTotalMs += e.duration;
    }
  }).observe({ entryTypes: ['gc'] });
  process.on('message', (m) => {
    if (m === 'reset') {
      delay.reset();
      gcMaxMs = 0;
      gcTotalMs = 0;
    }
    if (m === 'loop') {
      const ms = (ns: number) => ns / 1e6;
      process.send!({ p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max), gcMaxMs, gcTotalMs } satisfies LoopDelay);
    }
  });
  process.send!(ready);
  process.on('disconnect', () => {
    server.closeAllConnections();
    server.close();
    void app
      .close()
      .then(() => naive.close())
      .then(() => registry.store.close())
      .finally(() => {
        fs.rmSync(dir, { recursive: true, force: true });
        process.exit(0);
      });
  });
}

await main();
