// The registry's resources as the API shows them (camelCase), and their enumerations.

export const PARTNER_KINDS = ['isp', 'ixp', 'sdci'] as const;
export type PartnerKind = (typeof PARTNER_KINDS)[number];

export const PEERING_TYPES = ['peering-service', 'communications', 'exchange-route-server', 'exchange'] as const;
export type PeeringType = (typeof PEERING_TYPES)[number];

export const ASN_STATES = ['pending', 'approved', 'failed'] as const;
export type AsnState = (typeof ASN_STATES)[number];

export const CONTACT_ROLES = ['Noc', 'Policy', 'Technical', 'Service', 'Escalation', 'Other'] as const;

export const ADDRESS_PROVIDERS = ['operator', 'peer'] as const;
export type AddressProvider = (typeof ADDRESS_PROVIDERS)[number];

/** Prefix validation states, as the reference names them. */
export const PREFIX_STATES = ['None', 'Invalid', 'Verified', 'Failed', 'Pending', 'Warning', 'Unknown'] as const;
export type PrefixState = (typeof PREFIX_STATES)[number];

export const ROLES = ['operator', 'partner', 'customer'] as const;
export type Role = (typeof ROLES)[number];

export interface Operator {
  asn: number;
  name: string;
}

export interface Facility {
  id: number;
  name: string;
  address: string;
}

export interface Pop {
  code: string;
  metro: string;
  country: string;
  region: string;
  lat: number;
  lon: number;
  facilities: Facility[];
  createdAt: string;
  updatedAt: string;
}

export interface Router {
  name: string;
  pop: string;
  routerId: string;
  addresses: string[];
  createdAt: string;
  updatedAt: string;
}

export interface Partner {
  name: string;
  kind: PartnerKind;
  displayName: string;
  createdAt: string;
  updatedAt: string;
}

export interface Contact {
  role: string;
  email: string;
  phone?: string;
}

export interface PeerAsn {
  asn: number;
  partner: string;
  name: string;
  contacts: Contact[];
  state: AsnState;
  errorMessage: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Connection {
  name: string;
  router: string;
  bandwidthMbps: number;
  sessionAddressProvider: AddressProvider;
  sessionPrefixV4: string | null;
  operatorAddressV4: string | null;
  peerAddressV4: string | null;
  sessionPrefixV6: string | null;
  operatorAddressV6: string | null;
  peerAddressV6: string | null;
  /** The MD5 key itself is write-only; reads only say whether one is set. */
  md5KeySet: boolean;
  maxPrefixesV4: number;
  maxPrefixesV6: number;
  bfd: boolean;
  state: string;
  errorMessage: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Peering {
  name: string;
  partner: string;
  type: PeeringType;
  pop: string;
  asn: number;
  requestedType: PeeringType | null;
  connections: Connection[];
  createdAt: string;
  updatedAt: string;
}

export interface RegisteredPrefix {
  name: string;
  partner: string;
  peering: string;
  prefix: string;
  key: string;
  state: PrefixState;
  errorMessage: string | null;
  /** the origin AS the prefix was verified with; another origin is a hijack until re-validation */
  verifiedOriginAs: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface RegisteredAsn {
  name: string;
  partner: string;
  peering: string;
  asn: number;
  key: string;
  createdAt: string;
  updatedAt: string;
}

export interface Customer {
  name: string;
  displayName: string;
  createdAt: string;
  updatedAt: string;
}

export interface CustomerLocation {
  country: string;
  region: string;
  lat?: number;
  lon?: number;
}

export interface PeeringService {
  name: string;
  customer: string;
  provider: string;
  location: CustomerLocation;
  primaryPop: string;
  backupPop: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface CustomerPrefix {
  name: string;
  customer: string;
  peeringService: string;
  prefix: string;
  key: string;
  state: PrefixState;
  errorMessage: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  partner: string | null;
  customer: string | null;
  createdAt: string;
  lastUsedAt: string | null;
}

/** Result of a create-or-update: what it did, so `apply` can report it. */
export interface Upserted<T> {
  resource: T;
  created: boolean;
  changed: boolean;
}
