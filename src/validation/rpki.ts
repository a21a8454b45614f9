// RPKI in validation: route origin validation (RFC 6811) of received routes against the VRP table
// when an RPKI source is configured, and which routes a batch of VRP changes can affect (those
// equal to or inside a changed VRP's prefix), so only those are judged again.
import type { PrefixKey } from '../bgp/wire/nlri.js';
import { keyToPrefix } from '../bgp/wire/nlri.js';
import type { Prefix } from '../net/prefix.js';
import { parsePrefix } from '../net/prefix.js';
import { PrefixTrie } from '../net/trie.js';
import type { VrpChange, VrpTable } from '../rpki/table.js';

/** The received-routes view's spelling of RPKI states (the reference's rpkiValidationState). */
export type RpkiState = 'Valid' | 'Invalid' | 'NotFound' | 'Unknown';

const STATES = { valid: 'Valid', invalid: 'Invalid', 'not-found': 'NotFound' } as const;

/** The route's RPKI state; Unknown when no RPKI source is configured. origin undefined: the path ends in an AS_SET. */
export function rpkiState(table: VrpTable | undefined, prefix: Prefix, origin: number | undefined): RpkiState {
  return table ? STATES[table.validate(prefix, origin ?? null)] : 'Unknown';
}

/** The import policy's RPKI check: true for Invalid. */
export const rpkiInvalid = (table: VrpTable) => (prefix: Prefix, origin: number | undefined): boolean =>
  table.validate(prefix, origin ?? null) === 'invalid';

/** Which routes a batch of VRP changes may have changed the state of: those equal to or inside a changed VRP prefix. */
export interface Affected {
  key(key: PrefixKey): boolean;
  text(prefix: string): boolean;
}

export function affectedBy(change: VrpChange): Affected {
  const trie = new PrefixTrie<true>();
  for (const p of change.affectedPrefixes()) trie.set(p, true);
  const covered = (p: Prefix) => trie.longestMatch(p) !== undefined;
  return {
    // IPv4 keys are address * 64 + length: no Prefix object per route for the common case.
    key: (k) => (typeof k === 'number' ? trie.longestMatchV4(Math.floor(k / 64), k % 64) !== undefined : covered(keyToPrefix(k))),
    text: (t) => { const p = parsePrefix(t); return !!p && covered(p); },
  };
}
