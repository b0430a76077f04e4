import { describe, expect, it } from 'vitest';
import { HttpFetchRequest } from '@latchkey/contracts';
import { ChildFrame, HostFrame, MAX_FRAME_CHARS } from './protocol.js';

describe('frames from a child', () => {
  it('accepts the frames the runtime sends', () => {
    for (const frame of [
      { t: 'call', id: 0, channel: 'connections:list', input: {} },
      { t: 'ready' },
      { t: 'activate-failed', message: 'boom' },
      { t: 'denied', permission: 'FileSystemRead', resource: '/etc/passwd' },
      { t: 'command-result', id: 3, result: { ok: true, value: { a: [1, 'x', null] } } },
      { t: 'command-result', id: 3, result: { ok: false, error: { code: 'INTERNAL', message: 'x' } } },
    ]) {
      expect(ChildFrame.safeParse(frame).success, JSON.stringify(frame)).toBe(true);
    }
  });

  it('rejects anything else, including a frame that tries to name its sender', () => {
    for (const frame of [
      null,
      'ready',
      [],
      { t: 'hello', permission: true },
      { t: 'call', id: -1, channel: 'x', input: {} },
      { t: 'call', id: 0.5, channel: 'x', input: {} },
      { t: 'call', id: 1, channel: 'x'.repeat(201), input: {} },
      { t: 'call', id: 1, channel: 'connections:list', input: {}, requester: { kind: 'app', id: 'x', displayName: 'x' } },
      { t: 'ready', extensionId: 'someone-else' },
      { t: 'command-result', id: 1, result: { ok: true, value: () => 1 } },
      { t: 'command-result', id: 1, result: { ok: false, error: { code: 'NOPE', message: 'x' } } },
    ]) {
      expect(ChildFrame.safeParse(frame).success, JSON.stringify(frame) ?? String(frame)).toBe(false);
    }
  });
});

describe('frames from the host', () => {
  it('are parsed by the child too', () => {
    expect(HostFrame.safeParse({ t: 'activate', main: 'file:///x/main.js' }).success).toBe(true);
    expect(HostFrame.safeParse({ t: 'result', id: 1, result: { ok: true, value: 1 } }).success).toBe(true);
    expect(HostFrame.safeParse({ t: 'command', id: 1, name: 'x', args: null }).success).toBe(true);
    expect(HostFrame.safeParse({ t: 'command', id: 1, name: 'x' }).success).toBe(false);
    expect(HostFrame.safeParse({ t: 'eval', code: '1' }).success).toBe(false);
  });
});

describe('the frame size limit', () => {
  it('lets the largest request a contract allows cross, escaped at its worst', () => {
    const bodyMax = (HttpFetchRequest.shape.body.unwrap() as unknown as { maxLength: number }).maxLength;
    expect(bodyMax).toBeGreaterThan(0);
    expect(MAX_FRAME_CHARS).toBeGreaterThan(6 * bodyMax + 64 * 1024);
  });
});
