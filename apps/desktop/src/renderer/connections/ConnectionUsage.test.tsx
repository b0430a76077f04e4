// @vitest-environment jsdom
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBrokerBackedApi, createGitHubConnection } from '../test/broker-backed-api.js';
import { renderWithApi } from '../test/render-with-api';
import { ConnectionsScreen } from './ConnectionsScreen';

afterEach(cleanup);
// jsdom does no layout: give the list's scroll box the size a window would, so the virtualiser renders rows.
beforeAll(() => {
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 720 });
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => 800 });
});

describe('Used by', () => {
  it('shows "Used by N" in the list as uses happen, the users in the detail pane, and names them before a delete', async () => {
    const h = createBrokerBackedApi();
    const connection = await createGitHubConnection(h.api);
    const user = userEvent.setup();
    renderWithApi(h.api, <ConnectionsScreen />);
    const list = await screen.findByRole('list', { name: 'Connections' });
    const row = await within(list).findByRole('button', { name: /Work GitHub/ });
    expect(within(row).queryByText(/Used by/)).toBeNull();
    await h.broker.programs.executor('nightly-sync').resolveConnection(connection.id);
    await waitFor(() => expect(within(row).getByText('Used by 1')).toBeTruthy());
    await user.click(row);
    const pane = await screen.findByRole('list', { name: 'Used by' });
    expect(pane.textContent).toContain('Executor nightly-sync (in this app)');
    expect(pane.textContent).toContain('1 use (executor)');
    await user.click(screen.getByRole('button', { name: 'Delete' }));
    const dialog = await screen.findByRole('alertdialog');
    expect(dialog.textContent).toContain('It is in use by Executor nightly-sync (in this app); they will stop working.');
  });
});
