// A partner's edit of a connection the operator has provisioned (or is provisioning): every field
// the operator's routers act on is then the operator's to change. A partner restating the current
// value is fine (apply is idempotent); leaving a field out keeps it.

import { canonicalAddress } from '../net/address.js';
import { formatPrefix, parsePrefix } from '../net/prefix.js';
import { conflict } from './errors.js';
import { type ConnectionState, PARTNER_EDITABLE } from './lifecycle.js';

/**
 * Fields of a provisioned session, in the order a refusal names them. The router is fixed for
 * everyone and checked before (a connection never moves to another router).
 */
export const LIVE_SESSION_FIELDS = [
  'sessionPrefixV4',
  'operatorAddressV4',
  'peerAddressV4',
  'sessionPrefixV6',
  'operatorAddressV6',
  'peerAddressV6',
  'md5Key',
  'maxPrefixesV4',
  'maxPrefixesV6',
  'bfd',
  'bandwidthMbps',
] as const;
type LiveField = (typeof LIVE_SESSION_FIELDS)[number];

/** A stored connection as far as these fields go. */
export type LiveSession = { name: string; state?: string } & { [K in LiveField]: string | number | boolean | null };

/** What a request sent for the connection (undefined: left out). */
export type SessionEdit = Partial<Record<LiveField, string | number | boolean | null>>;

const SESSION_PREFIXES: readonly LiveField[] = ['sessionPrefixV4', 'sessionPrefixV6'];
const SESSION_ADDRESSES: readonly LiveField[] = ['operatorAddressV4', 'peerAddressV4', 'operatorAddressV6', 'peerAddressV6'];

/** The value a request means, in the stored spelling, or undefined when it keeps the current one. */
function meant(field: LiveField, v: string | number | boolean | null | undefined): string | number | boolean | null | undefined {
  if (v === undefined) return undefined;
  // Session prefixes and addresses: null or absent keeps them (peerings.ts merges them that way).
  if (SESSION_PREFIXES.includes(field)) {
    if (v === null) return undefined;
    const p = parsePrefix(String(v));
    return p ? formatPrefix(p) : v;
  }
  if (SESSION_ADDRESSES.includes(field)) return v === null ? undefined : (canonicalAddress(String(v)) ?? v);
  return v;
}

/**
 * Refuses (409, naming the field) a partner's change to a live-session field of connection `cur`
 * when its state is past Approved. `at` prefixes the target ("connections/0").
 */
export function checkPartnerEdit(cur: LiveSession, edit: SessionEdit, at: string): void {
  const state = (cur.state ?? 'PendingApproval') as ConnectionState;
  if (PARTNER_EDITABLE.includes(state)) return;
  for (const field of LIVE_SESSION_FIELDS) {
    const want = meant(field, edit[field]);
    if (want === undefined || want === (cur[field] ?? null)) continue;
    throw conflict(`${field} of connection ${cur.name} cannot be changed by a partner while it is ${state}; ask the operator`, `${at}/${field}`);
  }
}
