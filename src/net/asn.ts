// Autonomous system numbers (RFC 6793 4-octet space) and their special-purpose ranges (RFC 7249).

export const MAX_ASN = 4294967295;

export function isPrivateAsn(asn: number): boolean {
  return (asn >= 64512 && asn <= 65534) || (asn >= 4200000000 && asn <= 4294967294);
}

/** Numbers that no network may use as its own ASN: 0, AS_TRANS, the last 2- and 4-octet ASNs. */
export function isReservedAsn(asn: number): boolean {
  return asn === 0 || asn === 23456 || asn === 65535 || asn === MAX_ASN || (asn >= 65552 && asn <= 131071);
}
