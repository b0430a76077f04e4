import { randomBytes } from 'node:crypto';
import type { Cipher, SecretStore } from '../ports.js';

/** A reserved secret id: nanoid ids are 21 characters, so no connection secret can take it. */
export const AUDIT_KEY_ID = '__audit_key';

/** The key that makes the chain an HMAC, and the first seq chained with it (older lines are plain SHA-256). */
export interface AuditKey {
  key: Uint8Array;
  since: number;
  /**
   * Stored, but no event chained with it was durable yet: a crash between storing a new key and
   * writing its first event leaves this key and an empty log, which is a cut-short first start,
   * not a deleted log. Cleared (the blob stored again) once an event is durable.
   */
  pending?: boolean;
}

export type AuditKeyState =
  | { status: 'keyed'; key: AuditKey }
  /** No cipher yet, or no key yet: the chain stays unkeyed until one is created. */
  | { status: 'none'; reason: string }
  /** A key exists but cannot be opened (no cipher now, or another master key): keyed events cannot be checked, new ones are not keyed. */
  | { status: 'unreadable'; reason: string };

/**
 * The audit key is protected like the master key protects every secret: a random 32-byte key,
 * encrypted by the broker's cipher, stored as one more cipher blob.
 */
export function readAuditKey(cipher: Cipher, store: SecretStore): AuditKeyState {
  const blob = store.get(AUDIT_KEY_ID);
  if (!blob) {
    return { status: 'none', reason: cipher.isAvailable() ? 'no audit key yet' : `no secure cipher to protect an audit key (${cipher.unavailableReason() ?? 'unavailable'})` };
  }
  if (!cipher.isAvailable()) {
    return { status: 'unreadable', reason: `no cipher is available to open the audit key (${cipher.unavailableReason() ?? 'unavailable'})` };
  }
  try {
    const parsed = JSON.parse(cipher.decrypt(blob)) as { key?: unknown; since?: unknown; pending?: unknown };
    const key = typeof parsed.key === 'string' ? Buffer.from(parsed.key, 'base64') : null;
    if (!key || key.length !== 32 || !Number.isInteger(parsed.since)) throw new Error('malformed audit key');
    return { status: 'keyed', key: { key, since: parsed.since as number, ...(parsed.pending === true ? { pending: true } : {}) } };
  } catch {
    return { status: 'unreadable', reason: 'the audit key cannot be opened with this master key, so keyed audit events cannot be checked' };
  }
}

/** A fresh random key that chains events from `since` on; in memory only until storeAuditKey. */
export function newAuditKey(since: number): AuditKey {
  return { key: randomBytes(32), since, pending: true };
}

/** Encrypts the key with the broker's cipher and stores it as one more blob; resolves when durable. */
export async function storeAuditKey(cipher: Cipher, store: SecretStore, key: AuditKey): Promise<void> {
  await store.put(AUDIT_KEY_ID, cipher.encrypt(JSON.stringify({ key: Buffer.from(key.key).toString('base64'), since: key.since, ...(key.pending ? { pending: true } : {}) })));
}
