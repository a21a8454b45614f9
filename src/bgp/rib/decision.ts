// The BGP decision process (RFC 4271 §9.1.2): which of several paths to one prefix is best.
// It compares the values an attribute set keeps at hand (see attr-store.ts), never decoding.

/** A path as the decision process sees it. */
export interface Candidate {
  set: {
    readonly localPref: number;
    readonly pathLength: number;
    readonly origin: number;
    readonly med: number;
    readonly neighborAs: number | undefined;
    readonly originatorId: number | undefined;
    readonly clusterListLength: number;
  };
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
  const x = a.set;
  const y = b.set;
  if (x.localPref !== y.localPref) return y.localPref - x.localPref; // higher LOCAL_PREF
  if (x.pathLength !== y.pathLength) return x.pathLength - y.pathLength; // shorter AS_PATH
  if (x.origin !== y.origin) return x.origin - y.origin; // IGP < EGP < INCOMPLETE
  // MED only between paths from the same neighbouring AS; a missing MED counts as 0.
  if (x.neighborAs === y.neighborAs && x.med !== y.med) return x.med - y.med;
  if (a.ebgp !== b.ebgp) return a.ebgp ? -1 : 1; // external over internal
  // (No IGP metric here: next hops are not resolved through an IGP.)
  const idA = x.originatorId ?? a.peerBgpId;
  const idB = y.originatorId ?? b.peerBgpId;
  if (idA !== idB) return idA - idB; // lowest BGP identifier
  if (x.clusterListLength !== y.clusterListLength) return x.clusterListLength - y.clusterListLength;
  return a.peerAddress < b.peerAddress ? -1 : a.peerAddress > b.peerAddress ? 1 : 0;
}
