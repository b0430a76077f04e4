// @vitest-environment jsdom
// eslint-disable-next-line no-restricted-imports -- the test starts a real loopback API for the broker to test against; never bundled
import { createServer, type Server } from 'node:http';
// eslint-disable-next-line no-restricted-imports -- as above
import type { AddressInfo } from 'node:net';
import { act, cleanup, render as renderScreen, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { LatchkeyApi, ProviderManifestInput } from '@latchkey/contracts';
import type { ReactNode } from 'react';
// eslint-disable-next-line no-restricted-imports -- the test runs the real broker behind the API; never bundled
import { createUnavailableCipher } from '@latchkey/broker/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBrokerBackedApi } from '../test/broker-backed-api';
import { ConnectionsScreen } from './ConnectionsScreen';
import { SystemBanner } from '../ui/SystemBanner';
import { ApiProvider } from '../api';

const GOOD_TOKEN = 'tok_canary_good_7f3a9c';
const WRONG_TOKEN = 'tok_canary_wrong_2b8e11';

/** A loopback API that demands a bearer token, as the e2e peer does. */
let server: Server;
let baseUrl: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    res.writeHead(req.headers.authorization === `Bearer ${GOOD_TOKEN}` ? 200 : 401, { 'Content-Type': 'text/plain' });
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

// jsdom does no layout: give the list's scroll box the size a window would, so the virtualiser renders rows.
beforeAll(() => {
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 720 });
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => 800 });
});
afterEach(cleanup);

/** The API the next `render` gives the screen, as App's provider would. */
let installed: LatchkeyApi;
function install(api: LatchkeyApi) {
  installed = api;
}
const render = (ui: ReactNode) => renderScreen(<ApiProvider api={installed}>{ui}</ApiProvider>);

function setup(overrides: Parameters<typeof createBrokerBackedApi>[0] = {}) {
  const h = createBrokerBackedApi(overrides);
  install(h.api);
  return h;
}

const postgresLike: ProviderManifestInput = {
  id: 'pg-test',
  name: 'PostgreSQL (test)',
  icon: '🐘',
  category: 'database',
  summary: '{{config.host}}:{{config.port}}/{{config.database}}',
  fields: [
    { name: 'host', label: 'Host', type: 'string', format: 'host', role: 'host', required: true },
    { name: 'port', label: 'Port', type: 'number', default: 5432, min: 1, max: 65535, role: 'port' },
    { name: 'database', label: 'Database', type: 'string', required: true, role: 'database' },
    { name: 'password', label: 'Password', type: 'string', secret: true },
    { name: 'ssl', label: 'Use SSL', type: 'boolean', default: false, role: 'tls' },
  ],
  transport: 'postgres',
};

describe('ConnectionsScreen', () => {
  it('invites the first connection, then adds, tests (wrong, then right) and saves an HTTP API connection', async () => {
    const h = setup();
    const user = userEvent.setup();
    render(<ConnectionsScreen />);
    expect(await screen.findByRole('heading', { name: 'No connections yet' })).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Add your first connection' }));
    const picker = await screen.findByRole('dialog', { name: 'Add a connection' });
    expect(within(picker).getByRole('heading', { name: 'HTTP APIs' })).toBeTruthy();
    await user.type(within(picker).getByLabelText('Search connection types'), 'mysql');
    expect(within(picker).getByText('No connection type matches “mysql”.')).toBeTruthy();
    await user.clear(within(picker).getByLabelText('Search connection types'));
    await user.click(within(picker).getByRole('button', { name: /HTTP API/ }));

    const form = await screen.findByRole('dialog', { name: /New HTTP API connection/ });
    await user.type(within(form).getByLabelText(/^Name/), 'Billing API');
    const url = within(form).getByLabelText(/^Base URL/);
    await user.type(url, 'not a url');
    await user.tab();
    expect(await within(form).findByText('Base URL must be an http:// or https:// URL')).toBeTruthy();
    expect(url.getAttribute('aria-invalid')).toBe('true');
    await user.clear(url);
    await user.type(url, baseUrl);

    expect(within(form).queryByLabelText(/^Token/)).toBeNull();
    await user.selectOptions(within(form).getByLabelText(/^Authentication/), 'bearer');
    const token = within(form).getByLabelText(/^Token/);
    expect(token.getAttribute('type')).toBe('password');

    await user.click(within(form).getByRole('button', { name: 'Test connection' }));
    expect(await within(form).findByText('Token is required')).toBeTruthy();
    expect(h.callsTo('connections:testDraft')).toHaveLength(0);

    await user.type(token, WRONG_TOKEN);
    await user.click(within(form).getByRole('button', { name: 'Test connection' }));
    const status = within(form).getByRole('status');
    await waitFor(() => expect(status.textContent).toMatch(/^✗ .*401/));

    await user.clear(token);
    await user.type(token, GOOD_TOKEN);
    await user.click(within(form).getByRole('button', { name: 'Test connection' }));
    await waitFor(() => expect(status.textContent).toMatch(/^✓ Connected \(\d+ ms\)$/));

    await user.click(within(form).getByRole('button', { name: 'Save connection' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    const list = await screen.findByRole('list', { name: 'Connections' });
    const row = within(list).getByRole('listitem');
    expect(row.textContent).toContain('Billing API');
    expect(row.textContent).toContain(`HTTP API · ${baseUrl}`);
    // Saved exactly as tested: the draft's result comes with it.
    expect(row.textContent).toContain('Working');
    expect(row.textContent).toContain('Last tested just now');
    expect(document.body.innerHTML).not.toContain(GOOD_TOKEN);
    expect(h.callsTo('connections:create')).toEqual([{ providerId: 'http', name: 'Billing API', config: { baseUrl, authType: 'bearer' }, secrets: { token: GOOD_TOKEN } }]);
  });

  it('shows a saved secret as dots with Replace, tests the saved connection, deletes with Undo and restores from Trash', async () => {
    const h = setup();
    const user = userEvent.setup();
    await h.api.connections.create({ providerId: 'http', name: 'Status page', config: { baseUrl, authType: 'bearer' }, secrets: { token: GOOD_TOKEN } });
    render(<ConnectionsScreen />);

    await user.click(await screen.findByRole('button', { name: /Status page/ }));
    const dialog = await screen.findByRole('dialog', { name: /Status page/ });
    expect(within(dialog).getByRole('img', { name: 'Token is saved' }).textContent).toBe('••••••••');
    expect(document.body.innerHTML).not.toContain(GOOD_TOKEN);

    await user.click(within(dialog).getByRole('button', { name: 'Test connection' }));
    await waitFor(() => expect(within(dialog).getByRole('status').textContent).toMatch(/^✓ Connected \(\d+ ms\)$/));
    expect(h.callsTo('connections:test')).toHaveLength(1);

    await user.click(within(dialog).getByRole('button', { name: 'Replace' }));
    await user.type(within(dialog).getByLabelText(/^Token/), WRONG_TOKEN);
    await user.click(within(dialog).getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(h.callsTo('connections:update').at(-1)).toMatchObject({ secrets: { token: WRONG_TOKEN } });
    // A new secret makes the old result stale: the row goes back to "Not tested".
    const [saved] = await h.api.connections.list();
    expect(saved?.lastTest).toBeNull();
    await waitFor(() => expect(screen.getByRole('listitem').textContent).toContain('Not tested'));

    await user.click(screen.getByRole('button', { name: /Status page/ }));
    await user.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Delete' }));
    const confirm = await screen.findByRole('alertdialog', { name: 'Delete “Status page”?' });
    await user.click(within(confirm).getByRole('button', { name: 'Move to Trash' }));
    expect(await screen.findByText('Moved “Status page” to Trash.')).toBeTruthy();
    expect(await screen.findByRole('heading', { name: 'No connections yet' })).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Undo' }));
    expect(await screen.findByRole('button', { name: /Status page/ })).toBeTruthy();

    await user.click(screen.getByRole('button', { name: /Status page/ }));
    await user.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Delete' }));
    await user.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Move to Trash' }));
    await user.click(await screen.findByRole('button', { name: 'Trash (1)' }));
    const trash = await screen.findByRole('list', { name: 'Deleted connections' });
    await user.click(within(trash).getByRole('button', { name: 'Restore Status page' }));
    await user.click(screen.getByRole('button', { name: 'Back to connections' }));
    expect(await screen.findByRole('button', { name: /Status page/ })).toBeTruthy();
    expect((await h.api.connections.list({ deleted: true })).length).toBe(0);
  });

  it('marks the default, filters by search and category, and warns when a connection is untested for a week', async () => {
    const h = setup();
    h.broker.providers.register(postgresLike, 'pg-test-ext');
    const user = userEvent.setup();
    const api = await h.api.connections.create({ providerId: 'http', name: 'Zeta API', config: { baseUrl, authType: 'none' } });
    await h.api.connections.create({ providerId: 'pg-test', name: 'Orders DB', config: { host: 'db.internal', port: 5432, database: 'orders' } });
    await h.api.connections.setDefault({ id: api.id });
    render(<ConnectionsScreen />);

    const list = await screen.findByRole('list', { name: 'Connections' });
    await waitFor(() => expect(within(list).getAllByRole('listitem')).toHaveLength(2));
    expect(within(list).getAllByRole('listitem')[0]!.textContent).toContain('db.internal:5432/orders');
    expect(within(list).getAllByRole('listitem')[1]!.textContent).toContain('Default');

    await user.type(screen.getByLabelText('Search connections'), 'orders');
    await waitFor(() => expect(within(list).getAllByRole('listitem')).toHaveLength(1));
    expect(screen.getByText('1 of 2 connections')).toBeTruthy();
    await user.clear(screen.getByLabelText('Search connections'));
    await user.type(screen.getByLabelText('Search connections'), 'nothing like it');
    expect(await screen.findByText('No connection matches “nothing like it”.')).toBeTruthy();
    await user.clear(screen.getByLabelText('Search connections'));
    await user.selectOptions(screen.getByLabelText('Filter by category'), 'http');
    await waitFor(() => expect(within(screen.getByRole('list', { name: 'Connections' })).getAllByRole('listitem').map((li) => li.textContent)).toEqual([expect.stringContaining('Zeta API')]));
    cleanup();

    // A week and a day later, nobody has tested either of them.
    const later = createBrokerBackedApi({ clock: { now: () => Date.now() } });
    install(later.api);
    later.broker.providers.register(postgresLike, 'pg-test-ext');
    const realNow = Date.now;
    await later.api.connections.create({ providerId: 'pg-test', name: 'Old DB', config: { host: 'db', database: 'x' } });
    Date.now = () => realNow() + 8 * 86_400_000;
    try {
      render(<ConnectionsScreen />);
      expect(await screen.findByText('⚠ Never tested in 8 days')).toBeTruthy();
    } finally {
      Date.now = realNow;
    }
  });

  it('sets another connection as the default, and purges one from Trash for good', async () => {
    const h = setup();
    const user = userEvent.setup();
    await h.api.connections.create({ providerId: 'http', name: 'Alpha', config: { baseUrl, authType: 'none' } });
    await h.api.connections.create({ providerId: 'http', name: 'Beta', config: { baseUrl, authType: 'none' } });
    render(<ConnectionsScreen />);
    const rowOf = (name: string) => screen.getAllByRole('listitem').find((li) => li.textContent?.includes(name))!;
    await waitFor(() => expect(rowOf('Alpha').textContent).toContain('Default'));
    expect(rowOf('Beta').textContent).not.toContain('Default');

    await user.click(screen.getByRole('button', { name: /Beta/ }));
    const dialog = await screen.findByRole('dialog');
    await user.click(within(dialog).getByRole('button', { name: 'Set as default' }));
    expect(await screen.findByText('“Beta” is now the default HTTP API connection.')).toBeTruthy();
    await waitFor(() => expect(within(dialog).getByText(/Default connection/)).toBeTruthy());
    expect(within(dialog).queryByRole('button', { name: 'Set as default' })).toBeNull();
    await user.keyboard('{Escape}');
    await waitFor(() => expect(rowOf('Beta').textContent).toContain('Default'));
    expect(rowOf('Alpha').textContent).not.toContain('Default');

    await user.click(screen.getByRole('button', { name: /Alpha/ }));
    await user.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Delete' }));
    await user.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Move to Trash' }));
    await user.click(await screen.findByRole('button', { name: 'Trash (1)' }));
    await user.click(await screen.findByRole('button', { name: 'Delete Alpha for good' }));
    const confirm = await screen.findByRole('alertdialog', { name: 'Delete “Alpha” for good?' });
    await user.click(within(confirm).getByRole('button', { name: 'Delete for good' }));
    expect(await screen.findByText('Trash is empty. Deleted connections wait here until you restore them or delete them for good.')).toBeTruthy();
    expect((await h.api.connections.list({ deleted: true })).map((c) => c.name)).toEqual([]);
    expect((await h.api.connections.list()).map((c) => c.name)).toEqual(['Beta']);
  });

  it('without a secure cipher, refuses the secret with the reason and still saves the settings alone', async () => {
    const h = setup({ cipher: createUnavailableCipher('basic_text', 'No keyring was found.') });
    const user = userEvent.setup();
    render(<ConnectionsScreen />);
    await user.click(await screen.findByRole('button', { name: 'Add your first connection' }));
    await user.click(within(await screen.findByRole('dialog')).getByRole('button', { name: /HTTP API/ }));
    const form = await screen.findByRole('dialog', { name: /New HTTP API connection/ });
    await user.type(within(form).getByLabelText(/^Name/), 'Locked API');
    await user.type(within(form).getByLabelText(/^Base URL/), baseUrl);
    await user.selectOptions(within(form).getByLabelText(/^Authentication/), 'bearer');
    await user.type(within(form).getByLabelText(/^Token/), GOOD_TOKEN);
    await user.click(within(form).getByRole('button', { name: 'Save connection' }));
    const alert = await within(form).findByRole('alert');
    expect(alert.textContent).toContain('No keyring was found.');
    expect(await h.api.connections.list()).toEqual([]);

    await user.click(within(alert).getByRole('button', { name: 'Save without the secrets' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    const [saved] = await h.api.connections.list();
    expect(saved).toMatchObject({ name: 'Locked API', secretFields: {} });
  });

  it('switches SSL on for a host that is not loopback, until the person chooses', async () => {
    const h = setup();
    h.broker.providers.register(postgresLike, 'pg-test-ext');
    const user = userEvent.setup();
    render(<ConnectionsScreen />);
    await user.click(await screen.findByRole('button', { name: 'Add your first connection' }));
    await user.click(within(await screen.findByRole('dialog')).getByRole('button', { name: /PostgreSQL \(test\)/ }));
    const form = await screen.findByRole('dialog', { name: /New PostgreSQL/ });
    const ssl = within(form).getByLabelText('Use SSL') as HTMLInputElement;
    expect((within(form).getByLabelText('Port') as HTMLInputElement).value).toBe('5432');
    const host = within(form).getByLabelText(/^Host/);
    await user.type(host, 'db.example.com');
    await waitFor(() => expect(ssl.checked).toBe(true));
    await user.clear(host);
    await user.type(host, 'localhost');
    await waitFor(() => expect(ssl.checked).toBe(false));
    await user.click(ssl);
    await user.clear(host);
    await user.type(host, '127.0.0.1');
    expect(ssl.checked).toBe(true);
    await user.type(within(form).getByLabelText('Port'), '99');
    await user.tab();
    expect(await within(form).findByText('Port must be at most 65535')).toBeTruthy();
  });

  it('keeps 5,000 connections to a window of rows in the DOM', async () => {
    const h = setup();
    await Promise.all(Array.from({ length: 5000 }, (_, i) => h.api.connections.create({ providerId: 'http', name: `API ${String(i).padStart(4, '0')}`, config: { baseUrl, authType: 'none' } })));
    render(<ConnectionsScreen />);
    expect(await screen.findByText('5,000 connections')).toBeTruthy();
    const rows = within(screen.getByRole('list', { name: 'Connections' })).getAllByRole('listitem');
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.length).toBeLessThan(60);
    expect(rows[0]!.getAttribute('aria-setsize')).toBe('5000');
    expect(rows[0]!.textContent).toContain('API 0000');
  });
});

describe('SystemBanner', () => {
  it('says why secrets cannot be saved and how to fix it', async () => {
    setup({ cipher: createUnavailableCipher('basic_text', 'The keyring is locked. Unlock it, or start with --password-store=gnome-libsecret.') });
    render(<SystemBanner />);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Secrets cannot be saved right now.');
    expect(alert.textContent).toContain('--password-store=gnome-libsecret');
  });

  it('reports a damaged data file that was set aside', async () => {
    setup({ storeProblems: () => [{ file: 'connections.json', movedTo: 'connections.json.corrupt-1', at: new Date().toISOString(), message: 'connections.json is not valid JSON.' }] });
    render(<SystemBanner />);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('A data file was damaged and set aside. connections.json is not valid JSON. The damaged copy of connections.json was kept as connections.json.corrupt-1.');
  });

  it('shows nothing when all is well', async () => {
    const h = setup();
    render(<SystemBanner />);
    await act(() => h.api.system.status());
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
