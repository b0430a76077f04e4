/**
 * SecretsService, as rules: secrets go in encrypted and come out only for the broker's own use.
 * It refuses to write without a secure cipher or under a key other than the one the store was
 * saved with, names the fields it cannot decrypt, and says when a write is durable.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemorySecretStore, createTestCipher, createUnavailableCipher } from '../testing/index.js';
import { InvalidSecretError, KEY_CHECK_TEXT, SecretsService } from './secrets-service.js';

const SECRET = 'canary-s3cr3t-value';

function snapshot(store: MemorySecretStore) {
  return { blobs: new Map(store.blobs), check: store.check };
}

describe('SecretsService', () => {
  describe('writing', () => {
    it('stores only ciphertext, under a fresh id per field, and reads back the values', async () => {
      const store = new MemorySecretStore();
      const svc = new SecretsService(createTestCipher(), store);
      const { ids, durable } = svc.write({ token: SECRET, password: 'pw' });
      await durable;
      expect(Object.keys(ids).sort()).toEqual(['password', 'token']);
      expect(ids.token).not.toBe(ids.password);
      for (const blob of store.blobs.values()) expect(Buffer.from(blob).toString('latin1')).not.toContain(SECRET);
      expect(svc.read({ secretIds: ids })).toEqual({ token: SECRET, password: 'pw' });
    });

    it('records with the first secret a key check, so a later start can tell the key', async () => {
      const cipher = createTestCipher();
      const store = new MemorySecretStore();
      await new SecretsService(cipher, store).write({ token: SECRET }).durable;
      expect(cipher.decrypt(store.check!)).toBe(KEY_CHECK_TEXT);
    });

    it('writing nothing writes nothing, even with no cipher', async () => {
      const store = new MemorySecretStore();
      const { ids, durable } = new SecretsService(createUnavailableCipher(), store).write({});
      await durable;
      expect(ids).toEqual({});
      expect(store.blobs.size).toBe(0);
    });

    it('without a secure cipher, refuses with CIPHER_UNAVAILABLE giving the reason, and writes nothing', () => {
      const store = new MemorySecretStore();
      const svc = new SecretsService(createUnavailableCipher('basic_text', 'the keyring is locked'), store);
      expect(() => svc.write({ token: SECRET })).toThrow(expect.objectContaining({ code: 'CIPHER_UNAVAILABLE', message: expect.stringContaining('the keyring is locked') }));
      expect(() => svc.assertWritable()).toThrow(expect.objectContaining({ code: 'CIPHER_UNAVAILABLE' }));
      expect(store.blobs.size).toBe(0);
      expect(store.check).toBeUndefined();
    });

    it('the write is durable only when every blob and the key check have landed', async () => {
      const store = new MemorySecretStore();
      const landings: (() => void)[] = [];
      const put = store.put.bind(store);
      store.put = (id, blob) => new Promise<void>((r) => landings.push(() => void put(id, blob).then(r)));
      const { durable } = new SecretsService(createTestCipher(), store).write({ a: '1', b: '2' });
      let done = false;
      void durable.then(() => (done = true));
      await Promise.resolve();
      landings[0]!();
      await new Promise((r) => setImmediate(r));
      expect(done).toBe(false);
      landings[1]!();
      await durable;
      expect(done).toBe(true);
      expect(store.blobs.size).toBe(2);
    });
  });

  describe('the master key', () => {
    async function savedUnder(key: Uint8Array) {
      const store = new MemorySecretStore();
      const { ids, durable } = new SecretsService(createTestCipher(key), store).write({ token: SECRET });
      await durable;
      return { store, ids };
    }

    it('with the key the store was saved with, nothing is refused', async () => {
      const key = randomBytes(32);
      const { store, ids } = await savedUnder(key);
      const svc = new SecretsService(createTestCipher(key), store);
      expect(svc.wrongKey).toBeNull();
      expect(svc.read({ secretIds: ids })).toEqual({ token: SECRET });
    });

    it('with another key, every read and write is WRONG_KEY, saying how to get the key back, and nothing is changed or marked invalid', async () => {
      const { store, ids } = await savedUnder(randomBytes(32));
      const before = snapshot(store);
      const svc = new SecretsService(createTestCipher(randomBytes(32), 'env'), store);
      expect(svc.wrongKey).toMatch(/LATCHKEY_MASTER_KEY/);
      const wrongKey = expect.objectContaining({ code: 'WRONG_KEY', message: expect.stringContaining('nothing was changed or marked invalid') });
      expect(() => svc.read({ secretIds: ids })).toThrow(wrongKey);
      // Not INVALID_SECRET: the secrets are fine, the key is not.
      expect(() => svc.read({ secretIds: ids })).not.toThrow(InvalidSecretError);
      expect(() => svc.write({ token: 'new' })).toThrow(wrongKey);
      expect(snapshot(store)).toEqual(before);
    });

    it('a store from before key checks: blobs that none decrypt mean another key', async () => {
      const { store, ids } = await savedUnder(randomBytes(32));
      store.check = undefined;
      const svc = new SecretsService(createTestCipher(), store);
      expect(svc.wrongKey).not.toBeNull();
      expect(() => svc.read({ secretIds: ids })).toThrow(expect.objectContaining({ code: 'WRONG_KEY' }));
    });

    it('recheck accepts the key once the cipher holds the right one again', async () => {
      const right = randomBytes(32);
      const { store, ids } = await savedUnder(right);
      let key: Uint8Array = randomBytes(32);
      const cipherOf = () => createTestCipher(key);
      const cipher = { backend: 'test', isAvailable: () => true, unavailableReason: () => null, encrypt: (p: string) => cipherOf().encrypt(p), decrypt: (b: Uint8Array) => cipherOf().decrypt(b) };
      const svc = new SecretsService(cipher, store);
      expect(svc.wrongKey).not.toBeNull();
      key = right;
      expect(svc.recheck()).toBeNull();
      expect(svc.read({ secretIds: ids })).toEqual({ token: SECRET });
    });
  });

  describe('reading', () => {
    it('a blob that fails to decrypt, or is missing, is an InvalidSecretError naming exactly those fields', async () => {
      const store = new MemorySecretStore();
      const svc = new SecretsService(createTestCipher(), store);
      const { ids, durable } = svc.write({ token: SECRET, password: 'pw', user: 'u' });
      await durable;
      const blob = Buffer.from(store.blobs.get(ids.token!)!);
      blob[blob.length - 1]! ^= 0xff;
      store.blobs.set(ids.token!, blob);
      store.blobs.delete(ids.password!);
      let err: unknown;
      try {
        svc.read({ secretIds: ids });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidSecretError);
      expect(err).toMatchObject({ code: 'INVALID_SECRET', fields: ['token', 'password'] });
      expect((err as Error).message).toMatch(/token, password.*replace them/);
      expect((err as Error).message).not.toContain(SECRET);
    });

    it('a connection without secrets reads as empty, even with no cipher', () => {
      expect(new SecretsService(createUnavailableCipher(), new MemorySecretStore()).read({ secretIds: {} })).toEqual({});
    });

    it('without a cipher, reading is CIPHER_UNAVAILABLE', () => {
      const svc = new SecretsService(createUnavailableCipher(), new MemorySecretStore());
      expect(() => svc.read({ secretIds: { token: 'x' } })).toThrow(expect.objectContaining({ code: 'CIPHER_UNAVAILABLE' }));
    });
  });

  describe('dropping and sweeping', () => {
    it('drop deletes the given blobs; orphans lists the blobs no record points at', async () => {
      const store = new MemorySecretStore();
      const svc = new SecretsService(createTestCipher(), store);
      const a = svc.write({ token: 'a' });
      const b = svc.write({ token: 'b' });
      await Promise.all([a.durable, b.durable]);
      expect(svc.orphans(new Set([a.ids.token!]))).toEqual([b.ids.token]);
      await svc.drop([b.ids.token!]);
      expect(store.ids()).toEqual([a.ids.token]);
      expect(svc.orphans(new Set([a.ids.token!]))).toEqual([]);
    });
  });
});
