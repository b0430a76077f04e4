import { describe, expect, it } from 'vitest';
import { ManualClock, MemoryAuditSink } from '../testing/index.js';
import { AuditService } from './audit-service.js';
import { GENESIS_HASH } from './hash.js';

const ext = { kind: 'extension' as const, id: 'acme', displayName: 'Acme' };

async function filled(n = 5) {
  const sink = new MemoryAuditSink();
  const clock = new ManualClock();
  const audit = new AuditService(sink, clock);
  for (let i = 0; i < n; i++) {
    await audit.record({ type: i % 2 ? 'ref.use' : 'access.request', connectionId: `c${i % 3}`, requester: ext });
    clock.advance(1000);
  }
  return { sink, clock, audit };
}

describe('AuditService', () => {
  it('chains each event to the one before, starting from the genesis hash', async () => {
    const { sink } = await filled(3);
    const events = sink.lines_.map((l) => JSON.parse(l.text) as { seq: number; prevHash: string; hash: string });
    expect(events.map((e) => e.seq)).toEqual([0, 1, 2]);
    expect(events[0]!.prevHash).toBe(GENESIS_HASH);
    expect(events[1]!.prevHash).toBe(events[0]!.hash);
    expect(events[2]!.prevHash).toBe(events[1]!.hash);
  });

  it('verifies an intact chain', async () => {
    const { audit } = await filled(12);
    expect(await audit.verify()).toEqual({ ok: true, events: 12, brokenAt: null, message: 'Verified: 12 events, no gaps' });
  });

  it('reports an altered event, a removed event and a garbage line', async () => {
    const altered = await filled(5);
    altered.sink.lines_[2]!.text = altered.sink.lines_[2]!.text.replace('"ref.use"', '"access.request"').replace('"c2"', '"c0"');
    expect(await altered.audit.verify()).toMatchObject({ ok: false, events: 2, brokenAt: { seq: 2, reason: 'event 2 was altered' } });

    const removed = await filled(5);
    removed.sink.lines_.splice(3, 1);
    expect(await removed.audit.verify()).toMatchObject({ ok: false, brokenAt: { seq: 3, reason: 'event 3 is missing (found 4)' } });

    const garbage = await filled(5);
    garbage.sink.lines_[1]!.text = '{"not json';
    expect(await garbage.audit.verify()).toMatchObject({ ok: false, events: 1, brokenAt: { seq: 1, reason: 'a line is not valid JSON' } });
    expect((await garbage.audit.verify()).message).toBe('Chain broken after 1 events in memory.jsonl: a line is not valid JSON');

    // Rewriting a line and its hash still breaks the next link.
    const forged = await filled(5);
    const e = JSON.parse(forged.sink.lines_[1]!.text) as Record<string, unknown>;
    e['detail'] = 'forged';
    const { hashEvent } = await import('./hash.js');
    e['hash'] = hashEvent(e);
    forged.sink.lines_[1]!.text = JSON.stringify(e);
    expect(await forged.audit.verify()).toMatchObject({ ok: false, brokenAt: { seq: 2, reason: 'event 2 does not link to event 1' } });
  });

  it('continues the chain after a restart from the sink tail', async () => {
    const { sink, clock, audit } = await filled(3);
    await audit.flush();
    const again = new AuditService(sink, clock);
    await again.record({ type: 'grant.revoke' });
    expect(await again.verify()).toMatchObject({ ok: true, events: 4 });
  });

  it('queries by connection, requester, type and time, newest first, with paging', async () => {
    const { audit, clock } = await filled(10);
    const byConn = await audit.list({ connectionId: 'c1' });
    expect(byConn.events.map((e) => e.seq)).toEqual([7, 4, 1]);
    expect((await audit.list({ types: ['ref.use'] })).total).toBe(5);
    expect((await audit.list({ requesterId: 'nobody' })).total).toBe(0);
    const start = clock.now() - 10_000;
    expect((await audit.list({ from: new Date(start + 5000).toISOString() })).events.map((e) => e.seq)).toEqual([9, 8, 7, 6, 5]);
    const p1 = await audit.list({ limit: 4 });
    expect(p1.events.map((e) => e.seq)).toEqual([9, 8, 7, 6]);
    expect(p1.nextBefore).toBe(6);
    const p3 = await audit.list({ limit: 4, before: 2 });
    expect(p3.events.map((e) => e.seq)).toEqual([1, 0]);
    expect(p3.nextBefore).toBeNull();
  });

  it('refuses an event outside its contract instead of writing it', async () => {
    const { audit, sink } = await filled(1);
    expect(() => audit.record({ type: 'secret.peek' as never })).toThrow();
    expect(() => audit.record({ type: 'ref.use', password: 'x' } as never)).toThrow();
    expect(sink.lines_).toHaveLength(1);
  });
});
