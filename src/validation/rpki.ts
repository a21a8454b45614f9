// RPKI in validation: route origin validation (RFC 6811) of received routes against the VRP table
// when an RPKI source is configured, and which routes a batch of VRP changes can affect (those
// equal to or inside a changed VRP's prefix), so only those are judged again.
import type { Prefix } from '../net/prefix.js';
import type { VrpChange, VrpTable } from '../rpki/table.js';
import { type Affected, coveredBy } from './affected.js';

/** The received-routes view's spelling of RPKI states (the reference's rpkiValidationState). */
export type RpkiState = 'Valid' | 'Invalid' | 'NotFound' | 'Unknown';

const STATES = { valid: 'Valid', invalid: 'Invalid', 'not-found': 'NotFound' } as const;

/** The route's RPKI state; Unknown when no RPKI source is configured. origin undefined: the path ends in an AS_SET. */
export function rpkiState(table: VrpTable | undefined, prefix: Prefix, origin: number | undefined): RpkiState {
  return table ? STATES[table.validate(prefix, origin ?? null)] : 'Unknown';
}

/** The import policy's RPKI check: true for Invalid. */
export const rpkiInvalid =
  (table: VrpTable) =>
  (prefix: Prefix, origin: number | undefined): boolean =>
    table.validate(prefix, origin ?? null) === 'invalid';

/** The routes a batch of VRP changes may have changed the state of: those equal to or inside a changed VRP prefix. */
export const affectedBy = (change: VrpChange): Affected => coveredBy(change.affectedPrefixes());
