// The import policies of the edge sessions and what a change re-judges: a registry reload only
// the routes its changed inputs (checks, registrations, origin memory) can affect, new VRPs only
// the routes under them. Holds the current registry view the policies are built from.

import type { Prefix } from '../net/prefix.js';
import { keyToPrefix, type PrefixKey, prefixToKey } from '../net/prefix-key.js';
import type { FactPeering, ValidationFactsSnapshot } from '../registry/validation-facts.js';
import type { Affected } from '../validation/affected.js';
import { importPolicy, type PolicyContext, policyPeering } from '../validation/import-policy.js';
import { diffInputs, type PolicyInputs, policyInputs } from '../validation/policy-inputs.js';
import { affectedBy, type RpkiState, rpkiInvalid, rpkiState } from '../validation/rpki.js';
import { VerdictTable } from '../validation/verdict.js';
import type { ValidationView } from '../validation/view.js';

/** The VRP table validation checks against (undefined: no RPKI source). */
type Vrps = Parameters<typeof rpkiState>[0];
type VrpChange = Parameters<typeof affectedBy>[0];

/** What a registry reload changed for the policies. */
export type RegistryChange = ReturnType<typeof diffInputs>;

export class PolicyScope {
  private inputs: PolicyInputs | undefined;
  private current: ValidationView | undefined;
  /** the verdicts of the current view's policies, shared by all sessions */
  private verdicts = new VerdictTable();
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
    this.verdicts = new VerdictTable();
    return change;
  }

  /** The routes of an unchanged session of `peering` that a registry change re-judges (undefined: none). */
  rejudge(change: RegistryChange, peering: string): ((key: PrefixKey) => boolean) | undefined {
    if (change.all || change.asnPeerings.has(peering)) return () => true;
    return change.prefixes.empty ? undefined : change.prefixes.route;
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

  /**
   * The import policy of one session of `peering` (the speaker's ImportPolicy, as validation builds
   * it): its verdicts are what the speaker stores with the routes.
   */
  importPolicy(peering: FactPeering) {
    return importPolicy(policyPeering(peering), this.current!.registrations, this.context(), this.verdicts);
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
