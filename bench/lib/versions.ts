// The versions of the reference programs a benchmark ran against, for its printed table.

import { run } from '../../src/lab/process.js';
import { BIN } from '../../src/lab/routers/index.js';

/** BIRD's version ("2.0.12"), '?' when it cannot be asked. */
export async function birdVersion(): Promise<string> {
  try {
    const { stdout, stderr } = await run(BIN.bird, ['--version']);
    return `${stdout}${stderr}`.trim().replace(/^BIRD version /, '');
  } catch {
    return '?';
  }
}
