// Peerings (partner + type + PoP) and their connections, with the connection lifecycle.

import { parsePrefix } from '../net/prefix.js';
import type { ConnectionRow, PeeringRow } from '../store/schema.js';
import type { Db, Store } from '../store/store.js';
import { type ConnectionSpec, checkConnectionSet, normaliseSession, sessionAddresses } from './connection-rules.js';
import { conflict, notFound, RegistryError, rule } from './errors.js';
import { type ConnectionState, canTransition, DELETABLE, TRANSITIONS } from './lifecycle.js';
import { fetchPage, type Page, type PageRequest } from './paging.js';
import { checkPartnerEdit } from './partner-edits.js';
import type { Partners } from './partners.js';
import { checkSessionPrefix } from './session-prefix.js';
import type { AddressProvider, Connection, Peering, PeeringType, Role, Upserted } from './types.js';
import { now } from './util.js';

export interface ConnectionInput {
  router: string;
  bandwidthMbps: number;
  sessionAddressProvider: AddressProvider;
  sessionPrefixV4?: string | null;
  operatorAddressV4?: string | null;
  peerAddressV4?: string | null;
  sessionPrefixV6?: string | null;
  operatorAddressV6?: string | null;
  peerAddressV6?: string | null;
  md5Key?: string | null;
  maxPrefixesV4?: number;
  maxPrefixesV6?: number;
  bfd?: boolean;
}

export interface PeeringInput {
  type: PeeringType;
  pop: string;
  asn: number;
  connections: Array<ConnectionInput & { name: string }>;
}

// Defaults follow the reference's recommended max-prefix towards the operator.
export const DEFAULT_MAX_PREFIXES_V4 = 2000;
export const DEFAULT_MAX_PREFIXES_V6 = 500;

const connOut = (r: ConnectionRow): Connection => ({
  name: r.name,
  router: r.router,
  bandwidthMbps: r.bandwidth_mbps,
  sessionAddressProvider: r.address_provider as AddressProvider,
  sessionPrefixV4: r.session_prefix_v4,
  operatorAddressV4: r.operator_address_v4,
  peerAddressV4: r.peer_address_v4,
  sessionPrefixV6: r.session_prefix_v6,
  operatorAddressV6: r.operator_address_v6,
  peerAddressV6: r.peer_address_v6,
  md5KeySet: r.md5_key != null,
  maxPrefixesV4: r.max_prefixes_v4,
  maxPrefixesV6: r.max_prefixes_v6,
  bfd: r.bfd === 1,
  state: r.state,
  errorMessage: r.error_message,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const specOf = (r: ConnectionRow): ConnectionSpec & { md5Key: string | null; maxPrefixesV4: number; maxPrefixesV6: number } => ({
  name: r.name,
  router: r.router,
  bandwidthMbps: r.bandwidth_mbps,
  sessionAddressProvider: r.address_provider as AddressProvider,
  sessionPrefixV4: r.session_prefix_v4,
  operatorAddressV4: r.operator_address_v4,
  peerAddressV4: r.peer_address_v4,
  sessionPrefixV6: r.session_prefix_v6,
  operatorAddressV6: r.operator_address_v6,
  peerAddressV6: r.peer_address_v6,
  bfd: r.bfd === 1,
  state: r.state,
  md5Key: r.md5_key,
  maxPrefixesV4: r.max_prefixes_v4,
  maxPrefixesV6: r.max_prefixes_v6,
});

type Spec = ReturnType<typeof specOf>;

const SESSION_KEYS = ['sessionPrefixV4', 'operatorAddressV4', 'peerAddressV4', 'sessionPrefixV6', 'operatorAddressV6', 'peerAddressV6'] as const;

export class Peerings {
  constructor(
    private readonly store: Store,
    private readonly partners: Partners,
  ) {}

  async list(partner: string, req: PageRequest): Promise<Page<Peering>> {
    await this.partners.get(partner);
    const page = await fetchPage(
      this.store.db.selectFrom('peerings').selectAll().where('partner', '=', partner),
      'name',
      req,
      (r) => r.name,
      (r) => r,
    );
    return { items: await Promise.all(page.items.map((r) => this.expand(r, this.store.db))), nextCursor: page.nextCursor };
  }

  async row(partner: string, name: string, db: Db = this.store.db): Promise<PeeringRow> {
    await this.partners.get(partner, db);
    const r = await db.selectFrom('peerings').selectAll().where('partner', '=', partner).where('name', '=', name).executeTakeFirst();
    if (!r) throw notFound('Peering', name);
    return r;
  }

  async get(partner: string, name: string, db: Db = this.store.db): Promise<Peering> {
    return this.expand(await this.row(partner, name, db), db);
  }

  private async expand(r: PeeringRow, db: Db): Promise<Peering> {
    const conns = await db.selectFrom('connections').selectAll().where('peering_id', '=', r.id).orderBy('name').execute();
    return {
      name: r.name,
      partner: r.partner,
      type: r.type as PeeringType,
      pop: r.pop,
      asn: Number(r.asn),
      requestedType: (r.requested_type as PeeringType | null) ?? null,
      connections: conns.map(connOut),
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  }

  /** Create or update a peering with its connections. Connections left out of `input` are kept. */
  async put(partner: string, name: string, input: PeeringInput, by: Role): Promise<Upserted<Peering>> {
    return this.store.transaction(async (tx) => {
      await this.partners.get(partner, tx);
      const cur = await tx.selectFrom('peerings').selectAll().where('partner', '=', partner).where('name', '=', name).executeTakeFirst();
      if (cur) {
        for (const k of ['type', 'pop', 'asn'] as const) {
          if (String(cur[k]) !== String(input[k])) {
            const hint = k === 'type' ? '; request a type change instead (POST .../change-type)' : '; create a new peering';
            throw conflict(`${k} of peering ${name} cannot change after creation (is ${cur[k]})${hint}`, k);
          }
        }
      } else {
        await this.checkNewPeering(tx, partner, name, input);
      }
      const existing = cur ? (await tx.selectFrom('connections').selectAll().where('peering_id', '=', cur.id).execute()).map(specOf) : [];
      const names = new Set<string>();
      const merged = new Map<string, Spec>(existing.map((c) => [c.name, c]));
      const touched: string[] = [];
      for (const [i, c] of input.connections.entries()) {
        if (names.has(c.name)) throw rule(`connection name ${c.name} appears twice`, `connections/${i}/name`);
        names.add(c.name);
        const next = this.mergeConnection(merged.get(c.name), c, by, `connections/${i}`, input.type);
        if (!merged.has(c.name) || !sameSpec(merged.get(c.name)!, next)) touched.push(c.name);
        merged.set(c.name, next);
      }
      const all = [...merged.values()];
      const position = new Map(input.connections.map((c, i) => [c.name, `connections/${i}`]));
      await this.checkSet(tx, input.type, input.pop, all, cur?.id, (c) => position.get(c.name));
      if (cur && touched.length === 0) return { resource: await this.expand(cur, tx), created: false, changed: false };
      const t = now();
      let id = cur?.id;
      if (cur) {
        await tx.updateTable('peerings').set({ updated_at: t }).where('id', '=', cur.id).execute();
      } else {
        const ins = await tx
          .insertInto('peerings')
          .values({ partner, name, type: input.type, pop: input.pop, asn: input.asn, requested_type: null, created_at: t, updated_at: t })
          .returning('id')
          .executeTakeFirstOrThrow();
        id = ins.id;
      }
      for (const n of touched)
        await this.writeConnection(
          tx,
          id!,
          merged.get(n)!,
          existing.some((e) => e.name === n),
          t,
        );
      return { resource: await this.get(partner, name, tx), created: !cur, changed: true };
    });
  }

  private async checkNewPeering(tx: Db, partner: string, name: string, input: PeeringInput): Promise<void> {
    const pop = await tx.selectFrom('pops').select('code').where('code', '=', input.pop).executeTakeFirst();
    if (!pop) throw rule(`Pop ${input.pop} not found`, 'pop');
    const asn = await tx.selectFrom('peer_asns').selectAll().where('asn', '=', input.asn).executeTakeFirst();
    if (!asn || asn.partner !== partner) throw rule(`Peer ASN ${input.asn} is not registered to partner ${partner}`, 'asn');
    if (asn.state !== 'approved') {
      throw rule(`Peer ASN ${input.asn} is not approved (state: ${asn.state}); only an approved ASN can be used in a peering`, 'asn');
    }
    const dup = await tx
      .selectFrom('peerings')
      .select('name')
      .where('partner', '=', partner)
      .where('type', '=', input.type)
      .where('pop', '=', input.pop)
      .executeTakeFirst();
    if (dup)
      throw conflict(
        `Partner ${partner} already has a ${input.type} peering at pop ${input.pop} (${dup.name}); one peering per partner, type and location`,
        'type',
      );
    void name;
  }

  private mergeConnection(cur: Spec | undefined, c: ConnectionInput & { name: string }, by: Role, at: string, type: PeeringType): Spec {
    if (cur && cur.router !== c.router) throw conflict(`router of connection ${c.name} cannot change (is ${cur.router}); add a new connection`, `${at}/router`);
    if (cur && cur.sessionAddressProvider !== c.sessionAddressProvider) {
      throw conflict(`sessionAddressProvider of connection ${c.name} cannot change (is ${cur.sessionAddressProvider})`, `${at}/sessionAddressProvider`);
    }
    // Before any other rule: what a partner may not touch is refused as such, whatever it sent.
    if (cur && by !== 'operator') checkPartnerEdit(cur, c, at);
    const spec: Spec = {
      name: c.name,
      router: c.router,
      bandwidthMbps: c.bandwidthMbps,
      sessionAddressProvider: c.sessionAddressProvider,
      sessionPrefixV4: c.sessionPrefixV4 ?? null,
      operatorAddressV4: c.operatorAddressV4 ?? null,
      peerAddressV4: c.peerAddressV4 ?? null,
      sessionPrefixV6: c.sessionPrefixV6 ?? null,
      operatorAddressV6: c.operatorAddressV6 ?? null,
      peerAddressV6: c.peerAddressV6 ?? null,
      // Optional settings left out of an update keep their current values.
      bfd: c.bfd ?? cur?.bfd ?? false,
      state: cur?.state ?? 'PendingApproval',
      md5Key: c.md5Key === undefined ? (cur?.md5Key ?? null) : c.md5Key,
      maxPrefixesV4: c.maxPrefixesV4 ?? cur?.maxPrefixesV4 ?? DEFAULT_MAX_PREFIXES_V4,
      maxPrefixesV6: c.maxPrefixesV6 ?? cur?.maxPrefixesV6 ?? DEFAULT_MAX_PREFIXES_V6,
    };
    // A partner restating operator-assigned addresses unchanged is fine; only setting them is refused.
    const unchangedSession = cur && SESSION_KEYS.every((k) => (spec[k] ?? null) === (cur[k] ?? null) || spec[k] == null);
    const session = normaliseSession(unchangedSession ? { ...spec, ...pickSession(cur!) } : spec, unchangedSession ? 'operator' : by, at, type, cur);
    return { ...spec, ...pickSession(session) };
  }

  /** Runs the set rules plus per-router address uniqueness against other peerings' connections. */
  private async checkSet(
    tx: Db,
    type: PeeringType,
    pop: string,
    conns: Spec[],
    peeringId: number | undefined,
    at: (c: ConnectionSpec) => string | undefined,
  ): Promise<void> {
    const routers = await tx.selectFrom('routers').select('name').where('pop', '=', pop).execute();
    checkConnectionSet(type, pop, conns, new Set(routers.map((r) => r.name)), at);
    const seen = new Map<string, string>();
    for (const c of conns) {
      for (const a of sessionAddresses(c)) {
        const k = `${c.router} ${a}`;
        if (seen.has(k)) throw conflict(`Session address ${a} is used twice on router ${c.router} (connections ${seen.get(k)} and ${c.name})`, 'connections');
        seen.set(k, c.name);
      }
    }
    const routerNames = [...new Set(conns.map((c) => c.router))];
    if (routerNames.length === 0) return;
    let q = tx.selectFrom('connections').selectAll().where('router', 'in', routerNames);
    if (peeringId !== undefined) q = q.where('peering_id', '!=', peeringId);
    for (const other of (await q.execute()).map(specOf)) {
      const theirs = new Set(sessionAddresses(other));
      for (const c of conns) {
        if (c.router !== other.router) continue;
        const clash = sessionAddresses(c).find((a) => theirs.has(a));
        if (clash)
          throw conflict(
            `Session address ${clash} is already used on router ${c.router} by another connection; session addresses are unique per router`,
            'connections',
          );
      }
    }
  }

  private async writeConnection(tx: Db, peeringId: number, s: Spec, exists: boolean, t: string): Promise<void> {
    const row = {
      router: s.router,
      bandwidth_mbps: s.bandwidthMbps,
      address_provider: s.sessionAddressProvider,
      session_prefix_v4: s.sessionPrefixV4,
      operator_address_v4: s.operatorAddressV4,
      peer_address_v4: s.peerAddressV4,
      session_prefix_v6: s.sessionPrefixV6,
      operator_address_v6: s.operatorAddressV6,
      peer_address_v6: s.peerAddressV6,
      md5_key: s.md5Key,
      max_prefixes_v4: s.maxPrefixesV4,
      max_prefixes_v6: s.maxPrefixesV6,
      bfd: s.bfd ? 1 : 0,
      updated_at: t,
    };
    if (exists) {
      await tx.updateTable('connections').set(row).where('peering_id', '=', peeringId).where('name', '=', s.name).execute();
    } else {
      await tx
        .insertInto('connections')
        .values({ ...row, peering_id: peeringId, name: s.name, state: 'PendingApproval', error_message: null, created_at: t })
        .execute();
    }
  }

  async delete(partner: string, name: string): Promise<void> {
    await this.store.transaction(async (tx) => {
      const p = await this.row(partner, name, tx);
      const conns = await tx.selectFrom('connections').select(['name', 'state']).where('peering_id', '=', p.id).execute();
      const busy = conns.find((c) => !DELETABLE.includes(c.state as ConnectionState));
      if (busy) throw conflict(`Peering ${name} cannot be deleted while connection ${busy.name} is ${busy.state}; ${deletionHint(busy.state)}`);
      const used = await this.customerUse(tx, p.id);
      if (used) throw conflict(`Peering ${name} has registrations that customers use (${used}); they must delete those prefixes first`);
      await tx.deleteFrom('peerings').where('id', '=', p.id).execute();
    });
  }

  /** Names one customer prefix that uses a key of this peering, if any. */
  private async customerUse(tx: Db, peeringId: number): Promise<string | undefined> {
    const keys = [
      ...(await tx.selectFrom('registered_prefixes').select('key').where('peering_id', '=', peeringId).execute()),
      ...(await tx.selectFrom('registered_asns').select('key').where('peering_id', '=', peeringId).execute()),
    ].map((r) => r.key);
    if (!keys.length) return undefined;
    const r = await tx.selectFrom('customer_prefixes').select('prefix').where('key', 'in', keys).executeTakeFirst();
    return r?.prefix;
  }

  // Connections one at a time

  async getConnection(partner: string, peering: string, name: string, db: Db = this.store.db): Promise<Connection> {
    const p = await this.row(partner, peering, db);
    const r = await db.selectFrom('connections').selectAll().where('peering_id', '=', p.id).where('name', '=', name).executeTakeFirst();
    if (!r) throw notFound('Connection', name);
    return connOut(r);
  }

  async putConnection(partner: string, peering: string, name: string, input: ConnectionInput, by: Role): Promise<Upserted<Connection>> {
    const p = await this.row(partner, peering);
    const existed = !!(await this.store.db.selectFrom('connections').select('id').where('peering_id', '=', p.id).where('name', '=', name).executeTakeFirst());
    const res = await this.put(partner, peering, { type: p.type as PeeringType, pop: p.pop, asn: Number(p.asn), connections: [{ ...input, name }] }, by).catch(
      (e) => {
        throw retarget(e, 'connections/0');
      },
    );
    const conn = res.resource.connections.find((c) => c.name === name)!;
    return { resource: conn, created: !existed, changed: res.changed };
  }

  async deleteConnection(partner: string, peering: string, name: string): Promise<void> {
    await this.store.transaction(async (tx) => {
      const p = await this.row(partner, peering, tx);
      const conns = (await tx.selectFrom('connections').selectAll().where('peering_id', '=', p.id).execute()).map(specOf);
      const c = conns.find((x) => x.name === name);
      if (!c) throw notFound('Connection', name);
      if (!DELETABLE.includes(c.state as ConnectionState)) {
        throw conflict(`Connection ${name} cannot be deleted while ${c.state}; ${deletionHint(c.state!)}`);
      }
      const rest = conns.filter((x) => x.name !== name);
      const routers = await tx.selectFrom('routers').select('name').where('pop', '=', p.pop).execute();
      try {
        checkConnectionSet(p.type as PeeringType, p.pop, rest, new Set(routers.map((r) => r.name)));
      } catch (e) {
        throw rule(`${(e as Error).message}; deleting connection ${name} would break that — delete the peering instead`, 'name');
      }
      await tx.deleteFrom('connections').where('peering_id', '=', p.id).where('name', '=', name).execute();
      await tx.updateTable('peerings').set({ updated_at: now() }).where('id', '=', p.id).execute();
    });
  }

  /** Moves a connection to its next lifecycle state (operator action). */
  async transition(partner: string, peering: string, name: string, to: ConnectionState, message?: string): Promise<Upserted<Connection>> {
    return this.store.transaction(async (tx) => {
      const p = await this.row(partner, peering, tx);
      const c = await tx.selectFrom('connections').selectAll().where('peering_id', '=', p.id).where('name', '=', name).executeTakeFirst();
      if (!c) throw notFound('Connection', name);
      const from = c.state as ConnectionState;
      if (from === to && to !== 'ProvisioningFailed') return { resource: connOut(c), created: false, changed: false };
      if (to === 'TypeChangeRequested') throw rule('a type change is requested for the whole peering: POST .../change-type', 'state');
      if (!canTransition(from, to)) {
        const allowed = TRANSITIONS[from].filter((s) => s !== 'TypeChangeRequested');
        throw conflict(`Connection ${name} cannot go from ${from} to ${to}; allowed next states: ${allowed.length ? allowed.join(', ') : 'none'}`, 'state');
      }
      if (to === 'ProvisioningFailed' && !message) throw rule('ProvisioningFailed needs a message saying what failed', 'message');
      if (to === 'ProvisioningCompleted' && c.operator_address_v4 == null && c.operator_address_v6 == null) {
        throw rule(`Connection ${name} has no session addresses; set sessionPrefixV4 or sessionPrefixV6 before provisioning completes`, 'state');
      }
      const t = now();
      await tx
        .updateTable('connections')
        .set({ state: to, error_message: to === 'ProvisioningFailed' ? message! : null, updated_at: t })
        .where('id', '=', c.id)
        .execute();
      await this.settleTypeChange(tx, p, from, to);
      await tx.updateTable('peerings').set({ updated_at: t }).where('id', '=', p.id).execute();
      const after = await tx.selectFrom('connections').selectAll().where('id', '=', c.id).executeTakeFirstOrThrow();
      return { resource: connOut(after), created: false, changed: true };
    });
  }

  /** Finishes or declines a type change once no connection is still in one. */
  private async settleTypeChange(tx: Db, p: PeeringRow, from: ConnectionState, to: ConnectionState): Promise<void> {
    if (!p.requested_type || to !== 'Active') return;
    if (from === 'TypeChangeRequested') {
      // Declined: every connection still waiting returns to Active and the request is dropped.
      await tx.updateTable('connections').set({ state: 'Active' }).where('peering_id', '=', p.id).where('state', '=', 'TypeChangeRequested').execute();
      await tx.updateTable('peerings').set({ requested_type: null }).where('id', '=', p.id).execute();
      return;
    }
    const pending = await tx
      .selectFrom('connections')
      .select('id')
      .where('peering_id', '=', p.id)
      .where('state', 'in', ['TypeChangeRequested', 'TypeChangeInProgress'])
      .execute();
    if (pending.length === 0) {
      await tx.updateTable('peerings').set({ type: p.requested_type, requested_type: null }).where('id', '=', p.id).execute();
    }
  }

  /** Requests a type change (reference §4.5): every connection goes to TypeChangeRequested. */
  async changeType(partner: string, peering: string, type: PeeringType): Promise<Peering> {
    return this.store.transaction(async (tx) => {
      const p = await this.row(partner, peering, tx);
      if (p.type === type) throw rule(`Peering ${peering} is already of type ${type}`, 'type');
      if (p.requested_type) throw conflict(`Peering ${peering} already has a type change to ${p.requested_type} in progress`, 'type');
      const conns = (await tx.selectFrom('connections').selectAll().where('peering_id', '=', p.id).execute()).map(specOf);
      if (conns.length < 2) throw rule('A type change needs at least two connections', 'type');
      const notActive = conns.find((c) => c.state !== 'Active');
      if (notActive) throw rule(`A type change needs every connection Active; ${notActive.name} is ${notActive.state}`, 'type');
      // Every connection must meet the new type's rules; the request's only field is the type.
      for (const c of conns) {
        for (const k of ['sessionPrefixV4', 'sessionPrefixV6'] as const) {
          const prefix = c[k] === null ? undefined : parsePrefix(c[k]);
          if (prefix) checkSessionPrefix(type, k, prefix, 'type', c.name);
        }
      }
      await this.checkSet(tx, type, p.pop, conns, p.id, () => 'type').catch((e) => {
        if (e instanceof RegistryError) throw new RegistryError(e.kind, e.message, 'type');
        throw e;
      });
      const dup = await tx
        .selectFrom('peerings')
        .select('name')
        .where('partner', '=', partner)
        .where('type', '=', type)
        .where('pop', '=', p.pop)
        .executeTakeFirst();
      if (dup)
        throw conflict(`Partner ${partner} already has a ${type} peering at pop ${p.pop} (${dup.name}); one peering per partner, type and location`, 'type');
      const regs =
        type === 'exchange-route-server'
          ? await tx.selectFrom('registered_prefixes').select('id').where('peering_id', '=', p.id).execute()
          : await tx.selectFrom('registered_asns').select('id').where('peering_id', '=', p.id).execute();
      if (regs.length)
        throw rule(
          `Peering ${peering} has ${type === 'exchange-route-server' ? 'registered prefixes' : 'registered ASNs'}, which a ${type} peering cannot hold; delete them first`,
          'type',
        );
      const t = now();
      await tx.updateTable('connections').set({ state: 'TypeChangeRequested', updated_at: t }).where('peering_id', '=', p.id).execute();
      await tx.updateTable('peerings').set({ requested_type: type, updated_at: t }).where('id', '=', p.id).execute();
      return this.get(partner, peering, tx);
    });
  }

  /** Whether the peering has at least one Active connection. */
  async hasActiveConnection(peeringId: number, db: Db = this.store.db): Promise<boolean> {
    return !!(await db.selectFrom('connections').select('id').where('peering_id', '=', peeringId).where('state', '=', 'Active').executeTakeFirst());
  }
}

/** What to do before a connection in `state` can be deleted. */
function deletionHint(state: string): string {
  if (state === 'Active') return 'decommission it first (Active -> Decommissioning -> Decommissioned)';
  if (state === 'Decommissioning') return 'wait until it is Decommissioned';
  if (state.startsWith('TypeChange')) return 'wait for the type change to finish';
  return 'wait for provisioning to finish or fail';
}

const pickSession = (s: ConnectionSpec) => Object.fromEntries(SESSION_KEYS.map((k) => [k, s[k]])) as Pick<ConnectionSpec, (typeof SESSION_KEYS)[number]>;

function sameSpec(a: Spec, b: Spec): boolean {
  return (Object.keys(a) as Array<keyof Spec>).every((k) => (a[k] ?? null) === (b[k] ?? null));
}

/** Errors from the whole-peering path name `connections/0/...`; the single-connection route has no array. */
function retarget(e: unknown, from: string): unknown {
  const err = e as { target?: string };
  if (err && typeof err.target === 'string' && err.target.startsWith(from)) {
    Object.defineProperty(err, 'target', { value: err.target.slice(from.length + 1) || undefined });
  }
  return e;
}
