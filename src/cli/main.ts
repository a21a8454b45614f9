#!/usr/bin/env node
// The `openpeering` command.
import { Command, CommanderError } from 'commander';
import { CliError } from './client.js';

const program = new Command('openpeering')
  .description('openpeering: an open peering service platform — the peering registry, its API and its tools')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .addHelpText(
    'after',
    `
Client commands talk to a running service:
  OPENPEERING_URL      the service (default http://127.0.0.1:8080)
  OPENPEERING_API_KEY  your API key (operator, partner or customer)

Start:   openpeering serve            (prints the first operator key on an empty database)
Load:    openpeering apply -f examples/world.yaml
Look:    openpeering pops list; openpeering peerings list --partner nordlink`,
  );

// Each command's module is loaded only when needed: a one-shot tool like `mrt dump` should not
// pay for the API schemas and the HTTP client at every start.
const COMMANDS: Record<string, () => Promise<(p: Command) => void>> = {
  serve: async () => (await import('./serve.js')).registerServe,
  init: async () => (await import('./serve.js')).registerServe,
  apply: async () => (await import('./apply.js')).registerApply,
  speaker: async () => (await import('./speaker.js')).registerSpeaker,
  mrt: async () => (await import('./mrt.js')).registerMrt,
  rpki: async () => (await import('./rpki.js')).registerRpki,
  lab: async () => (await import('./lab.js')).registerLab,
};
const first = process.argv.slice(2).find((a) => !a.startsWith('-'));
if (first !== undefined && first !== 'help' && COMMANDS[first]) {
  (await COMMANDS[first]!())(program);
} else {
  for (const name of ['serve', 'apply', 'speaker', 'mrt', 'rpki', 'lab']) (await COMMANDS[name]!())(program);
  (await import('./resources.js')).registerResources(program);
}

program.exitOverride();
try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode);
  if (e instanceof CliError) {
    process.stderr.write(`openpeering: ${e.message}\n`);
    process.exit(e.exitCode);
  }
  process.stderr.write(`openpeering: ${(e as Error).message}\n`);
  process.exit(1);
}
