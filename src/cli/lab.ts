// `openpeering lab`: the example world with real partner routers, on loopback (src/lab/lab.ts).
import { fileURLToPath } from 'node:url';
import { type Command, Option } from 'commander';
import { CliError } from './client.js';
import { DEFAULTS, parseListen } from './config.js';

/** examples/world.yaml of this package (dist/src/cli/lab.js -> ../../../examples). */
const DEFAULT_WORLD = fileURLToPath(new URL('../../../examples/world.yaml', import.meta.url));

interface LabFlags {
  world?: string;
  db?: string;
  listen?: string;
  bgpPort: string;
  routers: 'bird' | 'gobgp' | 'speaker' | 'auto';
  exitAfterReady?: boolean;
  failover?: boolean;
  timeout: string;
  verbose?: boolean;
}

export function registerLab(program: Command): void {
  program
    .command('lab')
    .description(
      'run the example world live: the API and edge daemon on a fresh database, real partner routers (BIRD or GoBGP) ' +
        "announcing the customers' prefixes, one without its community, and a hijacker",
    )
    .option('--world <file.yaml>', 'the world to run (default examples/world.yaml)')
    .option('--db <file>', "a NEW SQLite file to keep the lab's registry in (default a temp file, removed on exit); an existing file is refused")
    .option('--listen <host:port>', `where the API listens (default ${DEFAULTS.listen}; when that is taken, a free port)`)
    .option('--bgp-port <port>', 'TCP port of every BGP session, edge and partner side (non-privileged)', '1179')
    .addOption(
      new Option('--routers <kind>', "what runs the partner routers: BIRD, GoBGP, openpeering's own speaker, or auto (BIRD, else GoBGP, else the speaker)")
        .choices(['bird', 'gobgp', 'speaker', 'auto'])
        .default('auto'),
    )
    .option('--failover', "once ready, stop the partner router carrying a customer prefix's active path, show the Warning, start it again, show Verified")
    .option('--exit-after-ready', 'print the summary (and run --failover) and exit: 0 when every prefix reached its state, 1 otherwise (tests, CI)')
    .option('--timeout <seconds>', 'how long to wait for the prefixes', '30')
    .option('-v, --verbose', 'log from the start (every state change, event and session), not only once ready')
    .addHelpText(
      'after',
      `
What it does, all on loopback addresses (127.0.0.0/8):
  1. opens a fresh SQLite registry and starts the API in this process, as \`openpeering serve\`
     does (API writes reload the BGP sessions), and applies the world through the API, as
     \`openpeering apply -f\` does;
  2. starts one partner router per partner session on the partner's (odd) session address,
     peering with the operator's (even) address on --bgp-port and announcing, with the AS path
     [partner ASN, origin] and the Peering Service community (<operator ASN>:8007):
       - every registered prefix on the sessions of its peering,
       - every customer prefix on its provider's sessions in the primary and backup locations,
       - one customer prefix WITHOUT the community: it turns Failed with the reference's message
         "Received route for prefix X should have the MAPS community 64500:8007",
       - a hijack: another partner announces a prefix registered by a different partner; the
         import policy rejects it and a PrefixHijackEvent is stored;
  3. starts the edge daemon (a BGP speaker per edge router, live validation), waits until every
     prefix is where it should be, and prints the API URL and its operator key, commands to look
     with, the partner routers (kind, address, pid), each prefix's state and how long after the
     partner's announcement it turned Verified;
  4. logs state changes, events and BGP sessions, one line each, until Ctrl-C, which stops every
     partner router, the daemon and the API. Type \`stop NAME\` / \`start NAME\` (or kill a
     router's pid) to watch a prefix go Warning, its active path move, and come back Verified.

Partner routers need BIRD 2 or GoBGP (Debian packages bird2, gobgpd: bash scripts/install-test-deps.sh);
without either, openpeering's own speaker plays them. Nothing needs root.

Examples:
  npm run lab
  openpeering lab --failover
  openpeering lab --routers gobgp --bgp-port 1180 --listen 127.0.0.1:8081
  openpeering lab --exit-after-ready --failover --db /tmp/lab.db`,
    )
    .action(async (flags: LabFlags) => {
      const bgpPort = Number(flags.bgpPort);
      if (!Number.isInteger(bgpPort) || bgpPort < 1 || bgpPort > 65535) throw new CliError(`--bgp-port ${flags.bgpPort}: expected a TCP port (1-65535)`, 2);
      if (bgpPort < 1024 && process.getuid?.() !== 0)
        throw new CliError(`--bgp-port ${bgpPort}: ports below 1024 need root; the lab's default 1179 does not`, 2);
      const timeout = Number(flags.timeout);
      if (!(timeout > 0)) throw new CliError(`--timeout ${flags.timeout}: expected seconds`, 2);
      let listen: { host: string; port: number };
      try {
        listen = parseListen(flags.listen ?? DEFAULTS.listen);
      } catch (e) {
        throw new CliError((e as Error).message, 2);
      }
      // `openpeering lab | head`: a closed stdout ends the lab (the exit hook stops the partner routers).
      process.stdout.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'EPIPE') process.exit(0);
      });
      const { runLab } = await import('../lab/lab.js');
      const { apply } = await import('./apply.js');
      const { Client } = await import('./client.js');
      try {
        const code = await runLab({
          world: flags.world ?? DEFAULT_WORLD,
          ...(flags.db ? { db: flags.db } : {}),
          listen,
          listenGiven: flags.listen !== undefined,
          bgpPort,
          routers: flags.routers,
          exitAfterReady: !!flags.exitAfterReady,
          failover: !!flags.failover,
          timeoutSeconds: timeout,
          verbose: !!flags.verbose,
          applyWorld: (url, key, doc) => apply(new Client({ url, key }), doc),
        });
        process.exit(code);
      } catch (e) {
        throw new CliError(`lab: ${(e as Error).message}`);
      }
    });
}
