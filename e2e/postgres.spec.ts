/**
 * A PostgreSQL connection made in the UI against a real server: a throwaway PostgreSQL cluster
 * (Debian's `postgresql` package) on 127.0.0.1, started by the test and stopped afterwards.
 * Wrong password → the server's authentication failure; wrong database → "does not exist";
 * right settings → "✓ Connected (N ms)"; saved, tested from the list, "Working" with its
 * host:port/database. The password is a canary: never in the DOM, in a frame the page
 * receives, or in a file under the data folder.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { startPostgres, type PostgresPeer } from '@latchkey/transports/testing';
import { connectBridge, openWithSession } from './support/bridge-client';
import { expectNoSecretInDom, screenshot } from './support/flow';
import { filesUnder, startHeadlessHost, type RunningHost } from './support/headless';

const PG_ROOT = '/usr/lib/postgresql';
const postgresInstalled = existsSync(PG_ROOT) && readdirSync(PG_ROOT).some((v) => existsSync(`${PG_ROOT}/${v}/bin/initdb`));

const canary = (label: string) => `canary-pg-${label}-${randomBytes(10).toString('hex')}`;
const password = canary('good');
const wrongPassword = canary('wrong');
const secrets = [password, wrongPassword];

/** Every WebSocket frame the page receives, as text. */
function recordReceivedFrames(page: Page): string[] {
  const received: string[] = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => received.push(typeof f.payload === 'string' ? f.payload : f.payload.toString('utf8'))));
  return received;
}

/** The password in none of: the DOM, the frames the page received, the files under the data folder. */
async function expectNoPasswordLeak(page: Page, received: string[], host: RunningHost, port: number): Promise<void> {
  await expectNoSecretInDom(page, secrets);
  const frames = received.join('\n');
  expect(frames).toContain(`"port":${port}`); // the recording works: the saved config came through
  for (const s of secrets) expect(frames.includes(s), 'the password crossed the bridge to the page').toBe(false);
  const files = filesUnder(host.dataDir);
  // The ciphertext is on disk (in the snapshot, or in its journal until the next compaction), and searched.
  expect(files.map((f) => f.path).some((p) => p.endsWith('secrets.json') || p.endsWith('secrets.journal'))).toBe(true);
  for (const f of files) for (const s of secrets) expect(f.text.includes(s), `plaintext password in ${f.path}`).toBe(false);
}

const latencyOf = (text: string) => Number(/\((\d+) ms\)/.exec(text)?.[1]);

test.describe('PostgreSQL connection against a real server (Chromium)', () => {
  test.skip(!postgresInstalled, `PostgreSQL server binaries are not installed (no ${PG_ROOT}/*/bin/initdb; Debian package "postgresql")`);
  test.describe.configure({ timeout: 60_000 });

  let pg: PostgresPeer;
  let host: RunningHost | undefined;

  test.beforeAll(async () => {
    pg = await startPostgres({ user: 'app', password, database: 'appdb' });
  });
  test.afterAll(async () => {
    await pg?.stop();
  });
  test.beforeEach(async () => {
    host = await startHeadlessHost();
  });
  test.afterEach(async () => {
    await host?.stop();
  });

  test('wrong password, wrong database, then connected with latency; saved and Working in the list — no password leaks', async ({ page }, testInfo) => {
    const received = recordReceivedFrames(page);
    await page.goto(host!.url);
    await expect(page.getByRole('heading', { name: 'Connections', level: 1 })).toBeVisible();

    await page.getByRole('button', { name: 'Add your first connection' }).click();
    const picker = page.getByRole('dialog', { name: 'Add a connection' });
    await picker.getByLabel('Search connection types').fill('postgres');
    await picker.getByRole('button', { name: /PostgreSQL/ }).click();

    const form = page.getByRole('dialog', { name: /New PostgreSQL connection/ });
    await form.getByLabel(/^Name/).fill('Orders DB');
    await form.getByLabel(/^Host/).fill(pg.host);
    await form.getByLabel(/^Port/).fill(String(pg.port));
    const database = form.getByLabel(/^Database/);
    await database.fill(pg.database);
    await form.getByLabel(/^User \(required\)/).fill(pg.user);
    // A loopback host leaves SSL off by default (the cluster has no certificate).
    await expect(form.getByLabel('Use SSL/TLS')).not.toBeChecked();
    const passwordInput = form.getByLabel(/^Password/);
    await expect(passwordInput).toHaveAttribute('type', 'password');
    await passwordInput.fill(wrongPassword);

    const result = form.getByRole('status');
    const testButton = form.getByRole('button', { name: 'Test connection' });
    await testButton.click();
    // The server's 28P01, classified as an authentication failure in its own words.
    await expect(result).toHaveText(`✗ Authentication failed: password authentication failed for user "${pg.user}"`);
    await screenshot(page, testInfo, 'postgres-wrong-password');

    await passwordInput.fill(password);
    await database.fill('no_such_db');
    await testButton.click();
    // The server's 3D000.
    await expect(result).toHaveText('✗ Database "no_such_db" does not exist');
    await screenshot(page, testInfo, 'postgres-wrong-database');

    await database.fill(pg.database);
    await testButton.click();
    await expect(result).toHaveText(/^✓ Connected \(\d+ ms\)$/);
    const draftText = (await result.textContent()) ?? '';
    await screenshot(page, testInfo, 'postgres-connected');

    await form.getByRole('button', { name: 'Save connection' }).click();
    await expect(form).toBeHidden();
    const row = page.getByRole('list', { name: 'Connections' }).getByRole('listitem').filter({ hasText: 'Orders DB' });
    await expect(row).toContainText(`PostgreSQL · ${pg.host}:${pg.port}/${pg.database}`);
    // Saved with exactly the settings that passed the form's test: that result is stored with it.
    await expect(row.locator('.badge.status-ok')).toHaveText('Working');
    await expectNoSecretInDom(page, secrets);

    // Test the saved connection from the list: the broker uses the stored (encrypted) password.
    await row.getByRole('button').click();
    const detail = page.getByRole('dialog', { name: /Orders DB/ });
    await expect(detail.getByRole('img', { name: 'Password is saved' })).toHaveText('••••••••');
    await detail.getByRole('button', { name: 'Test connection' }).click();
    await expect(detail.getByRole('status')).toHaveText(/^✓ Connected \(\d+ ms\)$/);
    const savedText = (await detail.getByRole('status').textContent()) ?? '';
    await screenshot(page, testInfo, 'postgres-saved-connected');
    await detail.getByRole('button', { name: 'Cancel' }).click();
    await expect(detail).toBeHidden();
    await expect(row.locator('.badge.status-ok')).toHaveText('Working');
    await expect(row).toContainText(/Last tested (just now|1 m ago)/);
    await expect(row).toContainText(`${pg.host}:${pg.port}/${pg.database}`);
    await screenshot(page, testInfo, 'postgres-list-working');

    const line = `PostgreSQL test latency shown in the UI: ${latencyOf(draftText)} ms (new connection form), ${latencyOf(savedText)} ms (saved connection, opened from the list); server ${pg.host}:${pg.port}`;
    process.stdout.write(`${line}\n`);
    await testInfo.attach('postgres-latency.txt', { body: line, contentType: 'text/plain' });

    await expectNoPasswordLeak(page, received, host!, pg.port);
  });

  test('testing an edited saved connection tests the edit (wrong database → does not exist)', async ({ page }, testInfo) => {
    const bridge = await connectBridge(host!.url);
    const created = await bridge.call('connections:create', {
      providerId: 'postgres',
      name: 'Orders DB',
      config: { host: pg.host, port: pg.port, database: pg.database, user: pg.user, ssl: false },
      secrets: { password },
    });
    expect(created.ok, JSON.stringify(created.error)).toBe(true);
    // The saved settings work (tested outside the page, so the form below starts untouched).
    const saved = await bridge.call('connections:test', { id: (created.value as { id: string }).id });
    bridge.close();
    expect(saved.value).toMatchObject({ ok: true, code: 'ok' });

    const received = recordReceivedFrames(page);
    await openWithSession(page, host!.url, bridge.cookie);
    const row = page.getByRole('list', { name: 'Connections' }).getByRole('listitem').filter({ hasText: 'Orders DB' });
    await row.getByRole('button').click();
    const detail = page.getByRole('dialog', { name: /Orders DB/ });
    const status = detail.getByRole('status');
    await expect(detail.getByRole('img', { name: 'Password is saved' })).toBeVisible();

    await detail.getByLabel(/^Database/).fill('no_such_db');
    await expect(detail.getByLabel(/^Database/)).toHaveValue('no_such_db');
    // Both ways of testing answer with a TestResult frame: wait for a new one, then for the text.
    const results = () => received.filter((f) => f.includes('"latencyMs"')).length;
    const before = results();
    await detail.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(results).toBeGreaterThan(before);
    await expect(status).toHaveText(/^[✓✗]/);
    await screenshot(page, testInfo, 'postgres-detail-edited-database');
    await expectNoPasswordLeak(page, received, host!, pg.port);

    // The first Test after an edit must test the edit (it once ran the saved settings instead).
    await expect(status).toHaveText('✗ Database "no_such_db" does not exist', { timeout: 5_000 });
  });
});
