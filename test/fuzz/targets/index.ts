// The fuzz targets by name.
import type { Target } from '../target.js';
import { bgpTarget } from './bgp.js';
import { canaryHangTarget, canaryThrowTarget } from './canary.js';
import { mrtFileTarget, mrtTarget } from './mrt.js';
import { rtrTarget } from './rtr.js';
import { speakerTarget } from './speaker.js';

export const TARGETS: Record<string, Target> = Object.fromEntries(
  [bgpTarget, rtrTarget, mrtTarget, mrtFileTarget, speakerTarget, canaryThrowTarget, canaryHangTarget].map((t) => [t.name, t]),
);

/** The decoder targets a long run covers by default (the live speaker is run on its own: it is slower). */
export const DECODER_TARGETS = ['bgp', 'rtr', 'mrt', 'mrt-file'];
