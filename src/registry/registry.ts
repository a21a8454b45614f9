// The peering registry: every resource and the rules checked on write, over one store.
import type { Store } from '../store/store.js';
import { ApiKeys } from './api-keys.js';
import { Catalog } from './catalog.js';
import { CustomerPrefixes } from './customer-prefixes.js';
import { Customers } from './customers.js';
import type { RegistryOptions } from './options.js';
import { Partners } from './partners.js';
import { Peerings } from './peerings.js';
import { Pops } from './pops.js';
import { PrefixEvents } from './prefix-events.js';
import { Registrations } from './registrations.js';

export { DEFAULT_MAX_PREFIXES_PER_CUSTOMER, type RegistryOptions } from './options.js';

export class Registry {
  readonly pops: Pops;
  readonly partners: Partners;
  readonly peerings: Peerings;
  readonly registrations: Registrations;
  readonly customers: Customers;
  readonly customerPrefixes: CustomerPrefixes;
  readonly catalog: Catalog;
  readonly apiKeys: ApiKeys;
  readonly events: PrefixEvents;

  constructor(
    readonly store: Store,
    options: RegistryOptions = {},
  ) {
    this.apiKeys = new ApiKeys(store);
    this.pops = new Pops(store);
    this.partners = new Partners(store, this.apiKeys);
    this.peerings = new Peerings(store, this.partners);
    this.registrations = new Registrations(store, this.peerings);
    this.customers = new Customers(store, this.apiKeys);
    this.customerPrefixes = new CustomerPrefixes(store, this.customers, this.partners, options);
    this.catalog = new Catalog(store);
    this.events = new PrefixEvents(store);
  }
}
