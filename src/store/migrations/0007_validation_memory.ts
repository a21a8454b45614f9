// Validation memory across restarts, kept beside each registered and customer prefix's state:
// the last look at its routes (per session the origin AS and AS path, the state, whether Verified
// was lost) and the rejections (hijacks, RPKI invalid routes) that raised an event and are still
// going on, both compact JSON written by validation. A restarted service compares with these
// instead of announcing every route, restore and hijack again. Gone with the prefix.
import type { Kysely } from 'kysely';

const TABLES = ['registered_prefixes', 'customer_prefixes'] as const;

export async function up(db: Kysely<any>): Promise<void> {
  for (const t of TABLES) {
    await db.schema.alterTable(t).addColumn('validation_look', 'text').execute();
    await db.schema.alterTable(t).addColumn('validation_alerts', 'text').execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of TABLES) {
    await db.schema.alterTable(t).dropColumn('validation_alerts').execute();
    await db.schema.alterTable(t).dropColumn('validation_look').execute();
  }
}
