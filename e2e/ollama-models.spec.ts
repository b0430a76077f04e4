/**
 * The Ollama connection's Models section in Chromium through the headless host (issue 14),
 * against a loopback server that implements Ollama's documented /api/tags, /api/pull (streamed)
 * and /api/delete. The pull stalls after three lines, so the progress bar is seen mid-way, again
 * after a reload, and the pull is cancelled; a model is deleted after its confirmation.
 */
import { expect, test } from '@playwright/test';
import { startAiServer, type AiServer } from '@latchkey/transports/testing';
import { connectBridge, openWithSession } from './support/bridge-client';
import { expectNoSeriousA11yFindings, screenshot } from './support/flow';
import { startHeadlessHost, type RunningHost } from './support/headless';

// As people see it: a laptop, the desktop window's small size, and dark mode.
const VARIANTS = [
  { name: '1280x800', viewport: { width: 1280, height: 800 }, colorScheme: 'light' as const },
  { name: '800x600', viewport: { width: 800, height: 600 }, colorScheme: 'light' as const },
  { name: 'dark', viewport: { width: 1280, height: 800 }, colorScheme: 'dark' as const },
];

for (const variant of VARIANTS) {
  test.describe(`Ollama models (Chromium, headless host) at ${variant.name}`, () => {
    test.describe.configure({ timeout: 90_000 });
    test.use({ viewport: variant.viewport, colorScheme: variant.colorScheme });
    let host: RunningHost | undefined;
    let ollama: AiServer | undefined;

    test.beforeEach(async () => {
      [host, ollama] = await Promise.all([startHeadlessHost(), startAiServer('ollama', { stallPullAfter: 3 })]);
    });
    test.afterEach(async () => {
      await host?.stop();
      await ollama?.stop();
    });

    test('lists models, shows a pull\'s progress and cancels it, deletes a model after confirming', async ({ page }, testInfo) => {
      const bridge = await connectBridge(host!.url);
      const created = await bridge.call('connections:create', { providerId: 'ollama', name: 'Local models', config: { baseUrl: ollama!.baseUrl }, secrets: {} });
      expect(created.ok, JSON.stringify(created.error)).toBe(true);
      await openWithSession(page, host!.url, bridge.cookie);
      await page.getByRole('list', { name: 'Connections' }).getByRole('listitem').filter({ hasText: 'Local models' }).getByRole('button').first().click();

      const models = page.getByRole('list', { name: 'Models' });
      await expect(models.getByRole('listitem')).toHaveCount(2);
      await expect(models).toContainText('llama3.2:latest');
      await expect(models).toContainText('qwen2.5-coder:7b');

      await page.getByLabel('Model', { exact: true }).fill('mistral:7b');
      await page.getByRole('button', { name: 'Pull', exact: true }).click();
      const bar = page.getByRole('progressbar', { name: 'Pulling mistral:7b' });
      await expect(bar).toBeVisible();
      await expect(page.getByText(/pulling 2af3b81862c6 · 50%/)).toBeVisible();
      await screenshot(page, testInfo, 'ollama-pull-progress');
      await expectNoSeriousA11yFindings(page, testInfo, 'ollama-models');
      // A reload mid-pull: the pull is the broker's, so the page finds it again where it stands.
      await page.reload();
      await page.getByRole('list', { name: 'Connections' }).getByRole('listitem').filter({ hasText: 'Local models' }).getByRole('button').first().click();
      await expect(bar).toBeVisible();
      await expect(page.getByText(/pulling 2af3b81862c6 · 50%/)).toBeVisible();
      await page.getByRole('button', { name: 'Cancel pull' }).click();
      await expect(page.getByText('Pull of mistral:7b cancelled')).toBeVisible();
      await expect(bar).toBeHidden();

      await models.getByRole('button', { name: 'Delete qwen2.5-coder:7b' }).click();
      const confirm = page.getByRole('alertdialog');
      await expect(confirm).toContainText('Delete qwen2.5-coder:7b?');
      await confirm.getByRole('button', { name: 'Delete model' }).click();
      await expect(page.getByText('Deleted qwen2.5-coder:7b')).toBeVisible();
      await expect(models.getByRole('listitem')).toHaveCount(1);
      expect(ollama!.models).toEqual(['llama3.2:latest']);
      expect(ollama!.requests.map((r) => `${r.method} ${r.path}`)).toEqual(expect.arrayContaining(['GET /api/tags', 'POST /api/pull', 'DELETE /api/delete']));
      await screenshot(page, testInfo, 'ollama-models-after-delete');
      bridge.close();
    });
  });
}
