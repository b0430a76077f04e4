import { GRANT_DURATION_MS, LatchkeyError, describeScope, expandTemplate, isGrantActive } from '@latchkey/contracts';
import type { AccessRequestInput, AccessResponse, ConsentDecision, ConsentPrompt, DenialReason, Grant, ProviderManifest, Requester, Scope, VariableAccessRequestInput, VariableAccessResponse } from '@latchkey/contracts';
import { nanoid } from 'nanoid';
import type { AuditService } from '../audit/audit-service.js';
import { iso } from '../clock.js';
import type { ConnectionsService } from '../connections/connections-service.js';
import type { BrokerEvents } from '../events.js';
import type { Clock, ConsentPrompter, GrantRepository } from '../ports.js';
import type { ProviderRegistry } from '../providers/provider-registry.js';
import type { BrokerOptions } from '../types.js';
import type { VariableSubject } from '../programs/variables-service.js';
import { RefRegistry, requesterKey } from './ref-registry.js';

export interface ConsentDeps {
  grants: GrantRepository;
  connections: ConnectionsService;
  registry: ProviderRegistry;
  audit: AuditService;
  events: BrokerEvents;
  prompter: ConsentPrompter;
  refs: RefRegistry;
  clock: Clock;
  options: BrokerOptions;
}

const MAX_OPEN_PROMPTS_PER_REQUESTER = 3;

type Denial = Extract<AccessResponse, { granted: false }>;
/** Consent defaults to deny: only an explicit "allow" from the person grants anything. */
type RequestRecorder = { ask(budget: 'person' | 'refusal'): Promise<void>; deny(reason: DenialReason, message: string): Promise<Denial> };

export class ConsentService {
  readonly #denials = new Map<string, number[]>();
  readonly #open = new Map<string, number>();
  /** Open prompts' abort handles, by requester key, so a window close or a crash can deny them. */
  readonly #aborters = new Map<AbortController, string>();

  constructor(private readonly d: ConsentDeps) {}

  isActive(g: Grant, now = this.d.clock.now()): boolean {
    return isGrantActive(g, now);
  }

  listGrants(includeInactive: boolean): Grant[] {
    const now = this.d.clock.now();
    return this.d.grants
      .all()
      .filter((g) => includeInactive || this.isActive(g, now))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** Connections this requester holds an active grant on (it may see their settings). */
  grantedConnections(requester: Pick<Requester, 'kind' | 'id'>): Set<string> {
    const key = requesterKey(requester);
    const now = this.d.clock.now();
    return new Set(this.d.grants.all().flatMap((g) => (g.connectionId !== undefined && requesterKey(g.requester) === key && this.isActive(g, now) ? [g.connectionId] : [])));
  }

  /**
   * An access request, in its steps: the request is checked (connection, scopes, repeated
   * refusals); an "always" grant that covers it answers at once; otherwise the person is asked,
   * and a yes becomes a grant. Every path ends in a ref or an audited refusal.
   */
  async request(requester: Requester, input: AccessRequestInput): Promise<AccessResponse> {
    const record = this.#requestRecorder(requester, { connectionId: input.connectionId, scopes: input.scopes }, input.reason);
    // Synchronous up to the prompt's places being taken: a burst cannot all pass the checks first.
    const checked = this.#check(requester, input);
    if ('denial' in checked) return record.deny(...checked.denial);
    const { connection, manifest, key, throttleKey, now } = checked;

    // An "always" grant that covers every asked scope answers without a prompt — but only for
    // the target the person allowed: after a new host or URL they are asked again.
    const bound = this.d.connections.currentTarget(connection);
    const covering = this.d.grants
      .all()
      .find((g) => g.kind === 'always' && g.target === bound && this.isActive(g, now) && requesterKey(g.requester) === key && g.connectionId === connection.id && input.scopes.every((s) => g.scopes.includes(s)));
    if (covering) return this.#issue(covering, connection.id, bound, 'existing grant', input.reason);

    // No prompt for a ref that could not be handed out: the person would consent for nothing.
    try {
      this.d.refs.assertRoom(key, now);
    } catch (error) {
      await record.ask('refusal');
      throw error;
    }
    const open = this.#open.get(key) ?? 0;
    if (open >= MAX_OPEN_PROMPTS_PER_REQUESTER) return record.deny('throttled', `${requester.displayName} already has ${open} access requests waiting for an answer`);

    const target = manifest.summary ? expandTemplate(manifest.summary, { config: connection.config }) : manifest.name;
    const prompt: ConsentPrompt = {
      promptId: nanoid(12),
      requester,
      connection: { id: connection.id, name: connection.name, providerName: manifest.name, target },
      reason: input.reason,
      ...(input.intent ? { intent: input.intent } : {}),
      scopes: input.scopes.map((s) => ({ scope: s, description: describeScope(s, target), warning: s === 'reveal' })),
      deadline: iso(now + this.d.options.consentTimeoutMs),
    };
    const answered = await this.#grantIfAllowed(prompt, { key, throttleKey, record }, { connectionId: connection.id }, input.scopes, bound, `${requester.displayName} was not allowed to use "${connection.name}"`);
    if ('granted' in answered) return answered;
    return this.#issue(answered.grant, connection.id, bound, answered.how);
  }

  /**
   * A secret variable's reveal, in the same steps as a connection's: checked (a secret variable,
   * not refused too often lately), an "always" grant bound to its current value answers at once,
   * otherwise the person is asked and a yes becomes a grant bound to that value. No ref is issued:
   * the value is read through a template (or `variables:get`) while the grant is active.
   */
  async requestVariable(requester: Requester, input: VariableAccessRequestInput, subject: VariableSubject): Promise<VariableAccessResponse> {
    const named = subject.kind === 'missing' ? input.key : subject.key;
    const record = this.#requestRecorder(requester, { scopes: ['reveal'] }, `secret variable ${named}: ${input.reason}`);
    if (subject.kind === 'missing') return record.deny('not_found', `No variable "${input.key}"`);
    if (subject.kind === 'plain') return record.deny('unsupported_scope', `${subject.key} is not a secret variable: it is read without asking`);
    const key = requesterKey(requester);
    const throttleKey = `${key}|var:${subject.key}`;
    const now = this.d.clock.now();
    const throttled = this.#throttled(requester, throttleKey, `the secret variable ${subject.key}`, now);
    if (throttled) return record.deny(...throttled.denial);
    const covering = this.d.grants.all().find((g) => g.kind === 'always' && g.variableKey === subject.key && g.target === subject.binding && this.isActive(g, now) && requesterKey(g.requester) === key);
    if (covering) return this.#answerVariable(covering, 'existing grant', input.reason);
    const open = this.#open.get(key) ?? 0;
    if (open >= MAX_OPEN_PROMPTS_PER_REQUESTER) return record.deny('throttled', `${requester.displayName} already has ${open} access requests waiting for an answer`);

    const prompt: ConsentPrompt = {
      promptId: nanoid(12),
      requester,
      variable: { key: subject.key, description: subject.description },
      reason: input.reason,
      scopes: [{ scope: 'reveal', description: `Read the value of the secret variable ${subject.key}: it leaves Latchkey, and the requester can keep, copy or pass it on`, warning: true }],
      deadline: iso(now + this.d.options.consentTimeoutMs),
    };
    const answered = await this.#grantIfAllowed(prompt, { key, throttleKey, record }, { variableKey: subject.key }, ['reveal'], subject.binding, `${requester.displayName} was not allowed to reveal the secret variable ${subject.key}`);
    if ('granted' in answered) return answered;
    return this.#answerVariable(answered.grant, answered.how);
  }

  async #answerVariable(grant: Grant, how: string, repeat?: string): Promise<VariableAccessResponse> {
    const event = { type: 'access.grant' as const, requester: grant.requester, scopes: grant.scopes, grantId: grant.id };
    const detail = `secret variable ${grant.variableKey}: ${how}`;
    if (repeat === undefined) await this.d.audit.record({ ...event, detail }, 'person');
    else await this.d.audit.recordCoalesced(`grant|${grant.id}|reveal`, { ...event, detail: `${detail} (asked: ${repeat.slice(0, 200)})` }, 'requests answered by this grant');
    return { granted: true, grantId: grant.id, expiresAt: grant.expiresAt };
  }

  /**
   * A variable's value was replaced or deleted, or it turned plain: its grants given for another
   * value (`binding`: the one it has now; null: none) are revoked, each audited.
   */
  async dropVariableGrants(variableKey: string, binding: string | null, actor: Requester): Promise<void> {
    const now = iso(this.d.clock.now());
    const stale = this.d.grants.all().filter((g) => g.variableKey?.toUpperCase() === variableKey.toUpperCase() && !g.revokedAt && g.target !== binding);
    for (const g of stale) {
      await this.d.grants.put({ ...g, revokedAt: now });
      await this.d.audit.record({ type: 'grant.revoke', requester: actor, grantId: g.id, scopes: g.scopes, detail: `for ${g.requester.displayName}; secret variable ${g.variableKey}: ${binding ? 'its value was replaced' : 'it was deleted or is no longer secret'}` });
    }
    if (stale.length) this.d.events.emit('grants:changed', {});
  }

  /**
   * The request's audit: recorded once the answer's path is known — before a prompt it is paced
   * by the person (open prompts are capped); before a refusal it is budgeted like the refusal (the
   * flood vector); an always-grant answering again records one coalesced event instead (#issue).
   */
  #requestRecorder(requester: Requester, subject: { connectionId?: string; scopes: Scope[] }, detail: string) {
    const base = { ...subject, requester };
    let asked = false;
    const ask = async (budget: 'person' | 'refusal') => {
      if (asked) return;
      asked = true;
      await this.d.audit.record({ type: 'access.request', ...base, detail: detail.slice(0, 500) }, budget);
    };
    const deny = async (reason: DenialReason, message: string): Promise<Denial> => {
      await ask('refusal');
      await this.d.audit.record({ type: 'access.deny', outcome: 'denied', ...base, detail: `${reason}: ${message}` }, 'refusal');
      return { granted: false, reason, message };
    };
    return { ask, deny };
  }

  /** The connection and scopes exist, and this requester was not refused too often lately. */
  #check(requester: Requester, input: AccessRequestInput): { denial: [DenialReason, string] } | { connection: ReturnType<ConnectionsService['require']>; manifest: ProviderManifest; key: string; throttleKey: string; now: number } {
    let connection;
    try {
      connection = this.d.connections.require(input.connectionId);
    } catch {
      return { denial: ['not_found', `No connection with id "${input.connectionId}"`] };
    }
    const manifest = this.d.registry.require(connection.providerId);
    const unsupported = input.scopes.filter((s) => s !== 'reveal' && !manifest.operations.includes(s));
    if (unsupported.length) return { denial: ['unsupported_scope', `${manifest.name} connections do not support ${unsupported.join(', ')}`] };

    const key = requesterKey(requester);
    const throttleKey = `${key}|${connection.id}`;
    const now = this.d.clock.now();
    const throttled = this.#throttled(requester, throttleKey, `"${connection.name}"`, now);
    if (throttled) return throttled;
    return { connection, manifest, key, throttleKey, now };
  }

  /** Refused too often lately (per requester and connection or variable), counting prompts still open. */
  #throttled(requester: Requester, throttleKey: string, what: string, now: number): { denial: [DenialReason, string] } | null {
    const recent = (this.#denials.get(throttleKey) ?? []).filter((t) => now - t < this.d.options.throttleWindowMs);
    this.#denials.set(throttleKey, recent);
    // Prompts still open count as denials-to-be, so a burst of requests cannot slip past the
    // limit before the first answers arrive.
    const openHere = this.#open.get(throttleKey) ?? 0;
    if (recent.length > 0 && recent.length + openHere >= this.d.options.throttleDenials) {
      const waitMin = Math.ceil((this.d.options.throttleWindowMs - (now - recent[0]!)) / 60_000);
      return { denial: ['throttled', `${requester.displayName} was refused access to ${what} ${recent.length === 1 ? 'once' : `${recent.length} times`} recently; it may ask again in ${waitMin} min`] };
    }
    return null;
  }

  /** Shows the prompt and waits for the person, holding the requester's places among open prompts meanwhile. */
  async #askPerson(prompt: ConsentPrompt, key: string, throttleKey: string, record: RequestRecorder): Promise<{ decision: ConsentDecision } | Denial> {
    const controller = new AbortController();
    // The prompt's place is taken before its request is recorded, so concurrent requests cannot
    // all pass the cap while the first records are being written.
    this.#open.set(key, (this.#open.get(key) ?? 0) + 1);
    this.#open.set(throttleKey, (this.#open.get(throttleKey) ?? 0) + 1);
    this.#aborters.set(controller, key);
    let timer: ReturnType<typeof setTimeout> | undefined;
    let prompted = false;
    try {
      await record.ask('person');
      prompted = true;
      timer = setTimeout(() => controller.abort(new TimeoutError()), this.d.options.consentTimeoutMs);
      return { decision: await this.d.prompter.prompt(prompt, controller.signal) };
    } catch (error) {
      if (!prompted) throw error; // the request could not be recorded: no audit, no prompt
      this.#recordDenial(throttleKey);
      if (error instanceof TimeoutError) return record.deny('timeout', `No answer within ${Math.round(this.d.options.consentTimeoutMs / 1000)} s`);
      return record.deny('aborted', `The request was withdrawn: ${error instanceof Error ? error.message : 'no answer'}`);
    } finally {
      clearTimeout(timer);
      this.#aborters.delete(controller);
      this.#open.set(key, (this.#open.get(key) ?? 1) - 1);
      this.#open.set(throttleKey, (this.#open.get(throttleKey) ?? 1) - 1);
    }
  }

  /**
   * Asks the person; a no is a recorded, throttled denial, a yes the grant it makes (stored, and
   * the Access screen told) with how it was given, in words for the audit.
   */
  async #grantIfAllowed(
    prompt: ConsentPrompt,
    at: { key: string; throttleKey: string; record: RequestRecorder },
    subject: { connectionId: string } | { variableKey: string },
    scopes: readonly Scope[],
    bound: string,
    refusal: string,
  ): Promise<{ grant: Grant; how: string } | Denial> {
    const answer = await this.#askPerson(prompt, at.key, at.throttleKey, at.record);
    if ('granted' in answer) return answer;
    const decision = answer.decision;
    if (decision.decision === 'deny') {
      this.#recordDenial(at.throttleKey);
      return at.record.deny('denied', refusal);
    }
    this.#denials.delete(at.throttleKey);
    const grant = this.#grantFrom(decision, prompt.requester, subject, scopes, bound);
    await this.d.grants.put(grant);
    this.d.events.emit('grants:changed', {});
    return { grant, how: decision.decision === 'once' ? 'allowed once' : `allowed for ${decision.duration}` };
  }

  /** A yes, as the grant it makes: once (a short-lived single ref) or for the duration picked. */
  #grantFrom(decision: Exclude<ConsentDecision, { decision: 'deny' }>, requester: Requester, subject: { connectionId: string } | { variableKey: string }, scopes: readonly Scope[], target: string): Grant {
    const createdAt = this.d.clock.now();
    const ttl = decision.decision === 'once' ? this.d.options.onceRefTtlMs : GRANT_DURATION_MS[decision.duration];
    return {
      id: nanoid(12),
      requester,
      ...subject,
      scopes: [...scopes],
      kind: decision.decision,
      createdAt: iso(createdAt),
      expiresAt: ttl === null ? null : iso(createdAt + ttl),
      lastUsedAt: null,
      revokedAt: null,
      target,
      ...(decision.readOnly && scopes.includes('sql.query') ? { readOnly: true } : {}),
    };
  }

  /** Window closed, renderer crashed, app quitting: every open prompt is denied. */
  abortAll(reason: string): void {
    for (const c of [...this.#aborters.keys()]) c.abort(new Error(reason));
  }

  abortFor(requester: Pick<Requester, 'kind' | 'id'>, reason: string): void {
    const key = requesterKey(requester);
    for (const [c, k] of [...this.#aborters]) if (k === key) c.abort(new Error(reason));
  }

  /** `repeat` (the reason asked): an always-grant answering again, recorded coalesced per grant and window. */
  async #issue(grant: Grant, connectionId: string, target: string, how: string, repeat?: string): Promise<AccessResponse> {
    const now = this.d.clock.now();
    // Refs of "always" grants are short-lived tickets; the grant re-issues them without a prompt.
    const grantEnd = grant.expiresAt ? Date.parse(grant.expiresAt) : Infinity;
    const expiresAt = Math.min(grantEnd, now + (grant.kind === 'once' ? this.d.options.onceRefTtlMs : 24 * 3_600_000));
    const { ref: secretRef, expiresAt: refExpiresAt } = this.d.refs.issue({
      grantId: grant.id,
      requesterKey: requesterKey(grant.requester),
      connectionId,
      target,
      scopes: new Set<Scope>(grant.scopes),
      expiresAt,
      usesLeft: grant.kind === 'once' ? 1 : undefined,
      readOnly: grant.readOnly === true,
    }, now);
    const event = { type: 'access.grant' as const, connectionId, requester: grant.requester, scopes: grant.scopes, grantId: grant.id };
    if (repeat === undefined) await this.d.audit.record({ ...event, detail: how }, 'person');
    else await this.d.audit.recordCoalesced(`grant|${grant.id}|${[...grant.scopes].sort().join(',')}`, { ...event, detail: `${how} (asked: ${repeat.slice(0, 200)})` }, 'requests answered by this grant');
    return { granted: true, secretRef, expiresAt: iso(refExpiresAt), grantId: grant.id };
  }

  #recordDenial(key: string): void {
    const list = this.#denials.get(key) ?? [];
    list.push(this.d.clock.now());
    this.#denials.set(key, list);
  }

  async revoke(grantId: string, actor: Requester): Promise<Grant> {
    const g = this.d.grants.get(grantId);
    if (!g) throw new LatchkeyError('NOT_FOUND', `No grant with id "${grantId}"`);
    if (g.revokedAt) return g;
    const next: Grant = { ...g, revokedAt: iso(this.d.clock.now()) };
    await this.d.grants.put(next);
    const killed = this.d.refs.revokeGrant(grantId);
    await this.d.audit.record({ type: 'grant.revoke', connectionId: g.connectionId, requester: actor, grantId, scopes: g.scopes, detail: `for ${g.requester.displayName}; ${g.variableKey ? `secret variable ${g.variableKey}` : `${killed} live ref(s) invalidated`}` });
    this.d.events.emit('grants:changed', {});
    return next;
  }

  /** A connection purged: its grants go, and so do their refs. */
  async purgeConnection(connectionId: string): Promise<void> {
    this.d.refs.revokeConnection(connectionId);
    for (const g of this.d.grants.all()) if (g.connectionId === connectionId) await this.d.grants.delete(g.id);
    this.d.events.emit('grants:changed', {});
  }

  /**
   * "Last used" for the Access screen. A once-grant is written at once (it is now spent); an
   * always-grant at most once a second, so a busy ref does not rewrite the store on every call.
   */
  markUsed(grantId: string): void {
    const g = this.d.grants.get(grantId);
    if (!g) return;
    const now = this.d.clock.now();
    if (g.kind === 'always' && g.lastUsedAt && now - Date.parse(g.lastUsedAt) < 1000) return;
    void this.d.grants.put({ ...g, lastUsedAt: iso(now) }).catch(() => undefined);
    this.d.events.emit('grants:changed', {});
  }
}

class TimeoutError extends Error {
  constructor() {
    super('consent timed out');
  }
}
