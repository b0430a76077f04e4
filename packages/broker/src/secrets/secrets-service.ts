import { LatchkeyError } from '@latchkey/contracts';
import { nanoid } from 'nanoid';
import type { Cipher, ConnectionRecord, SecretStore } from '../ports.js';

export class InvalidSecretError extends LatchkeyError {
  constructor(readonly fields: string[]) {
    super('INVALID_SECRET', `The stored ${fields.join(', ')} of this connection cannot be decrypted; replace ${fields.length > 1 ? 'them' : 'it'} to use the connection again`);
  }
}

/** Write-only secrets: encrypt in, decrypt only for the broker's own use. */
export class SecretsService {
  constructor(
    private readonly cipher: Cipher,
    private readonly store: SecretStore,
  ) {}

  /** Refuses before anything is written when no secure cipher is available. */
  assertWritable(): void {
    if (!this.cipher.isAvailable()) {
      throw new LatchkeyError(
        'CIPHER_UNAVAILABLE',
        `Secrets cannot be saved: ${this.cipher.unavailableReason() ?? 'no secure encryption is available'}. The connection's other settings can still be saved as a draft.`,
      );
    }
  }

  /**
   * Encrypts and stores values: the new secret ids by field at once, and a promise for when the
   * blobs are durable, so the caller can write the record in the same tick (one fsync round,
   * not two). Old blobs are the caller's to drop once the record points elsewhere.
   */
  write(values: Record<string, string>): { ids: Record<string, string>; durable: Promise<void> } {
    if (Object.keys(values).length === 0) return { ids: {}, durable: Promise.resolve() };
    this.assertWritable();
    const ids: Record<string, string> = {};
    const writes: Promise<void>[] = [];
    for (const [field, value] of Object.entries(values)) {
      const id = nanoid(21);
      writes.push(this.store.put(id, this.cipher.encrypt(value)));
      ids[field] = id;
    }
    return { ids, durable: Promise.all(writes).then(() => undefined) };
  }

  /** Decrypts every secret of a connection, or names the fields that fail. */
  read(record: Pick<ConnectionRecord, 'secretIds'>): Record<string, string> {
    if (!this.cipher.isAvailable()) throw new LatchkeyError('CIPHER_UNAVAILABLE', `Secrets cannot be read: ${this.cipher.unavailableReason() ?? 'no secure encryption is available'}`);
    const out: Record<string, string> = {};
    const broken: string[] = [];
    for (const [field, id] of Object.entries(record.secretIds)) {
      const blob = this.store.get(id);
      if (!blob) {
        broken.push(field);
        continue;
      }
      try {
        out[field] = this.cipher.decrypt(blob);
      } catch {
        broken.push(field);
      }
    }
    if (broken.length) throw new InvalidSecretError(broken);
    return out;
  }

  async drop(ids: Iterable<string>): Promise<void> {
    await Promise.all([...ids].map((id) => this.store.delete(id)));
  }
}
