// @vitest-environment jsdom
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { createBrokerBackedApi, createGitHubConnection } from '../test/broker-backed-api.js';
import { renderWithApi } from '../test/render-with-api';
import { ConnectionPicker } from '../ui/ConnectionPicker';
import { VariablesScreen } from './VariablesScreen';

afterEach(cleanup);
const SECRET = 'var-CANARY-dom-7788aa';

describe('VariablesScreen', () => {
  it('saves a secret variable write-only: shown as set with Replace, never its value', async () => {
    const h = createBrokerBackedApi();
    const user = userEvent.setup();
    renderWithApi(h.api, <VariablesScreen />);
    const form = await screen.findByRole('form', { name: 'Add a variable' });
    await user.type(within(form).getByLabelText('Key'), 'API_KEY');
    await user.type(within(form).getByLabelText('Value'), SECRET);
    await user.click(within(form).getByLabelText('Secret'));
    await user.click(within(form).getByRole('button', { name: 'Save variable' }));
    const row = await waitFor(() => document.querySelector('[data-variable="API_KEY"]')!);
    expect(within(row as HTMLElement).getByLabelText('Secret value set').textContent).toBe('••••••••');
    expect(within(row as HTMLElement).getByRole('button', { name: 'Replace' })).toBeTruthy();
    expect(document.body.innerHTML).not.toContain(SECRET);
    expect(JSON.stringify(h.calls.filter((c) => c.channel !== 'variables:set'))).not.toContain(SECRET);
  });

  it('the template tester shows secrets masked and names a missing reference', async () => {
    const h = createBrokerBackedApi();
    await h.api.variables.set({ key: 'API_KEY', value: SECRET, secret: true });
    const user = userEvent.setup();
    renderWithApi(h.api, <VariablesScreen />);
    const template = await screen.findByLabelText('Template');
    await user.type(template, 'k={{{{ var.API_KEY }}');
    await user.click(screen.getByRole('button', { name: 'Render' }));
    await waitFor(() => expect(screen.getByLabelText('Rendered template').textContent).toBe('k=••••'));
    await user.clear(template);
    await user.type(template, '{{{{ var.NOPE }}');
    await user.click(screen.getByRole('button', { name: 'Render' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('var.NOPE'));
    expect(document.body.innerHTML).not.toContain(SECRET);
  });
});

describe('ConnectionPicker', () => {
  it('offers only connections of the category asked for, and follows changes', async () => {
    const h = createBrokerBackedApi();
    await createGitHubConnection(h.api, 'Work GitHub');
    let picked: string | null = null;
    renderWithApi(h.api, <ConnectionPicker label="Connection" value={null} onChange={(c) => (picked = c?.name ?? null)} category="database" />);
    const select = await screen.findByLabelText('Connection');
    await waitFor(() => expect(within(select).getAllByRole('option').map((o) => o.textContent)).toEqual(['No matching connection']));
    cleanup();
    renderWithApi(h.api, <ConnectionPicker label="Connection" value={null} onChange={(c) => (picked = c?.name ?? null)} category="http" />);
    const httpSelect = await screen.findByLabelText('Connection');
    await waitFor(() => expect(within(httpSelect).getAllByRole('option').map((o) => o.textContent)).toEqual(['Choose a connection', 'Work GitHub — HTTP API']));
    await createGitHubConnection(h.api, 'Another API');
    await waitFor(() => expect(within(httpSelect).getAllByRole('option')).toHaveLength(3));
    await userEvent.setup().selectOptions(httpSelect, 'Work GitHub — HTTP API');
    expect(picked).toBe('Work GitHub');
  });
});
