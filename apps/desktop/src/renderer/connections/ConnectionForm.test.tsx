// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ProviderManifest, type Connection, type ProviderInfo } from '@latchkey/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionForm } from './ConnectionForm';

afterEach(cleanup);

const provider: ProviderInfo = {
  extensionId: '@latchkey/ext-databases',
  available: true,
  manifest: ProviderManifest.parse({
    id: 'pg-test',
    name: 'PostgreSQL (test)',
    category: 'database',
    fields: [
      { name: 'host', label: 'Host', type: 'string', role: 'host', required: true },
      { name: 'port', label: 'Port', type: 'number', role: 'port', default: 5432 },
      { name: 'database', label: 'Database', type: 'string', role: 'database' },
      { name: 'password', label: 'Password', type: 'string', secret: true },
    ],
    transport: 'postgres',
  }),
};

const saved = (secretFields: Connection['secretFields']): Connection => ({
  id: 'c1',
  providerId: 'pg-test',
  name: 'Prod',
  scope: 'user',
  config: { host: 'db.internal', port: 5432, database: 'app' },
  secretFields,
  status: 'ok',
  lastTest: null,
  isDefault: true,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  deletedAt: null,
});

const WARNING = 'Changing the host clears the stored password';

describe('ConnectionForm, editing a saved connection', () => {
  it('says under a changed target field that the stored password will be cleared', async () => {
    const user = userEvent.setup();
    render(<ConnectionForm provider={provider} connection={saved({ password: 'set' })} onSaved={() => undefined} onCancel={() => undefined} />);
    expect(screen.queryByText(WARNING)).toBeNull();
    const host = screen.getByLabelText(/^Host/);
    await user.clear(host);
    await user.type(host, 'db.elsewhere');
    const note = screen.getByText(WARNING);
    expect(host.getAttribute('aria-describedby')).toContain(note.id);
    // Back to the saved value: nothing will be cleared, nothing is said.
    await user.clear(host);
    await user.type(host, 'db.internal');
    expect(screen.queryByText(WARNING)).toBeNull();
  });

  it('says nothing for a field that is not a target, or when no secret is stored', async () => {
    const user = userEvent.setup();
    const { unmount } = render(<ConnectionForm provider={provider} connection={saved({ password: 'set' })} onSaved={() => undefined} onCancel={() => undefined} />);
    await user.type(screen.getByLabelText(/^Database/), '2');
    expect(screen.queryByText(/clears the stored/)).toBeNull();
    unmount();
    render(<ConnectionForm provider={provider} connection={saved({})} onSaved={() => undefined} onCancel={() => undefined} />);
    await user.type(screen.getByLabelText(/^Host/), 'x');
    expect(screen.queryByText(/clears the stored/)).toBeNull();
  });
});
