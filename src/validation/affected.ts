// Which routes a change can affect: those equal to or inside the changed prefixes (changed VRPs,
// changed registrations). Checked per route when routes are judged again, so it must be cheap.
import { type Prefix, parsePrefix } from '../net/prefix.js';
import { type PrefixKey, v4KeyAddr, v4KeyLen, v6KeyLen, v6KeyWords } from '../net/prefix-key.js';
import { PrefixTrie } from '../net/trie.js';

export interface Affected {
  /** no prefix changed: nothing is affected */
  readonly empty: boolean;
  /** whether a route's prefix (as routes carry it) is affected */
  route(key: PrefixKey): boolean;
  /** whether a prefix (as the registry writes it) is affected */
  prefix(text: string): boolean;
}

export function coveredBy(prefixes: Iterable<Prefix>): Affected {
  const trie = new PrefixTrie<true>();
  for (const p of prefixes) trie.set(p, true);
  const covered = (p: Prefix) => trie.longestMatch(p) !== undefined;
  const words = new Uint32Array(4);
  return {
    empty: trie.size === 0,
    // Straight from the key: no Prefix (bigint) per route.
    route: (k) =>
      (typeof k === 'number' ? trie.longestMatchV4(v4KeyAddr(k), v4KeyLen(k)) : trie.longestMatchV6(v6KeyWords(k, words), v6KeyLen(k))) !== undefined,
    prefix: (t) => {
      const p = parsePrefix(t);
      return !!p && covered(p);
    },
  };
}
