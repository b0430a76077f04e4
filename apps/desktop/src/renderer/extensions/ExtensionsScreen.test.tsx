// @vitest-environment jsdom
import { act, cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { LatchkeyError, type ExtensionInfo } from '@latchkey/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { createBrokerBackedApi } from '../test/broker-backed-api.js';
import { renderWithApi } from '../test/render-with-api';
import { ExtensionsScreen } from './ExtensionsScreen.js';

afterEach(cleanup);

const github: ExtensionInfo = {
  id: 'github',
  displayName: 'GitHub',
  version: '0.1.0',
  builtIn: true,
  enabled: true,
  state: 'running',
  providers: ['github'],
  lastError: null,
  restarts: 0,
  since: '2026-11-23T00:30:00.000Z',
  isolation: 'confined',
};
const flaky: ExtensionInfo = {
  id: 'acme-flaky',
  displayName: 'Acme Flaky',
  version: '2.3.1',
  builtIn: false,
  enabled: true,
  state: 'crashed',
  providers: [],
  lastError: 'Exited with code 1',
  restarts: 3,
  since: null,
  isolation: 'unconfined',
};

/**
 * The broker's side of the extension host (its ExtensionController port), holding state the
 * way the host would. The screen still reaches it only through window.latchkey and the broker.
 */
function hostWith(extensions: ExtensionInfo[], refuse?: string) {
  const state = new Map(extensions.map((x) => [x.id, { ...x }]));
  return {
    list: () => [...state.values()].map((x) => ({ ...x })),
    setEnabled: async (id: string, enabled: boolean) => {
      if (refuse) throw new LatchkeyError('UNAVAILABLE', refuse);
      const x = state.get(id);
      if (!x) throw new LatchkeyError('NOT_FOUND', `No extension "${id}"`);
      Object.assign(x, { enabled, state: enabled ? 'running' : 'disabled' });
      return { ...x };
    },
  };
}

const row = (id: string) => document.querySelector<HTMLElement>(`tr[data-extension-id="${id}"]`)!;
const cells = (id: string) => within(row(id)).getAllByRole('cell').map((c) => c.textContent);

describe('ExtensionsScreen', () => {
  it('lists each extension with origin, providers, state, restarts and last error', async () => {
    const h = createBrokerBackedApi();
    h.broker.attachExtensions(hostWith([github, flaky]));
    renderWithApi(h.api, <ExtensionsScreen />);

    await waitFor(() => expect(row('github')).toBeTruthy());
    expect(cells('github').slice(1, 7)).toEqual(['github', expect.stringMatching(/^Runningsince /), 'Its own folder only', '0', 'None', '']);
    expect(within(row('github')).getByText('github 0.1.0 · Built in')).toBeTruthy();
    expect(cells('acme-flaky').slice(1, 6)).toEqual(['None', 'Crashed', 'Not confined: this runtime cannot limit its file access', '3', 'Exited with code 1']);
    expect(within(row('acme-flaky')).getByText('acme-flaky 2.3.1 · Installed by you')).toBeTruthy();
    expect(screen.getByRole('switch', { name: 'GitHub enabled' }).getAttribute('aria-checked')).toBe('true');
  });

  it('the switch disables and enables through extensions:setEnabled', async () => {
    const h = createBrokerBackedApi();
    h.broker.attachExtensions(hostWith([github, flaky]));
    renderWithApi(h.api, <ExtensionsScreen />);
    const toggle = await screen.findByRole('switch', { name: 'GitHub enabled' });

    toggle.focus();
    await userEvent.keyboard(' ');
    await waitFor(() => expect(toggle.getAttribute('aria-checked')).toBe('false'));
    expect(within(row('github')).getByTestId('extension-state').textContent).toBe('Disabled');
    expect(h.callsTo('extensions:setEnabled')).toEqual([{ id: 'github', enabled: false }]);
    expect((await h.api.extensions.list()).find((x) => x.id === 'github')?.enabled).toBe(false);

    await userEvent.click(toggle);
    await waitFor(() => expect(toggle.getAttribute('aria-checked')).toBe('true'));
    expect(h.callsTo('extensions:setEnabled')).toEqual([
      { id: 'github', enabled: false },
      { id: 'github', enabled: true },
    ]);
    expect(within(row('acme-flaky')).getByTestId('extension-state').textContent).toBe('Crashed');
  });

  it('disabling an extension first names the connections it leaves without a provider', async () => {
    const h = createBrokerBackedApi();
    h.broker.attachExtensions(hostWith([{ ...github, providers: ['http'] }]));
    await h.api.connections.create({ providerId: 'http', name: 'Orders API', config: { baseUrl: 'https://api.example.test', authType: 'none' } });
    renderWithApi(h.api, <ExtensionsScreen />);
    await userEvent.click(await screen.findByRole('switch', { name: 'GitHub enabled' }));
    const ask = await screen.findByRole('alertdialog', { name: 'Disable GitHub?' });
    expect(ask.textContent).toContain('“Orders API”');
    expect(h.callsTo('extensions:setEnabled')).toEqual([]);
    await userEvent.click(within(ask).getByRole('button', { name: 'Cancel' }));
    expect(screen.getByRole('switch', { name: 'GitHub enabled' }).getAttribute('aria-checked')).toBe('true');
    await userEvent.click(screen.getByRole('switch', { name: 'GitHub enabled' }));
    await userEvent.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Disable' }));
    await waitFor(() => expect(h.callsTo('extensions:setEnabled')).toEqual([{ id: 'github', enabled: false }]));
  });

  it('a refused toggle says why and leaves the switch as it was', async () => {
    const h = createBrokerBackedApi();
    h.broker.attachExtensions(hostWith([github], 'The extension host is restarting; try again in a moment'));
    renderWithApi(h.api, <ExtensionsScreen />);
    await userEvent.click(await screen.findByRole('switch', { name: 'GitHub enabled' }));

    expect((await screen.findByRole('alert')).textContent).toBe('The extension host is restarting; try again in a moment');
    expect(screen.getByRole('switch', { name: 'GitHub enabled' }).getAttribute('aria-checked')).toBe('true');
  });

  it('Refresh shows what the host reports now', async () => {
    const h = createBrokerBackedApi();
    const host = hostWith([github]);
    h.broker.attachExtensions(host);
    renderWithApi(h.api, <ExtensionsScreen />);
    await waitFor(() => expect(within(row('github')).getByTestId('extension-state').textContent).toBe('Running'));

    // The host's process died and is being restarted; nothing was toggled in the UI.
    const crashed = { ...github, state: 'restarting' as const, restarts: 1, lastError: 'Exited with code 137' };
    h.broker.attachExtensions({ ...host, list: () => [crashed] });
    await userEvent.click(screen.getByRole('button', { name: 'Refresh' }));
    await waitFor(() => expect(within(row('github')).getByTestId('extension-state').textContent).toBe('Restarting'));
    expect(cells('github').slice(4, 6)).toEqual(['1', 'Exited with code 137']);
  });

  it('follows the host live: a crash reported by the host shows without any click', async () => {
    const h = createBrokerBackedApi();
    const host = hostWith([github]);
    let current = github;
    const listeners = new Set<(info: ExtensionInfo) => void>();
    h.broker.attachExtensions({ ...host, list: () => [current], onChange: (l: (info: ExtensionInfo) => void) => (listeners.add(l), () => void listeners.delete(l)) });
    renderWithApi(h.api, <ExtensionsScreen />);
    await waitFor(() => expect(within(row('github')).getByTestId('extension-state').textContent).toBe('Running'));

    current = { ...github, state: 'crashed', restarts: 5, lastError: 'Exited with code 1' };
    act(() => listeners.forEach((l) => l(current)));
    await waitFor(() => expect(within(row('github')).getByTestId('extension-state').textContent).toBe('Crashed'));
    expect(cells('github')[5]).toBe('Exited with code 1');
  });

  it('says so when nothing is installed', async () => {
    const h = createBrokerBackedApi();
    renderWithApi(h.api, <ExtensionsScreen />);
    await screen.findByText('No extensions are installed.');
  });
});
