// What an RTR client tells its owner: its state, each applied batch, Error Reports, disconnects.

import type { VrpChange } from '../table.js';
import type { RtrVersion } from './pdu.js';
import type { RtrTimers } from './timers.js';

export type RtrState = 'idle' | 'connecting' | 'syncing' | 'synced' | 'backoff' | 'stopped';

export interface RtrSynced {
  version: RtrVersion;
  sessionId: number;
  serial: number;
  /** true after a Reset Query (the whole table was replaced). */
  full: boolean;
  change: VrpChange;
  timers: RtrTimers;
}

export interface RtrClientEvents {
  state: [state: RtrState];
  synced: [info: RtrSynced];
  /** An Error Report we sent (sent=true) or received. */
  errorReport: [info: { sent: boolean; code: number; name: string; text: string }];
  /** The connection ended; `reason` says why. */
  disconnect: [reason: string];
  /** Version changed by negotiation (RFC 8210 §7). */
  version: [version: RtrVersion];
  /** Data dropped after the Expire Interval. */
  expired: [];
}
