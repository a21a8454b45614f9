// `openpeering speaker -c speaker.yaml`: a standalone BGP speaker with a small JSON status API.
import fs from 'node:fs';
import http from 'node:http';
import type { Command } from 'commander';
import YAML from 'yaml';
import { CliError } from './client.js';

export function registerSpeaker(program: Command): void {
  program
    .command('speaker')
    .description('run a standalone BGP speaker from a YAML file, with a JSON status API (GET /sessions, GET /routes)')
    .requiredOption('-c, --config <speaker.yaml>', 'the speaker file: asn, routerId, listen, api, peers, routes')
    .option('--log-level <level>', 'fatal, error, warn, info, debug', 'info')
    .addHelpText(
      'after',
      `
Example speaker.yaml:
  asn: 65001
  routerId: 192.0.2.1
  listen: 127.0.0.1:179        # address:port the speaker accepts sessions on
  api: 127.0.0.1:18179         # the JSON status API
  peers:
    - { address: 127.0.0.2, asn: 65002, port: 179, passive: false, holdTime: 90, import: all, export: all }
  routes:                      # own routes announced to every peer
    - { prefix: 203.0.113.0/24, communities: ["65001:100"], largeCommunities: ["65001:1:2"] }

Peer settings: address, asn, port (179), passive, holdTime (90), families ([ipv4, ipv6]), localAddress,
  import/export (all | none; without them eBGP routes are neither accepted nor sent, RFC 8212),
  nextHop/nextHopV6 (what we announce as next hop; nextHopV6 is needed for own IPv6 routes over an IPv4 session),
  maxPrefix ({limit, action: teardown|warn, restartSeconds}), routeServerClient (we are its route server:
  routes passed unchanged, OTC added; a route with OTC from it is a leak, RFC 9234), addPath, connectRetry (5 s),
  description, password (TCP MD5 key, RFC 2385), ttlSecurity (GTSM, RFC 5082: TTL 255 out, 254 minimum in),
  sendHoldTime (RFC 9687: drop a peer that reads nothing for this long; default max(480, 2 x holdTime) s).
  iBGP-learned routes are not sent to iBGP peers (no route reflection).
Route settings: prefix, nextHop, asPath, origin, med, localPref, communities, largeCommunities, extendedCommunities.
Status: GET /sessions -> [{peer, asn, state, uptime, received, accepted}]
        GET /routes?peer=&prefix=&limit= -> {count, routes: [...]}
        GET /stats -> {locRib, attributeSets, memoryMB}`,
    )
    .action(async (opts: { config: string; logLevel: string }) => {
      const { parseSpeakerFile } = await import('./speaker-config.js');
      const { fixedRejection, Speaker } = await import('../bgp/speaker.js');
      const status = await import('../bgp/status.js');
      const { describeError } = await import('../bgp/wire/errors.js');
      const { describeNotification } = await import('../bgp/wire/notification.js');
      const { pino } = await import('pino');
      let doc: unknown;
      try {
        doc = YAML.parse(fs.readFileSync(opts.config, 'utf8'));
      } catch (e) {
        throw new CliError(`cannot read ${opts.config}: ${(e as Error).message}`, 2);
      }
      let cfg: ReturnType<typeof parseSpeakerFile>;
      try {
        cfg = parseSpeakerFile(doc);
      } catch (e) {
        throw new CliError(`${opts.config}: ${(e as Error).message}`, 2);
      }
      const log = pino({ level: opts.logLevel, base: undefined });
      const speaker = new Speaker({ asn: cfg.asn, routerId: cfg.routerId, ...(cfg.listen ? { listen: cfg.listen } : {}) });
      const none = fixedRejection('import: none');
      for (const p of cfg.peers) {
        speaker.addPeer(p.options, {
          ...(p.import ? { import: p.import === 'all' ? () => undefined : () => none } : {}),
          ...(p.export ? { export: p.export === 'all' ? () => undefined : () => 'export: none' } : {}),
        });
      }
      speaker.on('session', (peer, state, prev) => log.info({ peer, state, prev }, `session ${peer}: ${prev} -> ${state}`));
      speaker.on('established', (peer, n) =>
        log.info({ peer, holdTime: n.holdTime, fourOctetAs: n.fourOctetAs, ipv4: n.ipv4, ipv6: n.ipv6 }, `session ${peer} established`),
      );
      speaker.on('down', (peer, info) =>
        log.warn(
          { peer },
          `session ${peer} down: ${info.received ? `received ${describeNotification(info.received)}` : info.sent ? `sent ${describeError(info.sent)}` : info.reason}`,
        ),
      );
      speaker.on('problem', (peer, text) => log.warn({ peer }, text));
      speaker.on('maxPrefix', (peer, family, count, limit, action) =>
        log.warn({ peer, family, count, limit, action }, `max-prefix: ${count} IPv${family} prefixes over ${limit}`),
      );
      speaker.announce(cfg.routes);
      try {
        await speaker.start();
      } catch (e) {
        throw new CliError(`cannot listen on ${cfg.listen?.host}:${cfg.listen?.port}: ${(e as Error).message}`);
      }
      if (cfg.listen)
        log.info({ listen: `${cfg.listen.host}:${speaker.listenPort}` }, `BGP speaker AS${cfg.asn} listening on ${cfg.listen.host}:${speaker.listenPort}`);
      if (cfg.api) {
        const server = http.createServer((req, res) => {
          const url = new URL(req.url ?? '/', 'http://x');
          const send = (code: number, body: unknown) => {
            res.writeHead(code, { 'content-type': 'application/json' });
            res.end(JSON.stringify(body));
          };
          if (req.method !== 'GET') return send(405, { error: 'only GET' });
          if (url.pathname === '/sessions') return send(200, status.sessions(speaker));
          if (url.pathname === '/stats') {
            const m = process.memoryUsage();
            return send(200, {
              locRib: speaker.rib.loc.size,
              attributeSets: speaker.rib.attrSetCount,
              memoryMB: Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Math.round(v / 1048576)])),
            });
          }
          if (url.pathname === '/routes') {
            const limit = url.searchParams.get('limit');
            if (limit !== null && !/^\d+$/.test(limit)) return send(400, { error: 'limit must be a non-negative integer' });
            const r = status.routes(speaker, {
              ...(url.searchParams.get('peer') ? { peer: url.searchParams.get('peer')! } : {}),
              ...(url.searchParams.get('prefix') ? { prefix: url.searchParams.get('prefix')! } : {}),
              ...(limit !== null ? { limit: Number(limit) } : {}),
            });
            return 'error' in r ? send(400, r) : send(200, r);
          }
          return send(404, { error: `no ${url.pathname}; try /sessions or /routes` });
        });
        await new Promise<void>((resolve, reject) => {
          server.once('error', (e) => reject(new CliError(`cannot serve the status API on ${cfg.api!.host}:${cfg.api!.port}: ${e.message}`)));
          server.listen(cfg.api!.port, cfg.api!.host, () => resolve());
        });
        const a = server.address();
        log.info({ api: a }, `status API on http://${cfg.api.host}:${typeof a === 'object' && a ? a.port : cfg.api.port}`);
      }
      const stop = async (signal: string) => {
        log.info({ signal }, 'stopping');
        await speaker.stop();
        setTimeout(() => process.exit(0), 200);
      };
      process.on('SIGINT', () => void stop('SIGINT'));
      process.on('SIGTERM', () => void stop('SIGTERM'));
    });
}
