/**
 * "Used by": grants, executor resolves, template uses and ref operations count; saved coalesced
 * through the UsageStore port (never per use), announced as usage:changed; purge forgets.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { person, programsBroker, tool } from '../programs/programs-test-support.js';

beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }));
afterEach(() => vi.useRealTimers());

describe('usage', () => {
  it('counts a grant, a template use and an executor resolve per user, and saves once for many uses', async () => {
    const t = await programsBroker();
    const changed: string[][] = [];
    t.broker.on('usage:changed', (e) => changed.push(e.ids));
    await t.grant(tool, ['reveal']);
    for (let i = 0; i < 20; i++) await t.broker.programs.renderTemplate('{{ conn.warehouse.host }}', tool);
    const executor = t.broker.programs.executor('nightly');
    await executor.resolveConnection('warehouse');
    expect(t.mem.usage.saves).toBe(0);
    await vi.advanceTimersByTimeAsync(2500);
    expect(t.mem.usage.saves).toBe(1);
    expect(changed).toEqual([[t.connectionId]]);
    const [usage] = await t.appCall<{ connectionId: string; users: { requester: { id: string }; via: string[]; count: number }[] }[]>('usage:list', {});
    expect(usage!.connectionId).toBe(t.connectionId);
    expect(usage!.users.map((u) => [u.requester.id, u.via, u.count]).sort()).toEqual([
      ['executor-nightly', ['executor'], 1],
      [tool.id, ['grant', 'template'], 21],
    ]);
    expect(t.mem.usage.records).toHaveLength(2);
    void person;
  });

  it('counts ref operations and forgets a purged connection', async () => {
    const t = await programsBroker();
    const access = await t.ext('secrets:requestAccess', { connectionId: t.connectionId, reason: 'spec', scopes: ['reveal'] }, { requester: tool });
    const ref = (access as { value: { secretRef: string } }).value.secretRef;
    expect(await t.ext('secrets:reveal', { ref }, { requester: tool })).toMatchObject({ ok: true });
    const [usage] = await t.appCall<{ users: { via: string[]; count: number }[] }[]>('usage:list', {});
    expect(usage!.users).toEqual([expect.objectContaining({ via: ['grant', 'ref'], count: 2 })]);
    await t.appCall('connections:delete', { id: t.connectionId });
    await t.appCall('connections:purge', { id: t.connectionId });
    expect(await t.appCall('usage:list', {})).toEqual([]);
  });

  it('loads the saved counts on the next start', async () => {
    const t = await programsBroker();
    await t.broker.programs.executor('nightly').resolveConnection('warehouse');
    await t.broker.close();
    expect(t.mem.usage.records).toHaveLength(1);
    const again = await programsBroker({ usage: t.mem.usage });
    expect((await again.appCall<unknown[]>('usage:list', {})).length).toBe(1);
  });
});
