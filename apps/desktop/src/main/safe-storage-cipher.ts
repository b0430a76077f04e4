import type { Cipher } from '@latchkey/broker';
import type { SafeStorage } from 'electron';
import { classifySafeStorage, type LinuxBackend } from './storage-backend';

/**
 * The desktop app's Cipher over Electron's safeStorage. Must be created after `app` is ready
 * (before that the backend is not selected yet). Never calls setUsePlainTextEncryption: with no
 * real keyring the cipher is unavailable and secret writes are refused.
 */
export function createSafeStorageCipher(safeStorage: SafeStorage, platform: string = process.platform): Cipher {
  const availability = classifySafeStorage({
    platform,
    encryptionAvailable: safeStorage.isEncryptionAvailable(),
    linuxBackend: platform === 'linux' ? (safeStorage.getSelectedStorageBackend() as LinuxBackend) : undefined,
  });
  const refuse = (): never => {
    throw new Error(`Secrets cannot be encrypted or decrypted: ${availability.reason ?? 'safeStorage is unavailable'}`);
  };
  return {
    backend: availability.backend,
    isAvailable: () => availability.available,
    unavailableReason: () => availability.reason,
    encrypt: (plaintext) => (availability.available ? new Uint8Array(safeStorage.encryptString(plaintext)) : refuse()),
    decrypt: (blob) => (availability.available ? safeStorage.decryptString(Buffer.from(blob)) : refuse()),
  };
}
