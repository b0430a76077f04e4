import { LatchkeyError } from '@latchkey/contracts';
import { nanoid } from 'nanoid';
import { StoredSecretsMasking } from '../masking/stored-secrets.js';
import type { Cipher, ConnectionRecord, SecretStore } from '../ports.js';

export class InvalidSecretError extends LatchkeyError {
  constructor(readonly fields: string[]) {
    super('INVALID_SECRET', `The stored ${fields.join(', ')} of this connection cannot be decrypted; replace ${fields.length > 1 ? 'them' : 'it'} to use the connection again`);
  }
}

/** What the key check blob holds: known text, so decrypting it proves the key (AES-GCM authenticates it). */
export const KEY_CHECK_TEXT = 'latchkey key check v1';
/** A store from before key checks: this many blobs that all fail to decrypt mean another key. */
const LEGACY_PROBES = 16;

/** Which key was expected and how to get it back, in the words of the backend in use. */
export function wrongKeyMessage(backend: string): string {
  const lead = 'The secrets in this data folder were saved with a different master key than the one Latchkey has now';
  const tail = 'Until then secrets cannot be used or saved; nothing was changed or marked invalid.';
  const kit = 'Or restore the key from your recovery kit in Settings → Keys.';
  if (backend === 'env') {
    return `${lead} (from LATCHKEY_MASTER_KEY). Set LATCHKEY_MASTER_KEY to the key they were saved with (after a key rotation: start with LATCHKEY_MASTER_KEY_FILE set to the file the new key was written to), or unset it if they were saved with the key in the system keychain, and restart Latchkey. ${kit} ${tail}`;
  }
  if (backend === 'os-keychain') {
    return `${lead} (from the system keychain, item "latchkey"). If they were saved with LATCHKEY_MASTER_KEY, set it to that key; otherwise restore the keychain item from a backup. Then restart Latchkey. ${kit} ${tail}`;
  }
  return `${lead} (the ${backend} encryption of this user account). Start Latchkey as the user and on the machine that saved them. ${tail}`;
}

/** Write-only secrets: encrypt in, decrypt only for the broker's own use. */
export class SecretsService {
  /** Set at start when the key cannot decrypt the store's key check: every secret is refused. */
  #wrongKey: string | null;

  /** Every stored secret, masked in whatever any peer sends back. */
  readonly masking = new StoredSecretsMasking(() => this.#everyStored());

  constructor(
    private readonly cipher: Cipher,
    private readonly store: SecretStore,
    /** Blobs the broker keeps for itself that hold no one's secret (approved command digests). */
    private readonly notSecrets: ReadonlySet<string> = new Set(),
  ) {
    this.#wrongKey = this.#checkKey();
  }

  *#everyStored(): Iterable<readonly [string, string]> {
    if (this.wrongKey || !this.cipher.isAvailable()) return;
    for (const id of this.store.ids()) {
      const blob = this.notSecrets.has(id) ? undefined : this.store.get(id);
      if (!blob) continue;
      try {
        yield [id, this.cipher.decrypt(blob)] as const;
      } catch {
        // A damaged blob: its connection is marked invalid when used; nothing to mask.
      }
    }
  }

  get wrongKey(): string | null {
    return this.#wrongKey;
  }

  /** After the key changed under the cipher (restored from a recovery kit): check it again. */
  recheck(): string | null {
    this.#wrongKey = this.#checkKey();
    this.masking.reset();
    return this.#wrongKey;
  }

  #checkKey(): string | null {
    if (!this.cipher.isAvailable()) return null;
    const check = this.store.keyCheck();
    if (check) {
      try {
        if (this.cipher.decrypt(check) === KEY_CHECK_TEXT) return null;
      } catch {
        // another key (or a damaged check): refuse either way, never write under a doubtful key
      }
      return wrongKeyMessage(this.cipher.backend);
    }
    // Written before key checks existed: one blob that decrypts proves the key; if none of the
    // first few does, it is the key that is wrong, not every blob at once.
    let probed = 0;
    for (const id of this.store.ids()) {
      const blob = this.store.get(id);
      if (!blob) continue;
      try {
        this.cipher.decrypt(blob);
        return null;
      } catch {
        if (++probed >= LEGACY_PROBES) break;
      }
    }
    return probed ? wrongKeyMessage(this.cipher.backend) : null;
  }

  #refuseWrongKey(): void {
    if (this.wrongKey) throw new LatchkeyError('WRONG_KEY', this.wrongKey);
  }

  /** Refuses before anything is written when no secure cipher is available, or it holds another key. */
  assertWritable(): void {
    this.#refuseWrongKey();
    if (!this.cipher.isAvailable()) {
      throw new LatchkeyError(
        'CIPHER_UNAVAILABLE',
        `Secrets cannot be saved: ${this.cipher.unavailableReason() ?? 'no secure encryption is available'}. The connection's other settings can still be saved as a draft.`,
      );
    }
  }

  /**
   * Encrypts and stores values: the new secret ids by field at once, and a promise for when the
   * blobs are durable. The caller writes the record that points at them only after that (a blob
   * without a record is harmless ciphertext, swept at start; a record without its blob is a
   * broken connection). Old blobs are the caller's to drop once the record points elsewhere.
   */
  write(values: Record<string, string>): { ids: Record<string, string>; durable: Promise<void> } {
    if (Object.keys(values).length === 0) return { ids: {}, durable: Promise.resolve() };
    this.assertWritable();
    const ids: Record<string, string> = {};
    const writes: Promise<void>[] = [];
    // The first secret saved records which key it was saved with, in the same write.
    if (!this.store.keyCheck()) writes.push(this.store.setKeyCheck(this.cipher.encrypt(KEY_CHECK_TEXT)));
    for (const [field, value] of Object.entries(values)) {
      const id = nanoid(21);
      writes.push(this.store.put(id, this.cipher.encrypt(value)).then(() => this.masking.add(id, value)));
      ids[field] = id;
    }
    return { ids, durable: Promise.all(writes).then(() => undefined) };
  }

  /** Decrypts every secret of a connection, or names the fields that fail. */
  read(record: Pick<ConnectionRecord, 'secretIds'>): Record<string, string> {
    if (Object.keys(record.secretIds).length === 0) return {};
    this.#refuseWrongKey();
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
        this.masking.add(id, out[field]);
      } catch {
        broken.push(field);
      }
    }
    if (broken.length) throw new InvalidSecretError(broken);
    return out;
  }

  async drop(ids: Iterable<string>): Promise<void> {
    await Promise.all([...ids].map((id) => this.store.delete(id).then(() => this.masking.drop(id))));
  }

  /**
   * Blobs no record points at: what a crash between a blob and its record, or before an old blob
   * was dropped, leaves behind. Taken before any call runs: later, a blob whose record is still
   * being written would look the same.
   */
  orphans(referenced: ReadonlySet<string>): string[] {
    return [...this.store.ids()].filter((id) => !referenced.has(id));
  }
}
