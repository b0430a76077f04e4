/**
 * Whether Electron's safeStorage really protects secrets. On Linux, `isEncryptionAvailable()`
 * is true even for the `basic_text` backend, whose key is hard-coded in Chromium: that is
 * obfuscation, not encryption, so Latchkey treats it as unavailable (DESIGN.md, invariant 7).
 */
export type LinuxBackend = 'basic_text' | 'gnome_libsecret' | 'kwallet' | 'kwallet5' | 'kwallet6' | 'unknown';

export interface SafeStorageFacts {
  platform: string;
  encryptionAvailable: boolean;
  /** `safeStorage.getSelectedStorageBackend()`, Linux only. */
  linuxBackend?: LinuxBackend;
}

export interface CipherAvailability {
  available: boolean;
  backend: string;
  reason: string | null;
}

const LINUX_FIX =
  'Unlock or install a keyring (GNOME Keyring or KWallet) and restart Latchkey, or start it with --password-store=gnome-libsecret (GNOME) or --password-store=kwallet6 (KDE).';

export function classifySafeStorage(facts: SafeStorageFacts): CipherAvailability {
  if (facts.platform === 'linux') {
    const backend = facts.linuxBackend ?? 'unknown';
    if (backend === 'basic_text') {
      return {
        available: false,
        backend,
        reason: `No system keyring was found, so secrets would be "encrypted" with a key built into Electron that anyone can read. ${LINUX_FIX}`,
      };
    }
    if (backend === 'unknown') {
      return { available: false, backend, reason: `Latchkey could not tell which keyring would protect your secrets. ${LINUX_FIX}` };
    }
    if (!facts.encryptionAvailable) {
      return { available: false, backend, reason: `The ${backend} keyring is not answering (it may be locked). ${LINUX_FIX}` };
    }
    return { available: true, backend, reason: null };
  }
  const backend = facts.platform === 'darwin' ? 'macos-keychain' : facts.platform === 'win32' ? 'windows-dpapi' : facts.platform;
  if (!facts.encryptionAvailable) {
    return {
      available: false,
      backend,
      reason:
        facts.platform === 'darwin'
          ? 'The macOS Keychain is not available to Latchkey. Unlock your login keychain and restart Latchkey.'
          : 'The operating system’s secret storage is not available to Latchkey. Sign in to your user account normally and restart Latchkey.',
    };
  }
  return { available: true, backend, reason: null };
}
