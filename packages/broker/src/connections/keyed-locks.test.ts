import { describe, expect, it } from 'vitest';
import { KeyedLocks } from './keyed-locks.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('KeyedLocks', () => {
  it('runs steps on the same key one after another, in call order', async () => {
    const locks = new KeyedLocks();
    const order: string[] = [];
    let open!: () => void;
    const first = locks.run(['conn:a'], async () => {
      order.push('first starts');
      await new Promise<void>((resolve) => (open = resolve));
      order.push('first ends');
    });
    const second = locks.run(['conn:a'], async () => void order.push('second'));
    await tick();
    expect(order).toEqual(['first starts']);
    open();
    await Promise.all([first, second]);
    expect(order).toEqual(['first starts', 'first ends', 'second']);
    expect(locks.size).toBe(0);
  });

  it('lets steps on other keys run meanwhile, and a step on two keys waits for both', async () => {
    const locks = new KeyedLocks();
    const order: string[] = [];
    let open!: () => void;
    const slow = locks.run(['conn:a'], () => new Promise<void>((resolve) => (open = resolve)));
    await locks.run(['conn:b'], async () => void order.push('b ran while a was held'));
    const both = locks.run(['conn:b', 'conn:a'], async () => void order.push('a and b'));
    await tick();
    expect(order).toEqual(['b ran while a was held']);
    open();
    await Promise.all([slow, both]);
    expect(order).toEqual(['b ran while a was held', 'a and b']);
  });

  it('a step that fails releases its keys', async () => {
    const locks = new KeyedLocks();
    await expect(locks.run(['k'], () => Promise.reject(new Error('disk full')))).rejects.toThrow('disk full');
    expect(await locks.run(['k'], async () => 'next')).toBe('next');
    expect(locks.size).toBe(0);
  });
});
