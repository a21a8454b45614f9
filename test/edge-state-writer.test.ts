// Issue 12: the edge daemon's StateWriter writes one batch at a time; what changes meanwhile
// waits for the next batch, where a prefix's changes coalesce into one row (queueing a batch per
// flush left a full load's writes 60 batches behind).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StateWriter } from '../src/edge/state-writer.js';
import type { FactWrite } from '../src/registry/validation-facts.js';
import type { RecordInput } from '../src/registry/validation-recorder.js';
import type { WatchedPrefix } from '../src/validation/engine.js';

test('changes made while a batch is written coalesce into the next one', { timeout: 5000 }, async () => {
  const batches: FactWrite[][] = [];
  let release: () => void = () => {};
  const recorder = {
    record: async ({ rows }: RecordInput) => {
      batches.push(rows);
      // the first batch is held until the test lets it finish
      if (batches.length === 1) await new Promise<void>((r) => (release = r));
    },
  };
  const w = new StateWriter(
    recorder,
    () => null,
    () => {},
  );
  const p = { kind: 'registered-prefix', id: 'r1', prefix: '192.0.2.0/24', primary: [], backup: null } as unknown as WatchedPrefix;
  w.state(p, { state: 'Pending', message: null, carriedBy: [] });
  const first = w.idle();
  // each idle() formerly queued its own batch behind the one being written
  w.state(p, { state: 'Warning', message: 'one', carriedBy: [] });
  void w.idle();
  w.state(p, { state: 'Verified', message: null, carriedBy: [] });
  const last = w.idle();
  release();
  await Promise.all([first, last]);
  assert.equal(w.pending, 0);
  assert.deepEqual(
    batches.map((b) => b.map((r) => r.state?.state)),
    [['Pending'], ['Verified']],
  );
});
