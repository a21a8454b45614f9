// The native addon (native/tcp-security) that sets what Node's net module cannot on a TCP socket:
// TCP MD5 signatures (RFC 2385) and the Generalized TTL Security Mechanism (RFC 5082). It is built
// at install time and may be missing (no compiler, another OS); callers that need it get an error
// saying how to build it, so a session that needs protection never runs without it.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The addon's functions; all work on a socket fd, `family` being the socket's (4 or 6). */
export interface TcpSecurityAddon {
  /** A non-blocking TCP socket, neither bound nor connected. */
  socket(family: 4 | 6): number;
  /** Installs (a key) or removes (null) the MD5 key for one peer address. */
  setMd5(fd: number, family: 4 | 6, peer: string, key: string | null): void;
  /** TTL / hop limit of what we send; -1 for the system default. */
  setTtl(fd: number, family: 4 | 6, ttl: number): void;
  /** Lowest TTL / hop limit accepted from the peer; 0 turns the check off. */
  setMinTtl(fd: number, family: 4 | 6, min: number): void;
  /** SO_REUSEADDR and TCP_SAVE_SYN on a socket that will listen. */
  prepareListener(fd: number): void;
  /** The IP and TCP headers of the SYN that opened an accepted connection (listener prepared), once. */
  savedSyn(fd: number): Buffer | undefined;
  bind(fd: number, family: 4 | 6, address: string, port: number): void;
  close(fd: number): void;
}

/** RFC 5082 §3: we send with TTL 255 and, for a directly connected peer, accept 254 and up. */
export const GTSM_TTL = 255;
export const GTSM_MIN_TTL = 254;
/** RFC 2385 keys as Linux takes them (TCP_MD5SIG_MAXKEYLEN). */
export const MD5_KEY_MAX_BYTES = 80;

/** Where the addon is looked for; OPENPEERING_TCP_SECURITY_ADDON overrides it (a path, or "none"). */
const ENV = 'OPENPEERING_TCP_SECURITY_ADDON';
// dist/src/net/tcp-security.js -> the package root
const BUILT = fileURLToPath(new URL('../../../native/tcp-security/build/Release/tcp_security.node', import.meta.url));

const HOW_TO_BUILD = 'build it with `npm run build:addon` (needs gcc, make and the Node headers)';

let cached: { path: string; addon?: TcpSecurityAddon; error?: string } | undefined;

function load(): { addon?: TcpSecurityAddon; error?: string } {
  const override = process.env[ENV];
  const path = override || BUILT;
  if (cached?.path === path) return cached;
  cached = { path };
  if (process.platform !== 'linux') cached.error = `it is built for Linux only (this is ${process.platform})`;
  else if (override === 'none') cached.error = `${ENV}=none`;
  else {
    try {
      cached.addon = createRequire(import.meta.url)(path) as TcpSecurityAddon;
    } catch (e) {
      cached.error = `${path}: ${(e as Error).message.split('\n')[0]}`;
    }
  }
  return cached;
}

/** The addon, or undefined when it cannot be loaded (see tcpSecurityError). */
export function tcpSecurityAddon(): TcpSecurityAddon | undefined {
  return load().addon;
}

/**
 * Why what `needs` ("TCP MD5 (RFC 2385)", "GTSM (RFC 5082)") cannot be had here, as a message for
 * the operator; undefined when the addon is loaded.
 */
export function tcpSecurityError(needs: string): string | undefined {
  const { error } = load();
  return error === undefined ? undefined : `${needs} needs the native addon native/tcp-security, which is not available (${error}): ${HOW_TO_BUILD}`;
}

/** What a peer's settings need from the addon, for messages; undefined when nothing. */
export function protectionNeeded(config: { md5Key?: string | undefined; ttlSecurity?: boolean | undefined }): string | undefined {
  const needs = [config.md5Key ? 'TCP MD5 (RFC 2385)' : '', config.ttlSecurity ? 'GTSM (RFC 5082)' : ''].filter(Boolean);
  return needs.length ? needs.join(' and ') : undefined;
}

/** The addon for a peer that needs it, or an Error saying why it cannot be had. */
export function requireTcpSecurity(needs: string): TcpSecurityAddon {
  const addon = tcpSecurityAddon();
  if (addon) return addon;
  throw new Error(tcpSecurityError(needs));
}
