/**
 * An extension's declared commands on the Extensions screen, run from Chromium through the
 * headless host (issue 14). The fixture's `leak` returns a token that is also stored as a
 * connection's secret: the page must show the output masked, and no frame may carry the token.
 * Then a copy of it (renamed) is installed from a folder the person types: reviewed in the page,
 * then confirmed with the one-time code the host printed in its terminal (the page alone cannot).
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { createHeadlessHost, type HeadlessHost } from '@latchkey/headless';
import { screenshot } from './support/flow';

const FIXTURE = fileURLToPath(new URL('../packages/extension-host/test-fixtures/commands', import.meta.url));
const LEAKED_TOKEN = 'ghp_CommandsFixtureCanary_0123456789abcdef';
const person = { requester: { kind: 'app' as const, id: 'e2e', displayName: 'e2e' } };

let host: HeadlessHost;
let work: string;
const printed: string[] = [];

test.beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'latchkey-e2e-commands-'));
  await cp(FIXTURE, join(work, 'extensions', 'commands'), { recursive: true });
  host = await createHeadlessHost({
    dataDir: join(work, 'data'),
    extensionDirs: [join(work, 'extensions')],
    env: { LATCHKEY_MASTER_KEY: randomBytes(32).toString('base64') },
    announceCommandCode: (line) => printed.push(line),
  });
});
test.afterAll(async () => {
  await host?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

test('lists declared commands, runs one, masks a stored secret its output echoes; installs one from a folder after a consent naming it', async ({ page }, testInfo) => {
  await host.broker.app['connections:create']({ providerId: 'http', name: 'Work API', scope: 'user', config: { baseUrl: 'http://127.0.0.1:9/', authType: 'bearer' }, secrets: { token: LEAKED_TOKEN } }, person);
  const frames: string[] = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(typeof f.payload === 'string' ? f.payload : f.payload.toString('utf8'))));
  await page.goto(host.url);
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('button', { name: 'Extensions', exact: true }).click();
  const commands = page.getByRole('list', { name: 'Commands commands' });
  await expect(commands.getByRole('button')).toHaveText(['Say hello', 'Show status', 'Show the token it holds', 'Never finish']);
  await expect(commands.getByRole('button', { name: 'Say hello' })).toBeEnabled();

  await commands.getByRole('button', { name: 'Say hello' }).click();
  const output = page.getByRole('region', { name: 'Command output' });
  await expect(output).toContainText('Hello from the commands fixture');

  await commands.getByRole('button', { name: 'Show the token it holds' }).click();
  await expect(output).toContainText('Commands: Show the token it holds');
  await expect(output).toContainText('token=');
  await screenshot(page, testInfo, 'extension-command-output');
  expect(await page.content()).not.toContain(LEAKED_TOKEN);
  expect(frames.join('\n')).not.toContain(LEAKED_TOKEN);
  expect(frames.join('\n')).not.toContain(Buffer.from(LEAKED_TOKEN).toString('base64'));

  // The host's launch token is single-use: the install runs in the same page.
  const source = join(work, 'downloads', 'acme-commands');
  await cp(FIXTURE, source, { recursive: true });
  const pkg = JSON.parse(await readFile(join(source, 'package.json'), 'utf8')) as { name: string; author?: string; latchkey: { displayName: string } };
  pkg.name = 'acme-commands';
  pkg.author = 'Acme Corp';
  pkg.latchkey.displayName = 'Acme Commands';
  await writeFile(join(source, 'package.json'), JSON.stringify(pkg));

  await page.getByLabel('Install from folder').fill(source);
  await page.getByRole('button', { name: 'Review…' }).click();
  const consent = page.getByRole('alertdialog', { name: 'Install Acme Commands from Acme Corp?' });
  await expect(consent).toContainText('the package acme-commands 1.0.0, published by Acme Corp');
  await expect(consent).toContainText('“Say hello”');
  await expect(consent).toContainText(/SHA-256 [0-9a-f]{16}…/);
  await screenshot(page, testInfo, 'extension-install-consent');
  await consent.getByRole('button', { name: 'Install…' }).click();
  const confirm = page.getByRole('alertdialog', { name: 'Install the extension “Acme Commands” (acme-commands 1.0.0)?' });
  await expect(confirm).toContainText(`From ${source}, published by Acme Corp`);
  const codeOf = () => /confirm “Install the extension “Acme Commands” \(acme-commands 1\.0\.0\)\?”, type (\d{3}-\d{3})/.exec(printed.join('\n'))?.[1];
  await expect.poll(codeOf).toBeTruthy();
  await confirm.getByTestId('command-code').fill(codeOf()!);
  await screenshot(page, testInfo, 'extension-install-confirm');
  await confirm.getByRole('button', { name: 'Install', exact: true }).click();
  await expect(page.getByText('Installed Acme Commands.')).toBeVisible();
  const acme = page.getByRole('list', { name: 'Acme Commands commands' });
  await expect(acme.getByRole('button', { name: 'Say hello' })).toBeEnabled();
  await acme.getByRole('button', { name: 'Say hello' }).click();
  await expect(page.getByRole('region', { name: 'Command output' })).toContainText('Hello from the commands fixture');
});
