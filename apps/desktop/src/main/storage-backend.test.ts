import { describe, expect, it } from 'vitest';
import { classifySafeStorage } from './storage-backend';

describe('classifySafeStorage', () => {
  it('refuses Linux basic_text even though Electron calls it available', () => {
    const result = classifySafeStorage({ platform: 'linux', encryptionAvailable: true, linuxBackend: 'basic_text' });
    expect(result.available).toBe(false);
    expect(result.backend).toBe('basic_text');
    expect(result.reason).toContain('--password-store=gnome-libsecret');
    expect(result.reason).toContain('kwallet6');
  });

  it('refuses an unknown Linux backend and a locked keyring', () => {
    expect(classifySafeStorage({ platform: 'linux', encryptionAvailable: true, linuxBackend: 'unknown' }).available).toBe(false);
    expect(classifySafeStorage({ platform: 'linux', encryptionAvailable: true }).available).toBe(false);
    const locked = classifySafeStorage({ platform: 'linux', encryptionAvailable: false, linuxBackend: 'gnome_libsecret' });
    expect(locked).toMatchObject({ available: false, backend: 'gnome_libsecret' });
    expect(locked.reason).toContain('locked');
  });

  it('accepts a real Linux keyring', () => {
    for (const linuxBackend of ['gnome_libsecret', 'kwallet', 'kwallet5', 'kwallet6'] as const) {
      expect(classifySafeStorage({ platform: 'linux', encryptionAvailable: true, linuxBackend })).toEqual({ available: true, backend: linuxBackend, reason: null });
    }
  });

  it('follows isEncryptionAvailable on macOS and Windows', () => {
    expect(classifySafeStorage({ platform: 'darwin', encryptionAvailable: true })).toEqual({ available: true, backend: 'macos-keychain', reason: null });
    expect(classifySafeStorage({ platform: 'darwin', encryptionAvailable: false }).reason).toContain('Keychain');
    expect(classifySafeStorage({ platform: 'win32', encryptionAvailable: false }).available).toBe(false);
  });
});
