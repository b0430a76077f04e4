/**
 * The audit budget against live work (issue 10 against issue 15 item 5): routine uses of a ref
 * are coalesced, so they write a bounded number of lines whatever their number and the count is
 * still in the log; a call that must write and finds the bucket empty waits for a token (bounded
 * in number and time) instead of being refused at once; refusals are not queued.
 */
import { appChannels, createDispatcher, extensionChannels, LatchkeyError, type Requester } from '@latchkey/contracts';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startLoopbackServer, type LoopbackServer } from '../testing/loopback-server.js';
import { ManualClock, MemoryAuditSink, ScriptedPrompter, createTestBroker } from '../testing/index.js';
import { AuditService, COALESCE_WINDOW_MS } from './audit-service.js';
import { DEFAULT_AUDIT_RATES, MAX_WAIT_MS, MAX_WAITING_PER_REQUESTER } from './rate-limit.js';

const app: Requester = { kind: 'app', id: 'renderer', displayName: 'Latchkey' };
const ext: Requester = { kind: 'extension', id: 'busy.ext', displayName: 'Busy' };
const events = (sink: MemoryAuditSink) => sink.lines_.map((l) => JSON.parse(l.text) as { type: string; detail?: string; requester?: Requester; grantId?: string });

let upstream: LoopbackServer;
let baseUrl: string;
beforeAll(async () => {
  upstream = await startLoopbackServer((_req, res) => void res.writeHead(200).end('{}'));
  baseUrl = upstream.url;
});
afterAll(() => upstream.close());
afterEach(() => void vi.useRealTimers());

async function grantedRef() {
  const t = createTestBroker({ prompter: new ScriptedPrompter(() => ({ decision: 'always', duration: '1h' })) });
  const created = await createDispatcher(appChannels, t.broker.app)('connections:create', { providerId: 'http', name: 'API', config: { baseUrl, authType: 'bearer' }, secrets: { token: 'tok' } }, { requester: app });
  if (!created.ok) throw new Error(created.error.message);
  const connectionId = (created.value as { id: string }).id;
  const call = createDispatcher(extensionChannels, t.broker.extension);
  const granted = await call('secrets:requestAccess', { connectionId, reason: 'sync', scopes: ['http.fetch'] }, { requester: ext });
  if (!granted.ok) throw new Error(granted.error.message);
  return { ...t, call, connectionId, ref: (granted.value as { secretRef: string }).secretRef };
}

describe('coalesced routine events', () => {
  it('20,000 uses of one ref, 64 in flight, write a bounded number of lines, refuse none, and the count is in the log after close', async () => {
    const t = await grantedRef();
    await t.broker.internals.audit.flush();
    const before = t.mem.audit.lines_.length;
    let refused = 0;
    const started = performance.now();
    for (let done = 0; done < 20_000; done += 64) {
      const batch = Array.from({ length: Math.min(64, 20_000 - done) }, () => t.broker.internals.operations.resolve(ext, t.ref, 'http.fetch').catch(() => void refused++));
      await Promise.all(batch);
    }
    const perSecond = Math.round(20_000 / ((performance.now() - started) / 1000));
    console.warn(`coalesced uses: ${perSecond.toLocaleString('en-US')} resolves/s, 64 in flight`);
    expect(refused).toBe(0);
    await t.broker.internals.audit.flush();
    // One durable use record for the window, whatever the number of uses.
    const uses = events(t.mem.audit).slice(before).filter((e) => e.type === 'ref.use');
    expect(uses).toHaveLength(1);
    expect(t.mem.audit.lines_.length - before).toBeLessThanOrEqual(2);

    // The next use after the window writes again, carrying the count of the window before.
    t.clock.advance(COALESCE_WINDOW_MS);
    await t.broker.internals.operations.resolve(ext, t.ref, 'http.fetch');
    for (let i = 0; i < 5; i++) await t.broker.internals.operations.resolve(ext, t.ref, 'http.fetch');
    await t.broker.internals.audit.flush();
    expect(events(t.mem.audit).filter((e) => e.type === 'ref.use').at(-1)?.detail).toMatch(/19,999 more uses since 2026-/);

    // …and close writes what the current window counted.
    await t.broker.close();
    const last = events(t.mem.audit).filter((e) => e.type === 'ref.use').at(-1)!;
    expect(last.detail).toMatch(/^5 more uses since /);
    expect(last.requester).toEqual(ext);
    expect(t.mem.audit.lines_.length - before).toBeLessThanOrEqual(5);
    expect(await t.broker.internals.audit.verify()).toMatchObject({ ok: true });
  });

  it('an always-grant answering the same requester again writes one access event per window, counted', async () => {
    const t = await grantedRef();
    await t.broker.internals.audit.flush();
    const before = t.mem.audit.lines_.length;
    const answers = await Promise.all(Array.from({ length: 500 }, () => t.call('secrets:requestAccess', { connectionId: t.connectionId, reason: 'sync', scopes: ['http.fetch'] }, { requester: ext })));
    expect(answers.filter((a) => !a.ok)).toEqual([]);
    await t.broker.close();
    const written = events(t.mem.audit).slice(before);
    expect(written.filter((e) => e.type === 'access.grant').map((e) => e.detail)).toEqual([expect.stringMatching(/^existing grant/), expect.stringMatching(/^499 more requests answered by this grant since /)]);
    expect(written.filter((e) => e.type === 'access.request')).toEqual([]);
  });

  it('a failed first record fails the uses waiting on it and counts none of them', async () => {
    const t = await grantedRef();
    await t.broker.internals.audit.flush();
    t.mem.audit.failWith = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => t.broker.internals.operations.resolve(ext, t.ref, 'http.fetch')));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    t.mem.audit.failWith = null;
    await t.broker.internals.operations.resolve(ext, t.ref, 'http.fetch');
    await t.broker.close();
    const uses = events(t.mem.audit).filter((e) => e.type === 'ref.use');
    expect(uses).toHaveLength(1);
    expect(uses[0]!.detail).toBeUndefined();
  });
});

describe('waiting for a token (fake timers)', () => {
  const rates = { ...DEFAULT_AUDIT_RATES, extension: { perSecond: 1, burst: 1, perHour: 3_600 } };

  it('a routine event past the burst waits for the next token instead of being refused', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const sink = new MemoryAuditSink();
    const audit = new AuditService(sink, new ManualClock(), { rates });
    await audit.record({ type: 'ref.use', connectionId: 'c', requester: ext });
    let settled = false;
    const waiting = audit.record({ type: 'ref.use', connectionId: 'c', requester: ext }).then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(900);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    await waiting;
    expect(settled).toBe(true);
    expect(events(sink).map((e) => e.type)).toEqual(['ref.use', 'ref.use']);
  });

  it(`waits at most ${MAX_WAIT_MS} ms and queues at most ${MAX_WAITING_PER_REQUESTER} calls per requester; then RATE_LIMITED and one summary`, async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const sink = new MemoryAuditSink();
    const audit = new AuditService(sink, new ManualClock(), { rates });
    await audit.record({ type: 'ref.use', connectionId: 'c', requester: ext });
    const outcomes = Array.from({ length: MAX_WAITING_PER_REQUESTER + 1 }, () =>
      audit.record({ type: 'ref.use', connectionId: 'c', requester: ext }).then(
        () => 'ok',
        (error: unknown) => (error instanceof LatchkeyError ? error.code : 'other'),
      ),
    );
    // The one past the queue is refused at once.
    await vi.advanceTimersByTimeAsync(0);
    expect(await outcomes.at(-1)).toBe('RATE_LIMITED');
    await vi.advanceTimersByTimeAsync(MAX_WAIT_MS + 1_000);
    const codes = await Promise.all(outcomes.slice(0, -1));
    // One token a second for five seconds: the first four or five get through, the rest are refused.
    expect(codes.filter((c) => c === 'ok').length).toBeGreaterThanOrEqual(4);
    expect(codes.filter((c) => c === 'ok').length).toBeLessThanOrEqual(5);
    expect(codes.filter((c) => c !== 'ok').every((c) => c === 'RATE_LIMITED')).toBe(true);
    expect(events(sink).filter((e) => e.type === 'audit.throttled')).toHaveLength(1);
  });

  it('a refusal is not queued: past the burst it is counted into the summary and refused at once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const sink = new MemoryAuditSink();
    const audit = new AuditService(sink, new ManualClock(), { rates });
    await audit.record({ type: 'ref.refused', outcome: 'denied', requester: ext, scopes: ['http.fetch'] });
    for (let i = 0; i < 1000; i++) await expect(audit.record({ type: 'ref.refused', outcome: 'denied', requester: ext, scopes: ['http.fetch'] })).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await audit.close();
    const mine = events(sink);
    expect(mine.filter((e) => e.type === 'ref.refused')).toHaveLength(1);
    // The opening note, and at close the final count per reason.
    expect(mine.filter((e) => e.type === 'audit.throttled').at(-1)?.detail).toMatch(/1,000 × ref\.refused/);
  });
});
