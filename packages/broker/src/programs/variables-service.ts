import { createHash, randomBytes } from 'node:crypto';
import { LatchkeyError, SetVariableInput, VariableKey } from '@latchkey/contracts';
import type { AuditEventInput, Requester, ValueSource, Variable } from '@latchkey/contracts';
import type { AuditJournal } from '../connections/audit-journal.js';
import type { BrokerEvents } from '../events.js';
import type { SecretsService } from '../secrets/secrets-service.js';
import { InvalidSecretError } from '../secrets/secrets-service.js';
import type { Clock, VariableRecord, VariableRepository } from '../ports.js';
import type { EnvironmentOverrides } from './environment-overrides.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** A variable's value as a program gets it, and where it came from. */
export interface VariableValue {
  value: string;
  secret: boolean;
  source: ValueSource;
}

/**
 * A variable as a reveal consent sees it: missing, plain (read without asking), or secret with
 * what a grant for it is bound to — a digest of the stored blob's id (a new value is a new blob),
 * or of this launch for a value the environment supplies. Never the value.
 */
export type VariableSubject = { kind: 'missing' } | { kind: 'plain'; key: string } | { kind: 'secret'; key: string; description: string; binding: string };

/**
 * Variables (key, value, description, secret flag). A secret value is a cipher blob like a
 * connection's secret — blob durable before the record that points at it, old blob dropped after —
 * and never leaves through `list`. Each change and its audit event land in one atomic write
 * (the store's journal), as connection changes do.
 */
export class VariablesService {
  constructor(
    private readonly d: {
      repo: VariableRepository;
      secrets: SecretsService;
      /** Shared with connections: the variables' events ride in the same journal (connections.json). */
      journal: AuditJournal;
      overrides: EnvironmentOverrides;
      events: BrokerEvents;
      clock: Clock;
      /**
       * After a change: the grants for `key` not bound to `binding` (its value now; null: no secret
       * value) are dropped. A grant covers the value the person allowed, never a later one.
       */
      dropStaleGrants?: (key: string, binding: string | null, actor: Requester) => Promise<void>;
    },
  ) {}

  /** An environment-supplied value may differ at the next launch: grants for it last this launch. */
  readonly #launch = randomBytes(16).toString('hex');

  #binding(key: string, source: string): string {
    return createHash('sha256').update(`variable\0${key}\0${source}`).digest('hex').slice(0, 32);
  }

  subject(key: string): VariableSubject {
    const r = this.#find(key);
    if (!r) return this.d.overrides.variable(key) ? { kind: 'plain', key } : { kind: 'missing' };
    if (!r.secret) return { kind: 'plain', key: r.id };
    const source = this.d.overrides.variable(key) ? `environment\0${this.#launch}` : `blob\0${r.secretId ?? 'missing'}`;
    return { kind: 'secret', key: r.id, description: r.description, binding: this.#binding(r.id, source) };
  }

  async #dropStale(key: string, actor: Requester): Promise<void> {
    const now = this.subject(key);
    // The value is already changed; a failed drop leaves grants that no longer match the binding.
    await this.d.dropStaleGrants?.(key, now.kind === 'secret' ? now.binding : null, actor).catch(() => undefined);
  }

  /** Secret ids the variables point at (the start-up sweep must not take them for orphans). */
  secretIds(): string[] {
    return this.d.repo.all().flatMap((r) => (r.secretId ? [r.secretId] : []));
  }

  #toPublic(r: VariableRecord): Variable {
    return {
      key: r.id,
      value: r.secret ? null : (r.value ?? ''),
      description: r.description,
      secret: r.secret,
      secretState: r.secret ? (r.secretId ? 'set' : 'invalid') : null,
      overridden: this.d.overrides.variable(r.id) !== undefined,
      environmentOnly: false,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
    };
  }

  list(): Variable[] {
    const stored = this.d.repo.all().map((r) => this.#toPublic(r));
    const keys = new Set(stored.map((v) => v.key.toUpperCase()));
    // Environment-only variables show their key, never their value (it may be a CI secret).
    const fromEnv: Variable[] = this.d.overrides
      .variableKeys()
      .filter((k) => !keys.has(k.toUpperCase()) && VariableKey.safeParse(k).success)
      .map((key) => ({ key, value: null, description: '', secret: false, secretState: null, overridden: true, environmentOnly: true, createdAt: null, updatedAt: null }));
    return [...stored, ...fromEnv].sort((a, b) => a.key.localeCompare(b.key));
  }

  #find(key: string): VariableRecord | undefined {
    return this.d.repo.get(key) ?? this.d.repo.all().find((r) => r.id.toUpperCase() === key.toUpperCase());
  }

  /** The change and its events in one write; appended to the log after, recovered at start if a crash came between. */
  async #commit(change: { put?: VariableRecord[]; delete?: string[] }, events: AuditEventInput[]): Promise<void> {
    await this.d.journal.commitWith((audit) => this.d.repo.commit({ ...change, audit }), events);
  }

  async set(raw: unknown, actor: Requester): Promise<Variable> {
    const input = SetVariableInput.parse(raw);
    const current = this.#find(input.key);
    const key = current?.id ?? input.key;
    const secret = input.secret ?? current?.secret ?? false;
    if (!current && input.value === undefined) throw new LatchkeyError('VALIDATION', `Variable ${key} needs a value`);
    if (current?.secret && !secret && input.value === undefined) {
      // Its value is write-only: turning it plain would show it, so a new one must come with the change.
      throw new LatchkeyError('VALIDATION', `To make ${key} a plain variable, enter its new value: a secret value is never shown`);
    }
    const now = iso(this.d.clock.now());
    // A plain value becoming secret is encrypted as it is; otherwise the value sent (if any).
    const plaintext = input.value ?? (secret && current && !current.secret ? (current.value ?? '') : undefined);
    let secretId = secret ? current?.secretId : undefined;
    let durable: Promise<void> = Promise.resolve();
    if (secret && plaintext !== undefined) {
      const written = this.d.secrets.write({ value: plaintext });
      secretId = written.ids['value'];
      durable = written.durable;
    }
    const next: VariableRecord = {
      id: key,
      ...(secret ? {} : { value: plaintext ?? current?.value ?? '' }),
      ...(secretId ? { secretId } : {}),
      description: input.description ?? current?.description ?? '',
      secret,
      createdAt: current?.createdAt ?? now,
      updatedAt: now,
    };
    const valueChanged = input.value !== undefined || secret !== current?.secret;
    const type = current && valueChanged ? 'variable.replace' : 'variable.set';
    const detail = `${key}${secret ? ' (secret)' : ''}${current ? (valueChanged ? ': value replaced' : ': description changed') : ': created'}`;
    try {
      await durable;
      await this.#commit({ put: [next] }, [{ type, requester: actor, detail }]);
    } catch (error) {
      if (secretId && secretId !== current?.secretId) await this.d.secrets.drop([secretId]).catch(() => undefined);
      throw error;
    }
    if (current?.secretId && current.secretId !== next.secretId) await this.d.secrets.drop([current.secretId]).catch(() => undefined);
    await this.#dropStale(key, actor);
    this.d.events.emit('variables:changed', { keys: [key] });
    return this.#toPublic(next);
  }

  async remove(key: string, actor: Requester): Promise<void> {
    const current = this.#find(key);
    if (!current) throw new LatchkeyError('NOT_FOUND', `No variable ${key}`);
    await this.#commit({ delete: [current.id] }, [{ type: 'variable.delete', requester: actor, detail: current.id }]);
    if (current.secretId) await this.d.secrets.drop([current.secretId]).catch(() => undefined);
    await this.#dropStale(current.id, actor);
    this.d.events.emit('variables:changed', { keys: [current.id] });
  }

  /** Whether a variable is secret, without reading it (null: no such variable). */
  isSecret(key: string): boolean | null {
    const r = this.#find(key);
    if (r) return r.secret;
    return this.d.overrides.variable(key) ? false : null;
  }

  /** The value for a program: the environment's first, then the store's; NOT_FOUND names the key. */
  value(key: string): VariableValue {
    const r = this.#find(key);
    const env = this.d.overrides.variable(key);
    if (env) return { value: env.value, secret: r?.secret ?? false, source: 'environment' };
    if (!r) throw new LatchkeyError('NOT_FOUND', `No variable "${key}" (var.${key}): set it in Variables or as LATCHKEY_VAR_${key.toUpperCase()}`);
    if (!r.secret) return { value: r.value ?? '', secret: false, source: 'store' };
    if (!r.secretId) throw new LatchkeyError('INVALID_SECRET', `The value of secret variable ${r.id} is missing; replace it`);
    try {
      return { value: this.d.secrets.read({ secretIds: { value: r.secretId } }).value!, secret: true, source: 'store' };
    } catch (error) {
      if (error instanceof InvalidSecretError) throw new LatchkeyError('INVALID_SECRET', `The value of secret variable ${r.id} cannot be decrypted; replace it`);
      throw error;
    }
  }
}
