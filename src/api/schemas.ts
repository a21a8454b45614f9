// One set of JSON schemas (TypeBox) for the HTTP API: Fastify validates requests and
// serialises responses with them, and the OpenAPI document is generated from them.
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { MAX_ROTATION_GRACE_SECONDS } from '../registry/api-keys.js';
import { CONNECTION_STATES } from '../registry/lifecycle.js';
import { ADDRESS_PROVIDERS, ASN_STATES, CONTACT_ROLES, PARTNER_KINDS, PEERING_TYPES, PREFIX_STATES, ROLES } from '../registry/types.js';

// Enumerations as plain `enum` (clear validation errors, valid in every OpenAPI version).
const lit = <T extends readonly string[]>(values: T, description?: string) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });
// Nullable as a type list rather than anyOf: one type error that names both types ("must be a
// string or null") instead of one error per branch.
const nullable = <T extends TSchema>(t: T) => Type.Unsafe<Static<T> | null>({ ...t, type: [t.type, 'null'] });
const Timestamps = { createdAt: Type.String({ format: 'date-time' }), updatedAt: Type.String({ format: 'date-time' }) };

export const Name = Type.String({
  pattern: '^[a-z0-9][a-z0-9-]{0,62}$',
  description: 'lowercase letters, digits and dashes; starts with a letter or digit; at most 63 characters',
});
export const Asn = Type.Integer({ minimum: 1, maximum: 4294967295, description: '4-octet AS number' });
export const Country = Type.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO 3166-1 alpha-2 country code' });
const Text = (max = 200) => Type.String({ minLength: 1, maxLength: max });
const Uuid = Type.String({ format: 'uuid' });

export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String({
      description:
        'InvalidRequest, Unauthorized, Forbidden, NotFound, Conflict, RuleViolation, PayloadTooLarge, UnsupportedMediaType, HeadersTooLarge, TooManyRequests or InternalError',
    }),
    message: Type.String(),
    target: Type.Optional(Type.String({ description: 'the request field the error is about, as a JSON pointer-like path' })),
  }),
});

export const PageQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'items per page (1-1000)' })),
    cursor: Type.Optional(Type.String({ description: 'nextCursor from the previous page' })),
  },
  { additionalProperties: false },
);

export const PageOf = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: nullable(Type.String({ description: 'pass as cursor to get the next page; null on the last page' })) });

// Operator, PoPs, routers

export const Operator = Type.Object({ asn: Asn, name: Text() }, { additionalProperties: false });

export const Facility = Type.Object(
  {
    id: Type.Integer({ minimum: 1, description: 'PeeringDB facility id' }),
    name: Text(),
    address: Text(300),
  },
  { additionalProperties: false },
);

export const PopInput = Type.Object(
  {
    metro: Text(100),
    country: Country,
    region: Type.Optional(Type.String({ maxLength: 100 })),
    lat: Type.Number({ minimum: -90, maximum: 90 }),
    lon: Type.Number({ minimum: -180, maximum: 180 }),
    facilities: Type.Optional(Type.Array(Facility, { maxItems: 50 })),
  },
  { additionalProperties: false },
);
export const Pop = Type.Object({
  code: Type.String(),
  metro: Type.String(),
  country: Type.String(),
  region: Type.String(),
  lat: Type.Number(),
  lon: Type.Number(),
  facilities: Type.Array(Facility),
  ...Timestamps,
});

export const RouterInput = Type.Object(
  {
    routerId: Type.String({ description: 'BGP router ID, dotted quad' }),
    addresses: Type.Array(Type.String(), { maxItems: 64, description: 'addresses the router speaks BGP from' }),
  },
  { additionalProperties: false },
);
export const Router = Type.Object({ name: Type.String(), pop: Type.String(), routerId: Type.String(), addresses: Type.Array(Type.String()), ...Timestamps });

// Partners and peer ASNs

export const PartnerInput = Type.Object({ kind: lit(PARTNER_KINDS, 'isp, ixp or sdci'), displayName: Text() }, { additionalProperties: false });
export const Partner = Type.Object({ name: Type.String(), kind: Type.String(), displayName: Type.String(), ...Timestamps });

export const Contact = Type.Object(
  {
    role: lit(CONTACT_ROLES),
    email: Type.String({ format: 'email' }),
    phone: Type.Optional(Type.String({ maxLength: 40 })),
  },
  { additionalProperties: false },
);
export const PeerAsnInput = Type.Object({ name: Text(), contacts: Type.Array(Contact, { minItems: 1, maxItems: 20 }) }, { additionalProperties: false });
export const PeerAsn = Type.Object({
  asn: Type.Integer(),
  partner: Type.String(),
  name: Type.String(),
  contacts: Type.Array(Contact),
  state: lit(ASN_STATES),
  errorMessage: nullable(Type.String()),
  ...Timestamps,
});
export const AsnApproval = Type.Object(
  {
    state: lit(['approved', 'failed'] as const),
    message: Type.Optional(Text(500)),
  },
  { additionalProperties: false },
);

// Peerings and connections

const SessionFields = {
  sessionPrefixV4: Type.Optional(nullable(Type.String({ description: 'subnet holding both session addresses, e.g. a /31' }))),
  operatorAddressV4: Type.Optional(nullable(Type.String())),
  peerAddressV4: Type.Optional(nullable(Type.String())),
  sessionPrefixV6: Type.Optional(nullable(Type.String({ description: 'e.g. a /127' }))),
  operatorAddressV6: Type.Optional(nullable(Type.String())),
  peerAddressV6: Type.Optional(nullable(Type.String())),
};

export const ConnectionInput = Type.Object(
  {
    router: Name,
    bandwidthMbps: Type.Integer({ minimum: 1, maximum: 10_000_000 }),
    sessionAddressProvider: lit(ADDRESS_PROVIDERS, 'who assigns the session addresses: operator or peer'),
    ...SessionFields,
    md5Key: Type.Optional(nullable(Type.String({ minLength: 1, maxLength: 80, description: 'TCP MD5 key; write-only, never returned' }))),
    maxPrefixesV4: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 10_000_000, description: 'IPv4 prefixes the peer may announce; default 2000, kept on update when omitted' }),
    ),
    maxPrefixesV6: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 10_000_000, description: 'IPv6 prefixes the peer may announce; default 500, kept on update when omitted' }),
    ),
    bfd: Type.Optional(Type.Boolean({ description: 'BGP over BFD; default false, kept on update when omitted' })),
  },
  { additionalProperties: false },
);
const ConnectionInputWithName = Type.Object({ name: Name, ...ConnectionInput.properties }, { additionalProperties: false });

export const Connection = Type.Object({
  name: Type.String(),
  router: Type.String(),
  bandwidthMbps: Type.Integer(),
  sessionAddressProvider: Type.String(),
  sessionPrefixV4: nullable(Type.String()),
  operatorAddressV4: nullable(Type.String()),
  peerAddressV4: nullable(Type.String()),
  sessionPrefixV6: nullable(Type.String()),
  operatorAddressV6: nullable(Type.String()),
  peerAddressV6: nullable(Type.String()),
  md5KeySet: Type.Boolean(),
  maxPrefixesV4: Type.Integer(),
  maxPrefixesV6: Type.Integer(),
  bfd: Type.Boolean(),
  state: lit(CONNECTION_STATES),
  errorMessage: nullable(Type.String()),
  ...Timestamps,
  bgp: Type.Optional(
    Type.Array(
      Type.Object({
        family: Type.Integer({ description: '4 or 6' }),
        peerAddress: Type.String(),
        state: Type.String({ description: 'Idle, Connect, Active, OpenSent, OpenConfirm or Established' }),
        establishedSince: nullable(Type.String({ format: 'date-time' })),
        uptimeSeconds: Type.Integer(),
        prefixesReceived: Type.Integer(),
        prefixesAccepted: Type.Integer(),
        lastError: nullable(
          Type.Object(
            {
              message: Type.String(),
              at: Type.String({ format: 'date-time', description: 'when it happened' }),
            },
            {
              description:
                'why the session last went down (or a connection attempt failed), and when; null if it never did. ' +
                'While state is Established this ended the previous session (at is before establishedSince): past, not a current problem',
            },
          ),
        ),
      }),
      { description: 'the live BGP sessions of an Active connection, when the service runs BGP' },
    ),
  ),
});

export const PeeringInput = Type.Object(
  {
    type: lit(PEERING_TYPES, 'peering-service, communications, exchange-route-server or exchange'),
    pop: Name,
    asn: Asn,
    connections: Type.Array(ConnectionInputWithName, { maxItems: 64, description: 'connections to create or update; ones left out are kept' }),
  },
  { additionalProperties: false },
);
export const Peering = Type.Object({
  name: Type.String(),
  partner: Type.String(),
  type: Type.String(),
  pop: Type.String(),
  asn: Type.Integer(),
  requestedType: nullable(Type.String()),
  connections: Type.Array(Connection),
  ...Timestamps,
});
export const ConnectionTransition = Type.Object(
  {
    state: lit(CONNECTION_STATES),
    message: Type.Optional(Text(500)),
  },
  { additionalProperties: false },
);
export const TypeChange = Type.Object({ type: lit(PEERING_TYPES) }, { additionalProperties: false });

// Registrations

export const RegisteredPrefixInput = Type.Object(
  {
    prefix: Type.String({ description: 'public IPv4 or IPv6 prefix in CIDR notation' }),
    key: Type.Optional(Type.String({ description: 'operator only: import an existing key; generated otherwise' })),
    allowOverlap: Type.Optional(
      Type.Boolean({
        description:
          'operator only: register although another partner has registered a covering or more-specific prefix; ' +
          'recorded as overlapOverride (which key, when) and logged. The exact same prefix is never registered twice. ' +
          "The live import policy gives routes to the most specific registration: the other partner's announcements of " +
          "the overlapping part are then rejected as hijacks, or this one's are.",
      }),
    ),
  },
  { additionalProperties: false },
);
// Received routes (the live side)

export const ReceivedRoute = Type.Object({
  prefix: Type.String(),
  connection: Type.String(),
  peerAddress: Type.String(),
  nextHop: nullable(Type.String()),
  asPath: Type.String({ description: 'e.g. "64496 64497 {64498,64499}" (sets in braces)' }),
  originAs: nullable(Type.Integer()),
  communities: Type.Array(Type.String()),
  largeCommunities: Type.Array(Type.String()),
  originAsValidationState: lit(
    ['Valid', 'Invalid', 'NotFound'] as const,
    "Valid: the origin may announce the prefix on this peering; Invalid: a hijack (another partner's registered prefix, or another origin than the verified one); NotFound: neither the prefix nor the origin is registered",
  ),
  rpkiValidationState: lit(
    ['Valid', 'Invalid', 'NotFound', 'Unknown'] as const,
    'route origin validation (RFC 6811); Unknown when the service has no RPKI source',
  ),
  accepted: Type.Boolean(),
  reason: nullable(Type.String({ description: 'why the import policy rejected the route (for a partner key, another partner is named by its ASN only)' })),
});
export const ReceivedRoutesQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'items per page (1-1000)' })),
    cursor: Type.Optional(Type.String({ description: 'nextCursor from the previous page' })),
    connection: Type.Optional(Type.String({ description: "only this connection's session" })),
    prefix: Type.Optional(Type.String({ description: 'only this prefix (CIDR)' })),
    accepted: Type.Optional(Type.Boolean({ description: 'only accepted (true) or rejected (false) routes' })),
    asPath: Type.Optional(Type.String({ description: 'only routes with this AS path, e.g. "64497 64496"' })),
    originAsValidationState: Type.Optional(lit(['Valid', 'Invalid', 'NotFound'] as const)),
    rpkiValidationState: Type.Optional(lit(['Valid', 'Invalid', 'NotFound', 'Unknown'] as const)),
  },
  { additionalProperties: false },
);

// Prefix events (validation)

export const PrefixEvent = Type.Object({
  id: Type.String({
    description:
      'opaque event id (22 characters), the same for every reader; pass it back as Last-Event-ID or ?after= of the event stream. Ids are not numbers and say nothing about how many events there are',
  }),
  time: Type.String({ format: 'date-time' }),
  type: Type.String({
    description:
      'PrefixAnnouncementEvent, PrefixWithdrawalEvent, PrefixBackupRouteAnnouncementEvent, PrefixBackupRouteWithdrawalEvent, PrefixActivePath, PrefixBackupPath, PrefixOriginAsChangeEvent, PrefixBackupRouteOriginAsChangeEvent, PrefixHijackEvent, PrefixRpkiInvalidEvent, PrefixRestoredEvent',
  }),
  level: Type.String({ description: 'Information, Warning, Error or Critical' }),
  summary: Type.String({ description: 'what happened, in words; an operator key reads the full account, which may name other tenants' }),
  details: Type.Record(Type.String(), Type.Unknown(), {
    description: "facts about the event; an operator key also gets the operator-only ones (other tenants' names and session addresses)",
  }),
  subjectKind: Type.String({ description: 'registered-prefix or customer-prefix' }),
  subject: Type.String({ description: 'partner/peering/name or customer/service/name' }),
  prefix: Type.String({ description: "the prefix the event is about: the subject's, or a more-specific of it (a hijack)" }),
  subjectPrefix: Type.String({ description: 'the registered or customer prefix the event belongs to' }),
});
/** The event lists' description: ids and cursors are opaque; what each role reads. */
export const EVENT_LIST_DESCRIPTION =
  'Keyset paged with ?limit and ?cursor (nextCursor, an opaque string). Event ids are opaque strings, ' +
  "the same for every reader, and say nothing about how many events there are. An operator key reads each event's full account " +
  '(summary and details may name other tenants); a partner or customer key reads only what concerns it.';
export const ExpandQuery = Type.Object(
  {
    expand: Type.Optional(Type.Literal('events', { description: "events: include the prefix's events (oldest first, up to 1000)" })),
  },
  { additionalProperties: false },
);
const Events = { events: Type.Optional(Type.Array(PrefixEvent)) };

export const RegisteredPrefix = Type.Object({
  name: Type.String(),
  partner: Type.String(),
  peering: Type.String(),
  prefix: Type.String(),
  key: Type.String(),
  state: lit(PREFIX_STATES),
  errorMessage: nullable(Type.String()),
  verifiedOriginAs: nullable(
    Type.Integer({
      description: 'the origin AS the prefix was verified with; routes from another origin are rejected as hijacks until POST .../validate clears it',
    }),
  ),
  overlapOverride: Type.Optional(
    nullable(
      Type.Object(
        {
          by: Type.String({ description: 'id of the operator API key that overrode the rule' }),
          at: Type.String({ format: 'date-time' }),
        },
        { description: "operator keys only: set when the operator registered this prefix over another partner's overlapping one (allowOverlap)" },
      ),
    ),
  ),
  ...Timestamps,
  ...Events,
});
export const RegisteredAsnInput = Type.Object(
  {
    asn: Asn,
    key: Type.Optional(Type.String({ description: 'operator only: import an existing key; generated otherwise' })),
  },
  { additionalProperties: false },
);
export const RegisteredAsn = Type.Object({
  name: Type.String(),
  partner: Type.String(),
  peering: Type.String(),
  asn: Type.Integer(),
  key: Type.String(),
  ...Timestamps,
});

// Customers, peering services, customer prefixes

export const CustomerInput = Type.Object({ displayName: Text() }, { additionalProperties: false });
export const Customer = Type.Object({ name: Type.String(), displayName: Type.String(), ...Timestamps });

export const Location = Type.Object(
  {
    country: Country,
    region: Type.Optional(Type.String({ maxLength: 100, description: 'state, province or region' })),
    lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
    lon: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
  },
  { additionalProperties: false },
);
export const PeeringServiceInput = Type.Object(
  {
    provider: Name,
    location: Location,
    primaryPop: Name,
    backupPop: Type.Optional(nullable(Name)),
  },
  { additionalProperties: false },
);
export const PeeringService = Type.Object({
  name: Type.String(),
  customer: Type.String(),
  provider: Type.String(),
  location: Type.Object({ country: Type.String(), region: Type.String(), lat: Type.Optional(Type.Number()), lon: Type.Optional(Type.Number()) }),
  primaryPop: Type.String(),
  backupPop: nullable(Type.String()),
  ...Timestamps,
});

export const CustomerPrefixInput = Type.Object(
  {
    prefix: Type.String({ description: 'IPv4 or IPv6 prefix in CIDR notation' }),
    key: Uuid,
  },
  { additionalProperties: false },
);
const CustomerPrefixFields = {
  name: Type.String(),
  customer: Type.String(),
  peeringService: Type.String(),
  prefix: Type.String(),
  key: Type.String(),
  state: lit(PREFIX_STATES),
  errorMessage: nullable(Type.String()),
  ...Timestamps,
};
export const CustomerPrefix = Type.Object({ ...CustomerPrefixFields, ...Events });
export const PartnerCustomerPrefix = Type.Object({ ...CustomerPrefixFields, registration: Type.String(), peering: Type.String() });

// Catalog

export const CatalogCountry = Type.Object({ code: Type.String() });
export const CatalogLocation = Type.Object({ country: Type.String(), region: Type.String(), lat: Type.Number(), lon: Type.Number() });
export const CatalogProvider = Type.Object({
  name: Type.String(),
  displayName: Type.String(),
  kind: Type.String(),
  pops: Type.Array(Type.Object({ code: Type.String(), metro: Type.String(), country: Type.String(), region: Type.String() })),
});
export const AvailabilityQuery = Type.Object({ provider: Name, location: Location }, { additionalProperties: false });
export const Availability = Type.Object({
  availability: lit(['Available', 'Unavailable'] as const),
  provider: Type.String(),
  nearestPop: nullable(Type.String()),
  distanceMiles: nullable(Type.Number()),
});

// API keys

export const ApiKeyInput = Type.Object(
  {
    name: Text(100),
    role: lit(ROLES),
    partner: Type.Optional(nullable(Name)),
    customer: Type.Optional(nullable(Name)),
    expiresAt: Type.Optional(
      nullable(Type.String({ format: 'date-time', description: 'when the key stops working (ISO 8601 with time zone); absent: never' })),
    ),
  },
  { additionalProperties: false },
);
export const ApiKey = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Type.String(),
  partner: nullable(Type.String()),
  customer: nullable(Type.String()),
  createdAt: Type.String(),
  lastUsedAt: nullable(Type.String()),
  expiresAt: nullable(Type.String({ description: 'when the key stops working; null: never' })),
  rotatedAt: nullable(Type.String({ description: 'when the secret was last rotated' })),
  previousSecretExpiresAt: nullable(Type.String({ description: 'while the secret rotated away still works (its grace period): until when' })),
});
export const ApiKeyCreated = Type.Object({ key: ApiKey, secret: Type.String({ description: 'shown once; store it now' }) });
export const ApiKeyRotation = nullable(
  Type.Object(
    {
      graceSeconds: Type.Optional(
        Type.Integer({
          minimum: 0,
          maximum: MAX_ROTATION_GRACE_SECONDS,
          description: `how long the old secret keeps working (0-${MAX_ROTATION_GRACE_SECONDS} s, default 0: it stops now)`,
        }),
      ),
    },
    { additionalProperties: false, description: 'optional; no body means graceSeconds 0' },
  ),
);
export const WhoAmI = Type.Object({
  role: Type.String(),
  keyId: Type.String(),
  keyName: Type.String(),
  partner: nullable(Type.String()),
  customer: nullable(Type.String()),
});

export const Health = Type.Object({ status: Type.String(), schemaVersion: Type.Integer(), store: Type.String() });

export type S<T extends TSchema> = Static<T>;
