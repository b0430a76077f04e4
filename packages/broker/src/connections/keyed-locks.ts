/**
 * Runs read-modify-write steps one after another per key. Memory changes only once a write is
 * durable, so a second change computed while the first is still being written would start from
 * the old record and overwrite the first (a lost update: seen as a delete undone by a concurrent
 * rename in the kill -9 torture test). Each run takes its place on all its keys at once, before it
 * waits, so waits follow call order and cannot form a cycle.
 */
export class KeyedLocks {
  readonly #tails = new Map<string, Promise<void>>();

  async run<T>(keys: readonly string[], step: () => Promise<T>): Promise<T> {
    const unique = [...new Set(keys)];
    const before = unique.map((key) => this.#tails.get(key));
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    for (const key of unique) this.#tails.set(key, done);
    try {
      await Promise.all(before);
      return await step();
    } finally {
      release();
      for (const key of unique) if (this.#tails.get(key) === done) this.#tails.delete(key);
    }
  }

  /** Keys held or waited on now; empty when nothing runs (no growth with the number of calls). */
  get size(): number {
    return this.#tails.size;
  }
}
