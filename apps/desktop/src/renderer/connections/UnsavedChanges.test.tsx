// @vitest-environment jsdom
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiProvider } from '../api';
import { createBrokerBackedApi, createGitHubConnection } from '../test/broker-backed-api';
import { ConnectionsScreen } from './ConnectionsScreen';

beforeAll(() => {
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 720 });
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => 800 });
});
afterEach(cleanup);

async function openSaved() {
  const h = createBrokerBackedApi();
  await createGitHubConnection(h.api);
  render(
    <ApiProvider api={h.api}>
      <ConnectionsScreen />
    </ApiProvider>,
  );
  const user = userEvent.setup();
  await user.click(await screen.findByText('Work GitHub'));
  return { user, dialog: await screen.findByRole('dialog', { name: 'Work GitHub' }) };
}

describe('a form with unsaved changes', () => {
  it('Cancel on an unchanged form closes at the first click, even right after typing focus left a field', async () => {
    const { user, dialog } = await openSaved();
    await user.click(within(dialog).getByLabelText(/^Name/));
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it('Escape asks first; Keep editing keeps what was typed', async () => {
    const { user, dialog } = await openSaved();
    const name = within(dialog).getByLabelText(/^Name/);
    await user.type(name, ' (work)');
    await user.keyboard('{Escape}');
    const ask = await screen.findByRole('alertdialog', { name: 'Discard your changes?' });
    await user.click(within(ask).getByRole('button', { name: 'Keep editing' }));
    expect(screen.getByRole('dialog', { name: 'Work GitHub' })).toBeTruthy();
    expect((within(screen.getByRole('dialog', { name: 'Work GitHub' })).getByLabelText(/^Name/) as HTMLInputElement).value).toBe('Work GitHub (work)');
  });

  it('Cancel asks first; Discard changes closes without saving', async () => {
    const { user, dialog } = await openSaved();
    await user.type(within(dialog).getByLabelText(/^Name/), ' (work)');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await user.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Discard changes' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(await screen.findByText('Work GitHub')).toBeTruthy();
  });
});
