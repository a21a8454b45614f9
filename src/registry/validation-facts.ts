// What prefix validation needs from the registry, read in one go (a handful of queries, not one
// per prefix), and the one thing it writes back: a prefix's state and message. The validation
// layer above turns these facts into sessions, import policies and watched prefixes.

import { canonicalAddress } from '../net/address.js';
import { covers, formatPrefix, parsePrefix } from '../net/prefix.js';
import type { Store } from '../store/store.js';
import { keyMismatchMessage } from './customer-prefixes.js';
import type { EventRow } from './event-rows.js';
import { publicPrefix } from './registrations.js';
import { customerPrefixId, peeringId, registeredPrefixId } from './resource-ids.js';
import type { PeeringType, PrefixState } from './types.js';
import { now } from './util.js';
import { recordValidation, type ValidationBatch } from './validation-record.js';

/** One BGP session of an Active connection, per address family. */
export interface FactSession {
  /** "partner/peering" */
  peering: string;
  connection: string;
  router: string;
  /** the edge router's BGP identifier (dotted quad) */
  routerId: string;
  pop: string;
  /** the session's transport family (its addresses) */
  family: 4 | 6;
  /** the families its routes may be of: an IPv4 session carries IPv6 too (MP-BGP) when the connection has no IPv6 addresses and allows IPv6 prefixes */
  families: Array<4 | 6>;
  operatorAddress: string;
  peerAddress: string;
  maxPrefixes: number;
  /** the IPv6 limit when the session carries IPv6 beside IPv4 */
  maxPrefixesV6?: number;
  /** the connection's TCP MD5 key (RFC 2385), when it has one */
  md5Key?: string;
}

export interface FactPeering {
  /** "partner/peering" (resource-ids.ts) */
  id: string;
  partner: string;
  name: string;
  type: PeeringType;
  pop: string;
  asn: number;
  sessions: FactSession[];
}
/** What the registry holds now: the engine writes only what differs from it. */
export interface FactStored {
  state: PrefixState;
  message: string | null;
}
/** What validation keeps beside a prefix's state across restarts, as stored (compact JSON; validation reads it). */
export interface FactRemembered {
  look: string | null;
  alerts: string | null;
}
export interface FactRegisteredPrefix {
  /** "partner/peering/name" (resource-ids.ts) */
  id: string;
  peering: string;
  prefix: string;
  stored: FactStored;
  originAs: number | null;
  remembered: FactRemembered;
}
export interface FactRegisteredAsn {
  peering: string;
  asn: number;
}
export interface FactCustomerPrefix {
  /** "customer/service/name" (resource-ids.ts) */
  id: string;
  customer: string;
  provider: string;
  primaryPop: string;
  backupPop: string | null;
  prefix: string;
  stored: FactStored;
  remembered: FactRemembered;
  /** the key no longer matches (its registration was deleted): Failed with this message, whatever the routes */
  keyMismatch?: string;
}

/** One prefix's write: what is given changes (`look`/`alerts` null: nothing kept). */
export interface FactWrite {
  kind: 'registered-prefix' | 'customer-prefix';
  /** the prefix's id, as in the snapshot */
  id: string;
  state?: FactStored;
  look?: string | null;
  alerts?: string | null;
}

export interface ValidationFactsSnapshot {
  operatorAsn: number | undefined;
  peerings: FactPeering[];
  registeredPrefixes: FactRegisteredPrefix[];
  registeredAsns: FactRegisteredAsn[];
  /** customer prefixes of a valid format (Invalid ones never get routes to decide) */
  customerPrefixes: FactCustomerPrefix[];
}

/**
 * Whether a customer prefix's key is one its provider issued for it: a registered prefix covering
 * it, or a registered ASN (route-server customers). The registry checks this at creation; the
 * facts check it again because registrations can be deleted since.
 */
export function keyMatches(
  key: string,
  provider: string,
  prefix: string,
  prefixKeys: ReadonlyMap<string, { partner: string; prefix: string }>,
  asnKeys: ReadonlyMap<string, { partner: string }>,
): boolean {
  const reg = prefixKeys.get(key);
  if (reg) {
    const outer = parsePrefix(reg.prefix);
    const inner = parsePrefix(prefix);
    return reg.partner === provider && !!outer && !!inner && covers(outer, inner);
  }
  return asnKeys.get(key)?.partner === provider;
}

export class ValidationFacts {
  /** row ids by key, as of the last load() */
  private registeredIds = new Map<string, number>();
  private customerIds = new Map<string, number>();

  constructor(private readonly store: Store) {}

  async load(): Promise<ValidationFactsSnapshot> {
    const db = this.store.db;
    const op = await db.selectFrom('operator').select('asn').executeTakeFirst();
    const peeringRows = await db.selectFrom('peerings').select(['id', 'partner', 'name', 'type', 'pop', 'asn']).orderBy('partner').orderBy('name').execute();
    const connRows = await db
      .selectFrom('connections')
      .innerJoin('routers', 'routers.name', 'connections.router')
      .select([
        'connections.peering_id',
        'connections.name',
        'connections.router',
        'routers.pop',
        'routers.router_id',
        'connections.operator_address_v4',
        'connections.peer_address_v4',
        'connections.operator_address_v6',
        'connections.peer_address_v6',
        'connections.max_prefixes_v4',
        'connections.max_prefixes_v6',
        'connections.md5_key',
      ])
      .where('connections.state', '=', 'Active')
      .orderBy('connections.name')
      .execute();
    const peerings = new Map<number, FactPeering>();
    for (const p of peeringRows) {
      const key = peeringId({ partner: p.partner, peering: p.name });
      peerings.set(p.id, { id: key, partner: p.partner, name: p.name, type: p.type as PeeringType, pop: p.pop, asn: Number(p.asn), sessions: [] });
    }
    for (const c of connRows) {
      const p = peerings.get(c.peering_id);
      if (!p) continue;
      const families = [
        [4, c.operator_address_v4, c.peer_address_v4, c.max_prefixes_v4],
        [6, c.operator_address_v6, c.peer_address_v6, c.max_prefixes_v6],
      ] as const;
      const v6Session = !!(c.operator_address_v6 && c.peer_address_v6);
      for (const [family, ours, theirs, max] of families) {
        if (!ours || !theirs) continue;
        const carried: Array<4 | 6> = family === 4 && !v6Session && c.max_prefixes_v6 > 0 ? [4, 6] : [family];
        p.sessions.push({
          peering: p.id,
          connection: c.name,
          router: c.router,
          routerId: c.router_id,
          pop: c.pop,
          family,
          families: carried,
          operatorAddress: canonical(ours),
          peerAddress: canonical(theirs),
          maxPrefixes: max,
          ...(carried.length === 2 ? { maxPrefixesV6: c.max_prefixes_v6 } : {}),
          ...(c.md5_key ? { md5Key: c.md5_key } : {}),
        });
      }
    }
    const regRows = await db
      .selectFrom('registered_prefixes')
      .select(['id', 'peering_id', 'name', 'prefix', 'key', 'state', 'error_message', 'origin_as', 'validation_look', 'validation_alerts'])
      .execute();
    const asnRows = await db.selectFrom('registered_asns').select(['peering_id', 'asn', 'key']).execute();
    const prefixKeys = new Map<string, { partner: string; prefix: string }>();
    const asnKeys = new Map<string, { partner: string }>();
    const registeredPrefixes: FactRegisteredPrefix[] = [];
    const registeredAsns: FactRegisteredAsn[] = [];
    const registeredIds = new Map<string, number>();
    for (const r of regRows) {
      const p = peerings.get(r.peering_id)!;
      const id = registeredPrefixId({ partner: p.partner, peering: p.name, name: r.name });
      registeredIds.set(id, Number(r.id));
      prefixKeys.set(r.key, { partner: p.partner, prefix: r.prefix });
      registeredPrefixes.push({
        id: id,
        peering: p.id,
        prefix: r.prefix,
        stored: { state: r.state as PrefixState, message: r.error_message },
        originAs: r.origin_as === null ? null : Number(r.origin_as),
        remembered: { look: r.validation_look, alerts: r.validation_alerts },
      });
    }
    for (const r of asnRows) {
      const p = peerings.get(r.peering_id)!;
      asnKeys.set(r.key, { partner: p.partner });
      registeredAsns.push({ peering: p.id, asn: Number(r.asn) });
    }
    const custRows = await db
      .selectFrom('customer_prefixes')
      .innerJoin('peering_services', 'peering_services.id', 'customer_prefixes.peering_service_id')
      .select([
        'customer_prefixes.id',
        'customer_prefixes.name',
        'customer_prefixes.prefix',
        'customer_prefixes.key',
        'customer_prefixes.state',
        'customer_prefixes.error_message',
        'customer_prefixes.validation_look',
        'customer_prefixes.validation_alerts',
        'peering_services.customer',
        'peering_services.name as service',
        'peering_services.provider',
        'peering_services.primary_pop',
        'peering_services.backup_pop',
      ])
      .execute();
    const customerPrefixes: FactCustomerPrefix[] = [];
    const customerIds = new Map<string, number>();
    for (const r of custRows) {
      const id = customerPrefixId({ customer: r.customer, service: r.service, name: r.name });
      customerIds.set(id, Number(r.id));
      const pub = publicPrefix(r.prefix);
      if (!pub.ok) continue;
      const prefix = formatPrefix(pub.prefix);
      customerPrefixes.push({
        id: id,
        customer: r.customer,
        provider: r.provider,
        primaryPop: r.primary_pop,
        backupPop: r.backup_pop,
        prefix,
        stored: { state: r.state as PrefixState, message: r.error_message },
        remembered: { look: r.validation_look, alerts: r.validation_alerts },
        ...(keyMatches(r.key, r.provider, r.prefix, prefixKeys, asnKeys) ? {} : { keyMismatch: keyMismatchMessage(r.provider, prefix) }),
      });
    }
    this.registeredIds = registeredIds;
    this.customerIds = customerIds;
    return { operatorAsn: op ? Number(op.asn) : undefined, peerings: [...peerings.values()], registeredPrefixes, registeredAsns, customerPrefixes };
  }

  /**
   * Writes validation results in one transaction: per prefix (`key` as in the snapshot,
   * "partner/peering/name" or "customer/service/name") its state and message and what validation
   * keeps beside them (each only when given), and origin memory. One commit for a burst, not one
   * per prefix, and rows of the same shape share one statement (prefix-writes.ts). Only a new
   * state touches the prefix's `updated_at`.
   */
  async write(rows: FactWrite[], origins: Array<{ id: string; originAs: number }> = []): Promise<void> {
    if (!rows.length && !origins.length) return;
    const batch = this.batch(rows, origins, []);
    await this.store.transaction((tx) => recordValidation(tx, batch, now()));
  }

  /** A batch for validation-record.ts, with the row ids known from the last load(). */
  batch(rows: FactWrite[], origins: Array<{ id: string; originAs: number }>, events: EventRow[]): ValidationBatch {
    return {
      rows: rows.map((r) => ({ ...r, rowId: this.knownRowId(r.kind, r.id) })),
      origins: origins.map((o) => ({ ...o, rowId: this.knownRowId('registered-prefix', o.id) })),
      events,
    };
  }

  /** Writes a prefix's validation state; `key` as in the snapshot ("partner/peering/name" or "customer/service/name"). */
  async setState(kind: 'registered-prefix' | 'customer-prefix', key: string, state: PrefixState, message: string | null): Promise<void> {
    await this.write([{ kind, id: key, state: { state, message } }]);
  }

  /**
   * The row id of a prefix by its key as of the last load(), if it was there (else writes look
   * it up). A prefix deleted since keeps its old id, and its write changes nothing.
   */
  knownRowId(kind: FactWrite['kind'], key: string): number | undefined {
    return (kind === 'registered-prefix' ? this.registeredIds : this.customerIds).get(key);
  }
}

/** One spelling per address (RFC 5952 for IPv6), as session messages name them. */
const canonical = (address: string): string => canonicalAddress(address) ?? address;
