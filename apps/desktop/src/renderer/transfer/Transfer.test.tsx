// @vitest-environment jsdom
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiProvider } from '../api';
import { ConnectionsScreen } from '../connections/ConnectionsScreen';
import { createBrokerBackedApi, createGitHubConnection } from '../test/broker-backed-api';

beforeAll(() => {
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 720 });
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => 800 });
});
afterEach(cleanup);

const CANARY = 'tok-canary-import-4d9b2f';

function setup() {
  const h = createBrokerBackedApi();
  render(
    <ApiProvider api={h.api}>
      <ConnectionsScreen />
    </ApiProvider>,
  );
  return h;
}

describe('import, duplicate and test all', () => {
  it('imports a pasted URI: previewed first, its password kept out of the page', async () => {
    const h = setup();
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Import…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Import connections' });
    // Pasted, as the person does (typing it key by key took over 15 s on a loaded machine).
    await user.click(within(dialog).getByLabelText('Or paste a .env file or a URI'));
    await user.paste(`https://me:${CANARY}@api.example.test/v1`);
    await user.click(within(dialog).getByRole('button', { name: 'Review' }));
    const item = await within(dialog).findByTestId('import-item');
    expect(item.textContent).toContain('api.example.test');
    expect(item.textContent).toContain('Brings its password');
    await user.click(within(dialog).getByRole('button', { name: 'Import 1' }));
    expect((await screen.findByRole('status')).textContent).toContain('1 imported');
    const [created] = await h.api.connections.list({});
    expect(created).toMatchObject({ config: { baseUrl: 'https://api.example.test/v1', authType: 'basic', username: 'me' }, secretFields: { password: 'set' } });
    // Typed into the textarea, then gone: the dialog closed and nothing shows it.
    expect(document.body.innerHTML).not.toContain(CANARY);
  });

  it('Duplicate opens a new connection with the settings and none of the secrets', async () => {
    const h = setup();
    const user = userEvent.setup();
    const original = await createGitHubConnection(h.api);
    await user.click(await screen.findByText('Work GitHub'));
    await user.click(await screen.findByRole('button', { name: 'Duplicate' }));
    const dialog = await screen.findByRole('dialog', { name: 'Copy of “Work GitHub”' });
    expect(within(dialog).getByLabelText(/^Name/)).toHaveProperty('value', 'Work GitHub copy');
    await user.click(within(dialog).getByRole('button', { name: 'Save connection' }));
    await waitFor(async () => expect(await h.api.connections.list({})).toHaveLength(2), { timeout: 15_000 });
    const copy = (await h.api.connections.list({})).find((c) => c.id !== original.id)!;
    expect(copy).toMatchObject({ name: 'Work GitHub copy', config: original.config, secretFields: {} });
  });

  it('Test all tests every connection and sums up, naming what fails and why', async () => {
    const h = setup();
    const user = userEvent.setup();
    await createGitHubConnection(h.api, 'First');
    await createGitHubConnection(h.api, 'Second');
    // The button is there before the list has loaded (disabled while there is nothing to test).
    const testAll = await screen.findByRole('button', { name: 'Test all' });
    await waitFor(() => expect((testAll as HTMLButtonElement).disabled).toBe(false));
    await user.click(testAll);
    const summary = await screen.findByTestId('test-all-summary');
    await waitFor(() => expect(summary.textContent).toContain('Tested 2: 0 working, 2 failing'), { timeout: 15_000 });
    expect(summary.textContent).toContain('First');
    expect(summary.textContent).toContain('Second');
  });
});
