/**
 * Programs (issue 12) in Chromium over the headless host: "Used by" updates live as an in-process
 * executor and a template use the connection; a LATCHKEY_CONN_ override shows in the list and in
 * the detail pane; deleting a connection in use names its users first; the Variables screen's
 * connection picker offers only the category asked for and inserts a field the broker resolves
 * (from the environment, which wins). The password never reaches the page. `latchkey var get` of a
 * secret variable raises the modal naming the variable and the CLI; "Allow once" hands it over.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { createHeadlessHost, type HeadlessHost } from '@latchkey/headless';

const CANARY = `programs-canary-${randomBytes(6).toString('hex')}`;
const person = { requester: { kind: 'app' as const, id: 'e2e', displayName: 'e2e' } };

let host: HeadlessHost;
let dataDir: string;

test.beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'latchkey-e2e-programs-'));
  host = await createHeadlessHost({
    dataDir,
    env: { LATCHKEY_MASTER_KEY: randomBytes(32).toString('base64'), LATCHKEY_CONN_BILLING_DB: 'postgres://ci@db.ci.internal:5432/billing' },
  });
});

test.afterAll(async () => {
  await host?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

test('"Used by" follows uses live, overrides show, delete names the users, the picker filters and inserts', async ({ page }) => {
  const frames: string[] = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(typeof f.payload === 'string' ? f.payload : f.payload.toString('utf8'))));
  const billing = await host.broker.app['connections:create'](
    { providerId: 'postgres', name: 'Billing DB', scope: 'user', config: { host: 'db.prod.internal', port: 5432, database: 'billing', user: 'app' }, secrets: { password: CANARY } },
    person,
  );
  await host.broker.app['connections:create']({ providerId: 'http', name: 'Weather API', scope: 'user', config: { baseUrl: 'https://weather.example.test', authType: 'none' }, secrets: {} }, person);

  await page.goto(host.url);
  const list = page.getByRole('list', { name: 'Connections' });
  const row = list.getByRole('button', { name: /Billing DB/ });
  await expect(row).toContainText('Overridden by environment');
  await expect(row).not.toContainText('Used by');

  // An in-process executor and a template use: the row updates without a reload.
  await host.broker.programs.executor('nightly-invoices').resolveConnection(billing.id);
  await expect(row).toContainText('Used by 1');
  await host.broker.programs.executor('report-builder').renderTemplate('{{ conn.Billing DB.database }}');
  await expect(row).toContainText('Used by 2');

  await row.click();
  const pane = page.getByRole('list', { name: 'Used by' });
  await expect(pane).toContainText('Executor nightly-invoices (in this app)');
  await expect(pane).toContainText('Executor report-builder (in this app)');
  await expect(page.getByRole('note')).toContainText('LATCHKEY_CONN_BILLING_DB is set: programs use its host, port, database, user');
  await page.getByRole('button', { name: 'Delete' }).click();
  const confirm = page.getByRole('alertdialog');
  await expect(confirm).toContainText('It is in use by');
  await expect(confirm).toContainText('nightly-invoices');
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await page.keyboard.press('Escape');

  // The picker in the Variables screen: databases only, then a field inserted and resolved.
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('button', { name: 'Variables' }).click();
  await page.getByLabel('Kind of connection').selectOption({ label: 'Databases' });
  const picker = page.getByLabel('Connection', { exact: true });
  await expect(picker.locator('option')).toHaveText(['Choose a connection', 'Billing DB — PostgreSQL']);
  await picker.selectOption({ label: 'Billing DB — PostgreSQL' });
  await page.getByRole('group', { name: 'Insert a field' }).getByRole('button', { name: 'Host' }).click();
  await expect(page.getByRole('textbox', { name: 'Template' })).toHaveValue(`{{ conn.${billing.id}.host }}`);
  await page.getByRole('button', { name: 'Render' }).click();
  await expect(page.getByLabel('Rendered template')).toHaveText('db.ci.internal');
  await expect(page.getByText('from the environment')).toBeVisible();

  expect(await page.content()).not.toContain(CANARY);
  expect(frames.join('\n')).not.toContain(CANARY);
});

test('latchkey var get of a secret variable: the modal names the variable and the CLI; Allow once hands it over', async ({ page }) => {
  const secret = `var-canary-${randomBytes(8).toString('hex')}`;
  // A host of its own: the shared one's launch token was spent by the test above.
  const folder = await mkdtemp(join(tmpdir(), 'latchkey-e2e-secret-var-'));
  const own = await createHeadlessHost({ dataDir: folder, env: { LATCHKEY_MASTER_KEY: randomBytes(32).toString('base64') } });
  try {
    await checkSecretVariable(page, own, folder, secret);
  } finally {
    await own.close();
    await rm(folder, { recursive: true, force: true });
  }
});

async function checkSecretVariable(page: Page, host: HeadlessHost, dataDir: string, secret: string) {
  await host.broker.app['variables:set']({ key: 'DEPLOY_TOKEN', value: secret, secret: true, description: 'Deploys to production' }, person);
  const frames: string[] = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(typeof f.payload === 'string' ? f.payload : f.payload.toString('utf8'))));
  await page.goto(host.url);
  await expect(page.getByRole('heading', { name: 'Connections', level: 1 })).toBeVisible();

  const bin = fileURLToPath(new URL('../packages/cli/bin/latchkey.mjs', import.meta.url));
  const cli = spawn(process.execPath, [bin, '--data-dir', dataDir, 'var', 'get', 'DEPLOY_TOKEN'], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  cli.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  cli.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number>((resolve) => cli.on('close', (code) => resolve(code ?? -1)));

  const consent = page.getByRole('alertdialog');
  await expect(consent.getByRole('heading', { name: /^Reveal the secret variable DEPLOY_TOKEN to Program calling itself “latchkey var get DEPLOY_TOKEN” \(socket-/ })).toBeVisible();
  await expect(consent.getByTestId('consent-variable')).toHaveText('DEPLOY_TOKEN · Deploys to production');
  await expect(consent.locator('[data-scope="reveal"]')).toContainText('it leaves Latchkey');
  await expect(consent.getByRole('combobox', { name: 'How long' })).toHaveValue('once');
  await consent.getByRole('button', { name: 'Allow once' }).click();
  await expect(consent).toBeHidden();

  expect(await exited, stderr).toBe(0);
  expect(stdout).toBe(`${secret}\n`);
  expect(await page.content()).not.toContain(secret);
  expect(frames.join('\n')).not.toContain(secret);
  const files = await readdir(dataDir, { recursive: true, withFileTypes: true });
  for (const f of files.filter((e) => e.isFile())) expect(await readFile(join(f.parentPath, f.name), 'utf8'), f.name).not.toContain(secret);
}
