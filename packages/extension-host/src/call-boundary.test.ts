import { extensionChannels, type ExtensionChannels, type Handlers, type Requester } from '@latchkey/contracts';
import type { CallContext } from '@latchkey/broker';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCallBoundary, type Caller } from './call-boundary.js';

/** Every channel's handler waits for the test to let it finish, and counts how many run at once. */
function gatedHandlers() {
  const gates: (() => void)[] = [];
  let running = 0;
  let most = 0;
  const handler = async () => {
    running++;
    most = Math.max(most, running);
    await new Promise<void>((resolve) => gates.push(resolve));
    running--;
    return [];
  };
  const handlers = new Proxy({}, { get: () => handler }) as Handlers<ExtensionChannels, CallContext>;
  return { handlers, gates, most: () => most, running: () => running };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function setup(limits: { maxInFlight: number; maxQueued: number; maxQueuedChars?: number }) {
  const g = gatedHandlers();
  const refused: string[] = [];
  const call = createCallBoundary({ handlers: g.handlers, maxQueuedChars: 1 << 30, ...limits, refuse: (_c, detail) => refused.push(detail) });
  const caller: Caller = { requester: { kind: 'extension', id: 'ext.a', displayName: 'A' }, inFlight: 0 };
  const list = (chars = 0) => call(caller, 'connections:list', {}, chars);
  /** Lets every call that is running now finish, until none is left. */
  const drain = async () => {
    for (let i = 0; i < 1000 && (g.gates.length > 0 || g.running() > 0); i++) {
      for (const open of g.gates.splice(0)) open();
      await flush();
    }
  };
  return { ...g, refused, caller, list, drain };
}

describe('call boundary: calls past the running cap wait instead of being refused', () => {
  it('64 calls at once with 16 running: all 64 answered, never more than 16 running, none refused', async () => {
    const t = setup({ maxInFlight: 16, maxQueued: 496 });
    const results = Array.from({ length: 64 }, () => t.list());
    await flush();
    expect(t.running()).toBe(16);
    expect(t.caller.queue).toHaveLength(48);
    await t.drain();
    const settled = await Promise.all(results);
    expect(settled.every((r) => r.ok)).toBe(true);
    expect(t.most()).toBe(16);
    expect(t.refused).toEqual([]);
    expect(t.caller.inFlight).toBe(0);
  });

  it('refuses with THROTTLED only past running + waiting, and audits the refusal', async () => {
    const t = setup({ maxInFlight: 2, maxQueued: 3 });
    const results = Array.from({ length: 7 }, () => t.list());
    await flush();
    await t.drain();
    const settled = await Promise.all(results);
    expect(settled.filter((r) => r.ok)).toHaveLength(5);
    expect(settled.filter((r) => !r.ok && r.error.code === 'THROTTLED')).toHaveLength(2);
    expect(t.refused).toHaveLength(2);
    expect(t.caller.inFlight).toBe(0);
  });

  it('bounds what the waiting calls hold: big frames past the byte budget are refused, one may always wait', async () => {
    const t = setup({ maxInFlight: 1, maxQueued: 100, maxQueuedChars: 1000 });
    const results = [t.list(10), t.list(2000), t.list(10), t.list(10)];
    await flush();
    await t.drain();
    const codes = (await Promise.all(results)).map((r) => (r.ok ? 'ok' : r.error.code));
    expect(codes).toEqual(['ok', 'ok', 'THROTTLED', 'THROTTLED']);
    expect(t.caller.queuedChars).toBe(0);
  });

  it('answers in the order the calls arrived', async () => {
    const t = setup({ maxInFlight: 1, maxQueued: 10 });
    const order: number[] = [];
    const results = Array.from({ length: 5 }, (_, i) => t.list().then(() => order.push(i)));
    await t.drain();
    await Promise.all(results);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });
});

const requester: Requester = { kind: 'extension', id: 'acme.tools', displayName: 'Acme tools' };

function boundary(maxInFlight = 2) {
  const refusals: string[] = [];
  let release: () => void = () => {};
  const handlers = {
    'connections:list': () => new Promise<[]>((resolve) => (release = () => resolve([]))),
  } as never;
  const call = createCallBoundary({ handlers, maxInFlight, maxQueued: 0, maxQueuedChars: 0, refuse: (_caller, detail) => refusals.push(detail) });
  return { call, refusals, release: () => release() };
}

describe('the extension call boundary', () => {
  afterEach(() => vi.restoreAllMocks());

  it('parses an extension call once, with the channel contract', async () => {
    const parse = vi.spyOn(extensionChannels['connections:list'].input, 'safeParse');
    const { call, release } = boundary();
    const caller: Caller = { requester, inFlight: 0 };
    const result = call(caller, 'connections:list', {});
    release();
    expect(await result).toEqual({ ok: true, value: [] });
    expect(parse).toHaveBeenCalledTimes(1);
  });

  it('audits unknown channels and bad input, echoing only a safe channel name', async () => {
    const { call, refusals } = boundary();
    const caller: Caller = { requester, inFlight: 0 };
    expect(await call(caller, 'app:<script>', {})).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'Unknown channel "app:?script?"' } });
    expect(await call(caller, 'http:fetch', { ref: 42 })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(refusals).toEqual(['Called unknown extension channel "app:?script?"', 'Invalid input for http:fetch']);
  });
});
