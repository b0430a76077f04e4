// @vitest-environment jsdom
import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { LatchkeyError, type ExtensionInfo, type Json } from '@latchkey/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { createBrokerBackedApi, createGitHubConnection } from '../test/broker-backed-api.js';
import { renderWithApi } from '../test/render-with-api';
import { ExtensionsScreen } from './ExtensionsScreen.js';

afterEach(cleanup);

const TOKEN = 'ghp_canary_never_in_the_dom_0123456789';
const tools: ExtensionInfo = {
  id: 'acme-tools',
  displayName: 'Acme Tools',
  version: '1.0.0',
  builtIn: false,
  enabled: true,
  state: 'running',
  providers: [],
  lastError: null,
  restarts: 0,
  since: null,
  commands: [
    { id: 'hello', title: 'Say hello' },
    { id: 'leak', title: 'Show token' },
    { id: 'broken', title: 'Fail' },
  ],
};

/** The host's side: runs a command "in the extension" and records what ran. */
function hostWith(extensions: ExtensionInfo[]) {
  const ran: string[] = [];
  const results: Record<string, () => Json> = {
    hello: () => 'Hello <b>there</b>',
    leak: () => ({ token: TOKEN }),
    broken: () => {
      throw new LatchkeyError('INTERNAL', `It failed holding ${TOKEN}`);
    },
  };
  return {
    ran,
    list: () => extensions.map((x) => ({ ...x })),
    setEnabled: async () => extensions[0]!,
    runCommand: async (id: string, command: string) => (ran.push(`${id}:${command}`), results[command]!()),
  };
}

describe('Extension commands', () => {
  it('lists each declared command, runs one and shows its output as text', async () => {
    const h = createBrokerBackedApi();
    const host = hostWith([tools]);
    h.broker.attachExtensions(host);
    const user = userEvent.setup();
    renderWithApi(h.api, <ExtensionsScreen />);
    const commands = await screen.findByRole('list', { name: 'Acme Tools commands' });
    expect(within(commands).getAllByRole('button').map((b) => b.textContent)).toEqual(['Say hello', 'Show token', 'Fail']);
    await user.click(within(commands).getByRole('button', { name: 'Say hello' }));
    const output = await screen.findByRole('region', { name: 'Command output' });
    expect(within(output).getByText('Hello <b>there</b>')).toBeTruthy(); // as text, not markup
    expect(output.querySelector('b')).toBeNull();
    expect(host.ran).toEqual(['acme-tools:hello']);
    expect(h.callsTo('extensions:runCommand')).toEqual([{ id: 'acme-tools', command: 'hello' }]);
  });

  it('never puts a stored secret the command returns (or its error quotes) in the page', async () => {
    const h = createBrokerBackedApi();
    await createGitHubConnection(h.api);
    h.broker.attachExtensions(hostWith([tools]));
    const user = userEvent.setup();
    renderWithApi(h.api, <ExtensionsScreen />);
    const commands = await screen.findByRole('list', { name: 'Acme Tools commands' });
    await user.click(within(commands).getByRole('button', { name: 'Show token' }));
    expect((await screen.findByRole('region', { name: 'Command output' })).textContent).toContain('"token"');
    expect(document.body.innerHTML).not.toContain(TOKEN);
    await user.click(within(commands).getByRole('button', { name: 'Fail' }));
    expect(await screen.findByText(/Acme Tools: Fail \(failed\)/)).toBeTruthy();
    expect(screen.getByRole('region', { name: 'Command output' }).textContent).toContain('It failed holding');
    expect(document.body.innerHTML).not.toContain(TOKEN);
  });

  it('offers no run while the extension is not running', async () => {
    const h = createBrokerBackedApi();
    h.broker.attachExtensions(hostWith([{ ...tools, state: 'crashed' }]));
    renderWithApi(h.api, <ExtensionsScreen />);
    const commands = await screen.findByRole('list', { name: 'Acme Tools commands' });
    expect(within(commands).getAllByRole('button').every((b) => (b as HTMLButtonElement).disabled)).toBe(true);
  });
});
