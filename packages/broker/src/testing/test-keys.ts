import { randomBytes } from 'node:crypto';
import { LatchkeyError } from '@latchkey/contracts';
import type { Cipher, MasterKeyVault } from '../ports.js';
import { createTestCipher } from './memory-ports.js';

/** A stand-in for the OS keychain that outlives a "restart" in a test: the key in use and one being rotated in. */
export interface TestKeychain {
  main: Uint8Array | null;
  next: Uint8Array | null;
  /** Makes storing the next key fail, as a locked keychain does. */
  failNext?: boolean;
}

/**
 * A real AES-GCM cipher whose key can be swapped, and a vault over a TestKeychain, with the same
 * order as the headless host's: the new key is stored as `next` before the store changes.
 */
export function createTestKeys(chain: TestKeychain, minted = false): { cipher: Cipher; vault: MasterKeyVault; keyNow: () => Uint8Array } {
  chain.main ??= randomBytes(32);
  let key = Uint8Array.from(chain.main);
  let inner = createTestCipher(key, 'os-keychain');
  const cipher: Cipher = {
    backend: 'os-keychain',
    isAvailable: () => true,
    unavailableReason: () => null,
    encrypt: (text) => inner.encrypt(text),
    decrypt: (blob) => inner.decrypt(blob),
  };
  const swap = (k: Uint8Array) => {
    key = Uint8Array.from(k);
    inner = createTestCipher(key, 'os-keychain');
  };
  const vault: MasterKeyVault = {
    describe: () => ({ where: 'in the test keychain', minted, personKeepsIt: false }),
    exportKey: () => Uint8Array.from(key),
    cipherFor: (k) => createTestCipher(Uint8Array.from(k)),
    async prepare() {
      if (chain.failNext) throw new LatchkeyError('UNAVAILABLE', 'The new master key could not be stored in the test keychain; nothing was changed.');
      const next = randomBytes(32);
      chain.next = Uint8Array.from(next);
      return {
        cipher: createTestCipher(Uint8Array.from(next)),
        where: 'the test keychain',
        use: () => swap(next),
        commit: async () => {
          chain.main = Uint8Array.from(next);
          chain.next = null;
        },
        abandon: async () => {
          chain.next = null;
        },
      };
    },
    async adopt(k) {
      chain.main = Uint8Array.from(k);
      swap(k);
      return { where: 'the test keychain' };
    },
  };
  return { cipher, vault, keyNow: () => Uint8Array.from(key) };
}
