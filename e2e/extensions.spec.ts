/**
 * Extensions and consent, end to end, against the headless host in Chromium:
 * a person creates a GitHub connection in the UI; the GitHub extension's `listRepositories`
 * asks for access; the consent modal shows; Allow once lets the call through; the Audit screen
 * shows request, grant and use; a second call asks again; Deny refuses; Allow until I revoke it then
 * Revoke on the Access screen kills the reference the extension still holds.
 *
 * A loopback server stands in for api.github.com and demands the bearer token. That token is a
 * canary: it must never appear in the page's DOM nor in any WebSocket frame the broker sends.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { createHeadlessHost, type HeadlessHost } from '@latchkey/headless';

const CANARY = `ghp_e2eCanary${randomBytes(16).toString('hex')}`;
const FIXTURE_EXTENSIONS = fileURLToPath(new URL('./fixtures/extensions', import.meta.url));
const GITHUB_EXTENSION_ID = '@latchkey/ext-github';
const REF_KEEPER_ID = 'e2e-ref-keeper';

interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

/** api.github.com's two endpoints the extension uses; anything without the bearer token gets 401. */
async function startGitHubStandIn(token: string): Promise<{ url: string; requests: SeenRequest[]; close(): Promise<void> }> {
  const requests: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://stand-in').pathname;
    requests.push({ method: req.method ?? 'GET', path, headers: req.headers });
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${token}`) return json(401, { message: 'Bad credentials' });
    if (path === '/user') return json(200, { login: 'octo-e2e', id: 1 });
    if (path === '/user/repos') {
      return json(200, [
        { full_name: 'octo-e2e/alpha', private: false, html_url: 'https://github.invalid/octo-e2e/alpha' },
        { full_name: 'octo-e2e/secret-plans', private: true, html_url: 'https://github.invalid/octo-e2e/secret-plans' },
      ]);
    }
    return json(404, { message: 'Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let github: Awaited<ReturnType<typeof startGitHubStandIn>>;
let host: HeadlessHost;
let dataDir: string;

test.beforeAll(async () => {
  github = await startGitHubStandIn(CANARY);
  dataDir = await mkdtemp(join(tmpdir(), 'latchkey-e2e-extensions-'));
  host = await createHeadlessHost({
    dataDir,
    extensionDirs: [FIXTURE_EXTENSIONS],
    env: { LATCHKEY_MASTER_KEY: randomBytes(32).toString('base64') },
  });
});

test.afterAll(async () => {
  await host?.close();
  await github?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Runs one of an installed extension's commands, as the app would (e.g. from a menu). */
function runCommand(extensionId: string, name: string, args?: { connectionId: string }): Promise<unknown> {
  return host.extensions.runCommand(extensionId, name, args);
}

/** Every WebSocket frame, both ways, for the leak check. */
function recordFrames(page: Page) {
  const frames = { received: [] as string[], sent: [] as string[] };
  page.on('websocket', (ws) => {
    ws.on('framereceived', (f) => frames.received.push(typeof f.payload === 'string' ? f.payload : f.payload.toString('utf8')));
    ws.on('framesent', (f) => frames.sent.push(typeof f.payload === 'string' ? f.payload : f.payload.toString('utf8')));
  });
  return frames;
}

async function expectNoCanaryInDom(page: Page) {
  expect(await page.content()).not.toContain(CANARY);
  // Form fields keep what was typed in properties, not in the markup: read those too.
  const values = await page.$$eval('input, textarea, select', (els) => els.map((e) => (e as HTMLInputElement).value));
  expect(values.join('\n')).not.toContain(CANARY);
}

/** WCAG A/AA rules on part of the page, in the colour scheme the test runs in. */
async function expectAccessible(page: Page, selector: string) {
  const { violations } = await new AxeBuilder({ page }).include(selector).withTags(['wcag2a', 'wcag2aa']).analyze();
  expect(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

async function openSection(page: Page, name: 'Connections' | 'Access' | 'Audit' | 'Extensions') {
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('button', { name, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name, exact: true })).toBeVisible();
}

test('an extension asks, the person answers, and Access and Audit follow', async ({ page }, testInfo) => {
  const snapshot = async (name: string) => {
    const path = testInfo.outputPath(`${name}.png`);
    await page.screenshot({ path });
    await testInfo.attach(name, { path, contentType: 'image/png' });
  };
  const frames = recordFrames(page);
  const consent = page.getByRole('alertdialog');
  await page.goto(host.url);

  await test.step('create a GitHub connection in the UI', async () => {
    await page.getByRole('button', { name: 'Add connection' }).first().click();
    await page.getByRole('dialog').getByRole('button', { name: /^GitHub\b/ }).click();
    await page.getByLabel('Name').fill('Work GitHub');
    await page.getByLabel('API URL').fill(github.url);
    await page.getByLabel('Personal access token').fill(CANARY);
    await page.getByRole('button', { name: 'Save connection' }).click();
    await expect(page.getByText('Saved “Work GitHub”.')).toBeVisible();
    await expectNoCanaryInDom(page);
  });
  const [connection] = await host.broker.app['connections:list']({ deleted: false }, { requester: { kind: 'app', id: 'e2e', displayName: 'e2e' } });
  expect(connection?.name).toBe('Work GitHub');

  await test.step('the extension asks; the modal shows who, what and why; Allow once', async () => {
    const call = runCommand(GITHUB_EXTENSION_ID, 'listRepositories');
    await expect(consent).toBeVisible();
    await expect(consent.getByTestId('consent-requester')).toHaveText(`Extension GitHub (${GITHUB_EXTENSION_ID})`);
    await expect(consent.getByTestId('consent-connection')).toContainText('Work GitHub · GitHub');
    await expect(consent.getByTestId('consent-reason')).toHaveText('List your repositories');
    await expect(consent.getByRole('listitem')).toHaveText(`send authenticated requests to ${github.url}`);
    // The prompt itself has focus (not an answer): a stray Enter answers nothing.
  await expect(consent).toBeFocused();
    await expect(consent.getByTestId('consent-countdown')).toHaveText(/^Denied automatically in \d+ s$/);
    await expectNoCanaryInDom(page);
    await expectAccessible(page, '[role="alertdialog"]');
    await snapshot('consent-modal');

    await consent.getByRole('button', { name: 'Allow once' }).click();
    await expect(consent).toBeHidden();
    expect(await call).toEqual({
      granted: true,
      connection: 'Work GitHub',
      repositories: [
        { fullName: 'octo-e2e/alpha', private: false, url: 'https://github.invalid/octo-e2e/alpha' },
        { fullName: 'octo-e2e/secret-plans', private: true, url: 'https://github.invalid/octo-e2e/secret-plans' },
      ],
    });
    const repos = github.requests.filter((r) => r.path === '/user/repos');
    expect(repos).toHaveLength(1);
    expect(repos[0]?.headers.authorization).toBe(`Bearer ${CANARY}`);
  });

  await test.step('the Audit screen shows the request, the grant and the use', async () => {
    await openSection(page, 'Audit');
    const byGitHub = (type: string) => page.locator(`tr[data-type="${type}"]`).filter({ hasText: `Extension GitHub (${GITHUB_EXTENSION_ID})` });
    await expect(byGitHub('access.request')).toHaveCount(1);
    await expect(byGitHub('access.grant')).toHaveCount(1);
    await expect(byGitHub('ref.use')).toHaveCount(1);
    await expect(byGitHub('ref.use')).toContainText('Work GitHub');
    await expect(page.getByTestId('audit-verification')).toContainText(/Verified: \d+ events, no gaps/);
    await expectAccessible(page, 'main');
    await snapshot('audit-screen');
  });

  await test.step('the Extensions screen shows both extensions running, and how each is confined', async () => {
    await openSection(page, 'Extensions');
    // The screen says what the host reports, whatever the runtime allows.
    const isolationText = (id: string) =>
      ({ confined: 'Its own folder only', unconfined: 'Not confined: this runtime cannot limit its file access', unknown: 'Not reported' })[
        host.extensions.get(id)?.isolation ?? 'unknown'
      ];
    const gh = page.locator(`tr[data-extension-id="${GITHUB_EXTENSION_ID}"]`);
    await expect(gh).toContainText(`${GITHUB_EXTENSION_ID} 0.1.0 · Built in`);
    await expect(gh.getByTestId('extension-state')).toHaveText('Running');
    await expect(gh.getByRole('cell').nth(1)).toHaveText('github');
    await expect(gh.getByRole('cell').nth(3)).toHaveText(isolationText(GITHUB_EXTENSION_ID));
    await expect(gh.getByRole('switch', { name: 'GitHub enabled' })).toHaveAttribute('aria-checked', 'true');
    const keeper = page.locator(`tr[data-extension-id="${REF_KEEPER_ID}"]`);
    await expect(keeper).toContainText(`${REF_KEEPER_ID} 0.1.0 · Installed by you`);
    await expect(keeper.getByTestId('extension-state')).toHaveText('Running');
    await expectAccessible(page, 'main');
    await openSection(page, 'Audit');
  });

  await test.step('a second call asks again, and Deny refuses it', async () => {
    const call = runCommand(GITHUB_EXTENSION_ID, 'listRepositories');
    await expect(consent).toBeVisible();
    // The prompt itself has focus (not an answer): a stray Enter answers nothing.
    await expect(consent).toBeFocused();
    await consent.getByRole('button', { name: 'Deny', exact: true }).click();
    expect(await call).toMatchObject({ granted: false, reason: 'denied' });
    expect(github.requests.filter((r) => r.path === '/user/repos')).toHaveLength(1);

    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect(page.locator('tr[data-type="access.deny"]').filter({ hasText: `Extension GitHub (${GITHUB_EXTENSION_ID})` })).toHaveCount(1);
  });

  await test.step('a prompt that arrives over an open connection dialog is drawn on top and gives the dialog back', async () => {
    await openSection(page, 'Connections');
    await page.getByRole('button', { name: 'Add connection' }).click();
    const picker = page.getByRole('dialog', { name: 'Add a connection' });
    await picker.getByLabel('Search connection types').fill('http');
    // Another extension asks here: three denials in a row would throttle GitHub's next request,
    // which the window-closing step below needs as a prompt.
    const call = runCommand(REF_KEEPER_ID, 'acquire', { connectionId: connection!.id });
    await expect(consent).toBeVisible();
    await expect(consent).toBeFocused();
    // What the eye sees: the topmost element at the prompt's centre belongs to the prompt.
    const box = (await consent.boundingBox())!;
    expect(await page.evaluate(([x, y]) => document.elementFromPoint(x!, y!)?.closest('[role="alertdialog"]') !== null, [box.x + box.width / 2, box.y + box.height / 2])).toBe(true);
    await snapshot('consent-over-dialog');
    await page.keyboard.press('Escape');
    expect(await call).toMatchObject({ granted: false, reason: 'denied' });
    await expect(picker).toBeVisible();
    await expect(picker.getByLabel('Search connection types')).toHaveValue('http');
    await expect(picker.getByLabel('Search connection types')).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(picker).toBeHidden();
    await openSection(page, 'Audit');
  });

  await test.step('Escape denies too', async () => {
    const call = runCommand(GITHUB_EXTENSION_ID, 'listRepositories');
    await expect(consent).toBeVisible();
    await page.keyboard.press('Escape');
    expect(await call).toMatchObject({ granted: false, reason: 'denied' });
  });

  await test.step('Allow always; the held reference works, then Revoke on Access kills it', async () => {
    const acquire = runCommand(REF_KEEPER_ID, 'acquire', { connectionId: connection!.id });
    await expect(consent).toBeVisible();
    await expect(consent.getByTestId('consent-requester')).toHaveText(`Extension Ref keeper (e2e) (${REF_KEEPER_ID})`);
    await consent.getByLabel('How long').selectOption({ label: 'Until revoked' });
    await consent.getByRole('button', { name: 'Allow until I revoke it' }).click();
    expect(await acquire).toEqual({ granted: true });
    expect(await runCommand(REF_KEEPER_ID, 'useHeldRef')).toEqual({ ok: true, status: 200 });

    await openSection(page, 'Access');
    // The grant's own row, under the heading row that groups this requester's grants.
    const row = page.locator('tr[data-grant-id]').filter({ hasText: `Extension Ref keeper (e2e) (${REF_KEEPER_ID})` });
    await expect(row).toContainText('Work GitHub');
    await expect(row).toContainText('Until revoked');
    await expectAccessible(page, 'main');
    await snapshot('access-screen');
    await row.getByRole('button', { name: /^Revoke / }).click();
    const confirm = page.getByRole('alertdialog');
    await expect(confirm).toContainText('References it already holds stop working at once');
    await confirm.getByRole('button', { name: 'Revoke', exact: true }).click();
    await expect(row).toHaveCount(0);
    // The key notice is a status too (LATCHKEY_MASTER_KEY, no recovery kit yet): pick the Access one.
    await expect(page.getByRole('status').filter({ hasText: /^Revoked access/ })).toHaveText('Revoked access for Ref keeper (e2e) to Work GitHub.');

    const seen = github.requests.length;
    expect(await runCommand(REF_KEEPER_ID, 'useHeldRef')).toMatchObject({ ok: false, code: 'DENIED' });
    expect(github.requests).toHaveLength(seen);
  });

  await test.step('the canary never reached the page', async () => {
    await expectNoCanaryInDom(page);
    expect(frames.received.length).toBeGreaterThan(0);
    expect(frames.received.filter((f) => f.includes(CANARY))).toEqual([]);
    // The token travels inwards exactly once: the save that stored it.
    const carrying = frames.sent.filter((f) => f.includes(CANARY));
    expect(carrying).toHaveLength(1);
    expect(carrying[0]).toContain('connections:create');
  });

  await test.step('closing the window denies an open request', async () => {
    const call = runCommand(GITHUB_EXTENSION_ID, 'listRepositories');
    await expect(consent).toBeVisible();
    await page.close();
    expect(await call).toMatchObject({ granted: false, reason: 'aborted' });

    // Every refusal is in the audit, whichever way it came: Deny, Escape, the window closing.
    const denials = await host.broker.app['audit:list'](
      { types: ['access.deny'], requesterId: GITHUB_EXTENSION_ID, limit: 100 },
      { requester: { kind: 'app', id: 'e2e', displayName: 'e2e' } },
    );
    expect(denials.events.map((e) => e.detail?.split(':')[0]).reverse()).toEqual(['denied', 'denied', 'aborted']);
  });
});
