import { LatchkeyError, type Requester } from '@latchkey/contracts';
import type { AuditService } from '../audit/audit-service.js';
import type { Cipher, MasterKeyVault, SecretStore } from '../ports.js';
import { KEY_CHECK_TEXT, type SecretsService } from '../secrets/secrets-service.js';
import { assertPassphrase, openRecoveryKit, sealRecoveryKit } from './recovery-kit.js';

const KIT_MADE = 'A recovery kit was made';

export interface KeyServiceDeps {
  cipher: Cipher;
  store: SecretStore;
  /** Null on hosts whose cipher keeps its own key (Electron's safeStorage). */
  vault: MasterKeyVault | null;
  secrets: SecretsService;
  audit: AuditService;
  now: () => number;
  /** The key state changed: system:status is pushed again. */
  changed: () => void;
  /** A restored key is in use: what depended on it (the audit key, approvals) opens again, in place. */
  reopen?: () => Promise<void>;
}

export interface RotationResult {
  /** Blobs re-encrypted under the new key (connection secrets and the broker's own). */
  reencrypted: number;
  /** Blobs that no key could open (already "needs a new secret"); left out, never kept under the old key. */
  dropped: number;
  where: string;
}

/**
 * The master key's life after the first start (DESIGN.md, invariant 7): rotation re-encrypts every
 * blob in one atomic write, a recovery kit wraps the key under a passphrase, and a kit restores it.
 * Order is what makes a crash harmless: the new key is stored durably first, then the store is
 * replaced in one write, then the new key becomes the one in use.
 */
export class KeyService {
  #busy = false;
  #kitMade = false;

  constructor(private readonly d: KeyServiceDeps) {}

  /** Whether a recovery kit was ever made (the audit says so); the first-run notice stops then. */
  get kitMade(): boolean {
    return this.#kitMade;
  }

  /** Reads from the audit whether a kit was made on an earlier run. */
  async learnKitMade(): Promise<void> {
    // Newest first: a kit made (or used) since the last rotation holds the key in use.
    const page = await this.d.audit.list({ types: ['key.recovery', 'key.rotate'], limit: 1000 });
    const last = page.events.find((e) => e.outcome === 'ok');
    if (last?.type === 'key.recovery' && !this.#kitMade) {
      this.#kitMade = true;
      this.d.changed();
    }
  }

  #vault(): MasterKeyVault {
    if (!this.d.vault) {
      throw new LatchkeyError('UNAVAILABLE', `This Latchkey's master key is kept by the operating system (${this.d.cipher.backend}); it cannot be rotated or exported here.`);
    }
    return this.d.vault;
  }

  async #exclusive<T>(run: () => Promise<T>): Promise<T> {
    if (this.#busy) throw new LatchkeyError('CONFLICT', 'The master key is already being changed.');
    this.#busy = true;
    try {
      return await run();
    } finally {
      this.#busy = false;
    }
  }

  rotate(input: { keyFile?: string | undefined }, requester: Requester): Promise<RotationResult> {
    return this.#exclusive(async () => {
      const vault = this.#vault();
      const replaceAll = this.d.store.replaceAll?.bind(this.d.store);
      if (!replaceAll) throw new LatchkeyError('UNAVAILABLE', 'This store cannot replace its secrets in one write, so the key is not rotated.');
      // Refuses under a wrong or missing key: rotating then would re-encrypt nothing it can read.
      this.d.secrets.assertWritable();
      const old = this.d.cipher;
      // Stored durably before anything is encrypted under it: refused here, nothing changed.
      const next = await vault.prepare(input);
      let reencrypted = 0;
      let dropped = 0;
      try {
        await replaceAll(
          () => {
            reencrypted = 0;
            dropped = 0;
            const blobs = new Map<string, Uint8Array>();
            for (const id of this.d.store.ids()) {
              const blob = this.d.store.get(id);
              if (!blob) continue;
              let plain: string;
              try {
                plain = old.decrypt(blob);
              } catch {
                dropped++;
                continue;
              }
              blobs.set(id, next.cipher.encrypt(plain));
              reencrypted++;
            }
            return { blobs, keyCheck: next.cipher.encrypt(KEY_CHECK_TEXT) };
          },
          () => next.use(),
        );
      } catch (error) {
        await next.abandon().catch(() => undefined);
        await this.d.audit.record({ type: 'key.rotate', outcome: 'error', requester, detail: `The master key was not rotated; nothing changed (${describe(error)})` }).catch(() => undefined);
        throw error;
      }
      // The store is under the new key and the new key is stored: finishing is idempotent, and a
      // crash before it ends is finished at the next start (the stored new key opens the key check).
      await next.commit();
      // A kit made before holds the old key: it no longer opens these secrets.
      this.#kitMade = false;
      await this.d.audit.record({ type: 'key.rotate', outcome: 'ok', requester, detail: `Master key rotated: ${reencrypted} blobs re-encrypted${dropped ? `, ${dropped} unreadable blobs dropped` : ''}; the new key is kept in ${next.where}` });
      this.d.changed();
      return { reencrypted, dropped, where: next.where };
    });
  }

  async exportRecoveryKit(input: { passphrase: string }, requester: Requester): Promise<{ kit: string; fileName: string }> {
    assertPassphrase(input.passphrase);
    const vault = this.#vault();
    if (this.d.secrets.wrongKey) throw new LatchkeyError('WRONG_KEY', this.d.secrets.wrongKey);
    const key = vault.exportKey();
    if (!key) throw new LatchkeyError('CIPHER_UNAVAILABLE', `There is no master key to put in a recovery kit: ${this.d.cipher.unavailableReason() ?? 'none is available'}`);
    const now = new Date(this.d.now());
    try {
      // No audit, no kit: the kit is handed out only once its making is on record.
      const kit = sealRecoveryKit(key, input.passphrase, now);
      await this.d.audit.record({ type: 'key.recovery', outcome: 'ok', requester, detail: KIT_MADE });
      this.#kitMade = true;
      this.d.changed();
      return { kit, fileName: `latchkey-recovery-kit-${now.toISOString().slice(0, 10)}.json` };
    } finally {
      key.fill(0);
    }
  }

  restoreFromKit(input: { kit: string; passphrase: string }, requester: Requester): Promise<{ where: string }> {
    return this.#exclusive(async () => {
      const vault = this.#vault();
      if (this.d.cipher.isAvailable() && !this.d.secrets.wrongKey) {
        throw new LatchkeyError('CONFLICT', 'The master key in use already opens these secrets; there is nothing to restore.');
      }
      const check = this.d.store.keyCheck();
      if (!check) throw new LatchkeyError('VALIDATION', 'No secrets were saved under any key yet, so there is nothing a recovery kit could restore.');
      let key: Uint8Array;
      try {
        key = openRecoveryKit(input.kit, input.passphrase);
      } catch (error) {
        await this.d.audit.record({ type: 'key.recovery', outcome: 'denied', requester, detail: `A recovery kit was refused (${describe(error)})` }).catch(() => undefined);
        throw error;
      }
      try {
        // Only the key the secrets were saved with is accepted: a kit from another data folder is not.
        let opens = false;
        try {
          opens = vault.cipherFor(key).decrypt(check) === KEY_CHECK_TEXT;
        } catch {
          opens = false;
        }
        if (!opens) {
          await this.d.audit.record({ type: 'key.recovery', outcome: 'denied', requester, detail: 'A recovery kit held a key that does not open these secrets' }).catch(() => undefined);
          throw new LatchkeyError('INVALID_KIT', 'This recovery kit holds a different master key than the one these secrets were saved with (a kit from another data folder, or from before a key rotation). Nothing was changed.');
        }
        const { where } = await vault.adopt(key);
        this.d.secrets.recheck();
        // Before the record: the restore is then written with the audit key it reopened.
        await this.d.reopen?.().catch((error: unknown) => console.error('keys: reopening what depends on the restored key failed', error));
        await this.d.audit.record({ type: 'key.recovery', outcome: 'ok', requester, detail: `The master key was restored from a recovery kit and is kept in ${where}` });
        this.d.changed();
        return { where };
      } finally {
        key.fill(0);
      }
    });
  }
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.slice(0, 300);
}
