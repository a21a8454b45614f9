// How the edge daemon is set up: ports, retry, the Peering Service community, RPKI, settling.
import type { VrpTable } from '../rpki/table.js';
import type { ServiceCommunity } from '../validation/route-checks.js';

export interface EdgeDaemonOptions {
  /** TCP port the edge routers' sessions listen on (default 179) */
  port?: number;
  /** TCP port of the partner routers, when not the same (tests and the lab) */
  peerPort?: number;
  community?: ServiceCommunity;
  /** seconds between connection attempts to a partner */
  connectRetry?: number;
  /** VRPs for route origin validation (kept current by an RTR client or a file); none: no RPKI check */
  rpki?: VrpTable;
  /**
   * After a start, how long at most stored prefix states stand while sessions come up and send
   * End-of-RIB (default 60 s): then every prefix is judged, whatever did not come back
   */
  settleSeconds?: number;
  /**
   * A session that never sends End-of-RIB counts as having sent its initial table after this long
   * without an UPDATE (default 1,000 ms); until then prefixes never judged wait for its routes
   */
  tableQuietMs?: number;
  /** how long a configured session may take to come up before prefixes stop waiting for it (default 5,000 ms) */
  tableConnectMs?: number;
  /** how long after the last requestReload() the registry is read again (default 300 ms) */
  reloadDebounceMs?: number;
  log?: (line: string) => void;
}

export const DEFAULT_SETTLE_SECONDS = 60;
export const DEFAULT_RELOAD_DEBOUNCE_MS = 300;
