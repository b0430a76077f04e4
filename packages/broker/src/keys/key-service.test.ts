import { describe, expect, it } from 'vitest';
import { appChannels, createDispatcher } from '@latchkey/contracts';
import { MemorySecretStore, createTestBroker, createTestCipher, createTestKeys, type TestKeychain } from '../testing/index.js';
import { KEY_CHECK_TEXT } from '../secrets/secrets-service.js';

/** The person, confirming each key action where the page cannot: here, always yes. */
const yes = { commandApprover: { approve: async () => true } };
const ctx = { requester: { kind: 'app' as const, id: 'window:main', displayName: 'Latchkey' } };

function call(t: ReturnType<typeof createTestBroker>) {
  const dispatch = createDispatcher(appChannels, t.broker.app);
  return async <T>(channel: string, input: unknown): Promise<T> => {
    const result = await dispatch(channel, input, ctx);
    if (!result.ok) throw Object.assign(new Error(result.error.message), result.error);
    return result.value as T;
  };
}

describe('KeyService', () => {
  it('a host whose cipher keeps its own key (Electron safeStorage) has nothing to rotate or export, and says so', async () => {
    const t = createTestBroker(yes);
    const c = call(t);
    await expect(c('keys:rotate', {})).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(c('keys:exportRecoveryKit', { passphrase: 'long enough passphrase' })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect((await c<{ keys: unknown }>('system:status', {})).keys).toEqual({ managed: false, where: null, notice: null });
  });

  it('refuses to rotate under a wrong key: nothing it could read would be re-encrypted', async () => {
    const chain: TestKeychain = { main: null, next: null };
    const keys = createTestKeys(chain);
    const secrets = new MemorySecretStore();
    secrets.check = createTestCipher().encrypt(KEY_CHECK_TEXT);
    const c = call(createTestBroker({ ...yes, cipher: keys.cipher, keys: keys.vault, secrets }));
    await expect(c('keys:rotate', {})).rejects.toMatchObject({ code: 'WRONG_KEY' });
    expect(chain.next).toBeNull();
  });

  it('a blob no key opens is left out, not carried over under the old key', async () => {
    const chain: TestKeychain = { main: null, next: null };
    const keys = createTestKeys(chain);
    const t = createTestBroker({ ...yes, cipher: keys.cipher, keys: keys.vault });
    const c = call(t);
    await c('connections:create', { providerId: 'http', name: 'A', scope: 'user', config: { baseUrl: 'https://a.example.test', authType: 'bearer' }, secrets: { token: 'tok' } });
    await t.mem.secrets.put('damaged', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29]));
    const result = await c<{ reencrypted: number; dropped: number }>('keys:rotate', {});
    expect(result.dropped).toBe(1);
    expect(t.mem.secrets.get('damaged')).toBeUndefined();
    const fresh = createTestCipher(chain.main!);
    for (const id of t.mem.secrets.ids()) expect(() => fresh.decrypt(t.mem.secrets.get(id)!)).not.toThrow();
  });
});
