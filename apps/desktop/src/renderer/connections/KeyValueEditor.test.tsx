// @vitest-environment jsdom
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ProviderManifest, type ProviderInfo } from '@latchkey/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiProvider } from '../api';
import { createBrokerBackedApi } from '../test/broker-backed-api';
import { ConnectionForm } from './ConnectionForm';

afterEach(cleanup);

const manifest = {
  id: 'kv-test',
  name: 'Key/value test',
  category: 'other',
  fields: [
    { name: 'url', label: 'URL', type: 'string', format: 'url', role: 'url', required: true },
    { name: 'headers', label: 'Headers', type: 'json', editor: 'keyValue' },
    { name: 'env', label: 'Environment variables', type: 'json', editor: 'keyValue', secret: true },
  ],
  test: { transport: 'http', method: 'GET', path: '' },
} as const;
const provider: ProviderInfo = { extensionId: 'kv-ext', available: true, manifest: ProviderManifest.parse(manifest) };

describe('key/value editors', () => {
  it('headers and a secret environment are rows of names and values, saved as objects; secret values are password inputs', async () => {
    const h = createBrokerBackedApi();
    h.broker.providers.register(manifest, 'kv-ext');
    const user = userEvent.setup();
    render(
      <ApiProvider api={h.api}>
        <ConnectionForm provider={provider} onSaved={() => undefined} onCancel={() => undefined} />
      </ApiProvider>,
    );
    await user.type(screen.getByLabelText(/^Name/), 'KV');
    await user.type(screen.getByLabelText(/^URL/), 'https://kv.example.test');
    await user.type(screen.getByLabelText('Headers: name 1'), 'Accept');
    await user.type(screen.getByLabelText('Headers: value 1'), 'application/json');
    await user.click(screen.getAllByRole('button', { name: 'Add a row' })[0]!);
    await user.type(screen.getByLabelText('Headers: name 2'), 'X-Source');
    await user.type(screen.getByLabelText('Headers: value 2'), 'latchkey');
    expect(screen.getByLabelText('Environment variables: value 1').getAttribute('type')).toBe('password');
    await user.type(screen.getByLabelText('Environment variables: name 1'), 'API_KEY');
    await user.type(screen.getByLabelText('Environment variables: value 1'), 'kv-canary-secret');
    await user.click(screen.getByRole('button', { name: 'Save connection' }));
    await waitFor(async () => expect(await h.api.connections.list({})).toHaveLength(1));
    const [saved] = await h.api.connections.list({});
    expect(saved!.config['headers']).toEqual({ Accept: 'application/json', 'X-Source': 'latchkey' });
    expect(saved!.secretFields).toEqual({ env: 'set' });
    expect(h.callsTo('connections:create')).toEqual([expect.objectContaining({ secrets: { env: JSON.stringify({ API_KEY: 'kv-canary-secret' }) } })]);
  });
});
