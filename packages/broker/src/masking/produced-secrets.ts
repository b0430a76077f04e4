import { SecretMatcher, secretValues } from './masker.js';

/**
 * Secret values that left the broker through a template or an executor and are not (or not only)
 * stored: a `LATCHKEY_CONN_` URI's password, a `LATCHKEY_VAR_` value standing in for a secret
 * variable. They are masked in every output the broker controls from then on — operation results,
 * errors, test messages, a child's output the CLI relays — like every stored secret
 * (`StoredSecretsMasking.maskerFor` folds this matcher in).
 *
 * Bounded (least recently produced first out): its needles are searched on every output, so an
 * unbounded set would slow each operation. Values live only in the broker's memory.
 */
const MAX_PRODUCED = 256;

class ProducedSecrets {
  readonly matcher = new SecretMatcher();
  readonly #values = new Set<string>();

  /** Registers values (each split as the masker splits secrets: a JSON secret's members too). */
  add(values: Iterable<string>): void {
    for (const v of secretValues(values)) {
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
}

/** The one registry: masking is process-wide, like the masker cache beside it. */
export const producedSecrets = new ProducedSecrets();
