import { randomBytes } from 'node:crypto';
import { constants, promises as fsp } from 'node:fs';
import { dirname, isAbsolute } from 'node:path';
import type { Cipher, MasterKeyVault, PreparedKey } from '@latchkey/broker';
import { LatchkeyError } from '@latchkey/contracts';
import { createAesGcm, type AesGcm } from './aes-gcm.js';
import { MASTER_KEY_BYTES } from './master-key.js';

/**
 * The cipher the broker holds, whose key can change under it (rotation, a recovery kit) without
 * every service that holds the Cipher being told: they keep the same object.
 */
/**
 * Takes ownership of the key it is given and wipes it, as createAesGcm does. With no key (`null`:
 * the keychain lost its item while secrets exist) it is unavailable, saying `missing`, until a key
 * restored from a recovery kit is swapped in.
 */
export class SwappableCipher implements Cipher {
  #aes: AesGcm | null;
  #raw: Buffer | null;

  constructor(
    readonly backend: string,
    key: Buffer | null,
    private readonly missing = 'there is no master key',
  ) {
    this.#raw = key ? Buffer.from(key) : null;
    this.#aes = key ? createAesGcm(key) : null;
  }

  isAvailable(): boolean {
    return this.#aes !== null;
  }
  unavailableReason(): string | null {
    return this.#aes ? null : this.missing;
  }
  encrypt(plaintext: string): Uint8Array {
    return this.#cipher().encrypt(plaintext);
  }
  decrypt(blob: Uint8Array): string {
    return this.#cipher().decrypt(blob);
  }
  #cipher(): AesGcm {
    if (!this.#aes) throw new Error(`Secrets cannot be encrypted or decrypted: ${this.missing}`);
    return this.#aes;
  }
  /** A copy: the caller wipes it. Null while there is no key. */
  exportKey(): Uint8Array | null {
    return this.#raw ? new Uint8Array(Buffer.from(this.#raw)) : null;
  }
  swap(key: Uint8Array): void {
    const next = Buffer.from(key);
    this.#aes = createAesGcm(Buffer.from(next));
    this.#raw?.fill(0);
    this.#raw = next;
  }
}

export const cipherForKey = (key: Uint8Array, backend = 'candidate'): Cipher => new SwappableCipher(backend, Buffer.from(key));

const newKey = (): Buffer => randomBytes(MASTER_KEY_BYTES);

/**
 * Named secrets in the OS keychain (or a fake of it in tests): the key in use under `main`, a key
 * being rotated in under `next`.
 */
export interface KeySlots {
  get(slot: 'main' | 'next'): Promise<string | null>;
  set(slot: 'main' | 'next', value: string): Promise<void>;
  delete(slot: 'main' | 'next'): Promise<void>;
  readonly where: string;
}

/** Writes and reads back: some keychains accept a value and then do not return it. */
async function storeChecked(slots: KeySlots, slot: 'main' | 'next', key: Uint8Array): Promise<void> {
  const text = Buffer.from(key).toString('base64');
  try {
    await slots.set(slot, text);
    if ((await slots.get(slot))?.trim() !== text) throw new Error('the keychain did not return the key it accepted');
  } catch (error) {
    throw new LatchkeyError('UNAVAILABLE', `The new master key could not be stored in ${slots.where} (${error instanceof Error ? error.message.split('\n')[0] : String(error)}), so nothing was changed: a key kept only in memory would lose every secret at the next restart.`);
  }
}

/**
 * The key lives in the OS keychain. Rotation stores the new key as a second item first; after
 * the store has landed under it, it replaces the main item. A crash in between is finished at the
 * next start by `settleKeychainRotation`.
 */
export function keychainVault(cipher: SwappableCipher, slots: KeySlots, minted: boolean): MasterKeyVault {
  return {
    describe: () => ({ where: `in ${slots.where}`, minted, personKeepsIt: false }),
    exportKey: () => cipher.exportKey(),
    cipherFor: (key) => cipherForKey(key),
    async prepare(): Promise<PreparedKey> {
      const key = newKey();
      await storeChecked(slots, 'next', key);
      return {
        cipher: cipherForKey(key),
        where: slots.where,
        use: () => cipher.swap(key),
        async commit() {
          // If this fails the next start finishes it: `next` opens the key check, `main` does not.
          await storeChecked(slots, 'main', key);
          await slots.delete('next').catch(() => undefined);
          key.fill(0);
        },
        async abandon() {
          await slots.delete('next').catch(() => undefined);
          key.fill(0);
        },
      };
    },
    async adopt(key) {
      await storeChecked(slots, 'main', key);
      cipher.swap(key);
      return { where: slots.where };
    },
  };
}

/**
 * At start, after a rotation that stopped part way: the store is under whichever of `main` and
 * `next` opens its key check. `opens` tells; the other item is cleaned up. Returns the key to use.
 */
export async function settleKeychainRotation(slots: KeySlots, main: Buffer, opens: (cipher: Cipher) => boolean): Promise<Buffer> {
  const nextText = await slots.get('next').catch(() => null);
  if (nextText == null) return main;
  if (opens(cipherForKey(main))) {
    // The rotation stopped before the store changed: the new key was never used.
    await slots.delete('next').catch(() => undefined);
    return main;
  }
  const next = Buffer.from(nextText.trim(), 'base64');
  if (next.length !== MASTER_KEY_BYTES || !opens(cipherForKey(next))) return main;
  // The store landed under the new key: finish what the rotation started.
  await storeChecked(slots, 'main', next);
  await slots.delete('next').catch(() => undefined);
  return next;
}

/** Writes a key to a new file only this user can read, durably; refuses to overwrite one. */
export async function writeKeyFile(path: string, key: Uint8Array): Promise<void> {
  if (!isAbsolute(path)) throw new LatchkeyError('VALIDATION', 'Give the full path of a new file for the new master key (for example /home/you/.latchkey-master-key).');
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new LatchkeyError('VALIDATION', code === 'EEXIST' ? `${path} already exists; name a new file, so no key is overwritten.` : `The new master key cannot be written to ${path} (${code ?? 'error'}); nothing was changed.`);
  }
  try {
    await handle.writeFile(`${Buffer.from(key).toString('base64')}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  const folder = await fsp.open(dirname(path), constants.O_RDONLY).catch(() => null);
  if (folder) await folder.sync().finally(() => folder.close());
}

/**
 * The key is kept by the person (LATCHKEY_MASTER_KEY, a key file, the launcher's pipe): Latchkey
 * cannot change where it comes from, so a new key is written to a file the person names, before
 * the store changes; they point LATCHKEY_MASTER_KEY_FILE at it for the next start. The page is
 * never shown the key: a key in a browser tab or a download folder is easier lost or copied than
 * a 0600 file the person chose.
 */
export function personKeptVault(cipher: SwappableCipher, where: string, recoveredKeyFile: string | null): MasterKeyVault {
  let current = where;
  return {
    describe: () => ({ where: current, minted: false, personKeepsIt: true }),
    exportKey: () => cipher.exportKey(),
    cipherFor: (key) => cipherForKey(key),
    async prepare({ keyFile }): Promise<PreparedKey> {
      if (!keyFile) throw new LatchkeyError('VALIDATION', `The master key comes from ${where}, which Latchkey cannot change: name a new file for the new key (keyFile).`);
      const key = newKey();
      await writeKeyFile(keyFile, key);
      const after = `the file ${keyFile}: start Latchkey with LATCHKEY_MASTER_KEY_FILE=${keyFile} (and without LATCHKEY_MASTER_KEY) from now on`;
      return {
        cipher: cipherForKey(key),
        where: after,
        use: () => {
          cipher.swap(key);
          current = after;
        },
        commit: async () => void key.fill(0),
        async abandon() {
          await fsp.unlink(keyFile).catch(() => undefined);
          key.fill(0);
        },
      };
    },
    async adopt(key) {
      if (!recoveredKeyFile) throw new LatchkeyError('UNAVAILABLE', `The master key comes from ${where}: set it to the key in your recovery kit there.`);
      await writeKeyFile(recoveredKeyFile, key);
      cipher.swap(key);
      current = `the file ${recoveredKeyFile}: start Latchkey with LATCHKEY_MASTER_KEY_FILE=${recoveredKeyFile} from now on`;
      return { where: current };
    },
  };
}
