import { describe, expect, it } from 'vitest';
import { createClient } from './binder.js';
import { appChannels } from './channels.js';

// A reply that breaks the contract (a stray field on a row).
const invoke = async () => ({ ok: true as const, value: [{ id: 'c1', stray: 'x' }] });

describe('createClient checkOutputs', () => {
  it('parses outputs by default, so a peer that is not the checking dispatcher cannot hand over a stray field', async () => {
    await expect(createClient(appChannels, invoke).connections.list()).rejects.toMatchObject({ code: 'VALIDATION' });
  });

  it('with checkOutputs false hands the value on as sent (the dispatcher on the other side checked it)', async () => {
    await expect(createClient(appChannels, invoke, { checkOutputs: false }).connections.list()).resolves.toEqual([{ id: 'c1', stray: 'x' }]);
  });
});
