// API keys: a secret shown once, stored only as its SHA-256 hash, bound to a role and,
// for partners and customers, to the one tenant it may see. A key may expire; rotating it
// issues a new secret for the same key, the old one working on for an optional grace period.
import { createHash, randomBytes } from 'node:crypto';
import type { ApiKeyTable } from '../store/schema.js';
import type { Db, Store } from '../store/store.js';
import { conflict, notFound, rule } from './errors.js';
import { fetchPage, type Page, type PageRequest } from './paging.js';
import type { ApiKey, Role } from './types.js';
import { now } from './util.js';

export interface ApiKeyInput {
  name: string;
  role: Role;
  partner?: string | null;
  customer?: string | null;
  /** ISO time after which the key stops authenticating; absent or null: never */
  expiresAt?: string | null;
}

/** A key as the API shows it: ApiKey plus its lifecycle. */
export interface ApiKeyView extends ApiKey {
  expiresAt: string | null;
  rotatedAt: string | null;
  /** while a rotated-away secret still works (its grace period), until when */
  previousSecretExpiresAt: string | null;
}

/** What a presented secret is worth. */
export type KeyCheck = { ok: true; key: ApiKeyView } | { ok: false; reason: 'unknown' | 'expired' };

/** The longest grace a rotated-away secret may get: long enough to roll a secret out, short for a leaked one. */
export const MAX_ROTATION_GRACE_SECONDS = 7 * 24 * 3600;

const hash = (secret: string) => createHash('sha256').update(secret).digest('hex');

// The role is in the secret's text so that a person can tell keys apart at a glance.
const newSecret = (role: string, id: string) => `opk_${role}_${id}_${randomBytes(24).toString('base64url')}`;

const out = (r: ApiKeyTable): ApiKeyView => ({
  id: r.id,
  name: r.name,
  role: r.role as Role,
  partner: r.partner,
  customer: r.customer,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  expiresAt: r.expires_at,
  rotatedAt: r.rotated_at,
  previousSecretExpiresAt: r.previous_hash ? r.previous_expires_at : null,
});

// Times are stored as toISOString() text (years up to 9999), so they compare as text in SQL too.
const isPast = (iso: string | null, t: string): boolean => iso !== null && iso <= t;

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
    return () => {
      this.revokeListeners.delete(entry);
    };
  }

  private revoked(id: string): void {
    for (const l of [...this.revokeListeners]) {
      try {
        l(id);
      } catch (err) {
        process.emitWarning(`an API key revoke listener failed: ${(err as Error)?.message ?? String(err)}`);
      }
    }
  }

  async create(input: ApiKeyInput): Promise<{ key: ApiKeyView; secret: string }> {
    const partner = input.partner ?? null;
    const customer = input.customer ?? null;
    if (input.role === 'partner' && (!partner || customer)) throw rule('a partner key names its partner (and no customer)', 'partner');
    if (input.role === 'customer' && (!customer || partner)) throw rule('a customer key names its customer (and no partner)', 'customer');
    if (input.role === 'operator' && (partner || customer)) throw rule('an operator key names no partner or customer', partner ? 'partner' : 'customer');
    const expiresAt = input.expiresAt == null ? null : futureTime(input.expiresAt);
    return this.store.transaction(async (tx) => {
      if (partner && !(await tx.selectFrom('partners').select('name').where('name', '=', partner).executeTakeFirst())) {
        throw rule(`Partner ${partner} not found`, 'partner');
      }
      if (customer && !(await tx.selectFrom('customers').select('name').where('name', '=', customer).executeTakeFirst())) {
        throw rule(`Customer ${customer} not found`, 'customer');
      }
      const id = randomBytes(6).toString('hex');
      const secret = newSecret(input.role, id);
      const row: ApiKeyTable = {
        id,
        name: input.name,
        role: input.role,
        partner,
        customer,
        hash: hash(secret),
        created_at: now(),
        last_used_at: null,
        expires_at: expiresAt,
        rotated_at: null,
        previous_hash: null,
        previous_expires_at: null,
        expiry_announced: 0,
      };
      await tx.insertInto('api_keys').values(row).execute();
      return { key: out(row), secret };
    });
  }

  async list(req: PageRequest): Promise<Page<ApiKeyView>> {
    return fetchPage(this.store.db.selectFrom('api_keys').selectAll(), 'id', req, (r) => r.id, out);
  }

  async get(id: string): Promise<ApiKeyView> {
    const r = await this.store.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw notFound('API key', id);
    return out(r);
  }

  /** Deletes a key; the last operator key that still works stays, or no one could manage keys. */
  async delete(id: string): Promise<void> {
    await this.store.transaction(async (tx) => {
      const r = await tx.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
      if (!r) throw notFound('API key', id);
      const t = now();
      if (r.role === 'operator' && !isPast(r.expires_at, t)) {
        const others = await tx
          .selectFrom('api_keys')
          .select('id')
          .where('role', '=', 'operator')
          .where('id', '!=', id)
          .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', t)]))
          .limit(1)
          .executeTakeFirst();
        if (!others) {
          throw conflict(
            `API key ${id} is the last operator key that works; create another operator key first (POST /v1/api-keys), then delete this one`,
            'id',
          );
        }
      }
      await tx.deleteFrom('api_keys').where('id', '=', id).execute();
    });
    this.revoked(id);
  }

  /**
   * Deletes a tenant's keys inside `tx`, for the tenant's own deletion. Returns the function that
   * tells the revoke listeners: call it once `tx` has committed.
   */
  async deleteTenantKeys(tx: Db, tenant: { partner: string } | { customer: string }): Promise<() => void> {
    const [column, name] = 'partner' in tenant ? (['partner', tenant.partner] as const) : (['customer', tenant.customer] as const);
    const ids = (await tx.selectFrom('api_keys').select('id').where(column, '=', name).execute()).map((r) => r.id);
    if (ids.length) await tx.deleteFrom('api_keys').where('id', 'in', ids).execute();
    return () => {
      for (const id of ids) this.revoked(id);
    };
  }

  /**
   * A new secret for the same key (id, role, scope, expiry). The old secret keeps working for
   * `graceSeconds` (0: it stops now); revoke listeners are told when it stops.
   */
  async rotate(id: string, graceSeconds = 0): Promise<{ key: ApiKeyView; secret: string }> {
    if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_ROTATION_GRACE_SECONDS) {
      throw rule(`graceSeconds must be 0-${MAX_ROTATION_GRACE_SECONDS}`, 'graceSeconds');
    }
    const { row, dropped } = await this.store.transaction(async (tx) => {
      const r = await tx.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
      if (!r) throw notFound('API key', id);
      const t = now();
      if (isPast(r.expires_at, t)) throw conflict(`API key ${id} expired at ${r.expires_at}; create a new key instead`, 'id');
      const secret = newSecret(r.role, id);
      const graceEnds = graceSeconds > 0 ? new Date(Date.parse(t) + graceSeconds * 1000).toISOString() : null;
      const next: ApiKeyTable = {
        ...r,
        hash: hash(secret),
        rotated_at: t,
        previous_hash: graceEnds ? r.hash : null,
        previous_expires_at: graceEnds,
      };
      await tx
        .updateTable('api_keys')
        .set({
          hash: next.hash,
          rotated_at: next.rotated_at,
          previous_hash: next.previous_hash,
          previous_expires_at: next.previous_expires_at,
        })
        .where('id', '=', id)
        .execute();
      // Without grace the old secret stops now; with grace, a secret from an earlier rotation
      // not yet announced as ended (its hash is still kept) stops now.
      return { row: { ...next, secret }, dropped: !graceEnds || r.previous_hash !== null };
    });
    if (dropped) this.revoked(id);
    const { secret, ...stored } = row;
    return { key: out(stored), secret };
  }

  async count(): Promise<number> {
    const r = await this.store.db
      .selectFrom('api_keys')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** The key a secret belongs to, or null (unknown, revoked, rotated away or expired). */
  async authenticate(secret: string): Promise<ApiKeyView | null> {
    const v = await this.verify(secret);
    return v.ok ? v.key : null;
  }

  /** What a secret is worth: its key, or why not. Notices (and announces once) an expiry or an ended grace. */
  async verify(secret: string): Promise<KeyCheck> {
    const h = hash(secret);
    const r = await this.store.db
      .selectFrom('api_keys')
      .selectAll()
      .where((eb) => eb.or([eb('hash', '=', h), eb('previous_hash', '=', h)]))
      .executeTakeFirst();
    if (!r) return { ok: false, reason: 'unknown' };
    const t = now();
    if (isPast(r.expires_at, t)) {
      await this.announceExpiry(r.id);
      return { ok: false, reason: 'expired' };
    }
    if (r.hash !== h) {
      // A rotated-away secret: good only during its grace period.
      if (!isPast(r.previous_expires_at, t)) return { ok: true, key: await this.touch(r) };
      await this.endGrace(r.id, h);
      return { ok: false, reason: 'unknown' };
    }
    return { ok: true, key: await this.touch(r) };
  }

  /**
   * Announces every expiry and every ended grace period not yet announced (the server runs this
   * now and then, so a key's open streams end even if the key is never presented again).
   */
  async sweep(): Promise<number> {
    const t = now();
    const expired = await this.store.db.selectFrom('api_keys').select('id').where('expires_at', '<=', t).where('expiry_announced', '=', 0).execute();
    const graceEnded = await this.store.db
      .selectFrom('api_keys')
      .select(['id', 'previous_hash'])
      .where('previous_hash', 'is not', null)
      .where('previous_expires_at', '<=', t)
      .execute();
    let n = 0;
    for (const r of expired) if (await this.announceExpiry(r.id)) n++;
    for (const r of graceEnded) if (await this.endGrace(r.id, r.previous_hash!)) n++;
    return n;
  }

  /** Marks the expiry announced; the one caller that flips the mark tells the listeners. */
  private async announceExpiry(id: string): Promise<boolean> {
    const r = await this.store.db
      .updateTable('api_keys')
      .set({ expiry_announced: 1 })
      .where('id', '=', id)
      .where('expiry_announced', '=', 0)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return false;
    this.revoked(id);
    return true;
  }

  /** Forgets a rotated-away secret whose grace ended; the one caller that clears it tells the listeners. */
  private async endGrace(id: string, previousHash: string): Promise<boolean> {
    const r = await this.store.db
      .updateTable('api_keys')
      .set({ previous_hash: null, previous_expires_at: null })
      .where('id', '=', id)
      .where('previous_hash', '=', previousHash)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return false;
    this.revoked(id);
    return true;
  }

  private async touch(r: ApiKeyTable): Promise<ApiKeyView> {
    const t = Date.now();
    if (!r.last_used_at || t - Date.parse(r.last_used_at) > LAST_USED_GRANULARITY_MS) {
      r.last_used_at = new Date(t).toISOString();
      await this.store.db.updateTable('api_keys').set({ last_used_at: r.last_used_at }).where('id', '=', r.id).execute();
    }
    return out(r);
  }
}

/** An ISO time in the future, normalised to toISOString() so times compare as text. */
function futureTime(text: string): string {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw rule(`expiresAt ${text} is not an ISO 8601 time`, 'expiresAt');
  const d = new Date(ms);
  if (d.getUTCFullYear() > 9999) throw rule('expiresAt must be before the year 10000', 'expiresAt');
  if (ms <= Date.now()) throw rule(`expiresAt ${text} is not in the future`, 'expiresAt');
  return d.toISOString();
}
