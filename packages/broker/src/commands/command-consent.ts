import type { AuditService } from '../audit/audit-service.js';
import type { Cipher, CommandApprover, CommandLine, ConnectionRepository, ResolvedConnection, SecretStore } from '../ports.js';
import { TransportError } from '../ports.js';
import { commandKey, displayCommandLine } from './command-key.js';

/** Where the approved command lines are kept: one cipher blob in the secret store, beside the secrets. */
export const APPROVED_COMMANDS_ID = 'command-approvals';
/** Oldest approvals drop first beyond this many. */
const MAX_APPROVALS = 500;

export interface CommandConsentDeps {
  cipher: Cipher;
  secrets: SecretStore;
  connections: ConnectionRepository;
  audit: AuditService;
  /** Null: nobody can approve, so no command line starts (fail closed). */
  approver: CommandApprover | null;
  /**
   * Whether the cipher holds the key the store was saved with. Under no key or another key the
   * stored list cannot be read, and must not be written over (it would be lost under that key).
   */
  keyOpensStore: () => boolean;
  timeoutMs: number;
}

/**
 * Starting a local command line is a consent the broker owns (DESIGN.md, invariant 4): a
 * transport asks `gate` before it starts a process; a command line the person has not approved
 * before is put to them through the approver, which the page cannot answer on its own. Timeout,
 * shutdown or any failure → no. Every answer is audited.
 *
 * Approvals are kept encrypted (a cipher blob in the secret store), so neither a reader of the
 * data folder learns digests of environment values nor a writer of it can add an approval. With
 * no cipher they last for this run only.
 */
export class CommandConsent {
  #approved: string[] | null = null;
  readonly #asking = new Map<string, Promise<boolean>>();
  readonly #open = new Set<AbortController>();

  constructor(private readonly d: CommandConsentDeps) {}

  readonly gate = async (connection: ResolvedConnection, line: CommandLine): Promise<void> => {
    const key = commandKey(line);
    if (this.#approvals().includes(key)) return;
    // The same command line asked twice at once (a test and a tool call) is one question.
    let asking = this.#asking.get(key);
    if (!asking) {
      asking = this.#ask(connection, line, key).finally(() => this.#asking.delete(key));
      this.#asking.set(key, asking);
    }
    if (!(await asking)) {
      throw new TransportError('refused', `Latchkey did not start \`${clip(displayCommandLine(line), 200)}\`: the command line was not approved`);
    }
  };

  /** Denies every open question (last window closed, app quitting). */
  abortAll(reason: string): void {
    for (const c of [...this.#open]) c.abort(new Error(reason));
  }

  async #ask(connection: ResolvedConnection, line: CommandLine, key: string): Promise<boolean> {
    const saved = this.d.connections.get(connection.id);
    const controller = new AbortController();
    this.#open.add(controller);
    const timer = setTimeout(() => controller.abort(new Error('timed out')), this.d.timeoutMs);
    // Raced against the signal: an approver that ignores it (a dialog that never returns) still ends in no.
    const aborted = new Promise<false>((resolve) => controller.signal.addEventListener('abort', () => resolve(false), { once: true }));
    let approved: boolean;
    try {
      const request = {
        command: line.command,
        args: [...line.args],
        envNames: Object.keys(line.env).sort(),
        ...(line.cwd ? { cwd: line.cwd } : {}),
        connectionName: saved?.name ?? 'A new connection (not saved yet)',
      };
      const answer = this.d.approver ? Promise.resolve(this.d.approver.approve(request, controller.signal)) : Promise.resolve(false);
      approved = (await Promise.race([answer, aborted])) === true && !controller.signal.aborted;
    } catch {
      approved = false;
    } finally {
      clearTimeout(timer);
      this.#open.delete(controller);
    }
    const why = approved ? 'approved' : controller.signal.aborted ? `not approved (${String((controller.signal.reason as Error)?.message ?? 'aborted')})` : 'not approved';
    // No audit, no process: a failed audit write refuses the start.
    await this.d.audit.record({
      type: approved ? 'command.approve' : 'command.deny',
      outcome: approved ? 'ok' : 'denied',
      ...(saved ? { connectionId: saved.id } : {}),
      detail: clip(`${why}: ${displayCommandLine(line)}${Object.keys(line.env).length ? ` (environment: ${Object.keys(line.env).sort().join(', ')})` : ''}`, 1000),
    });
    if (approved) await this.#remember(key);
    return approved;
  }

  #approvals(): string[] {
    if (this.#approved) return this.#approved;
    this.#approved = [];
    const blob = this.d.secrets.get(APPROVED_COMMANDS_ID);
    if (blob && this.d.keyOpensStore()) {
      try {
        const parsed: unknown = JSON.parse(this.d.cipher.decrypt(blob));
        if (Array.isArray(parsed)) this.#approved = parsed.filter((k): k is string => typeof k === 'string').slice(-MAX_APPROVALS);
      } catch {
        // Another key or a damaged blob: nothing is approved, and the person is asked again.
      }
    }
    return this.#approved;
  }

  async #remember(key: string): Promise<void> {
    const next = [...this.#approvals().filter((k) => k !== key), key].slice(-MAX_APPROVALS);
    // Without the store's key the approval lasts for this run (and is saved by reopen()).
    if (this.d.keyOpensStore()) await this.d.secrets.put(APPROVED_COMMANDS_ID, this.d.cipher.encrypt(JSON.stringify(next)));
    this.#approved = next;
  }

  /**
   * The master key was restored while running: the stored list is read again, and approvals given
   * meanwhile (kept in memory) are added to it and saved.
   */
  async reopen(): Promise<void> {
    const meanwhile = this.#approved ?? [];
    this.#approved = null;
    const stored = this.#approvals();
    const added = meanwhile.filter((k) => !stored.includes(k));
    if (!added.length) return;
    const next = [...stored, ...added].slice(-MAX_APPROVALS);
    if (this.d.keyOpensStore()) await this.d.secrets.put(APPROVED_COMMANDS_ID, this.d.cipher.encrypt(JSON.stringify(next)));
    this.#approved = next;
  }
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
