// @vitest-environment jsdom
import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { LatchkeyError, type ExtensionFolderPreview, type ExtensionInfo } from '@latchkey/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { CommandPromptHost } from '../consent/CommandPromptHost.js';
import { createBrokerBackedApi, createCommandGateApi } from '../test/broker-backed-api.js';
import { renderWithApi } from '../test/render-with-api';
import { ExtensionsScreen } from './ExtensionsScreen.js';

afterEach(cleanup);

const preview: ExtensionFolderPreview = {
  id: 'acme-sync',
  displayName: 'Acme Sync',
  version: '2.0.0',
  publisher: 'Acme Corp',
  providers: [{ id: 'acme', name: 'Acme API' }],
  commands: [{ id: 'sync', title: 'Sync now' }],
  hasCode: true,
  files: 3,
  digest: 'ab'.repeat(32),
};

function hostWith() {
  const installed: ExtensionInfo[] = [];
  const asked: string[] = [];
  return {
    asked,
    list: () => installed.map((x) => ({ ...x })),
    setEnabled: async () => installed[0]!,
    inspectFolder: async (path: string) => {
      asked.push(`inspect ${path}`);
      if (path !== '/home/me/acme-sync') throw new LatchkeyError('NOT_FOUND', 'There is no such folder');
      return preview;
    },
    installFromFolder: async (path: string, { id, digest }: { id: string; digest: string }) => {
      asked.push(`install ${path} ${id} ${digest.slice(0, 4)}`);
      const info: ExtensionInfo = { id, displayName: 'Acme Sync', version: '2.0.0', builtIn: false, enabled: true, state: 'running', providers: ['acme'], lastError: null, restarts: 0, since: null, commands: preview.commands };
      installed.push(info);
      return info;
    },
  };
}

describe('Install from folder', () => {
  it('reviews the folder, names publisher, package and contributions, then installs only when the person confirms outside the page', async () => {
    const h = createCommandGateApi();
    const host = hostWith();
    h.broker.attachExtensions(host);
    const user = userEvent.setup();
    renderWithApi(h.api, <><ExtensionsScreen /><CommandPromptHost /></>);
    await user.type(await screen.findByLabelText('Install from folder'), '/home/me/acme-sync');
    await user.click(screen.getByRole('button', { name: 'Review…' }));
    const dialog = await screen.findByRole('alertdialog', { name: 'Install Acme Sync from Acme Corp?' });
    expect(dialog.textContent).toContain('the package acme-sync 2.0.0, published by Acme Corp, 3 files (SHA-256 abababababababab…)');
    expect(dialog.textContent).toContain('connection types Acme API and commands “Sync now”');
    expect(dialog.textContent).toContain('runs its own code');
    expect(host.asked).toEqual(['inspect /home/me/acme-sync']);
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(host.asked).toEqual(['inspect /home/me/acme-sync']);

    await user.click(screen.getByRole('button', { name: 'Review…' }));
    await user.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Install…' }));
    // The broker's own confirmation, answered with the code printed where the page cannot read it.
    const broker = await screen.findByRole('alertdialog', { name: 'Install the extension “Acme Sync” (acme-sync 2.0.0)?' });
    expect(screen.getByRole('status', { hidden: true }).textContent).toBe('Confirm the install of Acme Sync where Latchkey asks you.');
    expect(host.asked.filter((a) => a.startsWith('install'))).toEqual([]);
    await user.type(within(broker).getByTestId('command-code'), h.code()!);
    await user.click(within(broker).getByRole('button', { name: 'Install' }));
    expect(await screen.findByText('Installed Acme Sync.')).toBeTruthy();
    expect(host.asked.at(-1)).toBe('install /home/me/acme-sync acme-sync abab');
    expect(await screen.findByRole('list', { name: 'Acme Sync commands' })).toBeTruthy();
  });

  it('installs nothing when the person refuses the broker’s confirmation, and says so', async () => {
    const h = createCommandGateApi();
    const host = hostWith();
    h.broker.attachExtensions(host);
    const user = userEvent.setup();
    renderWithApi(h.api, <><ExtensionsScreen /><CommandPromptHost /></>);
    await user.type(await screen.findByLabelText('Install from folder'), '/home/me/acme-sync');
    await user.click(screen.getByRole('button', { name: 'Review…' }));
    await user.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Install…' }));
    const broker = await screen.findByRole('alertdialog', { name: /^Install the extension/ });
    await user.click(within(broker).getByRole('button', { name: 'Don’t install' }));
    expect((await screen.findByRole('alert')).textContent).toBe('You did not confirm this installation, so nothing was done.');
    expect(host.asked.filter((a) => a.startsWith('install'))).toEqual([]);
  });

  it('says why a folder is refused, and asks nothing', async () => {
    const h = createBrokerBackedApi();
    h.broker.attachExtensions(hostWith());
    const user = userEvent.setup();
    renderWithApi(h.api, <ExtensionsScreen />);
    await user.type(await screen.findByLabelText('Install from folder'), '/nowhere');
    await user.click(screen.getByRole('button', { name: 'Review…' }));
    expect((await screen.findByRole('alert')).textContent).toBe('There is no such folder');
    expect(screen.queryByRole('alertdialog')).toBeNull();
  });
});
