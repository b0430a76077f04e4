import { MIN_SECRET_LENGTH, SecretMatcher, secretValues } from './secret-matcher.js';

/**
 * Secret values that left the broker's store through a template or an executor (a password a
 * template put in a URL, a secret variable, an environment override's password). They are masked
 * in every output the broker controls from then on — operation results, errors, audit details, a
 * child's output the CLI relays — not only in the outputs of the connection they came from.
 * Stored secrets are masked anyway (stored-secrets.ts); this also covers values that were never
 * stored, like a `LATCHKEY_CONN_<ID>` URI's password.
 *
 * Bounded (least recently produced first out), so the set cannot grow without end. Values live
 * only in the broker's memory.
 */
const MAX_PRODUCED = 256;

class ProducedSecrets {
  readonly #values = new Set<string>();
  /** Searched by every masker: `maskerFor` and the broker's masker of every stored secret. */
  readonly matcher = new SecretMatcher();

  add(values: Iterable<string>): void {
    for (const v of secretValues(values)) {
      if (v.length < MIN_SECRET_LENGTH) continue;
      if (this.#values.has(v)) {
        // Refreshed: the oldest goes first, not the one in use.
        this.#values.delete(v);
        this.#values.add(v);
        continue;
      }
      this.#values.add(v);
      this.matcher.add(v);
      if (this.#values.size > MAX_PRODUCED) {
        const oldest = this.#values.values().next().value!;
        this.#values.delete(oldest);
        this.matcher.remove(oldest);
      }
    }
  }

  values(): string[] {
    return [...this.#values];
  }
}

/** The one registry: masking is process-wide, like the masker cache it feeds. */
export const producedSecrets = new ProducedSecrets();
