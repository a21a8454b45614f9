// The last look at a prefix as the registry keeps it (compact JSON beside the prefix's state), so
// that a restarted service compares new routes with what it saw before it stopped instead of
// announcing every route again: per session the origin AS and AS path, the state, and whether
// Verified was lost. Next hops are not kept: no event compares them.
import type { PrefixState } from '../registry/types.js';
import type { PrefixLook, SeenRoute } from './events.js';

type Routes = Record<string, [originAs: number | null, asPath: string]>;
interface Stored {
  s: PrefixState;
  l?: 1;
  p: Routes;
  b?: Routes;
}

const pack = (m: ReadonlyMap<string, SeenRoute>): Routes => {
  const out: Routes = {};
  for (const [peer, r] of m) out[peer] = [r.originAs, r.asPath];
  return out;
};

const unpack = (o: Routes | undefined): Map<string, SeenRoute> => {
  const out = new Map<string, SeenRoute>();
  for (const [peer, v] of Object.entries(o ?? {})) {
    if (Array.isArray(v) && (v[0] === null || typeof v[0] === 'number') && typeof v[1] === 'string') out.set(peer, { originAs: v[0], asPath: v[1] });
  }
  return out;
};

export function encodeLook(look: PrefixLook): string {
  const o: Stored = { s: look.state, ...(look.lost ? { l: 1 as const } : {}), p: pack(look.primary), ...(look.backup.size ? { b: pack(look.backup) } : {}) };
  return JSON.stringify(o);
}

/** The stored look, or undefined when there is none or it cannot be read (then it is as if never seen). */
export function decodeLook(text: string | null | undefined): PrefixLook | undefined {
  if (!text) return undefined;
  try {
    const o = JSON.parse(text) as Stored;
    if (!o || typeof o.s !== 'string') return undefined;
    return { state: o.s, lost: o.l === 1, primary: unpack(o.p), backup: unpack(o.b) };
  } catch {
    return undefined;
  }
}

/** Whether two looks are the same as far as the registry keeps them (next hops aside). */
export function sameLook(a: PrefixLook, b: PrefixLook): boolean {
  return a.state === b.state && a.lost === b.lost && sameRoutes(a.primary, b.primary) && sameRoutes(a.backup, b.backup);
}

function sameRoutes(a: ReadonlyMap<string, SeenRoute>, b: ReadonlyMap<string, SeenRoute>): boolean {
  if (a.size !== b.size) return false;
  for (const [peer, r] of a) {
    const o = b.get(peer);
    if (!o || o.originAs !== r.originAs || o.asPath !== r.asPath) return false;
  }
  return true;
}
