// The import policies of the edge sessions and what a change re-judges: a registry reload only
// the routes its changed inputs (checks, registrations, origin memory) can affect, new VRPs only
// the routes under them. Holds the current registry view the policies are built from.

import type { ImportPolicy } from '../bgp/rib/rib.js';
import type { PathAttributes } from '../bgp/wire/attributes/types.js';
import { keyToPrefix, type PrefixKey, prefixToKey } from '../bgp/wire/nlri.js';
import type { FactPeering, ValidationFactsSnapshot } from '../registry/validation-facts.js';
import type { Affected } from '../validation/affected.js';
import { classify, type EventfulRejection, importPolicy, type PolicyContext, type Verdict } from '../validation/import-policy.js';
import { diffInputs, type PolicyInputs, policyInputs } from '../validation/policy-inputs.js';
import { affectedBy, type RpkiState, rpkiInvalid, rpkiState } from '../validation/rpki.js';
import type { ValidationView } from '../validation/view.js';

/** The VRP table validation checks against (undefined: no RPKI source). */
type Vrps = Parameters<typeof rpkiState>[0];
type VrpChange = Parameters<typeof affectedBy>[0];
type Prefix = ReturnType<typeof keyToPrefix>;

/** What a registry reload changed for the policies. */
export type RegistryChange = ReturnType<typeof diffInputs>;

export class PolicyScope {
  private inputs: PolicyInputs | undefined;
  private current: ValidationView | undefined;
  private readonly invalid: ((prefix: Prefix, origin: number | undefined) => boolean) | undefined;

  constructor(
    private readonly vrps: Vrps,
    private readonly expectedOrigin: (registered: PrefixKey) => number | undefined,
  ) {
    this.invalid = vrps ? rpkiInvalid(vrps) : undefined;
  }

  /** The registry view of the last reload (undefined before the first). */
  get view(): ValidationView | undefined {
    return this.current;
  }

  /** Takes a new registry view; returns what changed for the policies of sessions that stay. */
  setView(snapshot: ValidationFactsSnapshot, view: ValidationView): RegistryChange {
    const inputs = policyInputs(snapshot, view);
    const change = diffInputs(this.inputs, inputs);
    this.inputs = inputs;
    this.current = view;
    return change;
  }

  /** The routes of an unchanged session of `peering` that a registry change re-judges (undefined: none). */
  rejudge(change: RegistryChange, peering: string): ((key: PrefixKey) => boolean) | undefined {
    if (change.all || change.asnPeerings.has(peering)) return () => true;
    return change.prefixes.empty ? undefined : change.prefixes.key;
  }

  /** The routes new or withdrawn VRPs can change the verdict on. */
  vrpScope(change: VrpChange): Affected {
    return affectedBy(change);
  }

  /**
   * Origin memory learned a registered prefix's origin: the inputs hold it now, so that forgetting
   * it later (POST .../validate) is a change that re-judges its routes.
   */
  originLearned(peering: string, prefix: string, asn: number): void {
    this.inputs?.prefixes.set(prefix, `${peering}|${asn}`);
  }

  /** What the import policies consult besides the registry: RPKI and the origin memory. */
  context(): PolicyContext {
    return {
      checks: this.current!.checks,
      ...(this.invalid ? { rpkiInvalid: this.invalid } : {}),
      expectedOrigin: (registered) => this.expectedOrigin(prefixToKey(registered)),
    };
  }

  /** The import policy of one session of `peering`, reporting the rejections that are events. */
  importPolicy(peering: FactPeering, report: EventfulRejection): ImportPolicy {
    return importPolicy({ id: peering.key, type: peering.type, asn: peering.asn }, this.current!.registrations, this.context(), report);
  }

  /** The import policy's verdict on a route of `peering`, with its kind (undefined before the first view). */
  verdictOf(peering: FactPeering, key: PrefixKey, attrs: PathAttributes, ctx?: PolicyContext): Verdict | undefined {
    if (!this.current) return undefined;
    return classify({ id: peering.key, type: peering.type, asn: peering.asn }, this.current.registrations, ctx ?? this.context(), keyToPrefix(key), attrs);
  }

  /** Whether a route is RPKI Invalid (false without an RPKI source). */
  rpkiInvalid(key: PrefixKey, origin: number | undefined): boolean {
    return this.invalid?.(keyToPrefix(key), origin) ?? false;
  }

  /** A route's RPKI state as the received-routes view spells it. */
  rpkiState(key: PrefixKey, origin: number | undefined): RpkiState {
    return rpkiState(this.vrps, keyToPrefix(key), origin);
  }
}
