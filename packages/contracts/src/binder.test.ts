import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { bindEvents, createClient, createDispatcher } from './binder.js';
import { Json } from './common.js';
import { LatchkeyError } from './errors.js';

const map = {
  'things:get': { input: z.strictObject({ id: z.string().min(1) }), output: z.strictObject({ id: z.string(), name: z.string() }) },
  'things:leak': { input: z.strictObject({}), output: z.strictObject({ id: z.string() }) },
  'things:fail': { input: z.strictObject({}), output: z.strictObject({}) },
};

const handlers = {
  'things:get': ({ id }: { id: string }) => ({ id, name: `thing ${id}` }),
  // A handler that returns more than its contract: the strict output schema must stop it.
  'things:leak': () => ({ id: 'x', password: 'hunter2' }) as unknown as { id: string },
  'things:fail': () => {
    throw new LatchkeyError('CONFLICT', 'Already there');
  },
};

describe('createDispatcher', () => {
  const dispatch = createDispatcher(map, handlers as never);

  it('parses input and output and returns the value', async () => {
    expect(await dispatch('things:get', { id: '7' }, {})).toEqual({ ok: true, value: { id: '7', name: 'thing 7' } });
  });

  it('turns bad input into a VALIDATION error without calling the handler', async () => {
    const res = await dispatch('things:get', { id: '' }, {});
    expect(res).toMatchObject({ ok: false, error: { code: 'VALIDATION', issues: [{ path: 'id' }] } });
    expect(await dispatch('things:get', { id: '1', extra: true }, {})).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });

  it('refuses unknown channels, including prototype names', async () => {
    for (const ch of ['nope:nope', '__proto__', 'constructor', 'toString']) expect(await dispatch(ch, {}, {})).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('refuses an output with fields outside the contract instead of sending it', async () => {
    const seen: string[] = [];
    const d = createDispatcher(map, handlers as never, { onInternalError: (ch) => seen.push(ch) });
    const res = await d('things:leak', {}, {});
    expect(res).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'The broker produced an invalid response for things:leak' } });
    expect(JSON.stringify(res)).not.toContain('hunter2');
    expect(seen).toEqual(['things:leak']);
  });

  it('answers input too deep for a recursive schema with VALIDATION, not a thrown RangeError', async () => {
    const deep = createDispatcher({ 'things:put': { input: z.strictObject({ value: Json }), output: z.strictObject({}) } }, { 'things:put': () => ({}) } as never);
    const value = JSON.parse('['.repeat(20_000) + ']'.repeat(20_000)) as unknown;
    expect(await deep('things:put', { value }, {})).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });

  it('tells the transport what it refused before any handler ran, with the caller, and lets it wrap what it admits', async () => {
    const refused: string[] = [];
    const wrapped: string[] = [];
    const d = createDispatcher<typeof map, { who: string }>(map, handlers as never, {
      onRefused: (channel, why, ctx) => refused.push(`${ctx.who} ${channel} ${why}`),
      around: async (channel, ctx, run) => {
        if (ctx.who === 'flooder') return { ok: false, error: { code: 'THROTTLED', message: 'later' } };
        wrapped.push(channel);
        return run();
      },
    });
    expect(await d('nope:nope', {}, { who: 'a' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await d('things:get', { id: '' }, { who: 'b' })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await d('things:get', { id: '1' }, { who: 'flooder' })).toMatchObject({ ok: false, error: { code: 'THROTTLED' } });
    expect(await d('things:get', { id: '1' }, { who: 'c' })).toEqual({ ok: true, value: { id: '1', name: 'thing 1' } });
    expect(refused).toEqual(['a nope:nope unknown-channel', 'b things:get invalid-input']);
    expect(wrapped).toEqual(['things:get']);
  });

  it('passes typed errors through as { code, message }', async () => {
    expect(await dispatch('things:fail', {}, {})).toEqual({ ok: false, error: { code: 'CONFLICT', message: 'Already there' } });
  });
});

describe('createClient', () => {
  it('builds a frozen namespaced API that throws typed errors', async () => {
    const dispatch = createDispatcher(map, handlers as never);
    const api = createClient(map, (ch, input) => dispatch(ch, input, {}));
    expect(Object.isFrozen(api)).toBe(true);
    expect(await api.things.get({ id: '1' })).toEqual({ id: '1', name: 'thing 1' });
    await expect(api.things.fail()).rejects.toMatchObject({ code: 'CONFLICT', message: 'Already there' });
  });

  it('parses what the peer sends back, so a bad response cannot reach the caller', async () => {
    const api = createClient(map, async () => ({ ok: true, value: { id: 1 } }));
    await expect(api.things.get({ id: '1' })).rejects.toBeInstanceOf(LatchkeyError);
  });

  it('can reject with a plain { code, message } object, which survives contextBridge', async () => {
    const dispatch = createDispatcher(map, handlers as never);
    const api = createClient(map, (ch, input) => dispatch(ch, input, {}), { toError: (e) => ({ ...e }) });
    const error = await api.things.fail().catch((e: unknown) => e);
    expect(error).toEqual({ code: 'CONFLICT', message: 'Already there' });
    expect(Object.getPrototypeOf(error)).toBe(Object.prototype);
  });
});

describe('bindEvents', () => {
  const events = { 'things:changed': z.strictObject({ ids: z.array(z.string()) }), 'things:ping': z.strictObject({}) };

  function emitter() {
    const listeners = new Map<string, Set<(payload: unknown) => void>>();
    return {
      listeners,
      on: (event: string, listener: (payload: unknown) => void) => {
        const set = listeners.get(event) ?? new Set();
        listeners.set(event, set.add(listener));
        return () => void set.delete(listener);
      },
      emit: (event: string, payload: unknown) => listeners.get(event)?.forEach((l) => l(payload)),
    };
  }

  it('subscribes to every event of the map and sends each parsed payload', () => {
    const source = emitter();
    const sent: [string, unknown][] = [];
    bindEvents(source.on, events, (event, payload) => sent.push([event, payload]));
    expect([...source.listeners.keys()].sort()).toEqual(['things:changed', 'things:ping']);
    source.emit('things:changed', { ids: ['a'] });
    source.emit('things:ping', {});
    expect(sent).toEqual([['things:changed', { ids: ['a'] }], ['things:ping', {}]]);
  });

  it('drops an event that fails its contract, such as one carrying a stray field, and reports it without the payload', () => {
    const source = emitter();
    const sent: unknown[] = [];
    const invalid: [string, string][] = [];
    bindEvents(source.on, events, (_event, payload) => sent.push(payload), { onInvalid: (event, error) => invalid.push([event, error.message]) });
    source.emit('things:changed', { ids: ['a'], secret: 'canary-bind-events' });
    expect(sent).toEqual([]);
    expect(invalid).toEqual([['things:changed', 'event things:changed failed its contract']]);
  });

  it('unsubscribes from every event at once', () => {
    const source = emitter();
    const sent: unknown[] = [];
    const unsubscribe = bindEvents(source.on, events, (_event, payload) => sent.push(payload));
    unsubscribe();
    source.emit('things:changed', { ids: [] });
    expect(sent).toEqual([]);
    expect([...source.listeners.values()].every((set) => set.size === 0)).toBe(true);
  });
});
