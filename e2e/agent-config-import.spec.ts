/**
 * Issue 13, Import from agent configs, in Chromium through the headless host as a person would:
 * a Claude-Desktop-style config holding a canary key in a temp folder; the button on the
 * Connections screen; the dry run (the key masked); Move; the code the host printed in its
 * terminal typed into the confirmation. After: the file starts `latchkey mcp-proxy`, the backup
 * holds the original, the connection exists, and the canary is in no encoding in the DOM, any
 * frame, or the rewritten file. At 1280×800, 800×600 and in dark mode, axe checked.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { expectNoSecretInDom, screenshot } from './support/flow';
import { startHeadlessHost, type RunningHost } from './support/headless';

const VARIANTS = [
  { name: '1280x800', viewport: { width: 1280, height: 800 }, colorScheme: 'light' as const },
  { name: '800x600', viewport: { width: 800, height: 600 }, colorScheme: 'light' as const },
  { name: 'dark', viewport: { width: 1280, height: 800 }, colorScheme: 'dark' as const },
];
const forms = (s: string) => [s, encodeURIComponent(s), JSON.stringify(s).slice(1, -1), Buffer.from(s).toString('base64').replace(/=+$/, ''), Buffer.from(s).toString('hex')];

async function expectAccessible(page: Page, selector: string) {
  const { violations } = await new AxeBuilder({ page }).include(selector).withTags(['wcag2a', 'wcag2aa']).analyze();
  expect(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

/** Every frame's HTML and text (the page has one today; an added frame must not hold it either). */
async function framesText(page: Page): Promise<string> {
  const parts = await Promise.all(page.frames().map((f) => f.evaluate(() => `${document.documentElement.outerHTML}\n${document.body?.innerText ?? ''}`)));
  return parts.join('\n');
}

for (const variant of VARIANTS) {
  test.describe(`Import from agent configs at ${variant.name}`, () => {
    let host: RunningHost;
    let folder: string;
    test.use({ viewport: variant.viewport, colorScheme: variant.colorScheme });
    test.beforeEach(async () => {
      host = await startHeadlessHost();
      folder = mkdtempSync(join(tmpdir(), 'latchkey-e2e-agentcfg-'));
    });
    test.afterEach(async () => {
      await host?.stop();
      rmSync(folder, { recursive: true, force: true });
    });

    test('the key moves into a connection, the config starts latchkey mcp-proxy, the original is backed up', async ({ page }, testInfo) => {
      const CANARY = `ghp_canary${randomBytes(12).toString('hex')}`;
      const file = join(folder, 'claude_desktop_config.json');
      const original = `${JSON.stringify({ mcpServers: { github: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-github'], env: { GITHUB_PERSONAL_ACCESS_TOKEN: CANARY } } } }, null, 2)}\n`;
      writeFileSync(file, original);
      const shot = (name: string) => screenshot(page, testInfo, `${variant.name}-${name}`);

      await page.goto(host.url);
      await expect(page.getByRole('heading', { name: 'Connections', level: 1 })).toBeVisible();

      await test.step('the button opens the dialog; the typed path is reviewed with the key masked', async () => {
        const button = page.getByRole('button', { name: 'Import from agent configs…' });
        await expect(button).toBeInViewport();
        await button.focus();
        await page.keyboard.press('Enter');
        const dialog = page.getByRole('dialog', { name: 'Import from agent configs' });
        await expect(dialog).toBeVisible();
        await dialog.getByLabel(/Or the full path of another config/).fill(file);
        await dialog.getByRole('button', { name: 'Review changes' }).click();
        const change = dialog.getByTestId('agent-config-change');
        await expect(change).toContainText('environment variable GITHUB_PERSONAL_ACCESS_TOKEN moves into the new connection “github (imported from claude_desktop_config.json)”');
        await expect(change).toContainText('••••');
        await expect(change).toContainText('mcp-proxy');
        await expectNoSecretInDom(page, forms(CANARY));
        await expectAccessible(page, '[role="dialog"]');
        await shot('agent-config-review');
      });

      await test.step('Move: confirmed with the code the host printed, under a title naming the file', async () => {
        const dialog = page.getByRole('dialog', { name: 'Import from agent configs' });
        await dialog.getByRole('button', { name: 'Move 1 secret' }).click();
        const confirm = page.getByRole('alertdialog', { name: /^Move the secrets in .*claude_desktop_config\.json into Latchkey\?$/ });
        await expect(confirm).toBeVisible();
        const printed = /confirm “Move the secrets in (.+) into Latchkey\?”, type (\d{3}-\d{3})/;
        await expect.poll(() => printed.exec(host.output())?.[2]).toBeTruthy();
        const [, named, code] = printed.exec(host.output())!;
        expect(named).toBe(file);
        await confirm.getByTestId('command-code').fill(code!);
        await expectAccessible(page, '[role="alertdialog"]');
        await shot('agent-config-confirm');
        await confirm.getByRole('button', { name: 'Move the secrets' }).click();
        await expect(dialog.getByRole('status')).toContainText('now starts its servers through latchkey mcp-proxy');
        await shot('agent-config-done');
      });

      await test.step('the file starts latchkey mcp-proxy; the backup holds the original; the connection exists', async () => {
        const dialog = page.getByRole('dialog', { name: 'Import from agent configs' });
        const backup = (await dialog.getByTestId('agent-config-backup').textContent())!;
        expect(existsSync(backup)).toBe(true);
        expect(readFileSync(backup, 'utf8')).toBe(original);
        const after = readFileSync(file, 'utf8');
        const entry = (JSON.parse(after) as { mcpServers: { github: { command: string; args: string[]; env?: unknown } } }).mcpServers.github;
        expect(entry.command).toBe(process.execPath);
        expect(entry.args[0]).toMatch(/packages\/cli\/bin\/latchkey\.mjs$/);
        expect(entry.args.slice(1, 5)).toEqual(['--data-dir', host.dataDir, 'mcp-proxy', expect.stringMatching(/^[A-Za-z0-9_-]+$/)]);
        expect(entry.env).toBeUndefined();
        for (const f of forms(CANARY)) expect(after).not.toContain(f);
        await dialog.getByRole('button', { name: 'Done' }).click();
        await expect(dialog).toBeHidden();
        await expect(page.getByRole('button', { name: /github \(imported from claude_desktop_config\.json\)/ })).toBeVisible();
        await expectNoSecretInDom(page, forms(CANARY));
        const frames = await framesText(page);
        for (const f of forms(CANARY)) expect(frames).not.toContain(f);
        expect(host.output()).not.toContain(CANARY);
      });
    });
  });
}
