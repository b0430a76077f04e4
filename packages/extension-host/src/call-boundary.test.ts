import { extensionChannels, type Requester } from '@latchkey/contracts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCallBoundary, type Caller } from './call-boundary.js';

const requester: Requester = { kind: 'extension', id: 'acme.tools', displayName: 'Acme tools' };

function boundary(maxInFlight = 2) {
  const refusals: string[] = [];
  let release: () => void = () => {};
  const handlers = {
    'connections:list': () => new Promise<[]>((resolve) => (release = () => resolve([]))),
  } as never;
  const call = createCallBoundary({ handlers, maxInFlight, refuse: (_caller, detail) => refusals.push(detail) });
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

  it('refuses a call past the cap of open calls and counts down as calls finish', async () => {
    const { call, refusals, release } = boundary(1);
    const caller: Caller = { requester, inFlight: 0 };
    const first = call(caller, 'connections:list', {});
    expect(caller.inFlight).toBe(1);
    expect(await call(caller, 'connections:list', {})).toMatchObject({ ok: false, error: { code: 'THROTTLED' } });
    expect(refusals).toEqual(['Too many open calls (1); connections:list refused']);
    release();
    await first;
    expect(caller.inFlight).toBe(0);
  });
});
