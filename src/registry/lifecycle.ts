// The connection lifecycle (reference §3.1 connectionState, §4.2 and §4.5): which state may follow
// which. Provisioning moves forward one step at a time; any step can fail; a failed connection
// is retried from ProvisioningStarted; an Active one is type-changed or decommissioned.

export const CONNECTION_STATES = [
  'PendingApproval',
  'Approved',
  'ProvisioningStarted',
  'ProvisioningCompleted',
  'Validating',
  'Active',
  'ProvisioningFailed',
  'TypeChangeRequested',
  'TypeChangeInProgress',
  'Decommissioning',
  'Decommissioned',
] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];

export const TRANSITIONS: Record<ConnectionState, readonly ConnectionState[]> = {
  PendingApproval: ['Approved', 'ProvisioningFailed'],
  Approved: ['ProvisioningStarted', 'ProvisioningFailed', 'Decommissioning'],
  ProvisioningStarted: ['ProvisioningCompleted', 'ProvisioningFailed'],
  ProvisioningCompleted: ['Validating', 'ProvisioningFailed'],
  Validating: ['Active', 'ProvisioningFailed'],
  Active: ['TypeChangeRequested', 'Decommissioning'],
  ProvisioningFailed: ['ProvisioningStarted', 'Decommissioning'],
  // Back to Active from TypeChangeRequested declines the request.
  TypeChangeRequested: ['TypeChangeInProgress', 'Active'],
  TypeChangeInProgress: ['Active', 'ProvisioningFailed'],
  Decommissioning: ['Decommissioned'],
  Decommissioned: [],
};

/** The road from a new connection to Active, walked by `apply` one legal step at a time. */
export const PATH_TO_ACTIVE: readonly ConnectionState[] = [
  'PendingApproval',
  'Approved',
  'ProvisioningStarted',
  'ProvisioningCompleted',
  'Validating',
  'Active',
];

/** States in which a connection may be deleted: nothing is wired, or it has been taken down. */
export const DELETABLE: readonly ConnectionState[] = ['PendingApproval', 'Approved', 'ProvisioningFailed', 'Decommissioned'];

/**
 * States in which a partner may change what the operator's routers act on (session prefix and
 * addresses, MD5 key, max-prefix, BFD, bandwidth): nothing is provisioned yet, provisioning failed
 * (the partner corrects its side before the operator retries from ProvisioningStarted), or the
 * connection is gone. From ProvisioningStarted on, the operator has configured it: only the
 * operator changes it, or a partner could move a live session to an address of its choosing.
 */
export const PARTNER_EDITABLE: readonly ConnectionState[] = ['PendingApproval', 'Approved', 'ProvisioningFailed', 'Decommissioned'];

export const canTransition = (from: ConnectionState, to: ConnectionState): boolean => TRANSITIONS[from].includes(to);

/** The legal steps from `from` towards `to`, or undefined when `to` cannot be reached that way. */
export function pathTo(from: ConnectionState, to: ConnectionState): ConnectionState[] | undefined {
  if (from === to) return [];
  // Breadth-first over the transition table; the table is tiny.
  const prev = new Map<ConnectionState, ConnectionState>();
  const queue: ConnectionState[] = [from];
  while (queue.length) {
    const s = queue.shift()!;
    for (const n of TRANSITIONS[s]) {
      if (prev.has(n) || n === from) continue;
      // Failure and type change can be a target, but never a detour on the way to another one.
      if (n !== to && (n === 'ProvisioningFailed' || n.startsWith('TypeChange'))) continue;
      prev.set(n, s);
      if (n === to) {
        const path: ConnectionState[] = [n];
        for (let p = s; p !== from; p = prev.get(p)!) path.unshift(p);
        return path;
      }
      queue.push(n);
    }
  }
  return undefined;
}
