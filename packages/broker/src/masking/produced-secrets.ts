/**
 * Secret values that left the broker's store through a template or an executor (a password a
 * template put in a URL, a secret variable). They are masked in every output the broker controls
 * from then on — operation results, errors, audit details, a child's output the CLI relays — not
 * only in the outputs of the connection they came from. `maskerFor` folds them in.
 *
 * Bounded (least recently produced first out): the needles are compiled into every masker, so an
 * unbounded set would slow each operation. Values live only in the broker's memory.
 */
const MAX_PRODUCED = 256;

class ProducedSecrets {
  readonly #values = new Set<string>();
  #generation = 0;

  /** Registers values; bumps the generation (maskers rebuild) only when one is new. */
  add(values: Iterable<string>): void {
    let changed = false;
    for (const v of values) {
      // Shorter than the masker's minimum: it would not be masked anyway (masker.ts, MIN_SECRET_LENGTH).
      if (v.length < 4) continue;
      if (this.#values.has(v)) {
        // Refreshed: the oldest goes first, not the one in use.
        this.#values.delete(v);
        this.#values.add(v);
        continue;
      }
      this.#values.add(v);
      changed = true;
      if (this.#values.size > MAX_PRODUCED) this.#values.delete(this.#values.values().next().value!);
    }
    if (changed) this.#generation++;
  }

  values(): string[] {
    return [...this.#values];
  }

  /** Changes whenever a new value is registered (a masker cache key). */
  get generation(): number {
    return this.#generation;
  }
}

/** The one registry: masking is process-wide, like the masker cache it feeds. */
export const producedSecrets = new ProducedSecrets();
