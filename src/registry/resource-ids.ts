// The ids of the registry's nested resources, as validation, the live side, events and the lab key
// them: a peering "partner/peering", a registered prefix "partner/peering/name", a customer prefix
// "customer/service/name" (service: the customer's peering service). A name never holds a "/"
// (the registry's name rule), so an id is its parts joined by "/". Ids are formatted and parsed
// here and nowhere else; where the parts are at hand (the registry's facts carry them), use them
// rather than parse an id again.

/** A peering by its partner and name. */
export interface PeeringRef {
  partner: string;
  peering: string;
}

/** A registered prefix: its peering's partner and name, and its own name. */
export interface RegisteredPrefixRef extends PeeringRef {
  name: string;
}

/** A customer prefix: its customer, the customer's peering service, and its own name. */
export interface CustomerPrefixRef {
  customer: string;
  service: string;
  name: string;
}

/** "partner/peering" */
export const peeringId = (r: PeeringRef): string => `${r.partner}/${r.peering}`;

/** "partner/peering/name" */
export const registeredPrefixId = (r: RegisteredPrefixRef): string => `${r.partner}/${r.peering}/${r.name}`;

/** "customer/service/name" */
export const customerPrefixId = (r: CustomerPrefixRef): string => `${r.customer}/${r.service}/${r.name}`;

/** A peering id's parts; throws on anything but "partner/peering". */
export function parsePeeringId(id: string): PeeringRef {
  const [partner, peering] = parts(id, 2, 'peering');
  return { partner, peering };
}

/** A registered prefix id's parts; throws on anything but "partner/peering/name". */
export function parseRegisteredPrefixId(id: string): RegisteredPrefixRef {
  const [partner, peering, name] = parts(id, 3, 'registered prefix');
  return { partner, peering, name };
}

/** A customer prefix id's parts; throws on anything but "customer/service/name". */
export function parseCustomerPrefixId(id: string): CustomerPrefixRef {
  const [customer, service, name] = parts(id, 3, 'customer prefix');
  return { customer, service, name };
}

const SLASH = 0x2f;

/**
 * Whether a peering id names one of `partner`'s peerings, without taking the id apart (for the
 * import policies, which ask it for every route under a registration).
 */
export const isPeeringOf = (id: string, partner: string): boolean =>
  id.length > partner.length + 1 && id.charCodeAt(partner.length) === SLASH && id.startsWith(partner);

function parts(id: string, n: 2, what: string): [string, string];
function parts(id: string, n: 3, what: string): [string, string, string];
function parts(id: string, n: number, what: string): string[] {
  const p = id.split('/');
  if (p.length !== n || p.includes('')) throw new Error(`not a ${what} id: ${JSON.stringify(id)}`);
  return p;
}
