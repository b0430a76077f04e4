import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron as electron, test } from '@playwright/test';
import { startBearerApi } from './support/bearer-api';
import { connectionsFlow } from './support/flow';

const DESKTOP_DIR = fileURLToPath(new URL('../apps/desktop/', import.meta.url));

/**
 * The binary's path, from the files electron's installer writes. (require('electron') would say
 * the same by throwing, but first it starts a download, which this test must not do.)
 */
function electronBinary(): { path: string } | { missing: string } {
  const pkg = join(DESKTOP_DIR, 'node_modules/electron');
  let relative: string;
  try {
    relative = readFileSync(join(pkg, 'path.txt'), 'utf8');
  } catch {
    return { missing: `${join(pkg, 'path.txt')} does not exist: electron's postinstall never downloaded the binary` };
  }
  const path = join(process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(pkg, 'dist'), relative);
  return existsSync(path) ? { path } : { missing: `${path} does not exist` };
}

const binary = electronBinary();

test.describe('Connections in the Electron app', () => {
  test.skip(
    'missing' in binary,
    `Electron's binary is not installed here (${'missing' in binary ? binary.missing : ''}). Where downloads work, run: node node_modules/electron/install.js, then pnpm --filter @latchkey/desktop build.`,
  );

  // On Linux, safeStorage needs a real keyring or secrets are refused (basic_text): run this under
  // a D-Bus session with an unlocked gnome-keyring (see PEERS.md, "OS keychain").
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
