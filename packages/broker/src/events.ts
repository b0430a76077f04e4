import type { EventName, EventPayload } from './types.js';

type Listener = (payload: never) => void;

/** A small typed emitter; a throwing listener must not break the broker's own flow. */
export class BrokerEvents {
  readonly #listeners = new Map<EventName, Set<Listener>>();

  on<K extends EventName>(event: K, listener: (payload: EventPayload<K>) => void): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener as Listener);
    return () => set.delete(listener as Listener);
  }

  emit<K extends EventName>(event: K, payload: EventPayload<K>): void {
    for (const l of this.#listeners.get(event) ?? []) {
      try {
        (l as (p: EventPayload<K>) => void)(payload);
      } catch {
        // A subscriber's failure is its own; the broker carries on.
      }
    }
  }
}
