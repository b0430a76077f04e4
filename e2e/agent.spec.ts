/**
 * An in-app agent goes through the same consent path as an extension: the sample agent tool
 * (`connectionFetchTool` over `createAgentSession`) asks for an HTTP connection, the modal names
 * the agent, the person allows once, the tool's call succeeds with the credential the broker
 * injected, and a second call asks again and is denied. The token never reaches the page.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { createAgentSession } from '@latchkey/broker';
import { connectionFetchTool } from '@latchkey/extension-host/agents';
import { createHeadlessHost, type HeadlessHost } from '@latchkey/headless';

const CANARY = `agent-canary-${randomBytes(6).toString('hex')}`;
const person = { requester: { kind: 'app' as const, id: 'e2e', displayName: 'e2e' } };

let api: Server;
let apiUrl: string;
let host: HeadlessHost;
let dataDir: string;
const seenAuth: string[] = [];

test.beforeAll(async () => {
  api = createServer((req, res) => {
    seenAuth.push(String(req.headers.authorization ?? ''));
    if (req.headers.authorization !== `Bearer ${CANARY}`) return void res.writeHead(401).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ forecast: 'sunny' }));
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  dataDir = await mkdtemp(join(tmpdir(), 'latchkey-e2e-agent-'));
  host = await createHeadlessHost({ dataDir, env: { LATCHKEY_MASTER_KEY: randomBytes(32).toString('base64') } });
});

test.afterAll(async () => {
  await host?.close();
  await new Promise<void>((r) => (api ? api.close(() => r()) : r()));
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

test('an agent asks through the consent modal; allow once works once, then deny refuses', async ({ page }, testInfo) => {
  const received: string[] = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => received.push(typeof f.payload === 'string' ? f.payload : f.payload.toString('utf8'))));
  const connection = await host.broker.app['connections:create'](
    { providerId: 'http', name: 'Weather API', scope: 'user', config: { baseUrl: apiUrl, authType: 'bearer' }, secrets: { token: CANARY } },
    person,
  );
  const session = createAgentSession(host.broker, { displayName: 'Research assistant' });
  const tool = connectionFetchTool(session);
  await page.goto(host.url);
  const consent = page.getByRole('alertdialog');

  const first = tool.run({ connectionId: connection.id, path: '/today', reason: 'Answer “will it rain today?”' });
  await expect(consent).toBeVisible();
  await expect(consent).toContainText('Research assistant');
  // The agent's id is the session key the broker issued, not a name it chose.
  await expect(consent).toContainText('session-');
  await expect(consent).toContainText('Weather API');
  await expect(consent).toContainText('Answer “will it rain today?”');
  await expect(consent).toContainText(`send authenticated requests to ${apiUrl}`);
  // The prompt itself has focus (not an answer): a stray Enter answers nothing.
  await expect(consent).toBeFocused();
  const shot = testInfo.outputPath('agent-consent.png');
  await page.screenshot({ path: shot });
  await testInfo.attach('agent-consent', { path: shot, contentType: 'image/png' });
  await consent.getByRole('button', { name: 'Allow once' }).click();
  expect(await first).toEqual({ ok: true, status: 200, body: { forecast: 'sunny' } });
  expect(seenAuth.at(-1)).toBe(`Bearer ${CANARY}`);

  const second = tool.run({ connectionId: connection.id, path: '/today', reason: 'Check again' });
  await expect(consent).toBeVisible();
  await consent.getByRole('button', { name: 'Deny', exact: true }).click();
  expect(await second).toMatchObject({ ok: false, refused: 'denied' });
  expect(seenAuth).toHaveLength(1);

  const audit = await host.broker.app['audit:list']({ requesterId: session.requester.id, limit: 100 }, person);
  const types = audit.events.map((e) => `${e.type}:${e.requester?.kind}`);
  expect(types).toEqual(expect.arrayContaining(['access.request:agent', 'access.grant:agent', 'ref.use:agent', 'access.deny:agent']));

  expect(await page.content()).not.toContain(CANARY);
  expect(received.join('\n')).not.toContain(CANARY);
  expect(received.length).toBeGreaterThan(0);
});
