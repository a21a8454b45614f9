// Why the import side did not accept a route. The RIB keeps a 4-octet handle per rejected route
// (rejection-handles.ts) and never looks inside: whoever judges interns its rejections by value,
// so that a table of rejected routes shares a few hundred of them. The text is rendered for one
// route at a time, as the prefix is rarely part of the reason's value.
import type { PrefixKey } from '../../net/prefix-key.js';
import type { Route } from './attr-store.js';

export interface Rejection {
  /** the reason in words, for logs and status, for a route of `prefix` (its text form) */
  text(prefix: string): string;
  /** the judge wants to hear of every route judged so (e.g. to raise events): see Changed.notable */
  readonly notable?: boolean;
}

/** A route judged with a notable rejection, as the RIB reports it. */
export interface NotableRejection {
  key: PrefixKey;
  rejection: Rejection;
  route: Route;
}

/** A rejection whose text is the same for every prefix (the speaker's own, a configured "none"). */
class FixedRejection implements Rejection {
  constructor(private readonly words: string) {}
  text(): string {
    return this.words;
  }
}

const fixed = new Map<string, Rejection>();

/** The one rejection with these words (few distinct texts: an own ASN, an OTC value). */
export function fixedRejection(words: string): Rejection {
  let r = fixed.get(words);
  if (!r) fixed.set(words, (r = new FixedRejection(words)));
  return r;
}
