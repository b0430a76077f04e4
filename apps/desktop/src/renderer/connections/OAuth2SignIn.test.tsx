// @vitest-environment jsdom
/**
 * The sign-in controls on an OAuth2 connection, over a real broker: "Sign in" on a connection
 * that never signed in, "Sign in again" with the reason on one whose refresh was refused, the
 * sign-in page opened in a new tab where the host did not open it, and the scopes the form asks
 * for chosen with checkboxes. The protocol here stops at the authorization URL (the real one runs
 * against oidc-provider in @latchkey/transports and the e2e).
 */
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
// eslint-disable-next-line no-restricted-imports -- tests run the real broker behind the API
import { createFetchTransports } from '@latchkey/broker/testing';
// eslint-disable-next-line no-restricted-imports -- as above
import type { OAuth2Protocol } from '@latchkey/broker';
import type { ProviderManifestInput } from '@latchkey/contracts';
import { createBrokerBackedApi } from '../test/broker-backed-api';
import { renderWithApi } from '../test/render-with-api';
import { ConnectionForm } from './ConnectionForm';

afterEach(cleanup);

const AUTHORIZE = 'https://id.example.com/authorize?client_id=app&state=s1';

/** Stops at the browser step: the redirect never comes (the person has not signed in yet). */
const protocol: OAuth2Protocol = {
  listen: async (signal) => ({
    redirectUri: 'http://127.0.0.1:1/oauth2/callback',
    next: () => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('stopped')))),
    close: async () => undefined,
  }),
  authorize: async () => ({ url: AUTHORIZE, state: 's1', codeVerifier: 'v'.repeat(43) }),
  exchangeCode: () => Promise.reject(new Error('not in this test')),
  refresh: () => Promise.reject(new Error('not in this test')),
  clientCredentials: () => Promise.reject(new Error('not in this test')),
  revoke: async () => undefined,
};

const manifest: ProviderManifestInput = {
  id: 'acme-oauth',
  name: 'Acme',
  category: 'oauth2',
  baseUrl: 'https://api.acme.example',
  fields: [
    { name: 'clientId', label: 'Client ID', type: 'string', required: true, role: 'target' },
    { name: 'scopes', label: 'Scopes', type: 'string', default: 'read' },
  ],
  transport: 'oauth2',
  authenticate: [{ type: 'oauth2' }],
  oauth2: {
    authorizeUrl: 'https://id.example.com/authorize',
    tokenUrl: 'https://id.example.com/token',
    scopes: [
      { value: 'read', label: 'Read your things', default: true },
      { value: 'write', label: 'Change your things' },
    ],
  },
};

function setup() {
  const h = createBrokerBackedApi({ transports: { ...createFetchTransports(), oauth2: protocol } });
  h.broker.providers.register(manifest, '@acme/oauth');
  const provider = h.broker.providers.get('acme-oauth')!;
  return { ...h, provider };
}

describe('OAuth2 sign-in in the connection form', () => {
  it('"Sign in" on a saved connection opens the sign-in page in a new tab and says to finish there', async () => {
    const user = userEvent.setup();
    const h = setup();
    const open = vi.spyOn(window, 'open').mockImplementation(() => null);
    const c = await h.api.connections.create({ providerId: 'acme-oauth', name: 'Acme', config: { clientId: 'app', scopes: 'read' } });
    renderWithApi(h.api, <ConnectionForm provider={h.provider} connection={c} onSaved={() => undefined} onCancel={() => undefined} />);
    expect(within(screen.getByRole('region', { name: 'Sign-in' })).getByRole('status').textContent).toBe('Not signed in yet');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    await screen.findByText(/Finish signing in in your browser/);
    expect(open).toHaveBeenCalledWith(AUTHORIZE, '_blank', 'noopener,noreferrer');
    expect(screen.getByRole('link', { name: 'Open the sign-in page' }).getAttribute('href')).toBe(AUTHORIZE);
    expect(h.callsTo('connections:signIn')).toEqual([{ id: c.id }]);
    open.mockRestore();
  });

  it('an expired connection says why and offers "Sign in again"', async () => {
    const h = setup();
    const c = await h.api.connections.create({ providerId: 'acme-oauth', name: 'Acme', config: { clientId: 'app', scopes: 'read' } });
    await h.broker.internals.connections.markExpired(c.id, 'The sign-in expired: invalid_grant: grant request is invalid');
    const expired = await h.api.connections.get({ id: c.id });
    expect(expired.status).toBe('expired');
    renderWithApi(h.api, <ConnectionForm provider={h.provider} connection={expired} onSaved={() => undefined} onCancel={() => undefined} />);
    expect(within(screen.getByRole('region', { name: 'Sign-in' })).getByRole('status').textContent).toMatch(/^Sign-in expired: .*invalid_grant/);
    expect(screen.getByRole('button', { name: 'Sign in again' })).toBeTruthy();
  });

  it('the scopes offered are checkboxes that write the scopes field', async () => {
    const user = userEvent.setup();
    const h = setup();
    const open = vi.spyOn(window, 'open').mockImplementation(() => null);
    renderWithApi(h.api, <ConnectionForm provider={h.provider} onSaved={() => undefined} onCancel={() => undefined} />);
    await user.type(screen.getByLabelText(/^Name/), 'Acme');
    await user.type(screen.getByLabelText(/^Client ID/), 'app');
    expect((screen.getByLabelText('Read your things') as HTMLInputElement).checked).toBe(true);
    await user.click(screen.getByLabelText('Change your things'));
    expect((screen.getByLabelText(/^Scopes/) as HTMLInputElement).value).toBe('read write');
    await user.click(screen.getByRole('button', { name: 'Save and sign in' }));
    await waitFor(() => expect(h.callsTo('connections:signIn')).toHaveLength(1));
    const [saved] = await h.api.connections.list({});
    expect(saved!.config['scopes']).toBe('read write');
    expect(open).toHaveBeenCalledWith(AUTHORIZE, '_blank', 'noopener,noreferrer');
    open.mockRestore();
  });
});

describe('Refresh tools on an MCP connection', () => {
  it('runs the saved connection\'s test, which lists and stores the tools', async () => {
    const user = userEvent.setup();
    const h = createBrokerBackedApi();
    h.broker.providers.register(
      {
        id: 'mcp-remote-test',
        name: 'Remote MCP',
        category: 'mcp',
        fields: [
          { name: 'transport', label: 'Transport', type: 'select', role: 'target', default: 'http', options: [{ value: 'http', label: 'HTTP' }] },
          { name: 'url', label: 'Server URL', type: 'string', role: 'url', required: true },
        ],
        transport: 'mcp',
      },
      '@acme/mcp',
    );
    const c = await h.api.connections.create({ providerId: 'mcp-remote-test', name: 'Tools', config: { transport: 'http', url: 'http://127.0.0.1:9/mcp' } });
    renderWithApi(h.api, <ConnectionForm provider={h.broker.providers.get('mcp-remote-test')!} connection={c} onSaved={() => undefined} onCancel={() => undefined} />);
    await user.click(screen.getByRole('button', { name: 'Refresh tools' }));
    await waitFor(() => expect(h.callsTo('connections:test')).toEqual([{ id: c.id }]));
  });
});
