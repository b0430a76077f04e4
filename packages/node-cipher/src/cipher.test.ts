import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createNodeCipher } from './index.js';

const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('base64');
const withKey = (key: string) => createNodeCipher({ env: { LATCHKEY_MASTER_KEY: key }, useKeychain: false });

describe('createNodeCipher with LATCHKEY_MASTER_KEY', () => {
  it('round-trips text, including empty and non-ASCII text', async () => {
    const cipher = await withKey(keyA);
    expect(cipher.isAvailable()).toBe(true);
    expect(cipher.backend).toBe('env');
    expect(cipher.unavailableReason()).toBeNull();
    for (const text of ['hunter2', '', 'pässwörd 🔑 秘密', 'x'.repeat(70_000)]) {
      expect(cipher.decrypt(cipher.encrypt(text))).toBe(text);
    }
  });

  it('writes version 1, a fresh 12-byte IV and a 16-byte tag, and no plaintext', async () => {
    const cipher = await withKey(keyA);
    const a = Buffer.from(cipher.encrypt('canary-secret-value'));
    const b = Buffer.from(cipher.encrypt('canary-secret-value'));
    expect(a[0]).toBe(1);
    expect(a.length).toBe(1 + 12 + 'canary-secret-value'.length + 16);
    expect(a.subarray(1, 13).equals(b.subarray(1, 13))).toBe(false);
    expect(a.equals(b)).toBe(false);
    expect(a.includes(Buffer.from('canary'))).toBe(false);
  });

  it('accepts the key with surrounding whitespace, as a file read from disk would have', async () => {
    const cipher = await withKey(`  ${keyA}\n`);
    const other = await withKey(keyA);
    expect(other.decrypt(cipher.encrypt('same key'))).toBe('same key');
  });

  it('detects tampering in every part of the blob', async () => {
    const cipher = await withKey(keyA);
    const blob = cipher.encrypt('do not change me');
    for (const index of [1, 12, 13, 13 + 5, blob.length - 16, blob.length - 1]) {
      const bad = Uint8Array.from(blob);
      bad[index] = (bad[index] ?? 0) ^ 0x01;
      expect(() => cipher.decrypt(bad), `byte ${index}`).toThrow(/was changed, or it was saved under another master key/);
    }
    expect(() => cipher.decrypt(blob.subarray(0, 20))).toThrow(/too short/);
    expect(cipher.decrypt(blob)).toBe('do not change me');
  });

  it('refuses an unknown blob version', async () => {
    const cipher = await withKey(keyA);
    const blob = Uint8Array.from(cipher.encrypt('v'));
    blob[0] = 2;
    expect(() => cipher.decrypt(blob)).toThrow(/unknown format \(version 2\)/);
  });

  it('fails with a plain error under the wrong key, never returning garbage', async () => {
    const blob = (await withKey(keyA)).encrypt('secret under A');
    const other = await withKey(keyB);
    let caught: unknown;
    try {
      other.decrypt(blob);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(Error);
    expect((caught as Error).message).toMatch(/saved under another master key/);
    expect((caught as Error).message).not.toContain('secret under A');
  });

  it.each([
    ['empty', '', /set but empty/],
    ['not base64', 'this is not base64!!', /not valid base64/],
    ['16 bytes', randomBytes(16).toString('base64'), /holds 16 bytes; a master key is exactly 32/],
    ['33 bytes', randomBytes(33).toString('base64'), /holds 33 bytes/],
    ['a single byte repeated', Buffer.alloc(32).toString('base64'), /copies of one byte/],
    ['base64 with junk inside', `${keyA.slice(0, 20)}*${keyA.slice(20)}`, /not valid base64/],
  ])('is unavailable when the env key is %s, and says what is wrong', async (_label, value, reason) => {
    // useKeychain stays on: a wrong key that was set must not quietly fall through to the keychain.
    const cipher = await createNodeCipher({ env: { LATCHKEY_MASTER_KEY: value }, useKeychain: true });
    expect(cipher.isAvailable()).toBe(false);
    expect(cipher.backend).toBe('env');
    expect(cipher.unavailableReason()).toMatch(reason);
    expect(cipher.unavailableReason()).toMatch(/openssl rand -base64 32/);
    expect(() => cipher.encrypt('x')).toThrow(/Secrets cannot be encrypted/);
  });
});

describe('createNodeCipher with no key', () => {
  it('is unavailable with a reason and a fix when the keychain is off and the env has no key', async () => {
    const cipher = await createNodeCipher({ env: {}, useKeychain: false });
    expect(cipher.isAvailable()).toBe(false);
    expect(cipher.backend).toBe('none');
    expect(cipher.unavailableReason()).toMatch(/LATCHKEY_MASTER_KEY is not set and the OS keychain is turned off/);
    expect(() => cipher.encrypt('x')).toThrow(/Secrets cannot be encrypted or decrypted/);
    const blob = (await withKey(keyA)).encrypt('x');
    expect(() => cipher.decrypt(blob)).toThrow(/Secrets cannot be encrypted or decrypted/);
  });
});
