import { createCipheriv, createDecipheriv, createHmac, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { LatchkeyError } from '@latchkey/contracts';

/**
 * Bytes sealed under a passphrase the person chooses, as a small JSON file they keep: the
 * recovery kit (the master key) and the connections bundle (connections with their secrets) are
 * both this. scrypt turns the passphrase into 64 bytes: the first 32 encrypt with AES-256-GCM,
 * the last 32 make a check value, so a wrong passphrase and a damaged file are told apart (both
 * fail closed; only the message differs). Everything but the ciphertext is authenticated.
 */
export const MIN_PASSPHRASE_LENGTH = 12;

/** 2^17 × 8 × 128 bytes = 128 MiB and ~0.5 s per guess: OWASP's scrypt floor is 2^17, r 8, p 1. */
const N = 2 ** 17;
const R = 8;
const P = 1;
/** What a file may ask for: never weaker than we make, never so costly that opening one hangs the machine. */
const MIN_N = 2 ** 17;
const MAX_N = 2 ** 20;

/** One kind of sealed file: its format name, and the text its check value is made from (domain separation). */
export interface EnvelopeKind {
  format: string;
  version: number;
  /** The JSON field holding the ciphertext ("wrappedKey" in a recovery kit). */
  payloadField: string;
  /** Exact plaintext length, when the kind fixes one (a master key is 32 bytes). */
  payloadBytes: number | null;
  maxChars: number;
  checkText: string;
  /** "recovery kit", "connections bundle": for messages. */
  noun: string;
  /** What the file says about itself, in plain words. */
  note: string;
}

interface EnvelopeHead {
  format: string;
  version: number;
  createdAt: string;
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
}

function derive(kind: EnvelopeKind, passphrase: string, salt: Buffer, n: number): { key: Buffer; check: Buffer } {
  const out = scryptSync(passphrase.normalize('NFC'), salt, 64, { N: n, r: R, p: P, maxmem: 256 * n * R + 1024 * 1024 });
  return { key: out.subarray(0, 32), check: createHmac('sha256', out.subarray(32)).update(kind.checkText).digest() };
}

function aad(head: EnvelopeHead): Buffer {
  return Buffer.from(JSON.stringify([head.format, head.version, head.createdAt, head.kdf.name, head.kdf.N, head.kdf.r, head.kdf.p, head.kdf.salt]));
}

export function assertPassphrase(passphrase: unknown, noun = 'recovery kit'): asserts passphrase is string {
  if (typeof passphrase !== 'string' || [...passphrase].length < MIN_PASSPHRASE_LENGTH) {
    throw new LatchkeyError('VALIDATION', `The ${noun} passphrase must be at least ${MIN_PASSPHRASE_LENGTH} characters long. A few unrelated words are easy to remember and hard to guess.`);
  }
  if (passphrase.length > 1024) throw new LatchkeyError('VALIDATION', `The ${noun} passphrase is longer than 1024 characters.`);
}

/** Seals `plain` under `passphrase`; the text to save as a file. */
export function sealEnvelope(kind: EnvelopeKind, plain: Uint8Array, passphrase: string, now: Date = new Date()): string {
  assertPassphrase(passphrase, kind.noun);
  if (kind.payloadBytes !== null && plain.length !== kind.payloadBytes) throw new LatchkeyError('INTERNAL', `A ${kind.noun} holds ${kind.payloadBytes} bytes.`);
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const head: EnvelopeHead = { format: kind.format, version: kind.version, createdAt: now.toISOString(), kdf: { name: 'scrypt', N, r: R, p: P, salt: salt.toString('base64') } };
  const { key, check } = derive(kind, passphrase, salt, N);
  try {
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
    cipher.setAAD(aad(head));
    const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
    const file = {
      ...head,
      cipher: { name: 'aes-256-gcm', iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64') },
      check: check.toString('base64'),
      [kind.payloadField]: sealed.toString('base64'),
      note: kind.note,
    };
    const text = `${JSON.stringify(file, null, 2)}\n`;
    if (text.length > kind.maxChars) throw new LatchkeyError('VALIDATION', `This ${kind.noun} would be larger than Latchkey can open again (${kind.maxChars} characters); export fewer connections at once.`);
    return text;
  } finally {
    key.fill(0);
  }
}

const invalidOf = (kind: EnvelopeKind) => (why: string): LatchkeyError =>
  new LatchkeyError(kind.format === 'latchkey-recovery-kit' ? 'INVALID_KIT' : 'INVALID_BUNDLE', `This is not a Latchkey ${kind.noun} that can be opened: ${why}. Nothing was changed.`);

/** Whether `text` claims to be this kind of file (its format field), without opening it. */
export function looksLike(kind: EnvelopeKind, value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && (value as { format?: unknown }).format === kind.format;
}

/** Opens a sealed file; WRONG_PASSPHRASE, or INVALID_KIT / INVALID_BUNDLE, before anything changes. */
export function openEnvelope(kind: EnvelopeKind, text: string, passphrase: string): Buffer {
  const invalid = invalidOf(kind);
  if (typeof text !== 'string' || text.length === 0 || text.length > kind.maxChars) throw invalid('the file is empty or far too large');
  let file: Record<string, unknown> & Partial<EnvelopeHead> & { cipher?: { name?: unknown; iv?: unknown; tag?: unknown }; check?: unknown };
  try {
    file = JSON.parse(text) as typeof file;
  } catch {
    throw invalid('the file is not JSON');
  }
  if (!looksLike(kind, file)) throw invalid(`the file is not a ${kind.noun}`);
  if (file.version !== kind.version) throw invalid(`it is version ${String(file.version)}, and this Latchkey reads version ${kind.version}`);
  const kdf = file.kdf;
  if (!kdf || kdf.name !== 'scrypt' || !Number.isInteger(kdf.N) || kdf.N < MIN_N || kdf.N > MAX_N || (kdf.N & (kdf.N - 1)) !== 0 || kdf.r !== R || kdf.p !== P) {
    throw invalid('its key derivation parameters are not ones Latchkey makes');
  }
  if (file.cipher?.name !== 'aes-256-gcm' || typeof file.createdAt !== 'string') throw invalid('its cipher is not AES-256-GCM');
  const b64 = (value: unknown, bytes: number | null, what: string): Buffer => {
    if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw invalid(`its ${what} is not base64`);
    const out = Buffer.from(value, 'base64');
    if (bytes !== null && out.length !== bytes) throw invalid(`its ${what} has the wrong length`);
    return out;
  };
  const salt = b64(kdf.salt, 16, 'salt');
  const iv = b64(file.cipher.iv, 12, 'IV');
  const tag = b64(file.cipher.tag, 16, 'tag');
  const check = b64(file.check, 32, 'check value');
  const sealed = b64(file[kind.payloadField], kind.payloadBytes, kind.payloadField === 'wrappedKey' ? 'wrapped key' : 'contents');
  if (typeof passphrase !== 'string' || passphrase.length === 0 || passphrase.length > 1024) throw new LatchkeyError('WRONG_PASSPHRASE', `Enter the passphrase this ${kind.noun} was made with.`);
  const derived = derive(kind, passphrase, salt, kdf.N);
  try {
    if (!timingSafeEqual(derived.check, check)) throw new LatchkeyError('WRONG_PASSPHRASE', `That is not the passphrase this ${kind.noun} was made with. Nothing was changed.`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', derived.key, iv, { authTagLength: 16 });
      decipher.setAAD(aad(file as EnvelopeHead));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(sealed), decipher.final()]);
    } catch {
      throw invalid(`the passphrase is right but the ${kind.noun} was changed or damaged`);
    }
  } finally {
    derived.key.fill(0);
  }
}
