// Origin memory (validation): the origin AS a registered prefix was first verified with. Another
// origin on the partner's own sessions is then a hijack, until a re-validation request clears it.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('registered_prefixes').addColumn('origin_as', 'bigint').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('registered_prefixes').dropColumn('origin_as').execute();
}
