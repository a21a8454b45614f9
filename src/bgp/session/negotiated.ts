// What two OPENs agree on: families, 4-octet ASNs, ADD-PATH, timers.
import { type AfiSafi, type Capabilities, hasFamily, IPV4_UNICAST, IPV6_UNICAST } from '../wire/capabilities.js';
import { CapabilityCode } from '../wire/constants.js';
import type { Open } from '../wire/open.js';

export interface Negotiated {
  peerAsn: number;
  peerBgpId: number;
  holdTime: number;
  keepaliveTime: number;
  fourOctetAs: boolean;
  families: AfiSafi[];
  ipv4: boolean;
  ipv6: boolean;
  /** we receive multiple paths per prefix (we asked to receive, the peer can send) */
  addPathRxV4: boolean;
  addPathRxV6: boolean;
  routeRefresh: boolean;
  enhancedRouteRefresh: boolean;
  extendedMessage: boolean;
  /** RFC 8950: IPv4 unicast routes may have IPv6 next hops (both ends advertised it) */
  extendedNextHopV4: boolean;
  gracefulRestart: boolean;
  peerCapabilities: Capabilities;
}

export function negotiate(local: Capabilities, localHold: number, peer: Open): Negotiated {
  const pc = peer.capabilities;
  // A peer that sends no multiprotocol capability speaks IPv4 unicast only (RFC 4760 §8).
  const peerFamilies = pc.multiprotocol.length ? pc.multiprotocol : [IPV4_UNICAST];
  const families = local.multiprotocol.filter((f) => hasFamily(peerFamilies, f));
  const holdTime = Math.min(localHold, peer.holdTime);
  const addPathRx = (afi: number) => local.addPath.some((a) => a.afi === afi && a.mode & 1) && pc.addPath.some((a) => a.afi === afi && a.mode & 2);
  return {
    peerAsn: peer.asn,
    peerBgpId: peer.bgpId,
    holdTime,
    keepaliveTime: Math.floor(holdTime / 3),
    fourOctetAs: local.fourOctetAs !== undefined && pc.fourOctetAs !== undefined,
    families,
    ipv4: hasFamily(families, IPV4_UNICAST),
    ipv6: hasFamily(families, IPV6_UNICAST),
    addPathRxV4: addPathRx(1),
    addPathRxV6: addPathRx(2),
    routeRefresh: local.routeRefresh && pc.routeRefresh,
    enhancedRouteRefresh: local.enhancedRouteRefresh && pc.enhancedRouteRefresh,
    extendedMessage: local.extendedMessage && pc.extendedMessage,
    extendedNextHopV4: extendedNextHopV4(local) && extendedNextHopV4(pc),
    gracefulRestart: !!local.gracefulRestart && !!pc.gracefulRestart,
    peerCapabilities: pc,
  };
}

/** RFC 8950 §4: the capability lists <NLRI AFI, NLRI SAFI, Nexthop AFI> triples, 6 octets each. */
function extendedNextHopV4(c: Capabilities): boolean {
  return c.unknown.some((u) => {
    if (u.code !== CapabilityCode.EXTENDED_NEXT_HOP) return false;
    for (let i = 0; i + 6 <= u.value.length; i += 6) {
      if (u.value.readUInt16BE(i) === 1 && u.value.readUInt16BE(i + 2) === 1 && u.value.readUInt16BE(i + 4) === 2) return true;
    }
    return false;
  });
}
