// API keys: a secret shown once, stored only as its SHA-256 hash, bound to a role and,
// for partners and customers, to the one tenant it may see.
import { createHash, randomBytes } from 'node:crypto';
import type { Store } from '../store/store.js';
import type { ApiKeyTable } from '../store/schema.js';
import { notFound, rule } from './errors.js';
import type { ApiKey, Role } from './types.js';
import { type Page, type PageRequest, fetchPage } from './paging.js';
import { now } from './util.js';

export interface ApiKeyInput { name: string; role: Role; partner?: string | null; customer?: string | null }

const hash = (secret: string) => createHash('sha256').update(secret).digest('hex');

const out = (r: ApiKeyTable): ApiKey => ({
  id: r.id, name: r.name, role: r.role as Role, partner: r.partner, customer: r.customer, createdAt: r.created_at, lastUsedAt: r.last_used_at,
});

// Recording every use would turn each read into a write; once a minute says enough.
const LAST_USED_GRANULARITY_MS = 60_000;

export class ApiKeys {
  private readonly revokeListeners = new Set<(id: string) => void>();

  constructor(private readonly store: Store) {}

  /**
   * Calls `listener` with a key's id once it no longer authenticates (deleted, rotated away,
   * expired): whatever it holds open (event streams) ends. Returns the unsubscribe function.
   */
  onRevoke(listener: (id: string) => void): () => void {
    const entry = (id: string) => listener(id);
    this.revokeListeners.add(entry);
    return () => { this.revokeListeners.delete(entry); };
  }

  private revoked(id: string): void {
    for (const l of [...this.revokeListeners]) {
      try { l(id); } catch (err) { process.emitWarning(`an API key revoke listener failed: ${(err as Error)?.message ?? String(err)}`); }
    }
  }

  async create(input: ApiKeyInput): Promise<{ key: ApiKey; secret: string }> {
    const partner = input.partner ?? null;
    const customer = input.customer ?? null;
    if (input.role === 'partner' && (!partner || customer)) throw rule('a partner key names its partner (and no customer)', 'partner');
    if (input.role === 'customer' && (!customer || partner)) throw rule('a customer key names its customer (and no partner)', 'customer');
    if (input.role === 'operator' && (partner || customer)) throw rule('an operator key names no partner or customer', partner ? 'partner' : 'customer');
    return this.store.transaction(async (tx) => {
      if (partner && !(await tx.selectFrom('partners').select('name').where('name', '=', partner).executeTakeFirst())) {
        throw rule(`Partner ${partner} not found`, 'partner');
      }
      if (customer && !(await tx.selectFrom('customers').select('name').where('name', '=', customer).executeTakeFirst())) {
        throw rule(`Customer ${customer} not found`, 'customer');
      }
      const id = randomBytes(6).toString('hex');
      // The role is in the secret's text so that a person can tell keys apart at a glance.
      const secret = `opk_${input.role}_${id}_${randomBytes(24).toString('base64url')}`;
      const row: ApiKeyTable = { id, name: input.name, role: input.role, partner, customer, hash: hash(secret), created_at: now(), last_used_at: null };
      await tx.insertInto('api_keys').values(row).execute();
      return { key: out(row), secret };
    });
  }

  async list(req: PageRequest): Promise<Page<ApiKey>> {
    return fetchPage(this.store.db.selectFrom('api_keys').selectAll(), 'id', req, (r) => r.id, out);
  }

  async get(id: string): Promise<ApiKey> {
    const r = await this.store.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw notFound('API key', id);
    return out(r);
  }

  async delete(id: string): Promise<void> {
    const r = await this.store.db.deleteFrom('api_keys').where('id', '=', id).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw notFound('API key', id);
    this.revoked(id);
  }

  async count(): Promise<number> {
    const r = await this.store.db.selectFrom('api_keys').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** The key a secret belongs to, or null. */
  async authenticate(secret: string): Promise<ApiKey | null> {
    const r = await this.store.db.selectFrom('api_keys').selectAll().where('hash', '=', hash(secret)).executeTakeFirst();
    if (!r) return null;
    const t = Date.now();
    if (!r.last_used_at || t - Date.parse(r.last_used_at) > LAST_USED_GRANULARITY_MS) {
      r.last_used_at = new Date(t).toISOString();
      await this.store.db.updateTable('api_keys').set({ last_used_at: r.last_used_at }).where('id', '=', r.id).execute();
    }
    return out(r);
  }
}
