// The lab's database: always a fresh one (the lab must never touch a real registry), the registry
// over it with its first operator key, the registry's facts the lab plans from, and the events its
// summary looks for.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureOperatorKey, openRegistry } from '../bootstrap.js';
import type { Registry } from '../registry/registry.js';
import { ValidationFacts, type ValidationFactsSnapshot } from '../registry/validation-facts.js';
import { sleep } from './process.js';

/** Where the lab's database goes: `db`, which must not exist yet, or else a temp file removed on exit (`tempDir`). */
export function labDatabaseFile(db: string | undefined): { file: string; tempDir: string | undefined } {
  if (db) {
    if (fs.existsSync(db)) throw new Error(`--db ${db} exists: the lab only creates a fresh database (name a new file, or leave --db out for a temp one)`);
    fs.mkdirSync(path.dirname(path.resolve(db)), { recursive: true });
    return { file: db, tempDir: undefined };
  }
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'openpeering-lab-'));
  process.on('exit', () => fs.rmSync(tempDir, { recursive: true, force: true }));
  return { file: path.join(tempDir, 'lab.db'), tempDir };
}

/** The registry over a fresh database, and the secret of its operator key. */
export async function openLabRegistry(file: string): Promise<{ registry: Registry; secret: string }> {
  const registry = await openRegistry(file);
  return { registry, secret: (await ensureOperatorKey(registry))! };
}

/** The registry's facts for validation, which the lab plans its routers and expectations from. */
export const labFacts = (registry: Registry): Promise<ValidationFactsSnapshot> => new ValidationFacts(registry.store).load();

/** Whether a PrefixHijackEvent for the registered prefix is in the event store (writes are asynchronous). */
export async function storedHijack(registry: Registry, id: string): Promise<boolean> {
  for (let i = 0; i < 20; i++) {
    const page = await registry.events.listForSubject('registered-prefix', id, { limit: 1000 });
    if (page.items.some((e) => e.type === 'PrefixHijackEvent')) return true;
    await sleep(100);
  }
  return false;
}
