import type { Requester, TemplateReference, Variable, VariableAccessRequestInput, VariableAccessResponse } from '@latchkey/contracts';
import type { Masker } from '../masking/masker.js';
import type { ResolvedConnection } from '../ports.js';

/** A rendered template. `text` holds plaintext secrets where the caller may have them; `masked` never does. */
export interface RenderedTemplate {
  text: string;
  masked: string;
  references: TemplateReference[];
}

/**
 * Trusted code inside the broker's process (a host app's workflow nodes), named by the host app
 * when it wires it: every use is audited as this executor and counts toward "Used by".
 */
export interface Executor {
  readonly requester: Requester;
  /** The connection (by id or name) decrypted, the environment's override applied. */
  resolveConnection(idOrName: string): Promise<ResolvedConnection>;
  /** Renders `{{ conn.… }}` / `{{ var.… }}` with every field and variable, secret ones included. */
  renderTemplate(template: string): Promise<RenderedTemplate>;
}

/** The broker's API for programs (issue 12). The app's window reaches it through `variables:*` and `templates:preview`. */
export interface ProgramsApi {
  /**
   * Renders a template for a requester (an extension, an agent, the CLI — identity from the channel
   * it came on): a connection only through its active grant, secret fields only with `reveal`, a
   * secret variable only through a grant for that variable and its current value (see
   * `requestVariableAccess`); each secret that leaves is audited as a reveal. A missing reference
   * is NOT_FOUND naming it (`issues[0].path` is the expression).
   */
  renderTemplate(template: string, requester: Requester): Promise<RenderedTemplate>;
  /**
   * Asks the person (the consent modal) to reveal one secret variable to this requester. A yes is a
   * grant (once, or for a duration) bound to the variable's current value; deny, timeout or a
   * closed window is a refusal, audited. The requester is the caller's issued identity.
   */
  requestVariableAccess(input: VariableAccessRequestInput, requester: Requester): Promise<VariableAccessResponse>;
  /** Names an in-process executor; call once per executor at wiring. */
  executor(name: string): Executor;
  /**
   * The masker over every secret a template or an executor produced so far (and that later ones
   * produce: ask again per output, it is cached). For output the host relays, e.g. a child's stdout.
   */
  masker(): Masker;
  /** Variables as the app lists them (secret values never included). */
  listVariables(): Variable[];
}
