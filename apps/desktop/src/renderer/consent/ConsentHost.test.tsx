// @vitest-environment jsdom
import { act, cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { AccessResponse, Requester } from '@latchkey/contracts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBrokerBackedApi, createGitHubConnection, GITHUB_EXTENSION, shiftedClock } from '../test/broker-backed-api.js';
import { renderWithApi } from '../test/render-with-api';
import { ConsentHost } from './ConsentHost.js';

afterEach(cleanup);

const AGENT: Requester = { kind: 'agent', id: 'agent.release-notes', displayName: 'Release notes writer' };
const LINTER: Requester = { kind: 'extension', id: 'acme-linter', displayName: 'Acme Linter' };

async function setup(overrides: Parameters<typeof createBrokerBackedApi>[0] = {}) {
  const h = createBrokerBackedApi(overrides);
  const connection = await createGitHubConnection(h.api);
  const ask = (requester: Requester = GITHUB_EXTENSION, reason = 'List your repositories') =>
    h.extensionClient(requester).secrets.requestAccess({ connectionId: connection.id, reason, scopes: ['http.fetch'] });
  return { ...h, connection, ask };
}

/** Resolves once the broker has pushed this many prompts (the request is then waiting on the person). */
async function promptsRaised(h: Awaited<ReturnType<typeof setup>>, count: number) {
  await waitFor(async () => expect(await h.api.consent.pending()).toHaveLength(count));
}

describe('ConsentHost', () => {
  it('says who asks, for which connection, why and what each scope allows, with the prompt itself focused', async () => {
    const h = await setup();
    const response = h.ask(GITHUB_EXTENSION, 'Show your repositories in the sidebar');
    renderWithApi(h.api, <ConsentHost />);

    const dialog = await screen.findByRole('alertdialog');
    expect(within(dialog).getByRole('heading', { name: 'Allow access to “Work GitHub”?' })).toBeTruthy();
    expect(within(dialog).getByTestId('consent-requester').textContent).toBe('Extension GitHub (github)');
    expect(within(dialog).getByTestId('consent-connection').textContent).toContain('Work GitHub · HTTP API');
    expect(within(dialog).getByTestId('consent-connection').textContent).toContain('http://127.0.0.1:9/');
    expect(within(dialog).getByTestId('consent-reason').textContent).toBe('Show your repositories in the sidebar');
    expect(within(dialog).getByRole('listitem').textContent).toBe('send authenticated requests to http://127.0.0.1:9/');
    // Focus is on the prompt, not on an answer: a stray Enter answers nothing. "Once" is the default choice.
    await waitFor(() => expect(document.activeElement).toBe(dialog));
    expect((within(dialog).getByRole('combobox', { name: 'How long' }) as HTMLSelectElement).value).toBe('once');
    expect(within(dialog).getByRole('button', { name: 'Allow once' })).toBeTruthy();
    // The stored token never reaches the page, not even inside the prompt.
    expect(document.body.innerHTML).not.toContain('ghp_canary');

    await userEvent.click(within(dialog).getByRole('button', { name: 'Deny' }));
    await expect(response).resolves.toMatchObject({ granted: false, reason: 'denied' });
  });

  it('shows the reveal scope as a warning', async () => {
    const h = await setup();
    void h.extensionClient().secrets.requestAccess({ connectionId: h.connection.id, reason: 'Copy the token into a CLI', scopes: ['http.fetch', 'reveal'] });
    renderWithApi(h.api, <ConsentHost />);
    const dialog = await screen.findByRole('alertdialog');
    const reveal = within(dialog)
      .getAllByRole('listitem')
      .find((li) => li.dataset.scope === 'reveal');
    expect(reveal?.className).toContain('consent-scope-warning');
    expect(reveal?.textContent).toBe('Warning: read the password itself (the secret leaves Latchkey)');
    h.broker.abortConsent('test over');
  });

  it('Deny answers deny, and the denial is audited', async () => {
    const h = await setup();
    const response = h.ask();
    renderWithApi(h.api, <ConsentHost />);
    const dialog = await screen.findByRole('alertdialog');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Deny' }));

    await expect(response).resolves.toMatchObject({ granted: false, reason: 'denied' });
    expect(h.callsTo('consent:respond')).toEqual([{ promptId: dialog.dataset.promptId, response: { decision: 'deny' } }]);
    await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull());
    const audit = await h.api.audit.list({ types: ['access.deny'] });
    expect(audit.events.map((e) => [e.requester?.id, e.outcome])).toEqual([['github', 'denied']]);
  });

  it('Escape denies', async () => {
    const h = await setup();
    const response = h.ask();
    renderWithApi(h.api, <ConsentHost />);
    const dialog = await screen.findByRole('alertdialog');
    await waitFor(() => expect(document.activeElement).toBe(dialog));
    await userEvent.keyboard('{Escape}');

    await expect(response).resolves.toMatchObject({ granted: false, reason: 'denied' });
    expect(h.callsTo('consent:respond')).toEqual([{ promptId: dialog.dataset.promptId, response: { decision: 'deny' } }]);
  });

  it('closing the modal denies', async () => {
    const h = await setup();
    const response = h.ask();
    renderWithApi(h.api, <ConsentHost />);
    const dialog = await screen.findByRole('alertdialog');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Close and deny' }));
    await expect(response).resolves.toMatchObject({ granted: false, reason: 'denied' });
  });

  it('Allow once grants a one-use reference', async () => {
    const h = await setup();
    const response = h.ask();
    renderWithApi(h.api, <ConsentHost />);
    const dialog = await screen.findByRole('alertdialog');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Allow once' }));

    const granted = (await response) as Extract<AccessResponse, { granted: true }>;
    expect(granted.granted).toBe(true);
    expect(h.callsTo('consent:respond')).toEqual([{ promptId: dialog.dataset.promptId, response: { decision: 'once' } }]);
    const [grant] = await h.api.grants.list();
    expect(grant).toMatchObject({ id: granted.grantId, kind: 'once' });
  });

  it('one choice says how long: "For 30 days" makes the button "Allow for 30 days" and sends that duration', async () => {
    const h = await setup();
    const response = h.ask();
    renderWithApi(h.api, <ConsentHost />);
    const dialog = await screen.findByRole('alertdialog');
    await userEvent.selectOptions(within(dialog).getByRole('combobox', { name: 'How long' }), 'For 30 days');
    // One control, one meaning: no "Allow always" next to a duration any more.
    expect(within(dialog).queryByRole('button', { name: /always|Allow once/ })).toBeNull();
    const before = Date.now();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Allow for 30 days' }));

    await expect(response).resolves.toMatchObject({ granted: true });
    expect(h.callsTo('consent:respond')).toEqual([{ promptId: dialog.dataset.promptId, response: { decision: 'always', duration: '30d' } }]);
    const [grant] = await h.api.grants.list();
    expect(grant?.kind).toBe('always');
    const lifetime = Date.parse(grant!.expiresAt!) - before;
    expect(lifetime).toBeGreaterThan(30 * 86_400_000 - 60_000);
    expect(lifetime).toBeLessThanOrEqual(30 * 86_400_000 + 60_000);
  });

  it('"Until I revoke it" grants without an expiry', async () => {
    const h = await setup();
    const response = h.ask();
    renderWithApi(h.api, <ConsentHost />);
    const dialog = await screen.findByRole('alertdialog');
    await userEvent.selectOptions(within(dialog).getByRole('combobox', { name: 'How long' }), 'forever');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Allow until I revoke it' }));
    await expect(response).resolves.toMatchObject({ granted: true });
    expect((await h.api.grants.list())[0]?.expiresAt).toBeNull();
  });

  it('queues several requests in arrival order, each starting from the prompt and "Once"', async () => {
    const h = await setup();
    const first = h.ask(GITHUB_EXTENSION, 'first');
    await promptsRaised(h, 1);
    const second = h.ask(AGENT, 'second');
    await promptsRaised(h, 2);
    renderWithApi(h.api, <ConsentHost />);
    let dialog = await screen.findByRole('alertdialog');
    expect(within(dialog).getByTestId('consent-position').textContent).toBe('Request 1 of 2');
    expect(within(dialog).getByTestId('consent-reason').textContent).toBe('first');

    // A request that arrives while the modal is open joins the end of the queue.
    const third = h.ask(LINTER, 'third');
    await waitFor(() => expect(screen.getByTestId('consent-position').textContent).toBe('Request 1 of 3'));

    await userEvent.click(within(dialog).getByRole('button', { name: 'Deny' }));
    await waitFor(() => expect(screen.getByTestId('consent-reason').textContent).toBe('second'));
    dialog = screen.getByRole('alertdialog');
    expect(within(dialog).getByTestId('consent-requester').textContent).toBe('Agent Release notes writer (agent.release-notes)');
    expect(within(dialog).getByTestId('consent-position').textContent).toBe('Request 1 of 2');
    await waitFor(() => expect(document.activeElement).toBe(dialog));

    // A longer choice on this one must not carry over to the next request.
    await userEvent.selectOptions(within(dialog).getByRole('combobox', { name: 'How long' }), 'For 1 day');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Allow for 1 day' }));
    await waitFor(() => expect(screen.getByTestId('consent-reason').textContent).toBe('third'));
    expect(screen.queryByTestId('consent-position')).toBeNull();
    // Focus went to the Allow button for the last answer; the next request must not inherit it.
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('alertdialog')));
    expect((screen.getByRole('combobox', { name: 'How long' }) as HTMLSelectElement).value).toBe('once');
    await userEvent.click(screen.getByRole('button', { name: 'Deny' }));

    await expect(first).resolves.toMatchObject({ granted: false, reason: 'denied' });
    await expect(second).resolves.toMatchObject({ granted: true });
    await expect(third).resolves.toMatchObject({ granted: false, reason: 'denied' });
    expect(h.callsTo('consent:respond').map((c) => (c as { response: { decision: string } }).response.decision)).toEqual(['deny', 'always', 'deny']);
    await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull());
  });

  it('a prompt the broker closes on its own leaves the queue', async () => {
    const h = await setup();
    const response = h.ask();
    renderWithApi(h.api, <ConsentHost />);
    await screen.findByRole('alertdialog');
    act(() => h.broker.abortConsent('the window was closed'));
    await expect(response).resolves.toMatchObject({ granted: false, reason: 'aborted' });
    await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull());
    expect(h.callsTo('consent:respond')).toEqual([]);
  });

  it('the countdown denies at the deadline', async () => {
    // The broker's clock runs 57 s behind the page's: the prompt's deadline is 3 s away for the
    // page, while the broker's own 60 s timer is far off, so only the modal can deny. The page's
    // clock and its one-second tick are fake: the test moves time, it does not wait for it.
    const h = await setup({ clock: shiftedClock(-57_000) });
    const response = h.ask();
    await promptsRaised(h, 1);
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    try {
      renderWithApi(h.api, <ConsentHost />);
      const dialog = await screen.findByRole('alertdialog');
      expect(within(dialog).getByTestId('consent-countdown').textContent).toMatch(/^Denied automatically in [1-3] s$/);
      await act(() => vi.advanceTimersByTimeAsync(1000));
      expect(h.callsTo('consent:respond')).toEqual([]);
      await act(() => vi.advanceTimersByTimeAsync(2000));

      await expect(response).resolves.toMatchObject({ granted: false, reason: 'denied' });
      expect(h.callsTo('consent:respond')).toEqual([{ promptId: dialog.dataset.promptId, response: { decision: 'deny' } }]);
    } finally {
      vi.useRealTimers();
    }
  });
  it('names a secret variable and says that its value leaves Latchkey', async () => {
    const h = await setup();
    await h.api.variables.set({ key: 'DEPLOY_TOKEN', value: 'dtok_canary_81f2', secret: true, description: 'Deploys to production' });
    const cli: Requester = { kind: 'program', id: 'socket-AbCdEfGhIjKlMnOpQrStUvWx', displayName: 'latchkey var get DEPLOY_TOKEN' };
    const response = h.broker.programs.requestVariableAccess({ key: 'DEPLOY_TOKEN', reason: 'Deploy the site' }, cli);
    renderWithApi(h.api, <ConsentHost />);
    const dialog = await screen.findByRole('alertdialog');
    expect(within(dialog).getByRole('heading', { name: /^Reveal/ }).textContent).toBe('Reveal the secret variable DEPLOY_TOKEN to Program calling itself “latchkey var get DEPLOY_TOKEN” (socket-AbCdEfGhIjKlMnOpQrStUvWx)?');
    expect(within(dialog).getByTestId('consent-variable').textContent).toBe('DEPLOY_TOKEN · Deploys to production');
    expect(within(dialog).queryByTestId('consent-connection')).toBeNull();
    const reveal = within(dialog).getByRole('listitem');
    expect(reveal.className).toContain('consent-scope-warning');
    expect(reveal.textContent).toMatch(/DEPLOY_TOKEN: it leaves Latchkey/);
    expect((within(dialog).getByRole('combobox', { name: 'How long' }) as HTMLSelectElement).value).toBe('once');
    expect(document.body.innerHTML).not.toContain('dtok_canary_81f2');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Allow once' }));
    await expect(response).resolves.toMatchObject({ granted: true });
  });
});
