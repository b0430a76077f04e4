/** Where the 256-bit master key comes from, and why it could not be had. Never a built-in key. */

export const MASTER_KEY_BYTES = 32;
export const ENV_VAR = 'LATCHKEY_MASTER_KEY';

const FIX_ENV = `set ${ENV_VAR} to the base64 of 32 random bytes (for example: openssl rand -base64 32)`;

export type KeyResult = { ok: true; key: Buffer } | { ok: false; reason: string };

/**
 * Parses LATCHKEY_MASTER_KEY. Strict on purpose: Buffer.from(…, 'base64') silently skips junk,
 * and a key quietly decoded from a typo would encrypt secrets nobody can read back later.
 */
export function parseEnvKey(raw: string): KeyResult {
  const text = raw.trim();
  if (text === '') return { ok: false, reason: `${ENV_VAR} is set but empty; ${FIX_ENV}, or unset it to use the OS keychain.` };
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.replace(/=+$/, '').length % 4 === 1) {
    return { ok: false, reason: `${ENV_VAR} is not valid base64; ${FIX_ENV}.` };
  }
  return checkKeyBytes(Buffer.from(text, 'base64'), ENV_VAR, FIX_ENV);
}

export function checkKeyBytes(key: Buffer, source: string, fix: string): KeyResult {
  if (key.length !== MASTER_KEY_BYTES) {
    return { ok: false, reason: `${source} holds ${key.length} bytes; a master key is exactly ${MASTER_KEY_BYTES}. To fix it, ${fix}.` };
  }
  // A key of one repeated byte (all zeros from a template, say) is a hard-coded key in disguise.
  if (key.every((byte) => byte === key[0])) {
    return { ok: false, reason: `${source} is ${MASTER_KEY_BYTES} copies of one byte, which is not a secret key. To fix it, ${fix}.` };
  }
  return { ok: true, key };
}

export const ENV_FIX = FIX_ENV;
