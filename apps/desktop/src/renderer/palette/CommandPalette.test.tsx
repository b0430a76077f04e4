// @vitest-environment jsdom
import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../App';
import { createBrokerBackedApi, createGitHubConnection } from '../test/broker-backed-api';
import { renderWithApi } from '../test/render-with-api';

beforeAll(() => {
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 720 });
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => 800 });
});
afterEach(cleanup);

describe('command palette and shortcuts', () => {
  it('Ctrl+K from another screen opens a connection by name', async () => {
    const h = createBrokerBackedApi();
    await createGitHubConnection(h.api, 'Orders API');
    renderWithApi(h.api, <App />);
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Audit' }));
    await user.keyboard('{Control>}k{/Control}');
    const input = await screen.findByRole('combobox', { name: "Type a command or a connection's name" });
    await user.type(input, 'orders');
    expect(within(screen.getByRole('listbox')).getAllByRole('option').map((o) => o.textContent)).toEqual(['Orders APIConnections']);
    await user.keyboard('{Enter}');
    expect(await screen.findByRole('dialog', { name: 'Orders API' })).toBeTruthy();
    expect(screen.getByRole('heading', { level: 1, name: 'Connections', hidden: true })).toBeTruthy();
  });

  it('runs an action with the arrow keys: Add connection opens the type picker', async () => {
    const h = createBrokerBackedApi();
    renderWithApi(h.api, <App />);
    const user = userEvent.setup();
    await user.keyboard('{Control>}k{/Control}');
    await user.type(await screen.findByRole('combobox'), 'add');
    await user.keyboard('{Enter}');
    expect(await screen.findByRole('dialog', { name: 'Add a connection' })).toBeTruthy();
  });

  it('? lists the shortcuts, but not while typing in a field', async () => {
    const h = createBrokerBackedApi();
    renderWithApi(h.api, <App />);
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Search connections').catch(() => screen.getByRole('button', { name: 'Add your first connection' })), '?');
    expect(screen.queryByRole('dialog', { name: 'Keyboard shortcuts' })).toBeNull();
    (document.activeElement as HTMLElement | null)?.blur();
    await user.keyboard('?');
    const dialog = await screen.findByRole('dialog', { name: 'Keyboard shortcuts' });
    expect(dialog.textContent).toContain('Command palette');
  });
});
