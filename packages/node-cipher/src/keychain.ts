import { randomBytes } from 'node:crypto';
import type { AsyncEntry as AsyncEntryType } from '@napi-rs/keyring';
import { checkKeyBytes, ENV_FIX, MASTER_KEY_BYTES, type KeyResult } from './master-key.js';
import type { KeySlots } from './vault.js';

export interface KeychainOptions {
  service: string;
  account: string;
  /** Create and store a new key when the keychain has none. */
  createIfMissing: boolean;
  timeoutMs: number;
}

const FIX_KEYCHAIN = `unlock your login keyring (or install and start one: gnome-keyring or KWallet on Linux), or ${ENV_FIX}`;

/**
 * The native keychain binding, loaded on first use: a host given its key another way (a file
 * descriptor, LATCHKEY_MASTER_KEY_FILE) never loads the addon, which cost start-up time.
 */
async function newEntry(service: string, account: string): Promise<AsyncEntryType> {
  const { AsyncEntry } = await import('@napi-rs/keyring');
  return new AsyncEntry(service, account);
}

function describe(error: unknown): string {
  // The native error carries a Rust backtrace after a blank line; the person needs the first line only.
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n')[0] ?? text).trim();
}

/**
 * Reads the master key from the OS keychain (Secret Service on Linux, Keychain on macOS,
 * Credential Manager on Windows), creating it on first use.
 */
export async function keyFromKeychain(options: KeychainOptions): Promise<KeyResult & { minted?: boolean; missing?: boolean }> {
  const where = `The OS keychain item "${options.service}" / "${options.account}"`;
  let stored: string | undefined;
  let entry: AsyncEntryType;
  try {
    entry = await newEntry(options.service, options.account);
    stored = await entry.getPassword(AbortSignal.timeout(options.timeoutMs));
  } catch (error) {
    return { ok: false, reason: `No OS keychain answered (${describe(error)}). To save secrets, ${FIX_KEYCHAIN}.` };
  }
  if (stored != null) {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(stored.trim())) {
      return { ok: false, reason: `${where} does not hold a base64 key. Latchkey leaves it untouched; remove it only if no secrets were saved with it, or ${ENV_FIX}.` };
    }
    return checkKeyBytes(Buffer.from(stored.trim(), 'base64'), where, `remove it only if no secrets were saved with it, or ${ENV_FIX}`);
  }
  if (!options.createIfMissing) {
    // The keychain answered: a key restored from a recovery kit can be stored there (index.ts).
    return { ok: false, missing: true, reason: `${where} is missing, so the secrets saved under it cannot be read. Restore the key from a recovery kit (Settings → Keys), restore the keychain, or ${ENV_FIX} if that is the key they were saved with.` };
  }
  const key = randomBytes(MASTER_KEY_BYTES);
  try {
    await entry.setPassword(key.toString('base64'), AbortSignal.timeout(options.timeoutMs));
    // Some backends report no entry instead of failing when nothing is listening: only a key that
    // reads back is one we may encrypt with, or every secret written now would be lost on restart.
    const check = await entry.getPassword(AbortSignal.timeout(options.timeoutMs));
    if (check?.trim() !== key.toString('base64')) {
      return { ok: false, reason: `The OS keychain accepted a new master key but did not return it. To save secrets, ${FIX_KEYCHAIN}.` };
    }
  } catch (error) {
    return { ok: false, reason: `The OS keychain could not store a master key (${describe(error)}). To save secrets, ${FIX_KEYCHAIN}.` };
  }
  return { ok: true, key, minted: true };
}

/** The key in use (`account`) and a key being rotated in (`account.next`), as keychain items. */
export function keychainSlots(service: string, account: string, timeoutMs: number): KeySlots {
  const entry = (slot: 'main' | 'next') => newEntry(service, slot === 'main' ? account : `${account}.next`);
  return {
    where: `the OS keychain (item "${service}" / "${account}")`,
    get: async (slot) => (await (await entry(slot)).getPassword(AbortSignal.timeout(timeoutMs))) ?? null,
    set: async (slot, value) => void (await (await entry(slot)).setPassword(value, AbortSignal.timeout(timeoutMs))),
    delete: async (slot) => void (await (await entry(slot)).deletePassword(AbortSignal.timeout(timeoutMs))),
  };
}
