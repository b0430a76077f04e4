import type { Cipher } from '@latchkey/broker';
import { createAesGcm } from './aes-gcm.js';
import { keyFromKeychain } from './keychain.js';
import { ENV_FIX, ENV_VAR, parseEnvKey, type KeyResult } from './master-key.js';

export { BLOB_VERSION } from './aes-gcm.js';
export { ENV_VAR } from './master-key.js';

export interface NodeCipherOptions {
  /** Where to look for LATCHKEY_MASTER_KEY; process.env by default. */
  env?: Record<string, string | undefined>;
  /** Ask the OS keychain when the env has no key (default true). */
  useKeychain?: boolean;
  /** Keychain item: service "latchkey", account "master-key" by default. */
  service?: string;
  account?: string;
  /**
   * Generate and store a key when the keychain has none (default true). Pass false once secrets
   * exist: a fresh key then would make every stored secret unreadable, so being unavailable is safer.
   */
  createIfMissing?: boolean;
  /** How long to wait for the keychain before calling it absent (default 10 s). */
  keychainTimeoutMs?: number;
}

export type NodeCipherBackend = 'env' | 'os-keychain' | 'none';

/**
 * The headless host's Cipher: AES-256-GCM under a 256-bit master key from LATCHKEY_MASTER_KEY or
 * the OS keychain. With neither, the cipher is unavailable and says how to fix that: there is no
 * fallback key, because a key anyone can derive protects nothing (DESIGN.md, invariant 7).
 */
export async function createNodeCipher(options: NodeCipherOptions = {}): Promise<Cipher> {
  const env = options.env ?? process.env;
  const fromEnv = env[ENV_VAR];
  if (fromEnv !== undefined) {
    // A key that was set but is wrong must not silently fall through to another source.
    return cipherFrom(parseEnvKey(fromEnv), 'env');
  }
  if (options.useKeychain === false) {
    return unavailable('none', `No master key: ${ENV_VAR} is not set and the OS keychain is turned off. To save secrets, ${ENV_FIX}.`);
  }
  const result = await keyFromKeychain({
    service: options.service ?? 'latchkey',
    account: options.account ?? 'master-key',
    createIfMissing: options.createIfMissing ?? true,
    timeoutMs: options.keychainTimeoutMs ?? 10_000,
  });
  return cipherFrom(result, result.ok ? 'os-keychain' : 'none');
}

function cipherFrom(result: KeyResult, backend: NodeCipherBackend): Cipher {
  if (!result.ok) return unavailable(backend === 'env' ? 'env' : 'none', result.reason);
  const aes = createAesGcm(result.key);
  return {
    backend,
    isAvailable: () => true,
    unavailableReason: () => null,
    encrypt: (plaintext) => aes.encrypt(plaintext),
    decrypt: (blob) => aes.decrypt(blob),
  };
}

function unavailable(backend: NodeCipherBackend, reason: string): Cipher {
  const refuse = (): never => {
    throw new Error(`Secrets cannot be encrypted or decrypted: ${reason}`);
  };
  return { backend, isAvailable: () => false, unavailableReason: () => reason, encrypt: refuse, decrypt: refuse };
}
