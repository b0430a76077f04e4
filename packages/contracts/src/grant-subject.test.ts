/**
 * A grant (and a consent prompt) is for exactly one thing: a connection or a secret variable. A
 * record naming both could be read by one check as the other's; one naming neither covers nothing
 * anyone could revoke by name. Both are refused by the contract, on the wire and in the store.
 */
import { describe, expect, it } from 'vitest';
import { ConsentPrompt, Grant } from './consent.js';

const base = {
  id: 'g1',
  requester: { kind: 'program', id: 'socket-abc', displayName: 'latchkey run' },
  scopes: ['reveal'],
  kind: 'always',
  createdAt: '2026-11-30T00:00:00.000Z',
  expiresAt: null,
  lastUsedAt: null,
  revokedAt: null,
  target: 'abc',
} as const;

describe('Grant: one connection or one variable', () => {
  it('accepts a connection grant as stored before variables had grants, and a variable grant', () => {
    expect(Grant.safeParse({ ...base, connectionId: 'c1' }).success).toBe(true);
    expect(Grant.safeParse({ ...base, variableKey: 'DEPLOY_TOKEN' }).success).toBe(true);
  });

  it('refuses one naming both, or neither, or a key that is not a variable key', () => {
    expect(Grant.safeParse({ ...base, connectionId: 'c1', variableKey: 'DEPLOY_TOKEN' }).success).toBe(false);
    expect(Grant.safeParse({ ...base }).success).toBe(false);
    expect(Grant.safeParse({ ...base, variableKey: 'conn.x.password' }).success).toBe(false);
  });
});

describe('ConsentPrompt: one connection or one variable', () => {
  const prompt = { promptId: 'p1', requester: base.requester, reason: 'deploy', scopes: [{ scope: 'reveal', description: 'x', warning: true }], deadline: '2026-11-30T00:01:00.000Z' };
  it('names exactly one', () => {
    expect(ConsentPrompt.safeParse({ ...prompt, variable: { key: 'DEPLOY_TOKEN', description: '' } }).success).toBe(true);
    expect(ConsentPrompt.safeParse({ ...prompt, connection: { id: 'c1', name: 'A', providerName: 'B', target: 'C' } }).success).toBe(true);
    expect(ConsentPrompt.safeParse(prompt).success).toBe(false);
    expect(ConsentPrompt.safeParse({ ...prompt, variable: { key: 'K', description: '' }, connection: { id: 'c1', name: 'A', providerName: 'B', target: 'C' } }).success).toBe(false);
  });
});
