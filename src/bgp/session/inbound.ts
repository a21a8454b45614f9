// What the session does to a decoded UPDATE before the speaker sees it: the parts of families the
// session did not negotiate are dropped (RFC 4760 §8), and routes whose next hop cannot be used
// are handled as withdrawn (RFC 4271 §6.3: semantically incorrect NEXT_HOP, "the route SHOULD be
// ignored", no NOTIFICATION). Both are logged, not fatal.

import { emptyNlri } from '../wire/nlri.js';
import type { Update } from '../wire/update.js';
import type { Negotiated } from './negotiated.js';

export interface Screened {
  update: Update;
  /** why routes were handled as withdrawn (logged per UPDATE) */
  problem?: string;
  /** a family the peer sent without having negotiated it (logged once per session) */
  ignoredFamily?: 4 | 6;
}

/**
 * Screens `u` for a session that negotiated `n`; `local` is our address on the connection
 * (RFC 4271 §6.3: a NEXT_HOP of the receiving speaker's own address is not used).
 */
export function screenUpdate(u: Update, n: Negotiated, local: string | undefined): Screened {
  const out: Screened = { update: u };
  if (!n.ipv4 || !n.ipv6) out.update = dropFamilies(u, n, out);
  const why = nextHopProblem(out.update, local);
  if (why) {
    // In an UPDATE carrying both the NLRI field and MP_REACH_NLRI, one set of attributes stands for
    // both: RFC 7606's treat-as-withdraw of the whole UPDATE is the safe reading.
    out.update = { ...out.update, treatAsWithdraw: true };
    out.problem = `${why} (routes treated as withdrawn)`;
  }
  return out;
}

/** Why the routes this UPDATE announces cannot be used, or undefined. */
function nextHopProblem(u: Update, local: string | undefined): string | undefined {
  if (u.treatAsWithdraw) return undefined;
  // RFC 4760 §3: NEXT_HOP only speaks for the NLRI field; with MP_REACH alone it is ignored.
  if (u.nlri.keys.length) {
    if (u.nextHopProblem) return `NEXT_HOP: ${u.nextHopProblem}`;
    if (local !== undefined && u.ipv4NextHop === local) return `NEXT_HOP ${local} is our own address`;
  }
  const r = u.mpReach;
  if (r?.nlri.keys.length) {
    if (r.nextHopProblem) return `MP_REACH_NLRI: ${r.nextHopProblem}`;
    if (local !== undefined && r.nextHop === local) return `MP_REACH_NLRI next hop ${local} is our own address`;
  }
  return undefined;
}

/** The UPDATE without what belongs to a family the session did not negotiate. */
function dropFamilies(u: Update, n: Negotiated, out: Screened): Update {
  const ok = (afi: number) => (afi === 1 ? n.ipv4 : afi === 2 ? n.ipv6 : true);
  const drop4 = !n.ipv4 && (u.nlri.keys.length > 0 || u.withdrawn.keys.length > 0);
  const dropReach = u.mpReach !== undefined && !ok(u.mpReach.afi);
  const dropUnreach = u.mpUnreach !== undefined && !ok(u.mpUnreach.afi);
  const dropEor = u.endOfRib !== undefined && !ok(u.endOfRib.afi);
  if (!drop4 && !dropReach && !dropUnreach && !dropEor) return u;
  const afi = drop4 ? 1 : dropReach ? u.mpReach!.afi : dropUnreach ? u.mpUnreach!.afi : u.endOfRib!.afi;
  out.ignoredFamily = afi === 1 ? 4 : 6;
  const v: Update = { ...u };
  if (drop4) {
    v.nlri = emptyNlri();
    v.withdrawn = emptyNlri();
  }
  if (dropUnreach) delete v.mpUnreach;
  if (dropEor) delete v.endOfRib;
  if (dropReach) {
    delete v.mpReach;
    if (v.nlri.keys.length) {
      // The IPv4 NLRI stay: their next hop is NEXT_HOP again, and their interning key loses the
      // MP next hop (the key ends with the next hop octets and their count; see update.ts).
      const nhLen = u.attrKey[u.attrKey.length - 1]!;
      v.attrKey = Buffer.concat([u.attrKey.subarray(0, u.attrKey.length - 1 - nhLen), Buffer.from([0])]);
      v.attrs = { ...u.attrs };
      delete v.attrs.linkLocalNextHop;
      if (u.ipv4NextHop !== undefined) v.attrs.nextHop = u.ipv4NextHop;
      else delete v.attrs.nextHop;
    }
  }
  return v;
}
