// The messages a prefix's validation state carries, worded as Azure Peering Service words its
// prefix validation messages (its documented states and messages), with the operator's community and the
// prefix or session addresses filled in where the reference's templates have them.
import type { RouteCheckConfig, RouteProblem } from './route-checks.js';

/** Registered prefix (partner side): the first problem found, as one message. */
export function registeredPrefixMessage(problem: RouteProblem): string {
  switch (problem) {
    case 'missing-community':
      return 'Advertisement missing MAPS community';
    case 'path-too-long':
    case 'private-asn':
    case 'prepending':
      return "AS path isn't correct";
    case 'rpki-invalid':
      return 'Prefix is RPKI invalid';
  }
}

/** Registered prefix: the sessions of the peering that do not advertise it. */
export const notReceivedFrom = (addresses: string[]): string => `Prefix not received from IP ${addresses.join(', ')}`;

/** Registered prefix: the peering has no Active session that can carry its address family. */
export const NO_SESSIONS = 'The peering has no Active session that can carry this prefix';

/** Customer prefix (customer side): the first problem found, as one message. */
export function customerPrefixMessage(problem: RouteProblem, prefix: string, cfg: RouteCheckConfig): string {
  switch (problem) {
    case 'missing-community':
      return `Received route for prefix ${prefix} should have the MAPS community ${cfg.community.text}`;
    case 'path-too-long':
      return `AS path length for prefix ${prefix} should be <=${cfg.maxPathLength}`;
    case 'private-asn':
      return `AS path for prefix ${prefix} shouldn't have any private ASN`;
    case 'prepending':
      return `AS path for prefix ${prefix} shouldn't have any AS prepending`;
    case 'rpki-invalid':
      return `Received route for prefix ${prefix} is RPKI invalid`;
  }
}

export const CUSTOMER_MESSAGES = {
  fewerThanTwoPrimary: 'Provider has fewer than two sessions in its primary location',
  noBackupSessions: 'Provider has no sessions in its backup location',
  notAnnounced: 'Prefix is not announced by the service provider.',
  notReceivedFrom: (address: string, prefix: string) => `Not receiving prefix advertisement from IP ${address} for prefix ${prefix}`,
  overlap: 'Prefix overlaps with an existing prefix',
  providerNotFound: 'Peering service provider not found',
} as const;
