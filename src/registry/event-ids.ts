// Opaque event ids. The log's row ids count every tenant's events, so showing them (as ids, list
// cursors or stream positions) would tell a tenant how many events the others have. Clients see
// the row id encrypted instead: AES-128 of one block (the id as 8 big-endian bytes, then 8 zero
// bytes), base64url, 22 characters. The key is one per database (migration 0006), so an event has
// the same id for every reader and after a restart, and an id a client sends back (Last-Event-ID,
// ?after=, cursor) decrypts to the row id again; the zero half tells a made-up id from a real one.
import { type Cipher, createCipheriv, createDecipheriv, type Decipher } from 'node:crypto';
import type { Store } from '../store/store.js';

const OPAQUE = /^[A-Za-z0-9_-]{22}$/;

export class EventIds {
  // ECB without padding turns each 16-byte update into one block at once, so one cipher object
  // serves every call (a new one per id costs four times as much; replays encode many ids).
  private readonly cipher: Cipher;
  private readonly decipher: Decipher;
  private readonly block = Buffer.alloc(16);

  constructor(key: Buffer) {
    if (key.length !== 16) throw new Error('the event id key must be 16 bytes (AES-128)');
    this.cipher = createCipheriv('aes-128-ecb', key, null).setAutoPadding(false);
    this.decipher = createDecipheriv('aes-128-ecb', key, null).setAutoPadding(false);
  }

  /** The key kept in the store (made by migration 0006). */
  static async load(store: Store): Promise<EventIds> {
    const r = await store.db.selectFrom('event_id_secret').select('aes_key').where('id', '=', 1).executeTakeFirst();
    if (!r) throw new Error('the store has no event id key (migration 0006 makes it)');
    return new EventIds(Buffer.from(r.aes_key, 'hex'));
  }

  encode(seq: number): string {
    this.block.fill(0);
    this.block.writeBigUInt64BE(BigInt(seq));
    return this.cipher.update(this.block).toString('base64url');
  }

  /** The row id an opaque id stands for, or undefined when it is not one this database made. */
  decode(id: string): number | undefined {
    if (!OPAQUE.test(id)) return undefined;
    const bytes = Buffer.from(id, 'base64url');
    // 22 characters hold 132 bits: the last one's spare bits must be zero (one spelling per id).
    if (bytes.length !== 16 || bytes.toString('base64url') !== id) return undefined;
    const plain = this.decipher.update(bytes);
    if (plain.length !== 16) return undefined;
    for (let i = 8; i < 16; i++) if (plain[i] !== 0) return undefined;
    const seq = plain.readBigUInt64BE(0);
    if (seq < 1n || seq > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
    return Number(seq);
  }
}
