import { maskerOf, matcherFor, type Masker } from './masker.js';
import { producedSecrets } from './produced-secrets.js';
import { SecretMatcher, secretValues } from './secret-matcher.js';

/**
 * Every stored secret, for masking (DESIGN.md, invariant 1): a peer reached through one
 * connection may answer with another's secret — a reused password, a tool that reads files or
 * environments — so what any peer sends back is masked for all of them, not only for the secrets
 * of the connection it came through.
 *
 * The plaintexts stay in the broker's memory for its lifetime, as the needles must; they never
 * leave it (invariant 1 is about where plaintext goes, and the broker is where it lives).
 */
export class StoredSecretsMasking {
  readonly #matcher = new SecretMatcher();
  /** What each stored blob added, to take exactly that out again when it is dropped. */
  readonly #byId = new Map<string, string[]>();
  #loaded = false;

  /** `loadAll` decrypts what is stored (nothing when there is no usable key), once, on first use. */
  constructor(private readonly loadAll: () => Iterable<readonly [string, string]>) {}

  /** A secret now stored under `id`: masked from now on. */
  add(id: string, plaintext: string): void {
    if (this.#byId.has(id)) return;
    const values = secretValues([plaintext]);
    this.#byId.set(id, values);
    for (const v of values) this.#matcher.add(v);
  }

  /** A blob dropped from the store: its values are no longer masked (unless another secret holds them too). */
  drop(id: string): void {
    const values = this.#byId.get(id);
    if (!values) return;
    this.#byId.delete(id);
    for (const v of values) this.#matcher.remove(v);
  }

  /** The store changed beneath (a file restored, another key): read everything again on next use. */
  reset(): void {
    for (const id of [...this.#byId.keys()]) this.drop(id);
    this.#loaded = false;
  }

  /** The masker for what comes back through one connection: every stored secret, that connection's own (a draft's are not stored) and every produced one. */
  maskerFor(own: Readonly<Record<string, string>>): Masker {
    if (!this.#loaded) {
      this.#loaded = true;
      for (const [id, value] of this.loadAll()) this.add(id, value);
    }
    return maskerOf([this.#matcher, matcherFor(own), producedSecrets.matcher]);
  }
}
