/**
 * Invariant 7 on the desktop: with Linux's basic_text backend (a key built into Electron) the
 * cipher must refuse, not "encrypt". Electron cannot run here, so safeStorage is a stand-in
 * that records calls; it encrypts by reversing bytes so a refused call is visible.
 */
import type { SafeStorage } from 'electron';
import { describe, expect, it } from 'vitest';
import { createSafeStorageCipher } from './safe-storage-cipher';

function standIn(backend: string, available = true) {
  const calls: string[] = [];
  const safeStorage = {
    isEncryptionAvailable: () => available,
    getSelectedStorageBackend: () => backend,
    encryptString: (s: string) => (calls.push('encryptString'), Buffer.from(s).reverse()),
    decryptString: (b: Buffer) => (calls.push('decryptString'), Buffer.from(b).reverse().toString()),
    setUsePlainTextEncryption: () => void calls.push('setUsePlainTextEncryption'),
  } as unknown as SafeStorage;
  return { safeStorage, calls };
}

describe('createSafeStorageCipher', () => {
  it('refuses to encrypt under basic_text and says how to fix it', () => {
    const { safeStorage, calls } = standIn('basic_text');
    const cipher = createSafeStorageCipher(safeStorage, 'linux');
    expect(cipher.isAvailable()).toBe(false);
    expect(cipher.backend).toBe('basic_text');
    expect(cipher.unavailableReason()).toContain('--password-store=');
    expect(() => cipher.encrypt('hunter2')).toThrow(/cannot be encrypted/);
    expect(calls).toEqual([]);
  });

  it('round-trips through safeStorage with a real keyring', () => {
    const { safeStorage, calls } = standIn('gnome_libsecret');
    const cipher = createSafeStorageCipher(safeStorage, 'linux');
    expect(cipher.isAvailable()).toBe(true);
    const blob = cipher.encrypt('hunter2');
    expect(Buffer.from(blob).toString()).not.toContain('hunter2');
    expect(cipher.decrypt(blob)).toBe('hunter2');
    expect(calls).toEqual(['encryptString', 'decryptString']);
  });
});
