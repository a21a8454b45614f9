// A partner router for tests of the live side: openpeering's own speaker on the partner's session
// address, dialling the edge router's operator address (and accepting its calls), announcing routes.
import { Speaker } from '../../src/bgp/speaker.js';
import type { PathAttributes } from '../../src/bgp/wire/attributes/types.js';
import { parsePrefixKey } from '../../src/net/prefix-key.js';
import { acceptAll, ip } from './peer-options.js';

export interface PartnerSpeakerOptions {
  /** the partner's session address (it listens there) */
  address: string;
  asn: number;
  /** the edge router's side of the session */
  operatorAddress: string;
  operatorAsn?: number;
  port: number;
  routes?: Array<{ prefix: string; attrs: PathAttributes }>;
  nextHopV4?: string;
  md5Key?: string;
}

export async function partnerSpeaker(o: PartnerSpeakerOptions): Promise<Speaker> {
  const s = new Speaker({ asn: o.asn, routerId: ip(o.address), listen: { host: o.address, port: o.port } });
  s.addPeer(
    {
      address: o.operatorAddress,
      port: o.port,
      asn: o.operatorAsn ?? 64500,
      localAsn: o.asn,
      localAddress: o.address,
      routerId: ip(o.address),
      holdTime: 90,
      passive: false,
      families: ['ipv4'],
      routeServerClient: false,
      connectRetryTime: 1,
      addPathReceive: false,
      ...(o.nextHopV4 ? { nextHopV4: o.nextHopV4 } : {}),
      ...(o.md5Key ? { md5Key: o.md5Key } : {}),
    },
    acceptAll,
  );
  s.announce((o.routes ?? []).map((r) => ({ key: parsePrefixKey(r.prefix)!, attrs: r.attrs })));
  await s.start();
  return s;
}
