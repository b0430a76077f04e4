import type { Cipher } from '@latchkey/broker';
import { createTestCipher } from '@latchkey/broker/testing';

/** AES-256-GCM under a key fixed for the test, so a restarted child reads what the killed one wrote. */
export const fixedKeyCipher = (key: Uint8Array = Buffer.alloc(32, 7)): Cipher => createTestCipher(key, 'test-fixed-key');

/** mulberry32: a small seeded generator, so a failing run can be replayed with its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
