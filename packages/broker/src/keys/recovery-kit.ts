import { LatchkeyError } from '@latchkey/contracts';
import { assertPassphrase as assertAnyPassphrase, openEnvelope, sealEnvelope, type EnvelopeKind } from './passphrase-envelope.js';

/**
 * A recovery kit: the master key wrapped by a passphrase the person chooses, as a small JSON file
 * they keep apart from the machine (the sealing itself is passphrase-envelope.ts, shared with the
 * connections bundle).
 */
export const KIT_FORMAT = 'latchkey-recovery-kit';
export const KIT_VERSION = 1;
export { MIN_PASSPHRASE_LENGTH } from './passphrase-envelope.js';

const KIT: EnvelopeKind = {
  format: KIT_FORMAT,
  version: KIT_VERSION,
  payloadField: 'wrappedKey',
  payloadBytes: 32,
  maxChars: 4_096,
  checkText: 'latchkey recovery kit passphrase check',
  noun: 'recovery kit',
  note: 'Latchkey recovery kit: your master key, encrypted with your passphrase. Keep this file and the passphrase apart, and off this machine.',
};

export function assertPassphrase(passphrase: unknown): asserts passphrase is string {
  assertAnyPassphrase(passphrase, 'recovery kit');
}

/** Wraps `key` (32 bytes) under `passphrase`; the text to save as a file. */
export function sealRecoveryKit(key: Uint8Array, passphrase: string, now: Date = new Date()): string {
  if (key.length !== 32) throw new LatchkeyError('INTERNAL', 'A master key is 32 bytes.');
  return sealEnvelope(KIT, key, passphrase, now);
}

/** Unwraps the master key; WRONG_PASSPHRASE or INVALID_KIT otherwise, before anything changes. */
export function openRecoveryKit(text: string, passphrase: string): Uint8Array {
  return new Uint8Array(openEnvelope(KIT, text, passphrase));
}
