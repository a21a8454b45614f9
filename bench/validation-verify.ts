// The registry checked against the expected states from the bench's own process: the receiver is
// measured (its peak RSS, its CPU), and reading 52,000 rows there would count in its figures.
// Reads the receiver's SQLite file (WAL: while the receiver may still write).
import fs from 'node:fs';
import Database from 'better-sqlite3';

export interface Verification {
  checked: number;
  mismatches: number;
  examples: string[];
}

/** Expected "kind:id" -> "state|message" per target (expected.json, written by the bench). */
export function readTargets(expectedFile: string): Record<string, Map<string, string>> {
  const raw = JSON.parse(fs.readFileSync(expectedFile, 'utf8')) as Record<string, Array<[string, string]>>;
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, new Map(v)]));
}

export function verifyRegistry(dbFile: string, target: ReadonlyMap<string, string>): Verification {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const stored = new Map<string, string>();
    const reg = db
      .prepare(`SELECT p.partner, p.name AS peering, r.name, r.state, r.error_message FROM registered_prefixes r JOIN peerings p ON p.id = r.peering_id`)
      .all() as Array<{ partner: string; peering: string; name: string; state: string; error_message: string | null }>;
    for (const r of reg) stored.set(`registered-prefix:${r.partner}/${r.peering}/${r.name}`, `${r.state}|${r.error_message ?? ''}`);
    const cust = db
      .prepare(
        `SELECT s.customer, s.name AS service, c.name, c.state, c.error_message FROM customer_prefixes c JOIN peering_services s ON s.id = c.peering_service_id`,
      )
      .all() as Array<{ customer: string; service: string; name: string; state: string; error_message: string | null }>;
    for (const r of cust) stored.set(`customer-prefix:${r.customer}/${r.service}/${r.name}`, `${r.state}|${r.error_message ?? ''}`);
    let mismatches = 0;
    const examples: string[] = [];
    for (const [k, v] of target) {
      const s = stored.get(k);
      if (s === v) continue;
      mismatches++;
      if (examples.length < 5) examples.push(`${k}: stored ${s}, expected ${v}`);
    }
    return { checked: target.size, mismatches, examples };
  } finally {
    db.close();
  }
}
