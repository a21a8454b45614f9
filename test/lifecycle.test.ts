// Unit tests for the connection lifecycle table and path finding (src/registry/lifecycle.ts).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CONNECTION_STATES, type ConnectionState, canTransition, DELETABLE, PATH_TO_ACTIVE, pathTo, TRANSITIONS } from '../src/registry/lifecycle.js';

/** States a path may end in but never pass through on the way to another target. */
const NO_DETOUR = (s: ConnectionState): boolean => s === 'ProvisioningFailed' || s.startsWith('TypeChange');

/**
 * Reference shortest-path lengths, computed independently of pathTo (Bellman-Ford style
 * relaxation over the table): the fewest legal steps from `from` to `to` whose intermediate
 * states are never failure or type-change states. undefined when there is no such road.
 */
function referenceDistance(from: ConnectionState, to: ConnectionState): number | undefined {
  if (from === to) return 0;
  const dist = new Map<ConnectionState, number>([[from, 0]]);
  for (let round = 0; round < CONNECTION_STATES.length; round++) {
    for (const s of CONNECTION_STATES) {
      const d = dist.get(s);
      if (d === undefined) continue;
      if (s !== from && NO_DETOUR(s)) continue; // may be reached, but not walked through
      for (const n of TRANSITIONS[s]) {
        if ((dist.get(n) ?? Infinity) > d + 1) dist.set(n, d + 1);
      }
    }
  }
  return dist.get(to);
}

const allPairs = (): Array<[ConnectionState, ConnectionState]> =>
  CONNECTION_STATES.flatMap((a) => CONNECTION_STATES.map((b): [ConnectionState, ConnectionState] => [a, b]));

describe('transition table', () => {
  test('every state has an entry and every target is a known state', () => {
    assert.deepEqual(Object.keys(TRANSITIONS).sort(), [...CONNECTION_STATES].sort());
    for (const s of CONNECTION_STATES) {
      assert.ok(Array.isArray(TRANSITIONS[s]), s);
      for (const t of TRANSITIONS[s]) assert.ok((CONNECTION_STATES as readonly string[]).includes(t), `${s} -> ${t}`);
      assert.equal(new Set(TRANSITIONS[s]).size, TRANSITIONS[s].length, `${s}: no duplicate targets`);
      assert.ok(!TRANSITIONS[s].includes(s), `${s}: no self transition`);
    }
    assert.equal(new Set(CONNECTION_STATES).size, CONNECTION_STATES.length);
  });

  test('Decommissioned is terminal and the only terminal state', () => {
    assert.deepEqual(TRANSITIONS.Decommissioned, []);
    for (const s of CONNECTION_STATES) {
      if (s !== 'Decommissioned') assert.ok(TRANSITIONS[s].length > 0, `${s} has a way on`);
    }
  });

  test('every state is reachable from PendingApproval and can reach Decommissioned', () => {
    const reach = (from: ConnectionState): Set<ConnectionState> => {
      const seen = new Set<ConnectionState>([from]);
      const stack = [from];
      while (stack.length)
        for (const n of TRANSITIONS[stack.pop()!])
          if (!seen.has(n)) {
            seen.add(n);
            stack.push(n);
          }
      return seen;
    };
    assert.equal(reach('PendingApproval').size, CONNECTION_STATES.length);
    for (const s of CONNECTION_STATES) assert.ok(reach(s).has('Decommissioned'), `${s} can be decommissioned`);
  });

  test('PATH_TO_ACTIVE and DELETABLE name states, and PATH_TO_ACTIVE is walkable', () => {
    for (let i = 1; i < PATH_TO_ACTIVE.length; i++) {
      assert.ok(canTransition(PATH_TO_ACTIVE[i - 1]!, PATH_TO_ACTIVE[i]!), `${PATH_TO_ACTIVE[i - 1]} -> ${PATH_TO_ACTIVE[i]}`);
    }
    assert.equal(PATH_TO_ACTIVE[0], 'PendingApproval');
    assert.equal(PATH_TO_ACTIVE[PATH_TO_ACTIVE.length - 1], 'Active');
    for (const s of DELETABLE) assert.ok((CONNECTION_STATES as readonly string[]).includes(s), s);
  });
});

describe('canTransition', () => {
  test('agrees with the table for every pair', () => {
    for (const [a, b] of allPairs()) assert.equal(canTransition(a, b), TRANSITIONS[a].includes(b), `${a} -> ${b}`);
  });

  test('examples', () => {
    assert.equal(canTransition('PendingApproval', 'Approved'), true);
    assert.equal(canTransition('PendingApproval', 'Active'), false);
    assert.equal(canTransition('Validating', 'Active'), true);
    assert.equal(canTransition('Active', 'Decommissioning'), true);
    assert.equal(canTransition('Active', 'Decommissioned'), false);
    assert.equal(canTransition('ProvisioningFailed', 'ProvisioningStarted'), true);
    assert.equal(canTransition('ProvisioningFailed', 'Active'), false);
    assert.equal(canTransition('TypeChangeRequested', 'Active'), true);
    assert.equal(canTransition('Decommissioned', 'PendingApproval'), false);
    assert.equal(canTransition('Active', 'Active'), false);
  });
});

describe('pathTo', () => {
  test('PendingApproval -> Active is the 5-step provisioning road', () => {
    assert.deepEqual(pathTo('PendingApproval', 'Active'), PATH_TO_ACTIVE.slice(1));
    assert.deepEqual(pathTo('PendingApproval', 'Active'), ['Approved', 'ProvisioningStarted', 'ProvisioningCompleted', 'Validating', 'Active']);
  });

  test('from ProvisioningFailed, Active is reached via ProvisioningStarted', () => {
    assert.deepEqual(pathTo('ProvisioningFailed', 'Active'), ['ProvisioningStarted', 'ProvisioningCompleted', 'Validating', 'Active']);
  });

  test('other roads', () => {
    assert.deepEqual(pathTo('Active', 'Decommissioned'), ['Decommissioning', 'Decommissioned']);
    assert.deepEqual(pathTo('Approved', 'Decommissioned'), ['Decommissioning', 'Decommissioned']);
    assert.deepEqual(pathTo('PendingApproval', 'Decommissioned'), ['Approved', 'Decommissioning', 'Decommissioned']);
    assert.deepEqual(pathTo('Validating', 'Active'), ['Active']);
    assert.deepEqual(pathTo('TypeChangeInProgress', 'Decommissioned'), ['Active', 'Decommissioning', 'Decommissioned']);
    assert.deepEqual(pathTo('TypeChangeRequested', 'Active'), ['Active']);
  });

  test('unreachable targets give undefined', () => {
    assert.equal(pathTo('Decommissioned', 'Active'), undefined);
    assert.equal(pathTo('Decommissioned', 'PendingApproval'), undefined);
    assert.equal(pathTo('Active', 'PendingApproval'), undefined);
    assert.equal(pathTo('Active', 'Approved'), undefined);
    assert.equal(pathTo('Decommissioning', 'Active'), undefined);
    // Active is only re-provisioned through a failure, which is never a detour.
    assert.equal(pathTo('Active', 'ProvisioningStarted'), undefined);
    for (const s of CONNECTION_STATES) {
      if (s !== 'PendingApproval') assert.equal(pathTo(s, 'PendingApproval'), undefined, `${s} -> PendingApproval`);
      if (s !== 'Decommissioned') assert.equal(pathTo('Decommissioned', s), undefined, `Decommissioned -> ${s}`);
    }
  });

  test('the same state gives an empty path', () => {
    for (const s of CONNECTION_STATES) assert.deepEqual(pathTo(s, s), [], s);
  });

  test('exhaustively: every returned path is legal, avoids detours, does not revisit, ends at the target', () => {
    for (const [from, to] of allPairs()) {
      const path = pathTo(from, to);
      if (path === undefined) continue;
      const label = `${from} -> ${to}: [${path.join(', ')}]`;
      if (from === to) {
        assert.deepEqual(path, [], label);
        continue;
      }
      assert.ok(path.length > 0, label);
      assert.equal(path[path.length - 1], to, label);
      let at = from;
      for (const step of path) {
        assert.ok(canTransition(at, step), `${label}: ${at} -> ${step} is not legal`);
        at = step;
      }
      for (const mid of path.slice(0, -1)) assert.ok(!NO_DETOUR(mid), `${label}: passes through ${mid}`);
      assert.equal(new Set([from, ...path]).size, path.length + 1, `${label}: revisits a state`);
    }
  });

  test('exhaustively: finds a shortest road whenever one exists (targets other than failure/type change)', () => {
    for (const [from, to] of allPairs()) {
      if (NO_DETOUR(to) && from !== to) continue; // covered by the next test
      const want = referenceDistance(from, to);
      const path = pathTo(from, to);
      assert.equal(path?.length, want, `${from} -> ${to}: got [${path?.join(', ')}], want ${want ?? 'none'} steps`);
    }
  });

  test('a single legal step is always a path, even into a failure or type-change state', () => {
    // pathTo documents undefined only "when `to` cannot be reached"; the detour rule is about states
    // passed through, not the target. `openpeering apply` relies on this to set e.g. ProvisioningFailed.
    for (const [from, to] of allPairs()) {
      if (canTransition(from, to)) assert.deepEqual(pathTo(from, to), [to], `${from} -> ${to}`);
    }
  });
});
