// @vitest-environment jsdom
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { StoreGeneration, StoreProblem } from '@latchkey/contracts';
// eslint-disable-next-line no-restricted-imports -- the test runs the real broker behind the API; never bundled
import { MemorySecretStore, createTestCipher } from '@latchkey/broker/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createBrokerBackedApi } from '../test/broker-backed-api';
import { renderWithApi } from '../test/render-with-api';
import { SystemBanner } from './SystemBanner';

afterEach(cleanup);


describe('SystemBanner: a damaged file with a last good version', () => {
  it('says what restoring would change, restores on request, and goes away', async () => {
    let problems: StoreProblem[] = [{ file: '/data/connections.json', movedTo: '/data/connections.json.corrupt-1', at: new Date().toISOString(), message: 'connections.json could not be read.' }];
    const restored: string[] = [];
    const generation: StoreGeneration = {
      file: 'connections.json',
      savedAt: '2026-11-29T10:00:00.000Z',
      counts: { connections: 3, grants: 1, secrets: 0 },
      current: { connections: 0, grants: 0, secrets: 2 },
      added: ['Billing', 'Mail', 'Search'],
      removed: [],
      truncated: false,
    };
    const h = createBrokerBackedApi({
      storeProblems: () => problems,
      generations: {
        list: async () => (problems.length ? [generation] : []),
        restore: async (file) => {
          restored.push(file);
          problems = [];
          return 'restored';
        },
      },
    });
    const user = userEvent.setup();
    renderWithApi(h.api, <SystemBanner />);
    const button = await screen.findByRole('button', { name: 'Restore connections.json' });
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('holds 3 connections and 1 grant');
    expect(alert.textContent).toContain('Restoring brings back Billing, Mail, Search.');
    await user.click(button);
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull());
    expect(restored).toEqual(['connections.json']);
    const audit = await h.api.audit.list({ types: ['store.restore'] });
    expect(audit.events).toHaveLength(1);
  });
});

describe('SystemBanner: another master key', () => {
  it('says the key differs and how to fix it, instead of "cannot be saved right now"', async () => {
    const secrets = new MemorySecretStore();
    secrets.check = createTestCipher().encrypt('latchkey key check v1');
    renderWithApi(createBrokerBackedApi({ secrets, cipher: { ...createTestCipher(), backend: 'env' } }).api, <SystemBanner />);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Latchkey has a different master key than your secrets were saved with.');
    expect(alert.textContent).toContain('LATCHKEY_MASTER_KEY');
    expect(alert.textContent).not.toContain('Secrets cannot be saved right now');
  });
});
