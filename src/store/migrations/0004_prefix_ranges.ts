// Prefix ranges (tenant safety): registered and customer prefixes keep their first address as
// fixed-width hex (8 digits IPv4, 32 IPv6) and their length, indexed with the family, so that
// overlap is an indexed look-up rather than a read of every prefix. Registered prefixes also
// record an operator's override of the cross-partner overlap rule (which key, when).
import type { Kysely } from 'kysely';
import { parsePrefix } from '../../net/prefix.js';

// The same encoding as src/registry/prefix-range.ts (startHex), spelled out here so that this
// migration keeps its meaning whatever that module becomes.
function range(text: string): { start: string; length: number } | undefined {
  const p = parsePrefix(text);
  return p && { start: p.value.toString(16).padStart(p.family === 4 ? 8 : 32, '0'), length: p.length };
}

async function backfill(db: Kysely<any>, table: string): Promise<void> {
  // Rows without a family hold text that is no usable prefix (customer prefixes in state Invalid).
  const rows = await db.selectFrom(table).select(['id', 'prefix']).where('family', 'is not', null).execute();
  for (const row of rows as Array<{ id: number; prefix: string }>) {
    const r = range(row.prefix);
    if (r) await db.updateTable(table).set({ net_start: r.start, net_length: r.length }).where('id', '=', row.id).execute();
  }
}

export async function up(db: Kysely<any>): Promise<void> {
  for (const table of ['registered_prefixes', 'customer_prefixes']) {
    await db.schema.alterTable(table).addColumn('net_start', 'text').execute();
    await db.schema.alterTable(table).addColumn('net_length', 'integer').execute();
    await db.schema.createIndex(`${table}_net`).on(table).columns(['family', 'net_start', 'net_length']).execute();
    await backfill(db, table);
  }
  await db.schema.alterTable('registered_prefixes').addColumn('overlap_override_by', 'text').execute();
  await db.schema.alterTable('registered_prefixes').addColumn('overlap_override_at', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('registered_prefixes').dropColumn('overlap_override_at').execute();
  await db.schema.alterTable('registered_prefixes').dropColumn('overlap_override_by').execute();
  for (const table of ['registered_prefixes', 'customer_prefixes']) {
    await db.schema.dropIndex(`${table}_net`).execute();
    await db.schema.alterTable(table).dropColumn('net_length').execute();
    await db.schema.alterTable(table).dropColumn('net_start').execute();
  }
}
