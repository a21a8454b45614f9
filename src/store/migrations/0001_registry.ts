// The peering registry: operator, PoPs, routers, partners, peer ASNs, peerings, connections,
// registrations, customers, peering services, customer prefixes and API keys.
// Written with Kysely's schema builder so the same migration runs on SQLite and PostgreSQL.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('operator')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('asn', 'bigint', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('pops')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('metro', 'text', (c) => c.notNull())
    .addColumn('country', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('lat', 'double precision', (c) => c.notNull())
    .addColumn('lon', 'double precision', (c) => c.notNull())
    .addColumn('facilities', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('routers')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('pop', 'text', (c) => c.notNull().references('pops.code'))
    .addColumn('router_id', 'text', (c) => c.notNull().unique())
    .addColumn('addresses', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('routers_pop').on('routers').column('pop').execute();

  await db.schema
    .createTable('partners')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('peer_asns')
    .addColumn('asn', 'bigint', (c) => c.primaryKey())
    .addColumn('partner', 'text', (c) => c.notNull().references('partners.name'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('contacts', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('error_message', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('peer_asns_partner').on('peer_asns').column('partner').execute();

  await db.schema
    .createTable('peerings')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('partner', 'text', (c) => c.notNull().references('partners.name'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('pop', 'text', (c) => c.notNull().references('pops.code'))
    .addColumn('asn', 'bigint', (c) => c.notNull().references('peer_asns.asn'))
    .addColumn('requested_type', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('peerings_partner_name', ['partner', 'name'])
    .addUniqueConstraint('peerings_partner_type_pop', ['partner', 'type', 'pop'])
    .execute();

  await db.schema
    .createTable('connections')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('peering_id', 'integer', (c) => c.notNull().references('peerings.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('router', 'text', (c) => c.notNull().references('routers.name'))
    .addColumn('bandwidth_mbps', 'integer', (c) => c.notNull())
    .addColumn('address_provider', 'text', (c) => c.notNull())
    .addColumn('session_prefix_v4', 'text')
    .addColumn('operator_address_v4', 'text')
    .addColumn('peer_address_v4', 'text')
    .addColumn('session_prefix_v6', 'text')
    .addColumn('operator_address_v6', 'text')
    .addColumn('peer_address_v6', 'text')
    .addColumn('md5_key', 'text')
    .addColumn('max_prefixes_v4', 'integer', (c) => c.notNull())
    .addColumn('max_prefixes_v6', 'integer', (c) => c.notNull())
    .addColumn('bfd', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('error_message', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('connections_peering_name', ['peering_id', 'name'])
    .execute();
  await db.schema.createIndex('connections_router').on('connections').column('router').execute();

  await db.schema
    .createTable('registered_prefixes')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('peering_id', 'integer', (c) => c.notNull().references('peerings.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull().unique())
    .addColumn('family', 'integer', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull().unique())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('error_message', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('registered_prefixes_peering_name', ['peering_id', 'name'])
    .execute();

  await db.schema
    .createTable('registered_asns')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('peering_id', 'integer', (c) => c.notNull().references('peerings.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('asn', 'bigint', (c) => c.notNull().unique())
    .addColumn('key', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('registered_asns_peering_name', ['peering_id', 'name'])
    .execute();

  await db.schema
    .createTable('customers')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('peering_services')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('customer', 'text', (c) => c.notNull().references('customers.name'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull().references('partners.name'))
    .addColumn('country', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('lat', 'double precision')
    .addColumn('lon', 'double precision')
    .addColumn('primary_pop', 'text', (c) => c.notNull().references('pops.code'))
    .addColumn('backup_pop', 'text', (c) => c.references('pops.code'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('peering_services_customer_name', ['customer', 'name'])
    .execute();
  await db.schema.createIndex('peering_services_provider').on('peering_services').column('provider').execute();

  await db.schema
    .createTable('customer_prefixes')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('peering_service_id', 'integer', (c) => c.notNull().references('peering_services.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('family', 'integer')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('error_message', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('customer_prefixes_service_name', ['peering_service_id', 'name'])
    .execute();
  await db.schema.createIndex('customer_prefixes_key').on('customer_prefixes').column('key').execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('partner', 'text', (c) => c.references('partners.name').onDelete('cascade'))
    .addColumn('customer', 'text', (c) => c.references('customers.name').onDelete('cascade'))
    .addColumn('hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'api_keys',
    'customer_prefixes',
    'peering_services',
    'customers',
    'registered_asns',
    'registered_prefixes',
    'connections',
    'peerings',
    'peer_asns',
    'partners',
    'routers',
    'pops',
    'operator',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
