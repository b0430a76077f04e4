import { describe, expect, it } from 'vitest';
import type { ResolvedConnection } from '@latchkey/broker';
import { ClientRegistry } from './clients.js';

const connection = (config: ResolvedConnection['config'], secrets: ResolvedConnection['secrets']): ResolvedConnection =>
  ({ id: 'c1', manifest: {} as ResolvedConnection['manifest'], config, secrets });

describe('ClientRegistry', () => {
  it('reuses a client for the same settings, however their keys are ordered (nested ones too)', async () => {
    const clients = new ClientRegistry();
    let created = 0;
    const create = () => ({ n: ++created });
    const first = await clients.get('sql', connection({ host: 'db', tls: { mode: 'require', ca: 'x' } }, { password: 'p' }), create, async () => undefined);
    const again = await clients.get('sql', connection({ tls: { ca: 'x', mode: 'require' }, host: 'db' }, { password: 'p' }), create, async () => undefined);
    expect(again).toBe(first);
    expect(created).toBe(1);
  });

  it('never reuses a client built from other credentials, and closes the old one', async () => {
    const clients = new ClientRegistry();
    const closed: unknown[] = [];
    const close = async (client: unknown) => void closed.push(client);
    const old = await clients.get('sql', connection({ host: 'db' }, { password: 'old' }), () => ({ which: 'old' }), close);
    const fresh = await clients.get('sql', connection({ host: 'db' }, { password: 'new' }), () => ({ which: 'new' }), close);
    expect(fresh).toEqual({ which: 'new' });
    await clients.closeAll();
    expect(closed).toContain(old);
  });
});
