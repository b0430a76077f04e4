import { describe, expect, it } from 'vitest';
import { ManualClock } from '../testing/index.js';
import { DEFAULT_AUDIT_RATES, RequesterBudget } from './rate-limit.js';

const ext = { kind: 'extension' as const, id: 'acme' };
const takeAll = (budget: RequesterBudget, who = ext) => {
  let n = 0;
  while (budget.take(who)) n++;
  return n;
};

describe('RequesterBudget', () => {
  it('allows a burst, then the per-second rate, per requester', () => {
    const clock = new ManualClock();
    const budget = new RequesterBudget(clock);
    expect(takeAll(budget)).toBe(DEFAULT_AUDIT_RATES.extension.burst);
    expect(budget.has(ext)).toBe(false);
    expect(takeAll(budget, { kind: 'extension', id: 'other' })).toBe(100); // its own budget
    clock.advance(1000);
    expect(takeAll(budget)).toBe(20);
  });

  it('caps a steady flood at the hourly budget, whatever the per-second rate allows', () => {
    const clock = new ManualClock();
    const budget = new RequesterBudget(clock);
    let taken = 0;
    for (let s = 0; s < 3600; s++) {
      taken += takeAll(budget);
      clock.advance(1000);
    }
    // 100 + 20/s for an hour would be 72,100; the hourly bucket allows 3,600 plus its refill.
    expect(taken).toBeLessThanOrEqual(2 * DEFAULT_AUDIT_RATES.extension.perHour);
    expect(taken).toBeGreaterThanOrEqual(DEFAULT_AUDIT_RATES.extension.perHour);
  });

  it("is generous to the app's own window", () => {
    const budget = new RequesterBudget(new ManualClock());
    expect(takeAll(budget, { kind: 'app', id: 'window:main' } as never)).toBe(DEFAULT_AUDIT_RATES.app.burst);
  });
});
