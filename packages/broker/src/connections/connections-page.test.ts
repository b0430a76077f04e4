import { appChannels, createDispatcher, type Requester } from '@latchkey/contracts';
import { describe, expect, it } from 'vitest';
import { createTestBroker } from '../testing/index.js';

const app = { requester: { kind: 'app', id: 'w', displayName: 'Window' } satisfies Requester };

async function brokerWith(n: number) {
  const t = createTestBroker();
  const dispatch = createDispatcher(appChannels, t.broker.app);
  for (let i = 0; i < n; i++) {
    const r = await dispatch('connections:create', { providerId: 'http', name: `API ${i}`, config: { baseUrl: `https://a${i}.example.com`, authType: 'none' } }, app);
    expect(r.ok).toBe(true);
  }
  return { ...t, dispatch };
}

describe('connections:page and a limited connections:list', () => {
  it('pages in stored order with the total of every match', async () => {
    const { dispatch } = await brokerWith(7);
    const first = await dispatch('connections:page', { limit: 3 }, app);
    const last = await dispatch('connections:page', { offset: 6, limit: 3 }, app);
    if (!first.ok || !last.ok) throw new Error('page failed');
    const f = first.value as { items: { name: string }[]; total: number; offset: number; limit: number };
    const l = last.value as typeof f;
    expect(f.items.map((c) => c.name)).toEqual(['API 0', 'API 1', 'API 2']);
    expect([f.total, f.offset, f.limit]).toEqual([7, 0, 3]);
    expect(l.items.map((c) => c.name)).toEqual(['API 6']);
    expect(l.total).toBe(7);
  });

  it('counts only what the filter keeps (deleted ones go to the Trash page)', async () => {
    const { dispatch } = await brokerWith(4);
    const all = await dispatch('connections:list', {}, app);
    if (!all.ok) throw new Error('list failed');
    const id = (all.value as { id: string }[])[1]!.id;
    expect((await dispatch('connections:delete', { id }, app)).ok).toBe(true);
    const live = await dispatch('connections:page', {}, app);
    const trash = await dispatch('connections:page', { deleted: true }, app);
    expect(live.ok && (live.value as { total: number }).total).toBe(3);
    expect(trash.ok && (trash.value as { items: { id: string }[] }).items.map((c) => c.id)).toEqual([id]);
  });

  it('a list without a limit is every match; with one, a window of it', async () => {
    const { dispatch } = await brokerWith(5);
    const whole = await dispatch('connections:list', {}, app);
    const slice = await dispatch('connections:list', { offset: 1, limit: 2 }, app);
    expect(whole.ok && (whole.value as unknown[]).length).toBe(5);
    expect(slice.ok && (slice.value as { name: string }[]).map((c) => c.name)).toEqual(['API 1', 'API 2']);
  });

  it('refuses a page past the cap with a typed error and no partial answer', async () => {
    const { dispatch } = await brokerWith(1);
    const r = await dispatch('connections:page', { limit: 5000 }, app);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.code).toBe('VALIDATION');
  });
});
