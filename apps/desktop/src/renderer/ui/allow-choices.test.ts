import { GRANT_DURATION_MS, GrantDuration } from '@latchkey/contracts';
import { describe, expect, it } from 'vitest';
import { ALLOW_CHOICES, allowChoice, decisionFor, DEFAULT_ALLOW_CHOICE, grantLifetimeLabel } from './allow-choices';

const created = '2026-01-01T00:00:00.000Z';
const after = (ms: number) => new Date(Date.parse(created) + ms).toISOString();

describe('allow choices: one control, one meaning', () => {
  it('"Once" is the default, and every grant duration of the contract is offered exactly once', () => {
    expect(DEFAULT_ALLOW_CHOICE).toBe('once');
    expect(ALLOW_CHOICES[0]?.value).toBe('once');
    expect(ALLOW_CHOICES.map((c) => c.value).slice(1)).toEqual(GrantDuration.options);
  });

  it('the button says what the choice does, and no label speaks of "always"', () => {
    expect(ALLOW_CHOICES.map((c) => c.action)).toEqual(['Allow once', 'Allow for 1 hour', 'Allow for 1 day', 'Allow for 30 days', 'Allow until I revoke it']);
    for (const c of ALLOW_CHOICES) expect(`${c.label} ${c.action}`).not.toMatch(/always/i);
  });

  it('maps each choice onto the unchanged wire contract', () => {
    expect(decisionFor('once')).toEqual({ decision: 'once' });
    expect(decisionFor('1h')).toEqual({ decision: 'always', duration: '1h' });
    expect(decisionFor('forever')).toEqual({ decision: 'always', duration: 'forever' });
  });

  it('reads a grant back in the words it was chosen with', () => {
    expect(grantLifetimeLabel({ kind: 'once', createdAt: created, expiresAt: after(60_000) })).toBe('Once');
    expect(grantLifetimeLabel({ kind: 'always', createdAt: created, expiresAt: null })).toBe(allowChoice('forever').label);
    for (const d of ['1h', '1d', '30d'] as const) {
      expect(grantLifetimeLabel({ kind: 'always', createdAt: created, expiresAt: after(GRANT_DURATION_MS[d]! + 5) })).toBe(allowChoice(d).label);
    }
    // A lifetime no choice gives (an older grant, another client) is not passed off as one.
    expect(grantLifetimeLabel({ kind: 'always', createdAt: created, expiresAt: after(7 * 3_600_000) })).toBe('For a set time');
  });
});
