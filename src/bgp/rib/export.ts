// What a route looks like when sent to a peer (RFC 4271 §5.1, §9.1.3; RFC 7947 for route-server
// clients): own AS prepended and next hop set to ourselves towards external peers, attributes
// that must not leave the AS removed.
import { SegmentType } from '../wire/constants.js';
import type { PathAttributes } from '../wire/attributes/types.js';
import { DEFAULT_LOCAL_PREF } from './decision.js';

export interface ExportTarget {
  localAsn: number;
  ebgp: boolean;
  routeServerClient: boolean;
  /** next hop we give for IPv4 and IPv6 routes */
  nextHopV4: string;
  nextHopV6?: string;
}

export function exportAttributes(a: PathAttributes, family: 4 | 6, t: ExportTarget, local: boolean): PathAttributes {
  const out: PathAttributes = { ...a };
  if (t.ebgp) {
    if (!t.routeServerClient) {
      const path = a.asPath ?? [];
      const first = path[0];
      out.asPath = first && first.type === SegmentType.AS_SEQUENCE && first.asns.length < 255
        ? [{ type: SegmentType.AS_SEQUENCE, asns: [t.localAsn, ...first.asns] }, ...path.slice(1)]
        : [{ type: SegmentType.AS_SEQUENCE, asns: [t.localAsn] }, ...path];
      out.nextHop = family === 4 ? t.nextHopV4 : (t.nextHopV6 ?? a.nextHop);
      delete out.linkLocalNextHop;
    }
    delete out.localPref;
    delete out.originatorId;
    delete out.clusterList;
    // A MED learned from one AS is not passed to another (RFC 4271 §5.1.4); our own is sent.
    if (!local && !t.routeServerClient) delete out.med;
  } else {
    out.localPref = a.localPref ?? DEFAULT_LOCAL_PREF;
    if (local || out.nextHop === undefined) out.nextHop = family === 4 ? t.nextHopV4 : (t.nextHopV6 ?? out.nextHop);
  }
  if (out.origin === undefined) out.origin = 0;
  return out;
}
