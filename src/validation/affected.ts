// Which routes a change can affect: those equal to or inside the changed prefixes (changed VRPs,
// changed registrations). Checked per route when routes are judged again, so it must be cheap.
import { keyToPrefix, type PrefixKey } from '../bgp/wire/nlri.js';
import { type Prefix, parsePrefix } from '../net/prefix.js';
import { PrefixTrie } from '../net/trie.js';

export interface Affected {
  /** no prefix changed: nothing is affected */
  readonly empty: boolean;
  key(key: PrefixKey): boolean;
  text(prefix: string): boolean;
}

export function coveredBy(prefixes: Iterable<Prefix>): Affected {
  const trie = new PrefixTrie<true>();
  for (const p of prefixes) trie.set(p, true);
  const covered = (p: Prefix) => trie.longestMatch(p) !== undefined;
  return {
    empty: trie.size === 0,
    // IPv4 keys are address * 64 + length: no Prefix object per route for the common case.
    key: (k) => (typeof k === 'number' ? trie.longestMatchV4(Math.floor(k / 64), k % 64) !== undefined : covered(keyToPrefix(k))),
    text: (t) => {
      const p = parsePrefix(t);
      return !!p && covered(p);
    },
  };
}
