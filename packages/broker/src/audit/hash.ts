import { createHash, createHmac } from 'node:crypto';
import { canonicalJson } from '@latchkey/contracts';

export const GENESIS_HASH = '0'.repeat(64);

// The one canonical JSON lives in contracts (the renderer needs it too); re-exported for the broker's callers.
export { canonicalJson };

/**
 * The hash of an event covers every field but `hash` itself, including `prevHash` (the chain)
 * and `alg`:
 * - `alg: 'hmac-sha256'`: an HMAC under the audit key of the event's JSON exactly as written
 *   (field order as stored, `hash` last and left out). Anyone who can write the files but not
 *   decrypt the key cannot recompute it. Hashing the stored text, not a canonical form, is
 *   also ~5× cheaper to verify (see the audit bench).
 * - `alg: 'sha256'` or none (older logs, a broker with no cipher): SHA-256 of the canonical JSON.
 * Returns null when the event is keyed and no key is at hand: it cannot be checked.
 */
export function hashEvent(event: Record<string, unknown>, key?: Uint8Array | null): string | null {
  const { hash: _hash, ...rest } = event;
  if (event['alg'] === 'hmac-sha256') return key ? createHmac('sha256', key).update(JSON.stringify(rest)).digest('hex') : null;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

/** Marks a seal made while the head is also anchored outside the data folder (audit-anchor.ts). */
export const ANCHORED_SEAL = 'a1:';

/**
 * The broker's seal over the head kept outside the log: a head someone wrote by hand does not
 * carry it. `anchored`: the head is also anchored in the OS keychain; such a seal says so in its
 * own input, so stripping the mark leaves a seal that checks under neither form, and a missing
 * anchor is then news (head-check.ts).
 */
export function sealHead(key: Uint8Array, head: { seq: number; hash: string }, anchored = false): string {
  if (!anchored) return createHmac('sha256', key).update(`latchkey-audit-head\n${head.seq}\n${head.hash}`).digest('hex');
  return ANCHORED_SEAL + createHmac('sha256', key).update(`latchkey-audit-head-anchored\n${head.seq}\n${head.hash}`).digest('hex');
}

/** Whether `seal` is the broker's over `head`, in either form; `anchored` says which form it is. */
export function checkSeal(key: Uint8Array, head: { seq: number; hash: string }, seal: string): { valid: boolean; anchored: boolean } {
  const anchored = seal.startsWith(ANCHORED_SEAL);
  return { valid: seal === sealHead(key, head, anchored), anchored };
}
