// Registry errors carry the HTTP-independent kind of failure; the API maps kinds to status codes.

export type ErrorKind =
  | 'InvalidRequest' // malformed input (400)
  | 'NotFound' // no such resource in the caller's scope (404)
  | 'Forbidden' // the caller's role may not do this (403)
  | 'Conflict' // clashes with existing data or state (409)
  | 'RuleViolation'; // well-formed but breaks a registry rule (422)

export class RegistryError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly target?: string,
  ) {
    super(message);
  }
}

export const notFound = (what: string, name: string | number, target?: string) => new RegistryError('NotFound', `${what} ${name} not found`, target);
export const conflict = (message: string, target?: string) => new RegistryError('Conflict', message, target);
export const rule = (message: string, target?: string) => new RegistryError('RuleViolation', message, target);
export const invalid = (message: string, target?: string) => new RegistryError('InvalidRequest', message, target);
export const forbidden = (message: string, target?: string) => new RegistryError('Forbidden', message, target);
