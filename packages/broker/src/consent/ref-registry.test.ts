/**
 * RefRegistry, as rules: a SecretRef is an unguessable token bound to one requester, one
 * connection, the connection's target, a set of scopes and an expiry. It lives in memory only.
 */
import type { Requester, Scope } from '@latchkey/contracts';
import { describe, expect, it } from 'vitest';
import { MAX_LIVE_REFS_PER_REQUESTER, RefRegistry, requesterKey, type RefRecord } from './ref-registry.js';

const alice: Requester = { kind: 'extension', id: 'alice.ext', displayName: 'Alice' };
const mallory: Requester = { kind: 'extension', id: 'mallory.ext', displayName: 'Mallory' };
const T0 = 1_000_000;
const HOUR = 3_600_000;

function record(over: Partial<RefRecord> = {}): RefRecord {
  return {
    grantId: 'grant-1',
    requesterKey: requesterKey(alice),
    connectionId: 'conn-1',
    target: 'target-digest-1',
    scopes: new Set<Scope>(['http.fetch']),
    expiresAt: T0 + HOUR,
    ...over,
  };
}

const denied = (message: RegExp | string) => expect.objectContaining({ code: 'DENIED', message: expect.stringMatching(message) });

describe('RefRegistry', () => {
  describe('issuing', () => {
    it('hands out refs of the form lkref_ + 32 unguessable characters, different every time', () => {
      const reg = new RefRegistry();
      const refs = new Set(Array.from({ length: 50 }, (_, i) => reg.issue(record({ grantId: `g${i}`, usesLeft: 1 }), T0).ref));
      expect(refs.size).toBe(50);
      for (const r of refs) expect(r).toMatch(/^lkref_[A-Za-z0-9_-]{32}$/);
    });

    it('records the requester, connection, target, scopes and expiry the ref is bound to', () => {
      const reg = new RefRegistry();
      const { ref, expiresAt } = reg.issue(record({ scopes: new Set<Scope>(['http.fetch', 'reveal']) }), T0);
      expect(expiresAt).toBe(T0 + HOUR);
      expect(reg.peek(ref)).toMatchObject({ requesterKey: 'extension:alice.ext', connectionId: 'conn-1', target: 'target-digest-1', expiresAt: T0 + HOUR });
      expect([...reg.peek(ref)!.scopes].sort()).toEqual(['http.fetch', 'reveal']);
    });

    it('under an unlimited grant, reuses the live ref while it has at least half a new ref\'s life left', () => {
      const reg = new RefRegistry();
      const first = reg.issue(record(), T0);
      expect(reg.issue(record({ expiresAt: T0 + HOUR / 4 + HOUR }), T0 + HOUR / 4).ref).toBe(first.ref);
      // Later, the old ref has less than half of a fresh ref's life: a new one is issued.
      const late = T0 + (3 * HOUR) / 4;
      expect(reg.issue(record({ expiresAt: late + HOUR }), late).ref).not.toBe(first.ref);
    });

    it('does not reuse a ref of another grant, target or scope set', () => {
      const reg = new RefRegistry();
      const first = reg.issue(record(), T0).ref;
      expect(reg.issue(record({ grantId: 'grant-2' }), T0).ref).not.toBe(first);
      expect(reg.issue(record({ target: 'target-digest-2' }), T0).ref).not.toBe(first);
      expect(reg.issue(record({ scopes: new Set<Scope>(['http.fetch', 'reveal']) }), T0).ref).not.toBe(first);
    });

    it('never reuses a one-use ref', () => {
      const reg = new RefRegistry();
      const a = reg.issue(record({ usesLeft: 1 }), T0).ref;
      expect(reg.issue(record({ usesLeft: 1 }), T0).ref).not.toBe(a);
    });
  });

  describe('checking a presented ref', () => {
    it('accepts the ref for its own requester and a scope it carries, and returns its record', () => {
      const reg = new RefRegistry();
      const { ref } = reg.issue(record(), T0);
      expect(reg.check(ref, alice, 'http.fetch', T0 + 1)).toMatchObject({ connectionId: 'conn-1', grantId: 'grant-1' });
    });

    it('gives the same message for an unknown ref and for someone else\'s, so refs cannot be probed', () => {
      const reg = new RefRegistry();
      const { ref } = reg.issue(record(), T0);
      let foreign: unknown;
      let unknown: unknown;
      try { reg.check(ref, mallory, 'http.fetch', T0); } catch (e) { foreign = e; }
      try { reg.check('lkref_' + 'A'.repeat(32), mallory, 'http.fetch', T0); } catch (e) { unknown = e; }
      expect(foreign).toEqual(denied('This SecretRef is not valid for you'));
      expect(unknown).toEqual(denied('This SecretRef is not valid for you'));
      expect((foreign as Error).message).toBe((unknown as Error).message);
      // Mallory's attempt did not spend or remove Alice's ref.
      expect(reg.check(ref, alice, 'http.fetch', T0)).toBeDefined();
    });

    it('refuses a requester with the same id but another kind', () => {
      const reg = new RefRegistry();
      const { ref } = reg.issue(record(), T0);
      expect(() => reg.check(ref, { ...alice, kind: 'app' }, 'http.fetch', T0)).toThrow('This SecretRef is not valid for you');
    });

    it('refuses a scope the ref does not carry', () => {
      const reg = new RefRegistry();
      const { ref } = reg.issue(record(), T0);
      expect(() => reg.check(ref, alice, 'reveal', T0)).toThrow(denied('does not allow reveal'));
    });

    it('refuses an expired ref from the instant of expiry, and forgets it', () => {
      const reg = new RefRegistry();
      const { ref } = reg.issue(record(), T0);
      expect(() => reg.check(ref, alice, 'http.fetch', T0 + HOUR)).toThrow(denied('expired'));
      expect(reg.peek(ref)).toBeUndefined();
    });

    it('lets a one-use ref be used once; the second use is told it was used', () => {
      const reg = new RefRegistry();
      const { ref } = reg.issue(record({ usesLeft: 1 }), T0);
      reg.check(ref, alice, 'http.fetch', T0);
      expect(() => reg.check(ref, alice, 'http.fetch', T0)).toThrow(denied('for one use and has been used'));
    });

    it('does not spend a one-use ref on a refused check (wrong scope)', () => {
      const reg = new RefRegistry();
      const { ref } = reg.issue(record({ usesLeft: 1 }), T0);
      expect(() => reg.check(ref, alice, 'reveal', T0)).toThrow();
      expect(reg.check(ref, alice, 'http.fetch', T0)).toBeDefined();
    });

    it('lets an unlimited ref be used any number of times until it expires', () => {
      const reg = new RefRegistry();
      const { ref } = reg.issue(record(), T0);
      for (let i = 0; i < 10; i++) reg.check(ref, alice, 'http.fetch', T0 + i);
      expect(reg.peek(ref)?.usesLeft).toBeUndefined();
    });
  });

  describe('revoking', () => {
    it('revoking a grant kills every ref issued under it, and only those', () => {
      const reg = new RefRegistry();
      const a = reg.issue(record({ usesLeft: 1 }), T0).ref;
      const b = reg.issue(record({ usesLeft: 1 }), T0).ref;
      const other = reg.issue(record({ grantId: 'grant-2' }), T0).ref;
      expect(reg.revokeGrant('grant-1')).toBe(2);
      for (const r of [a, b]) expect(() => reg.check(r, alice, 'http.fetch', T0)).toThrow('This SecretRef is not valid for you');
      expect(reg.check(other, alice, 'http.fetch', T0)).toBeDefined();
    });

    it('revoking a connection kills every ref for it, whatever the grant, and only those', () => {
      const reg = new RefRegistry();
      const a = reg.issue(record(), T0).ref;
      const b = reg.issue(record({ grantId: 'grant-2' }), T0).ref;
      const other = reg.issue(record({ grantId: 'grant-3', connectionId: 'conn-2' }), T0).ref;
      reg.revokeConnection('conn-1');
      for (const r of [a, b]) expect(() => reg.check(r, alice, 'http.fetch', T0)).toThrow('This SecretRef is not valid for you');
      expect(reg.check(other, alice, 'http.fetch', T0)).toBeDefined();
    });
  });

  describe('the cap on live refs', () => {
    it(`past ${MAX_LIVE_REFS_PER_REQUESTER} live refs the requester is answered BUSY, and no ref already handed out is retired`, () => {
      const reg = new RefRegistry();
      const refs = Array.from({ length: MAX_LIVE_REFS_PER_REQUESTER }, () => reg.issue(record({ usesLeft: 1 }), T0).ref);
      expect(() => reg.assertRoom(requesterKey(alice), T0)).toThrow(expect.objectContaining({ code: 'BUSY' }));
      expect(() => reg.issue(record({ usesLeft: 1 }), T0)).toThrow(expect.objectContaining({ code: 'BUSY', message: expect.stringMatching(/Too many open SecretRefs/) }));
      for (const r of refs) expect(reg.check(r, alice, 'http.fetch', T0)).toBeDefined();
    });

    it('counts each requester on its own', () => {
      const reg = new RefRegistry();
      for (let i = 0; i < MAX_LIVE_REFS_PER_REQUESTER; i++) reg.issue(record({ usesLeft: 1 }), T0);
      expect(() => reg.assertRoom(requesterKey(mallory), T0)).not.toThrow();
      expect(reg.issue(record({ usesLeft: 1, requesterKey: requesterKey(mallory) }), T0).ref).toMatch(/^lkref_/);
    });

    it('spent one-use refs and expired refs free their place', () => {
      const reg = new RefRegistry();
      const key = requesterKey(alice);
      const refs = Array.from({ length: MAX_LIVE_REFS_PER_REQUESTER }, () => reg.issue(record({ usesLeft: 1 }), T0).ref);
      reg.check(refs[0]!, alice, 'http.fetch', T0);
      expect(reg.liveCount(key, T0)).toBe(MAX_LIVE_REFS_PER_REQUESTER - 1);
      expect(() => reg.assertRoom(key, T0)).not.toThrow();
      expect(reg.liveCount(key, T0 + HOUR)).toBe(0);
      expect(() => reg.assertRoom(key, T0 + HOUR)).not.toThrow();
    });
  });
});
