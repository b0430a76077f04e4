// @vitest-environment jsdom
import { act, cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { LatchkeyError, type AccessResponse, type ConsentDecision, type Requester } from '@latchkey/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { createBrokerBackedApi, createGitHubConnection, GITHUB_EXTENSION } from '../test/broker-backed-api.js';
import { renderWithApi } from '../test/render-with-api';
import { AccessScreen } from './AccessScreen.js';

afterEach(cleanup);

const AGENT: Requester = { kind: 'agent', id: 'agent.triage', displayName: 'Issue triage' };

/** A broker where every consent prompt is answered with `decision`, as a person would in the modal. */
async function setup(decision: ConsentDecision = { decision: 'always', duration: 'forever' }) {
  const h = createBrokerBackedApi();
  h.api.on('consent:prompt', (p) => void h.api.consent.respond({ promptId: p.promptId, response: decision }));
  const connection = await createGitHubConnection(h.api);
  const grantTo = async (requester: Requester = GITHUB_EXTENSION) => {
    const r = await h.extensionClient(requester).secrets.requestAccess({ connectionId: connection.id, reason: 'Sync issues', scopes: ['http.fetch'] });
    if (!r.granted) throw new Error(`expected a grant, got ${r.reason}`);
    return r as Extract<AccessResponse, { granted: true }>;
  };
  return { ...h, connection, grantTo };
}

// Grant rows only: the header row and each requester's group heading row are not grants.
const rows = () => screen.queryAllByRole('row').filter((r) => r.hasAttribute('data-grant-id'));

describe('AccessScreen', () => {
  it('lists every active grant with requester, connection, scopes, dates', async () => {
    const h = await setup();
    await h.grantTo(GITHUB_EXTENSION);
    await h.grantTo(AGENT);
    renderWithApi(h.api, <AccessScreen />);

    await waitFor(() => expect(rows()).toHaveLength(2));
    const texts = rows().map((r) => within(r).getAllByRole('cell').map((c) => c.textContent));
    // Newest first.
    expect(texts[0]?.slice(0, 4)).toEqual(['Agent Issue triage (agent.triage)', 'Work GitHub', 'http.fetch', 'Until revoked']);
    expect(texts[1]?.slice(0, 4)).toEqual(['Extension GitHub (github)', 'Work GitHub', 'http.fetch', 'Until revoked']);
    expect(texts[0]?.[5]).toBe('Until revoked');
    expect(texts[0]?.[6]).toBe('Never');
    expect(document.body.innerHTML).not.toContain('ghp_canary');
  });

  it('groups grants by who holds them: each agent session and extension under its own heading', async () => {
    const h = await setup();
    await h.grantTo(AGENT);
    await h.grantTo(GITHUB_EXTENSION);
    renderWithApi(h.api, <AccessScreen />);
    await waitFor(() => expect(rows()).toHaveLength(2));
    const groups = document.querySelectorAll('tbody[data-requester-group]');
    // Newest group first; two grants made in the same millisecond may come either way.
    expect([...groups].map((g) => g.querySelector('th')?.textContent).sort()).toEqual(['Agent Issue triage (agent.triage) · 1 grant', 'Extension GitHub (github) · 1 grant']);
    for (const g of groups) expect(g.querySelectorAll('tr[data-grant-id]')).toHaveLength(1);
  });

  it('Revoke asks first, calls grants:revoke, and the reference stops working at once', async () => {
    const h = await setup();
    const { secretRef, grantId } = await h.grantTo();
    const use = () => h.extensionClient().http.fetch({ ref: secretRef, request: { url: '/user' } });
    // Before: the ref is accepted, and only the (absent) server fails the call.
    await expect(use()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    renderWithApi(h.api, <AccessScreen />);
    await waitFor(() => expect(rows()).toHaveLength(1));

    await userEvent.click(screen.getByRole('button', { name: "Revoke GitHub's access to Work GitHub" }));
    const confirm = await screen.findByRole('alertdialog');
    expect(within(confirm).getByText(/Extension GitHub \(github\) will no longer be able to use “Work GitHub”/)).toBeTruthy();
    expect(h.callsTo('grants:revoke')).toEqual([]);
    await userEvent.click(within(confirm).getByRole('button', { name: 'Revoke' }));

    await waitFor(() => expect(screen.getByText('No extension or agent has access to a connection.')).toBeTruthy());
    expect(h.callsTo('grants:revoke')).toEqual([{ id: grantId }]);
    expect(screen.getByRole('status').textContent).toBe('Revoked access for GitHub to Work GitHub.');

    const refused = use();
    await expect(refused).rejects.toBeInstanceOf(LatchkeyError);
    await expect(refused).rejects.toMatchObject({ code: 'DENIED' });

    // Revoked grants stay visible on request, marked as such and without a Revoke button.
    await userEvent.click(screen.getByRole('checkbox', { name: 'Show revoked and expired grants' }));
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(within(rows()[0]!).getAllByRole('cell')[3]?.textContent).toMatch(/^Revoked /);
    expect(within(rows()[0]!).queryByRole('button')).toBeNull();
  });

  it('Keep access leaves the grant alone', async () => {
    const h = await setup();
    await h.grantTo();
    renderWithApi(h.api, <AccessScreen />);
    await waitFor(() => expect(rows()).toHaveLength(1));
    await userEvent.click(screen.getByRole('button', { name: /^Revoke GitHub/ }));
    await userEvent.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Keep access' }));

    await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull());
    expect(h.callsTo('grants:revoke')).toEqual([]);
    expect((await h.api.grants.list()).map((g) => g.revokedAt)).toEqual([null]);
    expect(rows()).toHaveLength(1);
  });

  it('refreshes live when a grant is made or revoked elsewhere', async () => {
    const h = await setup();
    renderWithApi(h.api, <AccessScreen />);
    await screen.findByText('No extension or agent has access to a connection.');

    const { grantId } = await h.grantTo();
    await waitFor(() => expect(rows()).toHaveLength(1));

    await act(() => h.api.grants.revoke({ id: grantId }));
    await waitFor(() => expect(rows()).toHaveLength(0));
  });

  it('a timed grant reads in the words of the consent choice, "For 1 hour", with its expiry beside it', async () => {
    const h = await setup({ decision: 'always', duration: '1h' });
    await h.grantTo();
    renderWithApi(h.api, <AccessScreen />);
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(screen.getByRole('columnheader', { name: 'Allowed' })).toBeTruthy();
    const cells = within(rows()[0]!).getAllByRole('cell').map((c) => c.textContent);
    expect(cells[3]).toBe('For 1 hour');
    expect(cells[5]).not.toBe('Until revoked');
    expect(cells.join(' ')).not.toMatch(/Always/);
  });

  it('a once grant shows as Once', async () => {
    const h = await setup({ decision: 'once' });
    await h.grantTo();
    renderWithApi(h.api, <AccessScreen />);
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(within(rows()[0]!).getAllByRole('cell')[3]?.textContent).toBe('Once');
  });

  it('a once grant that has been used reads "Used (once)" and offers no Revoke', async () => {
    const h = await setup({ decision: 'once' });
    const { secretRef } = await h.grantTo();
    // The call uses the grant; only the absent upstream makes it fail.
    await expect(h.extensionClient().http.fetch({ ref: secretRef, request: { url: '/user' } })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    renderWithApi(h.api, <AccessScreen />);
    await screen.findByRole('checkbox');
    await userEvent.click(screen.getByRole('checkbox', { name: /Show revoked and expired grants/ }));
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(within(rows()[0]!).getAllByRole('cell')[3]?.textContent).toBe('Used (once)');
    expect(within(rows()[0]!).queryByRole('button', { name: /^Revoke/ })).toBeNull();
  });
  it('lists a secret variable grant under its requester, and revokes it', async () => {
    const h = await setup({ decision: 'always', duration: '1h' });
    await h.api.variables.set({ key: 'DEPLOY_TOKEN', value: 'dtok_canary_81f2', secret: true });
    const cli: Requester = { kind: 'program', id: 'socket-AbCdEfGhIjKlMnOpQrStUvWx', displayName: 'latchkey run' };
    await h.grantTo(AGENT);
    expect(await h.broker.programs.requestVariableAccess({ key: 'DEPLOY_TOKEN', reason: 'Deploy' }, cli)).toMatchObject({ granted: true });
    renderWithApi(h.api, <AccessScreen />);
    await waitFor(() => expect(rows()).toHaveLength(2));
    const group = document.querySelector('tbody[data-requester-group="program:socket-AbCdEfGhIjKlMnOpQrStUvWx"]')!;
    const row = group.querySelector('tr[data-grant-id]') as HTMLElement;
    expect(within(row).getAllByRole('cell').slice(0, 4).map((c) => c.textContent)).toEqual(['Program calling itself “latchkey run” (socket-AbCdEfGhIjKlMnOpQrStUvWx)', 'Secret variable DEPLOY_TOKEN', 'reveal', 'For 1 hour']);
    await userEvent.click(within(row).getByRole('button', { name: /^Revoke/ }));
    const confirm = await screen.findByRole('alertdialog');
    expect(within(confirm).getByText(/no longer be able to read the secret variable DEPLOY_TOKEN/)).toBeTruthy();
    await userEvent.click(within(confirm).getByRole('button', { name: 'Revoke' }));
    await waitFor(() => expect(rows()).toHaveLength(1));
    await expect(h.broker.programs.renderTemplate('{{ var.DEPLOY_TOKEN }}', cli)).rejects.toMatchObject({ code: 'DENIED' });
    expect(document.body.innerHTML).not.toContain('dtok_canary_81f2');
  });
});
