/**
 * A real MCP client (the MCP SDK's Client) runs `latchkey mcp` over stdio against the running
 * headless host; it asks to query a real PostgreSQL. The consent modal appears in Chromium naming
 * the client (as what it calls itself) and showing the SQL; "Allow once"; the query runs with the
 * password Latchkey injected and the rows come back — the password in no encoding in the result,
 * the DOM, or the files under the data folder.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import pg from 'pg';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { startPostgres, type PostgresPeer } from '@latchkey/transports/testing';
import { connectBridge, openWithSession } from './support/bridge-client';
import { expectNoSecretInDom, screenshot } from './support/flow';
import { filesUnder, startHeadlessHost, type RunningHost } from './support/headless';

const PG_ROOT = '/usr/lib/postgresql';
const postgresInstalled = existsSync(PG_ROOT) && readdirSync(PG_ROOT).some((v) => existsSync(`${PG_ROOT}/${v}/bin/initdb`));
const LATCHKEY_BIN = fileURLToPath(new URL('../packages/cli/bin/latchkey.mjs', import.meta.url));
const password = `canary-mcp-${randomBytes(10).toString('hex')}`;
const forms = (s: string) => [s, encodeURIComponent(s), JSON.stringify(s).slice(1, -1), Buffer.from(s).toString('base64').replace(/=+$/, ''), Buffer.from(s).toString('hex')];

test.describe('an MCP agent queries PostgreSQL through latchkey mcp (Chromium)', () => {
  test.skip(!postgresInstalled, `PostgreSQL server binaries are not installed (no ${PG_ROOT}/*/bin/initdb)`);
  test.describe.configure({ timeout: 120_000 });

  let pgPeer: PostgresPeer;
  const peer = () => pgPeer;
  let host: RunningHost | undefined;
  test.beforeAll(async () => {
    pgPeer = await startPostgres({ user: 'app', password, database: 'appdb' });
  });
  test.afterAll(async () => {
    await pgPeer?.stop();
  });
  test.beforeEach(async () => {
    host = await startHeadlessHost();
  });
  test.afterEach(async () => {
    await host?.stop();
  });

  test('the modal names the client and shows the SQL; allow once; rows come back without the password', async ({ page }, testInfo) => {
    const bridge = await connectBridge(host!.url);
    const created = await bridge.call('connections:create', {
      providerId: 'postgres',
      name: 'Orders DB',
      config: { host: pgPeer.host, port: pgPeer.port, database: pgPeer.database, user: pgPeer.user, ssl: false },
      secrets: { password },
    });
    expect(created.ok, JSON.stringify(created.error)).toBe(true);
    const connectionId = (created.value as { id: string }).id;
    bridge.close();
    await openWithSession(page, host!.url, bridge.cookie);
    await expect(page.getByRole('heading', { name: 'Connections', level: 1 })).toBeVisible();

    const client = new Client({ name: 'e2e-agent', version: '1.0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [LATCHKEY_BIN, '--data-dir', host!.dataDir, 'mcp'], env: { PATH: process.env.PATH ?? '' }, stderr: 'pipe' }));
    try {
      const listed = await client.callTool({ name: 'list_connections', arguments: {} });
      expect(JSON.stringify(listed)).toContain(connectionId);

      const sql = 'SELECT current_user AS who, $1::text AS echo, 40 + 2 AS answer';
      const call = client.callTool({ name: 'sql_query', arguments: { connection_id: connectionId, sql, params: ['hello'], reason: 'Check the orders database answers' } });

      const consent = page.getByRole('alertdialog');
      await expect(consent).toBeVisible();
      await expect(consent).toContainText('e2e-agent 1.0');
      await expect(consent).toContainText('calling itself');
      await expect(consent).toContainText('Orders DB');
      await expect(consent).toContainText('Check the orders database answers');
      await expect(consent.getByTestId('consent-intent')).toHaveText(sql);
      await screenshot(page, testInfo, 'mcp-agent-consent');
      await consent.getByRole('button', { name: 'Allow once' }).click();
      await expect(consent).toBeHidden();

      const result = await call;
      expect(result.isError).toBeFalsy();
      const text = (result.content as { text: string }[])[0]!.text;
      const rows = JSON.parse(text) as { columns: string[]; rows: unknown[][] };
      expect(rows.columns).toEqual(['who', 'echo', 'answer']);
      expect(rows.rows).toEqual([['app', 'hello', 42]]);
      for (const f of forms(password)) expect(JSON.stringify(result).includes(f), `password (${f.slice(0, 12)}…) in the tool result`).toBe(false);
      await expectNoSecretInDom(page, [password]);
      for (const file of filesUnder(host!.dataDir)) for (const f of forms(password)) expect(file.text.includes(f), `plaintext password in ${file.path}`).toBe(false);

      // The person ticks "Read-only": a write the agent sends runs in a read-only transaction and fails.
      const write = client.callTool({ name: 'sql_query', arguments: { connection_id: connectionId, sql: 'CREATE TABLE agent_was_here (id int)' } });
      await expect(consent).toBeVisible();
      await expect(consent.getByTestId('consent-intent')).toHaveText('CREATE TABLE agent_was_here (id int)');
      await consent.getByLabel(/Read-only/).check();
      await consent.getByRole('button', { name: 'Allow once' }).click();
      const refused = await write;
      expect(refused.isError).toBe(true);
      expect((refused.content as { text: string }[])[0]!.text).toMatch(/read-only transaction/);
      const check = new pg.Client({ host: peer().host, port: peer().port, user: peer().user, password, database: peer().database });
      await check.connect();
      expect((await check.query("SELECT to_regclass('agent_was_here') AS t")).rows[0].t).toBeNull();
      await check.end();

      // Allowed once: the next query asks again (and here the person denies it).
      const again = client.callTool({ name: 'sql_query', arguments: { connection_id: connectionId, sql: 'SELECT 1' } });
      await expect(consent).toBeVisible();
      await consent.getByRole('button', { name: 'Deny', exact: true }).click();
      const denied = await again;
      expect(denied.isError).toBe(true);
    } finally {
      await client.close();
    }
  });
});
