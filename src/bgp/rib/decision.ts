// The BGP decision process (RFC 4271 §9.1.2): which of several paths to one prefix is best.
import { firstAs, pathLength } from '../wire/attributes/as-path.js';
import type { PathAttributes } from '../wire/attributes/types.js';

/** A path as the decision process sees it. */
export interface Candidate {
  attrs: PathAttributes;
  /** learned from an external peer */
  ebgp: boolean;
  /** the peer's BGP identifier (uint32) */
  peerBgpId: number;
  /** the peer's address, the final tie-break */
  peerAddress: string;
  /** own routes (static, programmatic) win over learned ones */
  local: boolean;
}

export const DEFAULT_LOCAL_PREF = 100;

/** Negative when `a` is better than `b`. */
export function compare(a: Candidate, b: Candidate): number {
  if (a.local !== b.local) return a.local ? -1 : 1;
  const lpA = a.attrs.localPref ?? DEFAULT_LOCAL_PREF;
  const lpB = b.attrs.localPref ?? DEFAULT_LOCAL_PREF;
  if (lpA !== lpB) return lpB - lpA; // higher LOCAL_PREF
  const lenA = pathLength(a.attrs.asPath);
  const lenB = pathLength(b.attrs.asPath);
  if (lenA !== lenB) return lenA - lenB; // shorter AS_PATH
  const oA = a.attrs.origin ?? 2;
  const oB = b.attrs.origin ?? 2;
  if (oA !== oB) return oA - oB; // IGP < EGP < INCOMPLETE
  // MED only between paths from the same neighbouring AS; a missing MED counts as 0.
  if (firstAs(a.attrs.asPath) === firstAs(b.attrs.asPath)) {
    const mA = a.attrs.med ?? 0;
    const mB = b.attrs.med ?? 0;
    if (mA !== mB) return mA - mB;
  }
  if (a.ebgp !== b.ebgp) return a.ebgp ? -1 : 1; // external over internal
  // (No IGP metric here: next hops are not resolved through an IGP.)
  const idA = a.attrs.originatorId ? ipv4Number(a.attrs.originatorId) : a.peerBgpId;
  const idB = b.attrs.originatorId ? ipv4Number(b.attrs.originatorId) : b.peerBgpId;
  if (idA !== idB) return idA - idB; // lowest BGP identifier
  const clA = a.attrs.clusterList?.length ?? 0;
  const clB = b.attrs.clusterList?.length ?? 0;
  if (clA !== clB) return clA - clB;
  return a.peerAddress < b.peerAddress ? -1 : a.peerAddress > b.peerAddress ? 1 : 0;
}

function ipv4Number(s: string): number {
  const p = s.split('.');
  return ((Number(p[0]) * 256 + Number(p[1])) * 256 + Number(p[2])) * 256 + Number(p[3]);
}
