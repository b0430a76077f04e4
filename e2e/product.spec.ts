/**
 * Issue 14 in Chromium through the headless host, as a person would: import a .env file, export
 * with secrets (confirmed with the code the host printed, under a title of its own), Test all,
 * Duplicate, a form's unsaved changes, the Default badge — at 1280×800, 800×600 and in dark mode,
 * axe clean, with screenshots attached to the report.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AxeBuilder } from '@axe-core/playwright';
import { expect, test, type Page, type TestInfo } from '@playwright/test';
import { startHeadlessHost, type RunningHost } from './support/headless';

const VARIANTS = [
  { name: '1280x800', viewport: { width: 1280, height: 800 }, colorScheme: 'light' as const },
  { name: '800x600', viewport: { width: 800, height: 600 }, colorScheme: 'light' as const },
  { name: 'dark', viewport: { width: 1280, height: 800 }, colorScheme: 'dark' as const },
];

async function expectAccessible(page: Page, selector: string) {
  const { violations } = await new AxeBuilder({ page }).include(selector).withTags(['wcag2a', 'wcag2aa']).analyze();
  expect(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

async function snapshot(page: Page, testInfo: TestInfo, name: string) {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

for (const variant of VARIANTS) {
  test.describe(`Import, export and forms at ${variant.name}`, () => {
    let host: RunningHost;
    test.use({ viewport: variant.viewport, colorScheme: variant.colorScheme });
    test.beforeEach(async () => {
      host = await startHeadlessHost();
    });
    test.afterEach(async () => {
      await host?.stop();
    });

    test('import a .env file, export with secrets after confirming, test all, duplicate, unsaved changes', async ({ page }, testInfo) => {
      const CANARY = `canary-e2e-${randomBytes(8).toString('hex')}`;
      const shot = (name: string) => snapshot(page, testInfo, `${variant.name}-${name}`);
      await page.goto(host.url);
      await expect(page.getByRole('heading', { name: 'No connections yet' })).toBeVisible();

      await test.step('Add connection and the list actions are on screen', async () => {
        await expect(page.getByRole('button', { name: 'Add connection' })).toBeInViewport();
        await expect(page.getByRole('button', { name: 'Import…' })).toBeInViewport();
      });

      await test.step('import a .env file: reviewed first, then imported', async () => {
        await page.getByRole('button', { name: 'Import…' }).click();
        const dialog = page.getByRole('dialog', { name: 'Import connections' });
        await dialog.getByLabel('Or paste a .env file or a URI').fill(
          ['# my app', 'API_URL=http://127.0.0.1:9/', 'OTHER_API=http://127.0.0.1:9/other', `DATABASE_URL=postgres://app:${CANARY}@db.example.test:5432/orders`, 'DEBUG=1'].join('\n'),
        );
        await dialog.getByRole('button', { name: 'Review' }).click();
        await expect(dialog.getByTestId('import-item')).toHaveCount(3);
        await expect(dialog).toContainText('Not connections, left out: DEBUG');
        await expectAccessible(page, '[role="dialog"]');
        await shot('import-review');
        await dialog.getByRole('button', { name: 'Import 3' }).click();
        await expect(page.getByRole('status').filter({ hasText: 'Import done' })).toContainText('3 imported');
        await expect(page.getByRole('list', { name: 'Connections' }).getByRole('listitem')).toHaveCount(3);
        // Two HTTP connections: the default one says so; the only PostgreSQL one does not.
        await expect(page.getByRole('list', { name: 'Connections' }).getByText('Default')).toHaveCount(1);
        await expect(page.getByText('Default')).toHaveAttribute('title', /without naming one/);
      });

      await test.step('the toast goes by itself', async () => {
        await expect(page.getByRole('status').filter({ hasText: 'Import done' })).toBeHidden({ timeout: 20_000 });
      });

      await test.step('Test all sums up', async () => {
        await page.getByRole('button', { name: 'Test all' }).click();
        await expect(page.getByTestId('test-all-summary')).toContainText(/Tested 3: \d working, \d failing/, { timeout: 60_000 });
        await expectAccessible(page, 'main');
        await shot('test-all');
      });

      await test.step('export with secrets: confirmed under its own title with the code from the terminal', async () => {
        await page.getByRole('button', { name: 'Export…' }).click();
        const dialog = page.getByRole('dialog', { name: 'Export connections' });
        await dialog.getByLabel('With secrets, encrypted').check();
        await dialog.getByLabel('Passphrase', { exact: true }).fill('correct horse battery staple');
        await dialog.getByLabel('Passphrase again').fill('correct horse battery staple');
        await expectAccessible(page, '[role="dialog"]');
        const downloading = page.waitForEvent('download');
        await dialog.getByRole('button', { name: 'Export', exact: true }).click();
        const confirm = page.getByRole('alertdialog', { name: 'Export connections with their secrets?' });
        await expect(confirm).toBeVisible();
        await expect(confirm).not.toContainText('latchkey export');
        await expect.poll(() => /confirm “Export connections with their secrets\?”, type (\d{3}-\d{3})/.exec(host.output())?.[1]).toBeTruthy();
        const code = /confirm “Export connections with their secrets\?”, type (\d{3}-\d{3})/.exec(host.output())![1]!;
        await confirm.getByTestId('command-code').fill(code);
        await expectAccessible(page, '[role="alertdialog"]');
        await shot('export-confirm');
        await confirm.getByRole('button', { name: 'Export with secrets' }).click();
        const file = readFileSync((await (await downloading).path())!, 'utf8');
        expect(JSON.parse(file)).toMatchObject({ format: 'latchkey-connections-bundle' });
        expect(file).not.toContain(CANARY);
        expect(file).not.toContain(Buffer.from(CANARY).toString('base64'));
        await expect(page.getByRole('status').filter({ hasText: 'Exported 3' })).toBeVisible();
      });

      await test.step('Duplicate, then Escape with unsaved changes asks first', async () => {
        await page.getByRole('button', { name: /^API_URL/ }).click();
        await page.getByRole('dialog', { name: 'API_URL' }).getByRole('button', { name: 'Duplicate' }).click();
        const copy = page.getByRole('dialog', { name: 'Copy of “API_URL”' });
        await expect(copy.getByLabel(/^Name/)).toHaveValue('API_URL copy');
        await page.keyboard.press('Escape');
        const ask = page.getByRole('alertdialog', { name: 'Discard your changes?' });
        await expect(ask).toBeVisible();
        await expectAccessible(page, '[role="alertdialog"]');
        await shot('discard-changes');
        await ask.getByRole('button', { name: 'Keep editing' }).click();
        await copy.getByRole('button', { name: 'Save connection' }).click();
        await expect(page.getByRole('list', { name: 'Connections' }).getByRole('listitem')).toHaveCount(4);
        await shot('list');
        await expectAccessible(page, 'main');
      });

      await test.step('Ctrl+K opens a connection from another screen; ? lists the shortcuts', async () => {
        await page.getByRole('navigation', { name: 'Settings' }).getByRole('button', { name: 'Audit', exact: true }).click();
        await page.keyboard.press('Control+k');
        const input = page.getByRole('combobox', { name: "Type a command or a connection's name" });
        await expect(input).toBeFocused();
        await input.fill('database');
        await expect(page.getByRole('option')).toHaveCount(1);
        await expectAccessible(page, '[role="dialog"]');
        await shot('palette');
        await page.keyboard.press('Enter');
        await expect(page.getByRole('dialog', { name: 'DATABASE_URL' })).toBeVisible();
        await page.keyboard.press('Escape');
        await expect(page.getByRole('dialog')).toBeHidden();
        await page.keyboard.press('?');
        const shortcuts = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
        await expect(shortcuts).toContainText('Command palette');
        await expectAccessible(page, '[role="dialog"]');
        await shot('shortcuts');
        await page.keyboard.press('Escape');
      });
    });
  });
}
