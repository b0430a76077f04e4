import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findMasterKey, readKeyFile } from './master-key-source.js';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-keyfile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('LATCHKEY_MASTER_KEY_FILE', () => {
  it('reads a file only its owner can read', () => {
    const file = join(dir, 'ok.key');
    writeFileSync(file, 'a2V5\n', { mode: 0o600 });
    expect(readKeyFile(file)).toBe('a2V5');
  });

  it('refuses a file others can read, and says how to fix it', () => {
    const file = join(dir, 'open.key');
    writeFileSync(file, 'a2V5\n');
    chmodSync(file, 0o644);
    expect(() => readKeyFile(file)).toThrow(/can be read by others \(mode 644\).*chmod 600/);
  });

  it('refuses a folder', () => {
    expect(() => readKeyFile(dir)).toThrow();
  });
});

describe('findMasterKey', () => {
  it('prefers the file and takes both variables out of the environment', () => {
    const file = join(dir, 'pref.key');
    writeFileSync(file, 'ZmlsZQ==', { mode: 0o600 });
    const env: NodeJS.ProcessEnv = { LATCHKEY_MASTER_KEY_FILE: file, LATCHKEY_MASTER_KEY: 'ZW52' };
    expect(findMasterKey(undefined, env)).toMatchObject({ key: 'ZmlsZQ==', source: 'file', warning: null });
    expect(env).toEqual({});
  });

  it('takes a key found in the environment out of it, with a warning about /proc', () => {
    const env: NodeJS.ProcessEnv = { LATCHKEY_MASTER_KEY: 'ZW52' };
    const found = findMasterKey(undefined, env);
    expect(found).toMatchObject({ key: 'ZW52', source: 'env' });
    expect(found.warning).toMatch(/start\.sh|LATCHKEY_MASTER_KEY_FILE/);
    expect(env).toEqual({});
  });

  it('falls back to the keychain', () => {
    expect(findMasterKey(undefined, {})).toMatchObject({ key: undefined, source: 'keychain' });
  });
});
