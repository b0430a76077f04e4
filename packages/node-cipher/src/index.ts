import type { AuditAnchorStore, Cipher, MasterKeyVault } from '@latchkey/broker';
import { keyFromKeychain, keychainSlots } from './keychain.js';
import { keychainAnchorStore } from './keychain-anchor.js';
import { ENV_FIX, ENV_VAR, parseEnvKey, type KeyResult } from './master-key.js';
import { keychainVault, personKeptVault, settleKeychainRotation, SwappableCipher } from './vault.js';

export { BLOB_VERSION } from './aes-gcm.js';
export { ENV_VAR } from './master-key.js';
export { keychainAnchorStore } from './keychain-anchor.js';
export { SwappableCipher, keychainVault, personKeptVault, settleKeychainRotation, writeKeyFile, cipherForKey, type KeySlots } from './vault.js';

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
  /** Where a key from LATCHKEY_MASTER_KEY really came from, in words ("the file /home/me/key"). */
  keyWhere?: string;
  /**
   * Whether a key decrypts the store's key check: a rotation stopped part way is finished at
   * start with whichever keychain item opens it.
   */
  opensStore?: (cipher: Cipher) => boolean;
  /** Where a key restored from a recovery kit is written when the person keeps the key (0600, new file). */
  recoveredKeyFile?: string;
}

export interface NodeKeys {
  cipher: Cipher;
  /** Null when there is no key (the cipher is unavailable). */
  vault: MasterKeyVault | null;
  /**
   * Where the audit log's anchor is kept outside the data folder: the OS keychain, when the key
   * lives there. Null with a key the person keeps (LATCHKEY_MASTER_KEY, a file) or no keychain:
   * then a rollback of the whole data folder cannot be detected, and the audit status says so.
   */
  anchor: AuditAnchorStore | null;
  /** Why there is no anchor, in words (for the audit status); null when there is one. */
  noAnchor: string | null;
}

const NO_ANCHOR_ENV = `the master key comes from ${ENV_VAR} (or a file), not the OS keychain, so no anchor of the audit log is kept outside the data folder`;
const NO_ANCHOR_KEYCHAIN = 'no OS keychain holds the master key here, so no anchor of the audit log is kept outside the data folder';

export type NodeCipherBackend = 'env' | 'os-keychain' | 'none';

/**
 * The headless host's Cipher: AES-256-GCM under a 256-bit master key from LATCHKEY_MASTER_KEY or
 * the OS keychain. With neither, the cipher is unavailable and says how to fix that: there is no
 * fallback key, because a key anyone can derive protects nothing (DESIGN.md, invariant 7).
 */
export async function createNodeCipher(options: NodeCipherOptions = {}): Promise<Cipher> {
  return (await createNodeKeys(options)).cipher;
}

/** The cipher and, when there is a key, the vault that rotates it and puts it in a recovery kit. */
export async function createNodeKeys(options: NodeCipherOptions = {}): Promise<NodeKeys> {
  const env = options.env ?? process.env;
  const fromEnv = env[ENV_VAR];
  if (fromEnv !== undefined) {
    // A key that was set but is wrong must not silently fall through to another source.
    const result = parseEnvKey(fromEnv);
    if (!result.ok) return { cipher: unavailable('env', result.reason), vault: null, anchor: null, noAnchor: NO_ANCHOR_ENV };
    const cipher = new SwappableCipher('env', result.key);
    return { cipher, vault: personKeptVault(cipher, options.keyWhere ?? `in ${ENV_VAR}`, options.recoveredKeyFile ?? null), anchor: null, noAnchor: NO_ANCHOR_ENV };
  }
  if (options.useKeychain === false) {
    return { cipher: unavailable('none', `No master key: ${ENV_VAR} is not set and the OS keychain is turned off. To save secrets, ${ENV_FIX}.`), vault: null, anchor: null, noAnchor: NO_ANCHOR_KEYCHAIN };
  }
  const service = options.service ?? 'latchkey';
  const account = options.account ?? 'master-key';
  const timeoutMs = options.keychainTimeoutMs ?? 10_000;
  const result: KeyResult & { minted?: boolean; missing?: boolean } = await keyFromKeychain({ service, account, createIfMissing: options.createIfMissing ?? true, timeoutMs });
  const slots = keychainSlots(service, account, timeoutMs);
  if (!result.ok && result.missing) {
    // The keychain answers but lost the key while secrets exist: no key until one is restored from
    // a recovery kit, which the vault stores back in the keychain and swaps in (no restart).
    const cipher = new SwappableCipher('os-keychain', null, result.reason);
    return { cipher, vault: keychainVault(cipher, slots, false), anchor: keychainAnchorStore(service, timeoutMs), noAnchor: null };
  }
  if (!result.ok) return { cipher: unavailable('none', result.reason), vault: null, anchor: null, noAnchor: NO_ANCHOR_KEYCHAIN };
  const key = options.opensStore ? await settleKeychainRotation(slots, result.key, options.opensStore).catch(() => result.key) : result.key;
  const cipher = new SwappableCipher('os-keychain', key);
  return { cipher, vault: keychainVault(cipher, slots, result.minted === true), anchor: keychainAnchorStore(service, timeoutMs), noAnchor: null };
}

function unavailable(backend: NodeCipherBackend, reason: string): Cipher {
  const refuse = (): never => {
    throw new Error(`Secrets cannot be encrypted or decrypted: ${reason}`);
  };
  return { backend, isAvailable: () => false, unavailableReason: () => reason, encrypt: refuse, decrypt: refuse };
}
