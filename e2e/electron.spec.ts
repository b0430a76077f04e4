import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron as electron, test } from '@playwright/test';
import { startBearerApi } from './support/bearer-api';
import { connectionsFlow } from './support/flow';

const DESKTOP_DIR = fileURLToPath(new URL('../apps/desktop/', import.meta.url));

/** `require('electron')` returns the binary's path, or throws when the binary was never downloaded. */
function electronBinary(): { path: string } | { missing: string } {
  try {
    const required: unknown = createRequire(join(DESKTOP_DIR, 'package.json'))('electron');
    return typeof required === 'string' ? { path: required } : { missing: 'require("electron") did not return a path' };
  } catch (error) {
    return { missing: error instanceof Error ? error.message.split('\n')[0]! : String(error) };
  }
}

const binary = electronBinary();

test.describe('Connections in the Electron app', () => {
  test.skip(
    'missing' in binary,
    `Electron's binary is not installed here (${'missing' in binary ? binary.missing : ''}). Where downloads work, run: node node_modules/electron/install.js, then pnpm --filter @latchkey/desktop build.`,
  );

  // Playwright reads fixtures from a destructuring pattern; this test needs none.
  // eslint-disable-next-line no-empty-pattern
  test('the same flow through Playwright’s Electron support', async ({}, testInfo) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-electron-'));
    const secrets = { wrong: `canary-${randomBytes(8).toString('hex')}`, good: `canary-${randomBytes(8).toString('hex')}`, rotated: `canary-${randomBytes(8).toString('hex')}` };
    const api = await startBearerApi([secrets.good, secrets.rotated]);
    const app = await electron.launch({
      executablePath: 'path' in binary ? binary.path : undefined,
      args: [join(DESKTOP_DIR, 'out/main/index.js'), '--password-store=gnome-libsecret'],
      env: { ...process.env, LATCHKEY_DATA_DIR: dataDir },
    });
    try {
      const page = await app.firstWindow();
      await connectionsFlow(page, testInfo, api.baseUrl, secrets);
    } finally {
      await app.close();
      await api.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
