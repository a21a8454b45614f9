// An import policy's verdict on a route, as the speaker stores it with the route: the kind of
// rejection, its reason as a template with the prefix left out, and what the events need (the
// registered prefix and its owner, the route problems, RPKI invalid among them). Interned by value
// in a VerdictTable, so that the routes rejected for one reason share one verdict: a full table of
// rejected routes holds a few hundred of them, each route a handle (bgp/rib/rejection.ts).
//
// Rendered for one route, a verdict gives two reasons: `reason` for the session's own partner (and
// its customers), which never names another partner, its peering or its sessions, at most its ASN;
// and `operatorReason`, when the two differ, with those names, for the operator only.
import type { Rejection } from '../bgp/rib/rejection.js';
import { formatPrefix, type Prefix } from '../net/prefix.js';
import type { RouteProblem } from './route-checks.js';

export type RejectKind = 'not-registered' | 'origin-not-registered' | 'route-problem' | 'hijack';

/** The kinds of rejection that are events (and are remembered per prefix). */
export type EventfulKind = 'hijack' | 'rpki-invalid';

/** A verdict rendered for one route. */
export type Verdict =
  | { accept: true; registered: Prefix | undefined }
  | { accept: false; kind: RejectKind; reason: string; operatorReason?: string; problems?: RouteProblem[]; registered?: Prefix; owner?: string };

/** Where a reason template takes the route's prefix. */
export const PREFIX = '{prefix}';

/** What a rejection knows besides its reason: what its events need. */
export interface RejectionFacts {
  problems?: RouteProblem[];
  /** the registered prefix the route falls under */
  registered?: Prefix;
  /** the peering id ("partner/peering") that registered it */
  owner?: string;
}

export class Rejected implements Rejection {
  readonly accept = false;
  /** hijack or RPKI invalid: an event, so the speaker reports every route judged so */
  readonly eventful: EventfulKind | undefined;
  readonly notable: boolean;

  constructor(
    readonly kind: RejectKind,
    /** the partner's reason, PREFIX where the route's prefix goes */
    private readonly template: string,
    /** the operator's, when it says more (names the other partner) */
    private readonly operatorTemplate: string | undefined,
    readonly facts: RejectionFacts,
  ) {
    this.eventful = kind === 'hijack' ? 'hijack' : facts.problems?.includes('rpki-invalid') ? 'rpki-invalid' : undefined;
    this.notable = this.eventful !== undefined;
  }

  /** The partner's reason (safe for every audience: logs, status, the tenant API). */
  text(prefix: string): string {
    return fill(this.template, prefix);
  }

  /** The operator's reason: the partner's, or the one naming the other partner. */
  operatorText(prefix: string): string {
    return fill(this.operatorTemplate ?? this.template, prefix);
  }

  /** The verdict rendered for a route of `prefix` (its text form). */
  verdict(prefix: string): Verdict {
    const { problems, registered, owner } = this.facts;
    return {
      accept: false,
      kind: this.kind,
      reason: this.text(prefix),
      ...(this.operatorTemplate !== undefined ? { operatorReason: this.operatorText(prefix) } : {}),
      ...(problems ? { problems } : {}),
      ...(registered ? { registered } : {}),
      ...(owner !== undefined ? { owner } : {}),
    };
  }
}

// (a prefix's text has no "$": nothing in it is a replacement pattern)
const fill = (template: string, prefix: string): string => template.replaceAll(PREFIX, prefix);

/**
 * The verdicts of one registry view, interned by value. A new view starts a new table: verdicts
 * of the old one live on while routes hold them, and are dropped with the last.
 */
export class VerdictTable {
  private readonly byValue = new Map<string, Rejected>();

  get size(): number {
    return this.byValue.size;
  }

  rejected(kind: RejectKind, template: string, operatorTemplate?: string, facts: RejectionFacts = {}): Rejected {
    const { problems, registered, owner } = facts;
    const value = `${kind}\n${template}\n${operatorTemplate ?? ''}\n${problems?.join() ?? ''}\n${registered ? formatPrefix(registered) : ''}\n${owner ?? ''}`;
    let v = this.byValue.get(value);
    if (!v) this.byValue.set(value, (v = new Rejected(kind, template, operatorTemplate, facts)));
    return v;
  }
}
