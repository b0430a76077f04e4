/**
 * At 800×600 and at the desktop window's minimum (720×480): "Add connection" and the Access
 * table's Revoke are whole on screen, not cut off by the window's edge, in light and dark.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { createAgentSession } from '@latchkey/broker';
import { createHeadlessHost, type HeadlessHost } from '@latchkey/headless';

const person = { requester: { kind: 'app' as const, id: 'e2e', displayName: 'e2e' } };
let host: HeadlessHost;
let dataDir: string;

test.beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'latchkey-e2e-narrow-'));
  host = await createHeadlessHost({ dataDir, env: { LATCHKEY_MASTER_KEY: randomBytes(32).toString('base64') } });
  const connection = await host.broker.app['connections:create'](
    { providerId: 'http', name: 'A connection with a rather long name for a narrow window', scope: 'user', config: { baseUrl: 'https://api.example.test', authType: 'bearer' }, secrets: { token: 'narrow-canary-token' } },
    person,
  );
  (globalThis as { connectionId?: string }).connectionId = connection.id;
});
test.afterEach(async () => {
  await host?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

for (const size of [
  { width: 800, height: 600 },
  { width: 720, height: 480 },
]) {
  for (const colorScheme of ['light', 'dark'] as const) {
    test(`Add connection and Revoke are whole on screen at ${size.width}×${size.height} (${colorScheme})`, async ({ page }, testInfo) => {
      await page.setViewportSize(size);
      await page.emulateMedia({ colorScheme });
      await page.goto(host.url);
      const add = page.getByRole('button', { name: 'Add connection' });
      await expect(add).toBeInViewport({ ratio: 1 });

      // An agent asks and the person allows for an hour: a grant the Access table lists.
      const session = createAgentSession(host.broker, { displayName: 'Research assistant with a long name' });
      const asked = session.secrets.requestAccess({ connectionId: (globalThis as { connectionId?: string }).connectionId!, reason: 'Read the forecast', scopes: ['http.fetch'] });
      const consent = page.getByRole('alertdialog');
      await expect(consent).toBeVisible();
      await consent.getByLabel('How long').selectOption('1h');
      await consent.getByRole('button', { name: 'Allow for 1 hour' }).click();
      await asked;

      await page.getByRole('navigation', { name: 'Settings' }).getByRole('button', { name: 'Access', exact: true }).click();
      const revoke = page.getByRole('button', { name: /^Revoke Research assistant/ }).first();
      // Without scrolling sideways: the action column stays at the table's visible edge.
      await expect(revoke).toBeInViewport({ ratio: 1 });
      const box = (await revoke.boundingBox())!;
      const main = (await page.locator('main').boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(main.x);
      expect(box.x + box.width).toBeLessThanOrEqual(main.x + main.width);
      const path = testInfo.outputPath(`access-${size.width}x${size.height}-${colorScheme}.png`);
      await page.screenshot({ path });
      await testInfo.attach(`access-${size.width}x${size.height}-${colorScheme}`, { path, contentType: 'image/png' });
      const { violations } = await new AxeBuilder({ page }).include('main').withTags(['wcag2a', 'wcag2aa']).analyze();
      expect(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
    });
  }
}
