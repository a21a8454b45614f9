#!/usr/bin/env node
// The `openpeering` command.
import { Command, CommanderError } from 'commander';
import { registerServe } from './serve.js';
import { registerResources } from './resources.js';
import { registerApply } from './apply.js';
import { registerSpeaker } from './speaker.js';
import { registerMrt } from './mrt.js';
import { registerRpki } from './rpki.js';
import { CliError } from './client.js';

const program = new Command('openpeering')
  .description('openpeering: an open peering service platform — the peering registry, its API and its tools')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .addHelpText('after', `
Client commands talk to a running service:
  OPENPEERING_URL      the service (default http://127.0.0.1:8080)
  OPENPEERING_API_KEY  your API key (operator, partner or customer)

Start:   openpeering serve            (prints the first operator key on an empty database)
Load:    openpeering apply -f examples/world.yaml
Look:    openpeering pops list; openpeering peerings list --partner nordlink`);

registerServe(program);
registerApply(program);
registerSpeaker(program);
registerMrt(program);
registerRpki(program);
registerResources(program);

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
