import { LatchkeyError, isGrantActive } from '@latchkey/contracts';
import type { Grant, Json, Requester, TemplateReference as PublicReference } from '@latchkey/contracts';
import type { AuditService } from '../audit/audit-service.js';
import type { ConsentService } from '../consent/consent-service.js';
import { maskerFor } from '../masking/masker.js';
import { producedSecrets } from '../masking/produced-secrets.js';
import type { Clock, GrantRepository, ResolvedConnection } from '../ports.js';
import type { UsageTracker } from '../usage/usage-tracker.js';
import { unknownConnection, type EffectiveConnection, type ProgramConnections } from './program-connections.js';
import { applyFilter, compiled, type TemplateReference } from './template.js';
import type { VariablesService } from './variables-service.js';
import type { RenderedTemplate } from './programs-api.js';

/**
 * Who a template is rendered for:
 * - `requester`: an extension, agent or the CLI. It sees a connection only through an active grant
 *   on it (for that target), a secret field only with the `reveal` scope, a secret variable only
 *   through a reveal grant for that variable and its current value (ConsentService.requestVariable).
 * - `executor`: trusted code inside the broker's process, named by the host app at wiring.
 * - `preview`: the person's window; gets the text with every secret masked, nothing else.
 */
export type { RenderedTemplate };

export type TemplateCaller = { as: 'requester' | 'executor' | 'preview'; requester: Requester };


const MAX_TEMPLATE_LENGTH = 65_536;
const asText = (v: Json): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** Fields every connection answers to besides its provider's. */
const BUILT_IN_FIELDS = new Set(['id', 'name']);

export interface ProgramsDeps {
  connections: ProgramConnections;
  variables: VariablesService;
  grants: GrantRepository;
  consent: ConsentService;
  audit: AuditService;
  usage: UsageTracker;
  clock: Clock;
}

interface ConnectionUse {
  connection: EffectiveConnection;
  grant: Grant | null;
  secretFields: Set<string>;
}

/** What a template takes: connections (by id) and, for a requester, the grants its secret variables are read under (by key). */
interface Plan {
  uses: Map<string, ConnectionUse>;
  variableGrants: Map<string, Grant>;
}

export class ProgramsService {
  /**
   * "Once" grants a render has taken and not yet recorded as used. The record is an async write;
   * until it lands, a concurrent render must not take the same grant again.
   */
  readonly #taken = new Set<string>();

  constructor(private readonly d: ProgramsDeps) {}

  #usable(g: Grant, requester: Requester, now: number): boolean {
    return g.requester.kind === requester.kind && g.requester.id === requester.id && isGrantActive(g, now) && !this.#taken.has(g.id);
  }

  /** The caller's active grant on this connection for its current target, preferring one with `reveal`. */
  #grantFor(requester: Requester, c: EffectiveConnection): Grant | null {
    const now = this.d.clock.now();
    let best: Grant | null = null;
    for (const g of this.d.grants.all()) {
      if (g.connectionId !== c.id || !this.#usable(g, requester, now)) continue;
      if (g.target !== undefined && g.target !== c.target) continue;
      if (!best || (g.scopes.includes('reveal') && !best.scopes.includes('reveal'))) best = g;
    }
    return best;
  }

  /** The caller's active reveal grant for this secret variable's current value (an "always" one first: it is not spent). */
  #variableGrantFor(requester: Requester, key: string, binding: string): Grant | null {
    const now = this.d.clock.now();
    let best: Grant | null = null;
    for (const g of this.d.grants.all()) {
      if (g.variableKey !== key || g.target !== binding || !g.scopes.includes('reveal') || !this.#usable(g, requester, now)) continue;
      if (!best || (g.kind === 'always' && best.kind === 'once')) best = g;
    }
    return best;
  }

  /**
   * Every check runs before anything is decrypted or recorded: a template that fails on its third
   * reference reveals nothing of its first two.
   */
  #plan(refs: readonly TemplateReference[], caller: TemplateCaller): Plan {
    const uses = new Map<string, ConnectionUse>();
    const variableGrants = new Map<string, Grant>();
    const requester = caller.as === 'requester';
    for (const ref of refs) {
      if (ref.kind === 'var') {
        const secret = this.d.variables.isSecret(ref.key);
        if (secret === null) throw new LatchkeyError('NOT_FOUND', `No variable "${ref.key}" (${ref.expression}): set it in Variables or as LATCHKEY_VAR_${ref.key.toUpperCase()}`, [{ path: ref.expression, message: 'not found' }]);
        // The binding (a digest) is worked out only for a requester: executors render in loops.
        const subject = secret && requester ? this.d.variables.subject(ref.key) : null;
        if (subject?.kind === 'secret' && !variableGrants.has(subject.key)) {
          // Only a grant the person gave for THIS variable and its current value; nothing else covers it.
          const grant = this.#variableGrantFor(caller.requester, subject.key, subject.binding);
          if (!grant) throw new LatchkeyError('DENIED', `${ref.expression} is a secret variable; it leaves Latchkey only after the person allows ${caller.requester.displayName} to reveal it (variables:requestAccess)`, [{ path: ref.expression, message: 'needs consent' }]);
          variableGrants.set(subject.key, grant);
        }
        continue;
      }
      let connection: EffectiveConnection;
      try {
        connection = this.d.connections.find(ref.connection);
      } catch (error) {
        if (error instanceof LatchkeyError && error.code === 'NOT_FOUND') throw withIssue(unknownConnection(ref.connection), ref.expression);
        throw error;
      }
      let use = uses.get(connection.id);
      if (!use) {
        const grant = requester ? this.#grantFor(caller.requester, connection) : null;
        // Another requester's connection reads exactly like one that does not exist.
        if (requester && !grant) throw withIssue(unknownConnection(ref.connection), ref.expression);
        uses.set(connection.id, (use = { connection, grant, secretFields: new Set() }));
      }
      const spec = connection.manifest.fields.find((f) => f.name === ref.field);
      if (!spec && !BUILT_IN_FIELDS.has(ref.field)) {
        throw new LatchkeyError('NOT_FOUND', `${ref.expression}: ${connection.manifest.name} has no field "${ref.field}"`, [{ path: ref.expression, message: 'no such field' }]);
      }
      if (spec?.secret) {
        if (requester && !use.grant!.scopes.includes('reveal')) {
          throw new LatchkeyError('DENIED', `${ref.expression} is a secret; it leaves Latchkey only for a grant with the reveal scope`, [{ path: ref.expression, message: 'needs reveal' }]);
        }
        if (!this.d.connections.secretFieldsSet(connection).has(spec.name)) {
          const moved = connection.record?.secretIds[spec.name] && !connection.storedSecretsApply;
          throw new LatchkeyError('NOT_FOUND', moved ? `${ref.expression}: the stored ${spec.label} is not used because the environment points the connection at another target` : `${ref.expression} has no value`, [{ path: ref.expression, message: 'no value' }]);
        }
        use.secretFields.add(spec.name);
      } else if (spec && connection.config[spec.name] === undefined) {
        throw new LatchkeyError('NOT_FOUND', `${ref.expression} has no value`, [{ path: ref.expression, message: 'no value' }]);
      }
    }
    return { uses, variableGrants };
  }

  /** The once-grants this render uses, taken now (synchronously, after every check passed). */
  #take(plan: Plan): string[] {
    // A taken grant whose use is recorded now (or that is gone) is inactive by its own record.
    const now = this.d.clock.now();
    for (const id of this.#taken) {
      const g = this.d.grants.get(id);
      if (!g || !isGrantActive(g, now)) this.#taken.delete(id);
    }
    const once = [...plan.uses.values()].flatMap((u) => (u.grant?.kind === 'once' ? [u.grant.id] : []));
    for (const g of plan.variableGrants.values()) if (g.kind === 'once') once.push(g.id);
    for (const id of once) this.#taken.add(id);
    return once;
  }

  async render(template: string, caller: TemplateCaller): Promise<RenderedTemplate> {
    // The size limit holds for in-process callers too, not only at the channel boundary.
    if (typeof template !== 'string' || template.length > MAX_TEMPLATE_LENGTH) throw new LatchkeyError('VALIDATION', 'A template is at most 64 KiB');
    const { parts, refs } = compiled(template);
    if (!refs.length) return { text: template, masked: template, references: [] };
    const plan = this.#plan(refs, caller);
    const taken = this.#take(plan);
    try {
      return await this.#produce(parts, refs, plan, caller);
    } catch (error) {
      // Nothing was handed over: the once-grants are still the person's "once".
      for (const id of taken) this.#taken.delete(id);
      throw error;
    }
  }

  async #produce(parts: string[], refs: readonly TemplateReference[], plan: Plan, caller: TemplateCaller): Promise<RenderedTemplate> {
    const { uses } = plan;
    const secrets = new Map<string, Record<string, string>>();
    for (const [id, use] of uses) if (use.secretFields.size) secrets.set(id, await this.d.connections.secrets(use.connection));

    const produced: string[] = [];
    const references: PublicReference[] = [];
    const values: string[] = [];
    const secretVariables: string[] = [];
    for (const ref of refs) {
      if (ref.kind === 'var') {
        const v = this.d.variables.value(ref.key);
        if (v.secret && caller.as === 'requester') this.#stillCovered(ref, plan);
        if (v.secret) {
          produced.push(v.value);
          secretVariables.push(ref.key);
        }
        values.push(applyFilter(v.value, ref.filter));
        references.push({ expression: ref.expression, secret: v.secret, source: v.source });
        continue;
      }
      const c = this.d.connections.find(ref.connection);
      // The decrypt above awaited: a target changed meanwhile must not get the secrets read for the old one.
      if (uses.get(c.id)?.connection.target !== c.target) throw changedMeanwhile(ref.expression);
      const spec = c.manifest.fields.find((f) => f.name === ref.field);
      let value: string;
      if (spec?.secret) {
        value = secrets.get(c.id)![spec.name]!;
        produced.push(value);
      } else if (spec) value = asText(c.config[spec.name]!);
      else value = ref.field === 'id' ? c.id : c.name;
      values.push(applyFilter(value, ref.filter));
      const source = spec?.secret ? (c.override?.parsed.secrets[spec.name] !== undefined ? 'environment' : 'store') : spec ? c.sources[spec.name]! : 'store';
      references.push({ expression: ref.expression, secret: spec?.secret ?? false, source, connectionId: c.id });
    }
    let text = parts[0]!;
    for (let i = 0; i < values.length; i++) text += values[i]! + parts[i + 1]!;

    // No audit, no value: the records are durable before the text is handed over.
    await this.#record(plan, secretVariables, caller);
    if (produced.length) producedSecrets.add(produced);
    for (const use of uses.values()) {
      // The person trying a template in the tester is not a user of the connection.
      if (use.connection.record && caller.as !== 'preview') this.d.usage.count(use.connection.id, caller.requester, caller.as === 'executor' ? 'executor' : 'template');
      if (use.grant) this.d.consent.markUsed(use.grant.id);
    }
    for (const grant of plan.variableGrants.values()) this.d.consent.markUsed(grant.id);
    const masked = produced.length ? maskerFor({}).mask(text) : text;
    return { text: caller.as === 'preview' ? masked : text, masked, references };
  }

  /**
   * A secret variable read for a requester: still covered, now, by the grant the plan found (the
   * render awaited since; a value replaced, or a plain variable made secret, meanwhile is one
   * nobody allowed). Checked in the same synchronous step as the read.
   */
  #stillCovered(ref: TemplateReference & { kind: 'var' }, plan: Plan): void {
    const subject = this.d.variables.subject(ref.key);
    const grant = subject.kind === 'secret' ? plan.variableGrants.get(subject.key) : undefined;
    if (subject.kind !== 'secret' || !grant || grant.target !== subject.binding) throw changedMeanwhile(ref.expression);
  }

  async #record({ uses, variableGrants }: Plan, secretVariables: string[], caller: TemplateCaller): Promise<void> {
    const { requester } = caller;
    const leaves = caller.as !== 'preview';
    const records: Promise<unknown>[] = [];
    for (const use of uses.values()) {
      const connectionId = use.connection.record ? use.connection.id : undefined;
      const grantId = use.grant?.id;
      if (leaves && use.secretFields.size) {
        const event = { type: 'secret.reveal' as const, connectionId, requester, scopes: ['reveal' as const], ...(grantId ? { grantId } : {}), detail: `template: ${[...use.secretFields].join(', ')}${use.connection.record ? '' : ` (${use.connection.override!.entry.variable})`}` };
        // A requester's reveal is its own record, as through a ref. Trusted in-process code (the host
        // app's own executor) runs this in loops: its reveals are coalesced per connection and fields.
        records.push(caller.as === 'executor' ? this.d.audit.recordCoalesced(`reveal|${requester.id}|${use.connection.id}|${event.detail}`, event, 'reveals') : this.d.audit.record(event));
      } else {
        records.push(this.d.audit.recordCoalesced(`template|${requester.kind}:${requester.id}|${use.connection.id}`, { type: 'template.use', connectionId, requester, ...(grantId ? { grantId } : {}), detail: use.connection.record ? undefined : use.connection.override!.entry.variable }, 'uses'));
      }
    }
    if (leaves && secretVariables.length && caller.as === 'executor') {
      const detail = `template: secret variable ${[...new Set(secretVariables)].join(', ')}`;
      records.push(this.d.audit.recordCoalesced(`reveal|${requester.id}|var|${detail}`, { type: 'secret.reveal', requester, detail }, 'reveals'));
    }
    // A requester's reveal of a variable is its own record, with the grant the person gave.
    if (caller.as === 'requester') {
      for (const [key, grant] of variableGrants) records.push(this.d.audit.record({ type: 'secret.reveal', requester, scopes: ['reveal'], grantId: grant.id, detail: `template: secret variable ${key}` }));
    }
    await Promise.all(records);
  }

  /**
   * For trusted code inside the broker's process (a host app's workflow node): the connection
   * decrypted, the environment's override applied, audited as that executor.
   */
  async resolveConnection(ref: string, executor: Requester): Promise<ResolvedConnection> {
    const c = this.d.connections.find(ref);
    const resolved = await this.d.connections.resolved(c);
    const fields = Object.keys(resolved.secrets);
    const connectionId = c.record ? c.id : undefined;
    if (fields.length) {
      const detail = `resolveConnection: ${fields.join(', ')}`;
      await this.d.audit.recordCoalesced(`reveal|${executor.id}|${c.id}|${detail}`, { type: 'secret.reveal', connectionId, requester: executor, scopes: ['reveal'], detail }, 'reveals');
      producedSecrets.add(Object.values(resolved.secrets));
    } else {
      await this.d.audit.recordCoalesced(`executor|${executor.id}|${c.id}`, { type: 'template.use', connectionId, requester: executor, detail: 'resolveConnection' }, 'uses');
    }
    if (c.record) this.d.usage.count(c.id, executor, 'executor');
    return resolved;
  }
}

function withIssue(error: LatchkeyError, expression: string): LatchkeyError {
  return new LatchkeyError(error.code, `${error.message} (${expression})`, [{ path: expression, message: error.message }]);
}

/** A value or target changed between the checks and the read: nothing is handed over; the caller renders again. */
function changedMeanwhile(expression: string): LatchkeyError {
  return new LatchkeyError('CONFLICT', `${expression} changed while the template was rendered; nothing was handed over, render it again`, [{ path: expression, message: 'changed meanwhile' }]);
}
