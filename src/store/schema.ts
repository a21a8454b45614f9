// Table shapes as the database holds them (snake_case, JSON lists as text, booleans as 0/1),
// shared by every dialect. The registry maps them to its camelCase resources.
import type { Generated, Selectable } from 'kysely';

export interface OperatorTable {
  id: number;
  asn: number;
  name: string;
  updated_at: string;
}

export interface PopTable {
  code: string;
  metro: string;
  country: string;
  region: string;
  lat: number;
  lon: number;
  facilities: string;
  created_at: string;
  updated_at: string;
}

export interface RouterTable {
  name: string;
  pop: string;
  router_id: string;
  addresses: string;
  created_at: string;
  updated_at: string;
}

export interface PartnerTable {
  name: string;
  kind: string;
  display_name: string;
  created_at: string;
  updated_at: string;
}

export interface PeerAsnTable {
  asn: number;
  partner: string;
  name: string;
  contacts: string;
  state: string;
  error_message: string | null;
  created_at: string;
  updated_at: string;
}

export interface PeeringTable {
  id: Generated<number>;
  partner: string;
  name: string;
  type: string;
  pop: string;
  asn: number;
  requested_type: string | null;
  created_at: string;
  updated_at: string;
}

export interface ConnectionTable {
  id: Generated<number>;
  peering_id: number;
  name: string;
  router: string;
  bandwidth_mbps: number;
  address_provider: string;
  session_prefix_v4: string | null;
  operator_address_v4: string | null;
  peer_address_v4: string | null;
  session_prefix_v6: string | null;
  operator_address_v6: string | null;
  peer_address_v6: string | null;
  md5_key: string | null;
  max_prefixes_v4: number;
  max_prefixes_v6: number;
  bfd: number;
  state: string;
  error_message: string | null;
  created_at: string;
  updated_at: string;
}

export interface RegisteredPrefixTable {
  id: Generated<number>;
  peering_id: number;
  name: string;
  prefix: string;
  family: number;
  key: string;
  state: string;
  error_message: string | null;
  created_at: string;
  updated_at: string;
  /** the origin AS the prefix was verified with (validation's origin memory); null until then */
  origin_as: number | null;
  /** first address as fixed-width hex and length (migration 0004), for indexed overlap look-ups */
  net_start: string | null;
  net_length: number | null;
  /** the operator key that overrode the cross-partner overlap rule, and when (null: no override) */
  overlap_override_by: string | null;
  overlap_override_at: string | null;
  /** validation's last look and ongoing rejections (migration 0007; compact JSON, null: none) */
  validation_look: string | null;
  validation_alerts: string | null;
}

export interface RegisteredAsnTable {
  id: Generated<number>;
  peering_id: number;
  name: string;
  asn: number;
  key: string;
  created_at: string;
  updated_at: string;
}

export interface CustomerTable {
  name: string;
  display_name: string;
  created_at: string;
  updated_at: string;
}

export interface PeeringServiceTable {
  id: Generated<number>;
  customer: string;
  name: string;
  provider: string;
  country: string;
  region: string;
  lat: number | null;
  lon: number | null;
  primary_pop: string;
  backup_pop: string | null;
  created_at: string;
  updated_at: string;
}

export interface CustomerPrefixTable {
  id: Generated<number>;
  peering_service_id: number;
  name: string;
  prefix: string;
  family: number | null;
  key: string;
  state: string;
  error_message: string | null;
  created_at: string;
  updated_at: string;
  /** first address as fixed-width hex and length (migration 0004), for indexed overlap look-ups */
  net_start: string | null;
  net_length: number | null;
  /** validation's last look and ongoing rejections (migration 0007; compact JSON, null: none) */
  validation_look: string | null;
  validation_alerts: string | null;
}

export interface ApiKeyTable {
  id: string;
  name: string;
  role: string;
  partner: string | null;
  customer: string | null;
  hash: string;
  created_at: string;
  last_used_at: string | null;
  /** 0005: when the key stops authenticating (null: never); when it was last rotated */
  expires_at: string | null;
  rotated_at: string | null;
  /** 0005: the rotated-away secret's hash, valid until previous_expires_at (its grace period) */
  previous_hash: string | null;
  previous_expires_at: string | null;
  /** 0005: 1 once the key's expiry was announced to revoke listeners */
  expiry_announced: number;
}

export interface PrefixEventTable {
  id: Generated<number>;
  subject_kind: string;
  subject: string;
  partner: string | null;
  customer: string | null;
  prefix: string;
  time: string;
  type: string;
  level: string;
  summary: string;
  details: string;
  /** the registered or customer prefix the event belongs to (`prefix` is the event's own); null only before 0006 */
  subject_prefix: string | null;
  /** operator-only facts (JSON), or null */
  internal: string | null;
}

/** The AES-128 key (hex) that makes row ids opaque event ids: one row, made by migration 0006. */
export interface EventIdSecretTable {
  id: number;
  aes_key: string;
}

export interface Database {
  operator: OperatorTable;
  pops: PopTable;
  routers: RouterTable;
  partners: PartnerTable;
  peer_asns: PeerAsnTable;
  peerings: PeeringTable;
  connections: ConnectionTable;
  registered_prefixes: RegisteredPrefixTable;
  registered_asns: RegisteredAsnTable;
  customers: CustomerTable;
  peering_services: PeeringServiceTable;
  customer_prefixes: CustomerPrefixTable;
  api_keys: ApiKeyTable;
  prefix_events: PrefixEventTable;
  event_id_secret: EventIdSecretTable;
}

export type PeeringRow = Selectable<PeeringTable>;
export type ConnectionRow = Selectable<ConnectionTable>;
export type RegisteredPrefixRow = Selectable<RegisteredPrefixTable>;
export type RegisteredAsnRow = Selectable<RegisteredAsnTable>;
export type PeeringServiceRow = Selectable<PeeringServiceTable>;
export type CustomerPrefixRow = Selectable<CustomerPrefixTable>;
