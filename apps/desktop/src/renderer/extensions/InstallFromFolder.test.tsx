// @vitest-environment jsdom
import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { LatchkeyError, type ExtensionFolderPreview, type ExtensionInfo } from '@latchkey/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { createBrokerBackedApi } from '../test/broker-backed-api.js';
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
    installFromFolder: async (path: string, id: string) => {
      asked.push(`install ${path} ${id}`);
      const info: ExtensionInfo = { id, displayName: 'Acme Sync', version: '2.0.0', builtIn: false, enabled: true, state: 'running', providers: ['acme'], lastError: null, restarts: 0, since: null, commands: preview.commands };
      installed.push(info);
      return info;
    },
  };
}

describe('Install from folder', () => {
  it('reviews the folder, names publisher, package and contributions in the consent, installs only on Install', async () => {
    const h = createBrokerBackedApi();
    const host = hostWith();
    h.broker.attachExtensions(host);
    const user = userEvent.setup();
    renderWithApi(h.api, <ExtensionsScreen />);
    await user.type(await screen.findByLabelText('Install from folder'), '/home/me/acme-sync');
    await user.click(screen.getByRole('button', { name: 'Review…' }));
    const dialog = await screen.findByRole('alertdialog', { name: 'Install Acme Sync from Acme Corp?' });
    expect(dialog.textContent).toContain('the package acme-sync 2.0.0, published by Acme Corp');
    expect(dialog.textContent).toContain('connection types Acme API and commands “Sync now”');
    expect(dialog.textContent).toContain('runs its own code');
    expect(host.asked).toEqual(['inspect /home/me/acme-sync']);
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(host.asked).toEqual(['inspect /home/me/acme-sync']);

    await user.click(screen.getByRole('button', { name: 'Review…' }));
    await user.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Install' }));
    expect(await screen.findByText('Installed Acme Sync.')).toBeTruthy();
    expect(host.asked.at(-1)).toBe('install /home/me/acme-sync acme-sync');
    expect(await screen.findByRole('list', { name: 'Acme Sync commands' })).toBeTruthy();
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
