import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { KEY_CHECK_TEXT, type Cipher, type SecretStore } from '@latchkey/broker';
import { settleKeychainRotation, type KeySlots } from '@latchkey/node-cipher';
import { writeFileAtomic } from '@latchkey/store';

/** A keychain whose two items are files written atomically: it outlives a SIGKILL as a real one does. */
export function fileKeySlots(dir: string): KeySlots {
  const path = (slot: 'main' | 'next') => join(dir, `keychain-${slot}`);
  return {
    where: 'the test keychain',
    get: async (slot) => readFile(path(slot), 'utf8').catch(() => null),
    set: (slot, value) => writeFileAtomic(path(slot), value),
    delete: (slot) => rm(path(slot), { force: true }),
  };
}

export const opensStore = (secrets: SecretStore) => (candidate: Cipher) => {
  const check = secrets.keyCheck();
  if (!check) return false;
  try {
    return candidate.decrypt(check) === KEY_CHECK_TEXT;
  } catch {
    return false;
  }
};

/** What a start does: the key in the keychain, with a rotation that stopped part way finished. */
export async function startKey(slots: KeySlots, secrets: SecretStore, fresh: () => Buffer): Promise<Buffer> {
  const main = await slots.get('main');
  if (main === null) {
    const key = fresh();
    await slots.set('main', key.toString('base64'));
    return key;
  }
  return settleKeychainRotation(slots, Buffer.from(main, 'base64'), opensStore(secrets));
}
