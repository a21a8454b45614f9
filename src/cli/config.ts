// The service's configuration: defaults, then the YAML file, then command-line flags.
import fs from 'node:fs';
import YAML from 'yaml';

export interface ServiceConfig {
  listen: string;
  db: string;
  logLevel: string;
  /** requests per second a partner or customer key may make (0: no limit) */
  keyRate: string;
  /** requests such a key may make in a burst */
  keyBurst: string;
  /** customer prefixes one customer may hold */
  maxPrefixesPerCustomer: string;
  /** days prefix events are kept (0: forever) */
  eventRetentionDays: string;
  /** seconds stored prefix states stand after a start while partner sessions come up */
  settleSeconds: string;
}

export const DEFAULTS: ServiceConfig = {
  listen: '127.0.0.1:8080',
  db: 'data/openpeering.db',
  logLevel: 'info',
  keyRate: '50',
  keyBurst: '100',
  maxPrefixesPerCustomer: '1000',
  eventRetentionDays: '90',
  settleSeconds: '60',
};

const KEYS = new Set(Object.keys(DEFAULTS));
const NUMERIC = new Set(['keyRate', 'keyBurst', 'maxPrefixesPerCustomer', 'eventRetentionDays', 'settleSeconds']);

/** A setting that must be a whole number written in decimal digits. */
export function wholeNumber(name: string, text: string, min: number, max: number): number {
  if (!/^(0|[1-9][0-9]*)$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new Error(`${name} ${text}: expected a whole number ${min}-${max}`);
  }
  return Number(text);
}

export function loadConfig(file: string | undefined, flags: Partial<ServiceConfig>): ServiceConfig {
  let fromFile: Partial<ServiceConfig> = {};
  if (file) {
    let parsed: unknown;
    try {
      parsed = YAML.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`cannot read config ${file}: ${(e as Error).message}`);
    }
    if (parsed != null && (typeof parsed !== 'object' || Array.isArray(parsed))) throw new Error(`config ${file}: expected a mapping of settings`);
    for (const [k, v] of Object.entries((parsed ?? {}) as Record<string, unknown>)) {
      if (!KEYS.has(k)) throw new Error(`config ${file}: unknown setting "${k}" (known: ${[...KEYS].join(', ')})`);
      if (typeof v !== 'string' && !(NUMERIC.has(k) && typeof v === 'number')) {
        throw new Error(`config ${file}: ${k} must be a ${NUMERIC.has(k) ? 'number' : 'string'}`);
      }
    }
    fromFile = Object.fromEntries(Object.entries((parsed ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
  }
  const defined = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
  return { ...DEFAULTS, ...fromFile, ...defined };
}

/** "host:port", "[v6]:port" or ":port" to host and port. */
export function parseListen(s: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(s);
  if (!m) throw new Error(`--listen ${s}: expected HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`--listen ${s}: port must be 0-65535`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}
