/**
 * One run per key at a time: callers that arrive while a run is in flight share its result.
 * 64 operations on an expired token make one refresh request, and a rotated refresh token is
 * never sent twice (the second send would look like replay, and providers revoke the family).
 */
export class SingleFlight<T> {
  readonly #inFlight = new Map<string, Promise<T>>();

  run(key: string, fn: () => Promise<T>): Promise<T> {
    const running = this.#inFlight.get(key);
    if (running) return running;
    const p = fn().finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, p);
    return p;
  }
}
