// How a benchmark that starts child processes runs its main(): the children are killed and the
// temp dirs removed (../../src/lab/process.ts) when it ends, whatever the reason.
import { cleanupSync, installCleanupHooks } from '../../src/lab/process.js';

/**
 * Runs `main` for the benchmark `name` ("bench:bgp"): exits 0 when it resolves, 1 with the stack
 * when it fails, 130 on SIGINT, SIGTERM or SIGHUP; each time after killing every child.
 */
export function runMain(name: string, main: () => Promise<void>): void {
  installCleanupHooks((sig, killed) => {
    console.error(`\n${name}: ${sig}, killed ${killed} child process(es)`);
    process.exit(130);
  });
  main().then(
    () => {
      cleanupSync();
      process.exit(0);
    },
    (e: unknown) => {
      console.error(`${name}: ${(e as Error).stack ?? e}`);
      cleanupSync();
      process.exit(1);
    },
  );
}
