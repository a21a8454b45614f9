// Opening the service's state: the store (migrated) and the registry over it, and the first
// operator key on an empty database.

import { Registry, type RegistryOptions } from './registry/registry.js';
import { openStore, type StoreOptions } from './store/open.js';

export async function openRegistry(db: string, opts: StoreOptions = {}, registry: RegistryOptions = {}): Promise<Registry> {
  return new Registry(await openStore(db, opts), registry);
}

/** Creates an operator key when none exists (or when forced); returns its secret, or null. */
export async function ensureOperatorKey(registry: Registry, force = false): Promise<string | null> {
  if (!force && (await registry.apiKeys.count()) > 0) return null;
  const { secret } = await registry.apiKeys.create({ name: force ? 'operator (init --new-key)' : 'bootstrap operator', role: 'operator' });
  return secret;
}
