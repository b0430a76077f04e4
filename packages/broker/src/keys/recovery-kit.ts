import { createCipheriv, createDecipheriv, createHmac, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { LatchkeyError } from '@latchkey/contracts';

/**
 * A recovery kit: the master key wrapped by a passphrase the person chooses, as a small JSON file
 * they keep apart from the machine. scrypt turns the passphrase into 64 bytes: the first 32 wrap
 * the key with AES-256-GCM, the last 32 make a check value, so a wrong passphrase and a damaged
 * kit are told apart (both fail closed; only the message differs).
 */
export const KIT_FORMAT = 'latchkey-recovery-kit';
export const KIT_VERSION = 1;
export const MIN_PASSPHRASE_LENGTH = 12;

/** 2^17 × 8 × 128 bytes = 128 MiB and ~0.5 s per guess: OWASP's scrypt floor is 2^17, r 8, p 1. */
const N = 2 ** 17;
const R = 8;
const P = 1;
/** What a kit may ask for: never weaker than we make, never so costly that opening one hangs the machine. */
const MIN_N = 2 ** 17;
const MAX_N = 2 ** 20;
const MAX_KIT_CHARS = 4_096;
const CHECK_TEXT = 'latchkey recovery kit passphrase check';

interface KitJson {
  format: typeof KIT_FORMAT;
  version: typeof KIT_VERSION;
  createdAt: string;
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
  cipher: { name: 'aes-256-gcm'; iv: string; tag: string };
  /** HMAC of a fixed text under the passphrase's second half: tells a wrong passphrase from a damaged kit. */
  check: string;
  wrappedKey: string;
  note: string;
}

function derive(passphrase: string, salt: Buffer, n: number, r: number, p: number): { wrap: Buffer; check: Buffer } {
  const out = scryptSync(passphrase.normalize('NFC'), salt, 64, { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 });
  return { wrap: out.subarray(0, 32), check: createHmac('sha256', out.subarray(32)).update(CHECK_TEXT).digest() };
}

/** Everything but the ciphertext is authenticated: a kit relabelled with other parameters does not open. */
function aad(kit: Pick<KitJson, 'format' | 'version' | 'createdAt' | 'kdf'>): Buffer {
  return Buffer.from(JSON.stringify([kit.format, kit.version, kit.createdAt, kit.kdf.name, kit.kdf.N, kit.kdf.r, kit.kdf.p, kit.kdf.salt]));
}

export function assertPassphrase(passphrase: unknown): asserts passphrase is string {
  if (typeof passphrase !== 'string' || [...passphrase].length < MIN_PASSPHRASE_LENGTH) {
    throw new LatchkeyError('VALIDATION', `The recovery kit passphrase must be at least ${MIN_PASSPHRASE_LENGTH} characters long. A few unrelated words are easy to remember and hard to guess.`);
  }
  if (passphrase.length > 1024) throw new LatchkeyError('VALIDATION', 'The recovery kit passphrase is longer than 1024 characters.');
}

/** Wraps `key` (32 bytes) under `passphrase`; the text to save as a file. */
export function sealRecoveryKit(key: Uint8Array, passphrase: string, now: Date = new Date()): string {
  assertPassphrase(passphrase);
  if (key.length !== 32) throw new LatchkeyError('INTERNAL', 'A master key is 32 bytes.');
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const head = { format: KIT_FORMAT, version: KIT_VERSION, createdAt: now.toISOString(), kdf: { name: 'scrypt', N, r: R, p: P, salt: salt.toString('base64') } } as const;
  const { wrap, check } = derive(passphrase, salt, N, R, P);
  const cipher = createCipheriv('aes-256-gcm', wrap, iv, { authTagLength: 16 });
  cipher.setAAD(aad(head));
  const wrapped = Buffer.concat([cipher.update(key), cipher.final()]);
  wrap.fill(0);
  const kit: KitJson = {
    ...head,
    cipher: { name: 'aes-256-gcm', iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64') },
    check: check.toString('base64'),
    wrappedKey: wrapped.toString('base64'),
    note: 'Latchkey recovery kit: your master key, encrypted with your passphrase. Keep this file and the passphrase apart, and off this machine.',
  };
  return `${JSON.stringify(kit, null, 2)}\n`;
}

const invalid = (why: string): LatchkeyError => new LatchkeyError('INVALID_KIT', `This is not a Latchkey recovery kit that can be opened: ${why}. Nothing was changed.`);
const b64 = (value: unknown, bytes: number | null, what: string): Buffer => {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw invalid(`its ${what} is not base64`);
  const out = Buffer.from(value, 'base64');
  if (bytes !== null && out.length !== bytes) throw invalid(`its ${what} has the wrong length`);
  return out;
};

/** Unwraps the master key; WRONG_PASSPHRASE or INVALID_KIT otherwise, before anything changes. */
export function openRecoveryKit(text: string, passphrase: string): Uint8Array {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_KIT_CHARS) throw invalid('the file is empty or far too large');
  let kit: Partial<KitJson>;
  try {
    kit = JSON.parse(text) as Partial<KitJson>;
  } catch {
    throw invalid('the file is not JSON');
  }
  if (kit === null || typeof kit !== 'object' || Array.isArray(kit) || kit.format !== KIT_FORMAT) throw invalid('the file is not a recovery kit');
  if (kit.version !== KIT_VERSION) throw invalid(`it is version ${String(kit.version)}, and this Latchkey reads version ${KIT_VERSION}`);
  const kdf = kit.kdf;
  if (!kdf || kdf.name !== 'scrypt' || !Number.isInteger(kdf.N) || kdf.N < MIN_N || kdf.N > MAX_N || (kdf.N & (kdf.N - 1)) !== 0 || kdf.r !== R || kdf.p !== P) {
    throw invalid('its key derivation parameters are not ones Latchkey makes');
  }
  if (kit.cipher?.name !== 'aes-256-gcm' || typeof kit.createdAt !== 'string') throw invalid('its cipher is not AES-256-GCM');
  const salt = b64(kdf.salt, 16, 'salt');
  const iv = b64(kit.cipher.iv, 12, 'IV');
  const tag = b64(kit.cipher.tag, 16, 'tag');
  const check = b64(kit.check, 32, 'check value');
  const wrapped = b64(kit.wrappedKey, 32, 'wrapped key');
  if (typeof passphrase !== 'string' || passphrase.length === 0 || passphrase.length > 1024) throw new LatchkeyError('WRONG_PASSPHRASE', 'Enter the passphrase this recovery kit was made with.');
  const derived = derive(passphrase, salt, kdf.N, R, P);
  if (!timingSafeEqual(derived.check, check)) {
    derived.wrap.fill(0);
    throw new LatchkeyError('WRONG_PASSPHRASE', 'That is not the passphrase this recovery kit was made with. Nothing was changed.');
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', derived.wrap, iv, { authTagLength: 16 });
    decipher.setAAD(aad(kit as KitJson));
    decipher.setAuthTag(tag);
    return new Uint8Array(Buffer.concat([decipher.update(wrapped), decipher.final()]));
  } catch {
    throw invalid('the passphrase is right but the kit was changed or damaged');
  } finally {
    derived.wrap.fill(0);
  }
}
