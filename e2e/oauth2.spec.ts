/**
 * OAuth2 sign-in as a person does it, against a real OpenID provider (oidc-provider) on loopback
 * with a 4-second access-token lifetime: add a connection with "Save and sign in", sign in and
 * consent on the provider's own pages (the popup the page opened), see "Working"; an agent calls
 * through a ref; once the provider says the token expired, the next call makes exactly one
 * refresh; the refresh token killed at the provider → "Expired" with "Sign in again", which
 * works. Canary: no token the provider issued is in the DOM, a frame, a file or the audit.
 * Waiting is on the provider's state (its token expired), never a fixed sleep.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { createAgentSession } from '@latchkey/broker';
import { connectionFetchTool } from '@latchkey/extension-host/agents';
import { createHeadlessHost, type HeadlessHost } from '@latchkey/headless';
import { startOidcPeer, type OidcPeer } from '@latchkey/transports/testing';
import { expectNoSecretInDom, screenshot } from './support/flow';
import { filesUnder } from './support/headless';

let peer: OidcPeer;
let api: Server;
let apiUrl: string;
let host: HeadlessHost;
let dataDir: string;

test.beforeAll(async () => {
  peer = await startOidcPeer({ serviceClientSecret: randomBytes(12).toString('hex'), accessTokenTtl: 4 });
  api = createServer((req, res) => {
    void (async () => {
      const token = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
      const found = await peer.provider.AccessToken.find(token);
      res.writeHead(found ? 200 : 401, { 'content-type': 'application/json' }).end(JSON.stringify(found ? { sub: found.accountId } : { error: 'invalid_token' }));
    })();
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  dataDir = await mkdtemp(join(tmpdir(), 'latchkey-e2e-oauth2-'));
  host = await createHeadlessHost({ dataDir, env: { LATCHKEY_MASTER_KEY: randomBytes(32).toString('base64') } });
});

test.afterAll(async () => {
  await host?.close();
  await new Promise<void>((r) => (api ? api.close(() => r()) : r()));
  await peer?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Resolves once no access token the provider issued is still live (the hang guard is the poll's timeout). */
async function untilAccessTokensExpire() {
  await expect
    .poll(async () => {
      for (const t of peer.issued) if (await peer.provider.AccessToken.find(t)) return 'live';
      return 'expired';
    }, { timeout: 30_000, intervals: [250] })
    .toBe('expired');
}

/** The provider's login and consent pages in the popup the page opened, as a person fills them. */
async function signInInPopup(popup: Page) {
  await popup.waitForLoadState();
  const login = popup.locator('input[name="login"]');
  if (await login.isVisible().catch(() => false)) {
    await login.fill('alice');
    await popup.locator('input[name="password"]').fill('correct horse');
    await popup.getByRole('button', { name: 'Sign-in' }).click();
  }
  await popup.getByRole('button', { name: 'Continue' }).click();
  await expect(popup.getByRole('heading', { name: 'Signed in' })).toBeVisible();
}

const rowOf = (page: Page, name: string) => page.getByRole('list', { name: 'Connections' }).getByRole('listitem').filter({ hasText: name });

test('Sign in, stay signed in through a refresh, expire visibly, sign in again — no token leaks', async ({ page }, testInfo) => {
  const received: string[] = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => received.push(typeof f.payload === 'string' ? f.payload : f.payload.toString('utf8'))));
  await page.goto(host.url);
  await expect(page.getByRole('heading', { name: 'Connections', level: 1 })).toBeVisible();

  // --- Add the connection with "Save and sign in".
  await page.getByRole('button', { name: /^Add (your first )?connection$/ }).first().click();
  const picker = page.getByRole('dialog', { name: 'Add a connection' });
  await picker.getByLabel('Search connection types').fill('openid');
  await picker.getByRole('button', { name: /OAuth2 \/ OpenID app/ }).click();
  const form = page.getByRole('dialog', { name: /New OAuth2 \/ OpenID app connection/ });
  await form.getByLabel(/^Name/).fill('Acme ID');
  await form.getByLabel(/^API base URL/).fill(apiUrl);
  await form.getByLabel(/^Authorization URL/).fill(`${peer.issuer}/auth`);
  await form.getByLabel(/^Token URL/).fill(`${peer.issuer}/token`);
  await form.getByLabel(/^Revocation URL/).fill(`${peer.issuer}/token/revocation`);
  await form.getByLabel(/^OpenID issuer/).fill(peer.issuer);
  await form.getByLabel(/^Client ID/).fill(peer.nativeClientId);
  await expect(form.getByLabel('Stay signed in (refresh token)')).toBeChecked();
  await screenshot(page, testInfo, 'oauth2-form');
  const popupOpened = page.context().waitForEvent('page');
  await form.getByRole('button', { name: 'Save and sign in' }).click();
  const popup = await popupOpened;
  expect(popup.url()).toContain(`${peer.issuer}/`);
  await signInInPopup(popup);
  await screenshot(popup, testInfo, 'oauth2-result-page');
  await popup.close();
  await expect(rowOf(page, 'Acme ID')).toContainText('Working');
  await screenshot(page, testInfo, 'oauth2-working');

  // --- An agent calls through a ref; after the token expires, the next call refreshes once.
  const person = { requester: { kind: 'app' as const, id: 'e2e', displayName: 'e2e' } };
  const [connection] = await host.broker.app['connections:list']({ deleted: false }, person);
  const tool = connectionFetchTool(createAgentSession(host.broker, { displayName: 'Research assistant' }));
  const consent = page.getByRole('alertdialog');
  const call = async () => {
    const result = tool.run({ connectionId: connection!.id, path: '/me', reason: 'Who am I at Acme?' }).catch((e: Error) => ({ ok: false as const, error: e.message }));
    await expect(consent).toBeVisible();
    await consent.getByRole('button', { name: 'Allow once' }).click();
    return result;
  };
  expect(await call()).toEqual({ ok: true, status: 200, body: { sub: 'alice' } });
  await untilAccessTokensExpire();
  const refreshes = peer.grants.ok['refresh_token'] ?? 0;
  expect(await call()).toEqual({ ok: true, status: 200, body: { sub: 'alice' } });
  expect((peer.grants.ok['refresh_token'] ?? 0) - refreshes).toBe(1);

  // --- The refresh token dies at the provider: the connection shows Expired and "Sign in again".
  expect(await peer.revokeAllRefreshTokens()).toBeGreaterThan(0);
  await untilAccessTokensExpire();
  expect(await call()).toMatchObject({ ok: false, error: expect.stringMatching(/sign in again/i) });
  const row = rowOf(page, 'Acme ID');
  await expect(row).toContainText('Expired');
  await row.getByRole('button').click();
  const detail = page.getByRole('dialog', { name: 'Acme ID' });
  await expect(detail.getByRole('region', { name: 'Sign-in' })).toContainText(/Sign-in expired: .*invalid_grant/);
  await screenshot(page, testInfo, 'oauth2-expired');
  const again = page.context().waitForEvent('page');
  await detail.getByRole('button', { name: 'Sign in again' }).click();
  const popup2 = await again;
  await signInInPopup(popup2);
  await popup2.close();
  await expect(detail.getByRole('region', { name: 'Sign-in' })).toContainText('Signed in');
  expect(await call()).toEqual({ ok: true, status: 200, body: { sub: 'alice' } });

  // --- Canary: every token the provider issued, in its common encodings.
  const tokens = [...peer.issued];
  expect(tokens.length).toBeGreaterThanOrEqual(4);
  const forms = tokens.flatMap((t) => [t, Buffer.from(t).toString('base64'), encodeURIComponent(t), JSON.stringify(t).slice(1, -1)]);
  await expectNoSecretInDom(page, forms);
  const frames = received.join('\n');
  expect(received.length).toBeGreaterThan(0);
  for (const f of forms) expect(frames.includes(f), 'a token reached a frame').toBe(false);
  const files = filesUnder(dataDir);
  expect(files.some((f) => f.path.includes('audit'))).toBe(true);
  for (const file of files) for (const f of forms) expect(file.text.includes(f), `a token is in ${file.path}`).toBe(false);
});
