// @vitest-environment jsdom
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
// eslint-disable-next-line no-restricted-imports -- the test runs the real broker behind the API; never bundled
import { createTestKeys, type TestKeychain } from '@latchkey/broker/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBrokerBackedApi } from '../test/broker-backed-api';
import { renderWithApi } from '../test/render-with-api';
import { SystemBanner } from '../ui/SystemBanner';
import { KeysScreen } from './KeysScreen';

afterEach(cleanup);

function setup(minted = true) {
  const chain: TestKeychain = { main: null, next: null };
  const keys = createTestKeys(chain, minted);
  // The person confirms each key action outside the page (here: always yes).
  const h = createBrokerBackedApi({ cipher: keys.cipher, keys: keys.vault, commandApprover: { approve: async () => true } });
  return { chain, h };
}

describe('Settings → Keys', () => {
  it('on first run the banner says where the key is kept and offers a recovery kit', async () => {
    const { h } = setup(true);
    renderWithApi(h.api, <SystemBanner />);
    const banner = await screen.findByRole('status');
    expect(banner.textContent).toContain('Keep your master key safe.');
    expect(banner.textContent).toMatch(/in the test keychain.*recovery kit/s);
  });

  it('makes a recovery kit as a downloaded file, only with a long enough passphrase typed twice, and audits it', async () => {
    const { chain, h } = setup(true);
    const saved: Blob[] = [];
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: (b: Blob) => (saved.push(b), 'blob:kit'), revokeObjectURL: () => undefined }));
    const user = userEvent.setup();
    renderWithApi(h.api, <KeysScreen />);
    const make = await screen.findByRole('button', { name: 'Make recovery kit' });
    await user.type(screen.getByLabelText('Passphrase'), 'too short');
    await user.type(screen.getByLabelText('Passphrase again'), 'too short');
    expect(make).toHaveProperty('disabled', true);
    await user.clear(screen.getByLabelText('Passphrase'));
    await user.clear(screen.getByLabelText('Passphrase again'));
    await user.type(screen.getByLabelText('Passphrase'), 'several words of passphrase');
    await user.type(screen.getByLabelText('Passphrase again'), 'several words of passphrase');
    await user.click(make);
    await screen.findByText(/Saved latchkey-recovery-kit-.*\.json/, undefined, { timeout: 30_000 });
    expect(saved).toHaveLength(1);
    const text = await new Promise<string>((resolve) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result));
      reader.readAsText(saved[0]!);
    });
    expect(text).toContain('latchkey-recovery-kit');
    expect(text).not.toContain(Buffer.from(chain.main!).toString('base64'));
    const audit = await h.api.audit.list({ types: ['key.recovery'] });
    expect(audit.events).toHaveLength(1);
    vi.unstubAllGlobals();
  }, 60_000);

  it('rotates only after the confirm dialog, and says what it did', async () => {
    const { chain, h } = setup(false);
    await h.api.connections.create({ providerId: 'http', name: 'API', scope: 'user', config: { baseUrl: 'https://a.example.test', authType: 'bearer' }, secrets: { token: 'tok' } });
    const before = Buffer.from(chain.main!).toString('base64');
    const user = userEvent.setup();
    renderWithApi(h.api, <KeysScreen />);
    await user.click(await screen.findByRole('button', { name: 'Rotate master key…' }));
    const dialog = await screen.findByRole('alertdialog');
    expect(dialog.textContent).toContain('Rotate the master key?');
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(Buffer.from(chain.main!).toString('base64')).toBe(before);
    await user.click(screen.getByRole('button', { name: 'Rotate master key…' }));
    await user.click(await screen.findByRole('button', { name: 'Rotate key' }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toMatch(/Rotated: \d+ encrypted values/));
    expect(Buffer.from(chain.main!).toString('base64')).not.toBe(before);
    expect((await h.api.audit.list({ types: ['key.rotate'] })).events).toHaveLength(1);
  });
});
