// Limits the operator may tune when it opens the registry (serve flags and YAML map onto these).

/** Customer prefixes one customer may hold across all its peering services, unless configured. */
export const DEFAULT_MAX_PREFIXES_PER_CUSTOMER = 1000;

export interface RegistryOptions {
  /** customer prefixes per customer (every state counts: each is a row someone can create); default 1,000 */
  maxPrefixesPerCustomer?: number;
}
