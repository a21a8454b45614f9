// `openpeering serve` and `openpeering init`: the commands that own the database.
// The server's modules load only when these commands run, so client commands start fast.
import type { Command } from 'commander';
import type { StoreLock } from '../store/lock.js';
import { DEFAULTS, loadConfig, parseListen, wholeNumber } from './config.js';

/**
 * Takes the database for this process: a second serve (or an init while one serves) would fail
 * the other's writes. Undefined for a database that is not a file.
 */
async function ownDatabase(db: string, command: string): Promise<StoreLock | undefined> {
  const { sqliteFile } = await import('../store/open.js');
  const { lockStore } = await import('../store/lock.js');
  const file = sqliteFile(db);
  return file ? lockStore(file, command) : undefined;
}

function keyBanner(db: string, secret: string, url: string): string {
  return [
    '',
    `openpeering: new database ${db}; this is its first operator API key, shown once — store it now:`,
    '',
    `  ${secret}`,
    '',
    'Load the example world and look at it:',
    `  export OPENPEERING_URL=${url} OPENPEERING_API_KEY=${secret}`,
    '  npx openpeering apply -f examples/world.yaml',
    '  npx openpeering pops list',
    '',
  ].join('\n');
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the openpeering service (HTTP API) on its database; an empty database gets its first operator key')
    .option('--listen <host:port>', `address to serve the API on (default ${DEFAULTS.listen})`)
    .option('--db <file>', `SQLite database file (default ${DEFAULTS.db})`)
    .option(
      '--config <file.yaml>',
      'YAML file with the same settings in camelCase (listen, db, logLevel, keyRate, maxPrefixesPerCustomer, eventRetentionDays, settleSeconds, ...); flags win over it',
    )
    .option('--log-level <level>', 'fatal, error, warn, info, debug or trace (default info)')
    .option('--key-rate <n>', `requests per second a partner or customer key may make, 0 for no limit (default ${DEFAULTS.keyRate})`)
    .option('--key-burst <n>', `requests such a key may make in a burst (default ${DEFAULTS.keyBurst})`)
    .option('--max-prefixes-per-customer <n>', `customer prefixes one customer may hold (default ${DEFAULTS.maxPrefixesPerCustomer})`)
    .option('--event-retention-days <n>', `days prefix events are kept, pruned hourly; 0 keeps them forever (default ${DEFAULTS.eventRetentionDays})`)
    .option(
      '--settle-seconds <n>',
      `after a start, how long stored prefix states stand at most while partner sessions come up and send End-of-RIB (default ${DEFAULTS.settleSeconds})`,
    )
    .option('--bgp-port <port>', "TCP port of the BGP sessions with partner routers, on each connection's operator address (default 179)", '179')
    .option('--no-bgp', 'run the API only: no BGP sessions, no live validation')
    .option('--rpki-rtr <host:port>', 'RPKI: VRPs from an RTR cache (RFC 8210), e.g. 127.0.0.1:8282; routes that are RPKI Invalid are rejected')
    .option('--rpki-vrps <file>', 'RPKI: VRPs from an rpki-client or Routinator file (JSON or CSV), read again when it changes')
    .option('--rpki-slurm <file>', 'RPKI: local exceptions (RFC 8416 SLURM) applied to the VRPs')
    .addHelpText(
      'after',
      `
BGP: each edge router in the registry gets a BGP speaker on the operator addresses of its Active
connections, one session per connection with the peering's import policy; received routes keep
registered and customer prefixes validated (state, message, events). Registry changes made
through the API apply within a second, without restarting unchanged sessions. Binding port 179
needs root (or CAP_NET_BIND_SERVICE); without it sessions are still opened from our side.

RPKI: with --rpki-rtr or --rpki-vrps, every received route is validated (RFC 6811); an Invalid
route is rejected ("RPKI invalid"), its prefix fails validation and a PrefixRpkiInvalidEvent is
raised. New VRPs re-judge only the routes under them. Without a source RPKI is not checked and
received routes show rpkiValidationState Unknown.

Examples:
  openpeering serve --bgp-port 1179
  openpeering serve --rpki-rtr 127.0.0.1:8282
  openpeering serve --rpki-vrps /var/lib/rpki-client/json --rpki-slurm /etc/openpeering/slurm.json`,
    )
    .action(
      async (opts: {
        listen?: string;
        db?: string;
        config?: string;
        logLevel?: string;
        keyRate?: string;
        keyBurst?: string;
        maxPrefixesPerCustomer?: string;
        eventRetentionDays?: string;
        settleSeconds?: string;
        bgpPort: string;
        bgp: boolean;
        rpkiRtr?: string;
        rpkiVrps?: string;
        rpkiSlurm?: string;
      }) => {
        const cfg = loadConfig(opts.config, {
          listen: opts.listen,
          db: opts.db,
          logLevel: opts.logLevel,
          keyRate: opts.keyRate,
          keyBurst: opts.keyBurst,
          maxPrefixesPerCustomer: opts.maxPrefixesPerCustomer,
          eventRetentionDays: opts.eventRetentionDays,
          settleSeconds: opts.settleSeconds,
        });
        const { host, port } = parseListen(cfg.listen);
        const keyRate = wholeNumber('--key-rate', cfg.keyRate, 0, 1_000_000);
        const keyBurst = wholeNumber('--key-burst', cfg.keyBurst, 1, 1_000_000);
        const maxPrefixesPerCustomer = wholeNumber('--max-prefixes-per-customer', cfg.maxPrefixesPerCustomer, 1, 10_000_000);
        const eventRetentionDays = wholeNumber('--event-retention-days', cfg.eventRetentionDays, 0, 36_500);
        const settleSeconds = wholeNumber('--settle-seconds', cfg.settleSeconds, 0, 3600);
        const lock = await ownDatabase(cfg.db, 'serve');
        const { openRegistry, ensureOperatorKey } = await import('../bootstrap.js');
        const { buildServer } = await import('../api/server.js');
        // Said once the server's logger exists.
        const storeWarnings: string[] = [];
        const registry = await openRegistry(cfg.db, { warn: (m) => storeWarnings.push(m) }, { maxPrefixesPerCustomer });
        const secret = await ensureOperatorKey(registry);
        const bgpPort = Number(opts.bgpPort);
        if (!Number.isInteger(bgpPort) || bgpPort < 1 || bgpPort > 65535) throw new Error(`--bgp-port ${opts.bgpPort}: expected a TCP port (1-65535)`);
        // Lines logged before the server's logger exists wait for it.
        const early: string[] = [];
        let log: (line: string) => void = (line) => early.push(line);
        if ((opts.rpkiRtr || opts.rpkiVrps || opts.rpkiSlurm) && !opts.bgp)
          throw new Error('--rpki-* options need BGP (they validate received routes); drop --no-bgp');
        if (opts.rpkiSlurm && !opts.rpkiRtr && !opts.rpkiVrps) throw new Error('--rpki-slurm needs a VRP source: --rpki-rtr HOST:PORT or --rpki-vrps FILE');
        const rpki =
          opts.rpkiRtr || opts.rpkiVrps
            ? (await import('../rpki/source.js')).openRpkiSource({
                ...(opts.rpkiRtr ? { rtr: opts.rpkiRtr } : {}),
                ...(opts.rpkiVrps ? { vrps: opts.rpkiVrps } : {}),
                ...(opts.rpkiSlurm ? { slurm: opts.rpkiSlurm } : {}),
                log: (line) => log(line),
              })
            : undefined;
        const daemon = opts.bgp
          ? new (await import('../edge/edge-daemon.js')).EdgeDaemon(registry, {
              port: bgpPort,
              settleSeconds,
              log: (line) => log(line),
              ...(rpki ? { rpki: rpki.table } : {}),
            })
          : undefined;
        // Writes through the API change what the sessions should be: the daemon reloads shortly after, once.
        const onWrite = () => daemon!.requestReload();
        const app = await buildServer(registry, {
          logger: { level: cfg.logLevel },
          ...(daemon ? { onWrite, live: daemon.live } : {}),
          keyRateLimit: keyRate === 0 ? false : { perSecond: keyRate, burst: keyBurst },
          ...(eventRetentionDays > 0 ? { eventRetentionDays } : {}),
        });
        for (const w of storeWarnings) app.log.warn(w);
        log = (line) => app.log.info(`bgp: ${line}`);
        for (const line of early.splice(0)) log(line);
        let stopping = false;
        const stop = async (signal: string) => {
          if (stopping) return;
          stopping = true;
          app.log.info({ signal }, 'shutting down');
          rpki?.stop();
          await daemon?.stop();
          await app.close();
          await registry.store.close();
          lock?.release();
          process.exit(0);
        };
        process.on('SIGINT', () => void stop('SIGINT'));
        process.on('SIGTERM', () => void stop('SIGTERM'));
        const address = await app.listen({ host, port });
        app.log.info({ db: cfg.db, schemaVersion: await registry.store.schemaVersion() }, `openpeering API on ${address} (OpenAPI at ${address}/openapi.json)`);
        if (secret) process.stdout.write(keyBanner(cfg.db, secret, address));
        await daemon?.start().catch((e: Error) => app.log.error(`bgp: ${e.message}`));
      },
    );

  program
    .command('init')
    .description('create (or migrate) the database and print its first operator API key')
    .option('--db <file>', `SQLite database file (default ${DEFAULTS.db})`)
    .option('--new-key', 'create another operator key even if keys exist (for a lost key)')
    .action(async (opts: { db?: string; newKey?: boolean }) => {
      const db = opts.db ?? DEFAULTS.db;
      const { StoreLockedError } = await import('../store/lock.js');
      // Refused while a serve owns the database: init migrates, and a schema changed under a
      // running service is not one it knows.
      const lock = await ownDatabase(db, 'init').catch((e: Error) => {
        if (e instanceof StoreLockedError) throw new Error(`${e.message} (a running service makes more operator keys with POST /v1/api-keys)`);
        throw e;
      });
      const { openRegistry, ensureOperatorKey } = await import('../bootstrap.js');
      const registry = await openRegistry(db, { warn: (m) => process.stderr.write(`openpeering: warning: ${m}\n`) });
      const secret = await ensureOperatorKey(registry, !!opts.newKey);
      const version = await registry.store.schemaVersion();
      await registry.store.close();
      lock?.release();
      if (secret) {
        process.stdout.write(`database ${db} ready (schema version ${version}); operator API key, shown once — store it now:\n\n  ${secret}\n\n`);
      } else {
        process.stdout.write(`database ${db} ready (schema version ${version}); it already has API keys, so no new key was made (use --new-key for one)\n`);
      }
    });
}
