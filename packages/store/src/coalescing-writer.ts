/**
 * Turns many mutations into few writes. Every mutation made before the next macrotask shares one
 * write; a mutation made while a write is running waits for the one after it. Writes never
 * overlap, so two renames of the same file can never race, and each caller's promise settles
 * only when a write that started after its change has finished.
 */
export class CoalescingWriter {
  #waiting: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  #scheduled = false;
  #running: Promise<void> | null = null;
  #writes = 0;

  constructor(private readonly write: () => Promise<void>) {}

  /** How many writes have started; the tests count them. */
  get writes(): number {
    return this.#writes;
  }

  request(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      this.#schedule();
    });
  }

  /** Resolves once nothing is waiting or running. Rejections are left to the callers who asked. */
  async drain(): Promise<void> {
    while (this.#running || this.#scheduled) {
      await (this.#running ?? new Promise<void>((resolve) => setImmediate(resolve)));
    }
  }

  #schedule(): void {
    if (this.#scheduled || this.#running) return;
    this.#scheduled = true;
    // setImmediate rather than a microtask: it also gathers mutations made by promise chains
    // that settle within the current turn (a broker call awaiting two repositories, say).
    setImmediate(() => {
      this.#scheduled = false;
      this.#running = this.#run().finally(() => {
        this.#running = null;
        if (this.#waiting.length) this.#schedule();
      });
    });
  }

  async #run(): Promise<void> {
    const batch = this.#waiting;
    this.#waiting = [];
    this.#writes++;
    try {
      await this.write();
      for (const waiter of batch) waiter.resolve();
    } catch (error) {
      for (const waiter of batch) waiter.reject(error);
    }
  }
}
