// @vitest-environment jsdom
import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { createCommandGateApi } from '../test/broker-backed-api.js';
import { renderWithApi } from '../test/render-with-api.js';
import { CommandPromptHost } from './CommandPromptHost.js';

afterEach(cleanup);

const setup = () => {
  const h = createCommandGateApi();
  return { ...h, start: (args: string[]) => h.start('npx', args, { API_KEY: 'env-canary-value' }) };
};

describe('CommandPromptHost', () => {
  it('shows the exact command line, never the code or an environment value, and runs it with the typed code', async () => {
    const h = setup();
    const started = h.start(['-y', '@modelcontextprotocol/server-filesystem', '/tmp/my notes']);
    renderWithApi(h.api, <CommandPromptHost />);
    const dialog = await screen.findByRole('alertdialog');
    expect(within(dialog).getByTestId('command-line').textContent).toBe('npx -y @modelcontextprotocol/server-filesystem "/tmp/my notes"');
    expect(dialog.textContent).toContain('API_KEY');
    expect(document.body.innerHTML).not.toContain('env-canary-value');
    expect(document.body.innerHTML).not.toContain(h.code()!);
    await userEvent.type(within(dialog).getByTestId('command-code'), h.code()!);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Run it' }));
    expect(await started).toBe('started');
  });

  it('an export with secrets is confirmed under a title of its own, not a made-up command line', async () => {
    const h = setup();
    const exported = h.api.connections.export({ withSecrets: true, passphrase: 'correct horse battery staple' });
    renderWithApi(h.api, <CommandPromptHost />);
    const dialog = await screen.findByRole('alertdialog');
    expect(within(dialog).getByRole('heading').textContent).toBe('Export connections with their secrets?');
    expect(within(dialog).queryByTestId('command-line')).toBeNull();
    expect(dialog.textContent).not.toContain('latchkey export');
    await userEvent.type(within(dialog).getByTestId('command-code'), h.code()!);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Export with secrets' }));
    expect(await exported).toMatchObject({ withSecrets: true });
  });

  it('warns when the environment names a variable that makes the program load other code, without its value', async () => {
    const h = createCommandGateApi();
    const started = h.start('npx', ['server'], { NODE_OPTIONS: '--require /tmp/evil-canary.js', API_KEY: 'env-canary-value' });
    renderWithApi(h.api, <CommandPromptHost />);
    const dialog = await screen.findByRole('alertdialog');
    expect(within(dialog).getByTestId('command-env-warning').textContent).toBe('NODE_OPTIONS can make this program load other code or run another program. Allow it only if you set it yourself.');
    expect(document.body.innerHTML).not.toContain('evil-canary');
    expect(h.printed.at(-1)).toContain('careful: NODE_OPTIONS can make this program load other code');
    await userEvent.keyboard('{Escape}');
    expect(await started).toBe('refused');
  });

  it('denies on Escape', async () => {
    const h = setup();
    const started = h.start(['other']);
    renderWithApi(h.api, <CommandPromptHost />);
    await screen.findByRole('alertdialog');
    await userEvent.keyboard('{Escape}');
    expect(await started).toBe('refused');
  });
});
