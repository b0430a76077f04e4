import { CreateConnectionInput, LatchkeyError, conditionsHold, splitSecrets, validationError } from '@latchkey/contracts';
import type { AuditEventInput, Connection, Json, ProviderCategory, Requester, TestResult, CreateConnectionInput as CreateInput, UpdateConnectionInput as UpdateInput } from '@latchkey/contracts';
import { createHash } from 'node:crypto';
import { nanoid } from 'nanoid';
import type { AuditService } from '../audit/audit-service.js';
import type { AuditJournal } from './audit-journal.js';
import { canonicalJson } from '../audit/hash.js';
import { iso } from '../clock.js';
import type { BrokerEvents } from '../events.js';
import type { ProviderRegistry } from '../providers/provider-registry.js';
import type { Clock, ConnectionRecord, ConnectionRepository, ResolvedConnection, Transports } from '../ports.js';
import { InvalidSecretError, type SecretsService } from '../secrets/secrets-service.js';
import { toPublic } from './public-view.js';
import { runTest } from './test-runner.js';

export interface ConnectionsDeps {
  repo: ConnectionRepository;
  secrets: SecretsService;
  registry: ProviderRegistry;
  audit: AuditService;
  /** Connection changes and their audit events, written together (see audit-journal.ts). */
  journal: AuditJournal;
  events: BrokerEvents;
  transports: Transports;
  clock: Clock;
  testTimeoutMs: number;
  /** Called after a purge so grants and refs of the connection die with it. */
  onPurged: (connectionId: string) => Promise<void>;
}

// One collator for all comparisons: localeCompare with options builds a new one per call, which
// made a name check over 10,000 connections cost ~20 ms.
const nameCollator = new Intl.Collator(undefined, { sensitivity: 'accent' });
const sameName = (a: string, b: string) => nameCollator.compare(a, b) === 0;

/** How long a draft's test result waits for the draft to be saved. */
const DRAFT_RESULT_TTL_MS = 10 * 60_000;
const DRAFT_RESULTS_KEPT = 20;

export class ConnectionsService {
  /** Test results of unsaved drafts, by a digest of their settings (kept in memory only). */
  readonly #draftResults = new Map<string, { result: TestResult; until: number }>();

  constructor(private readonly d: ConnectionsDeps) {}

  #draftKey(providerId: string, config: Record<string, Json>, secrets: Record<string, string>): string {
    return createHash('sha256').update(canonicalJson({ providerId, config, secrets })).digest('hex');
  }

  #rememberDraftResult(key: string, result: TestResult): void {
    this.#draftResults.delete(key);
    this.#draftResults.set(key, { result, until: this.d.clock.now() + DRAFT_RESULT_TTL_MS });
    while (this.#draftResults.size > DRAFT_RESULTS_KEPT) this.#draftResults.delete(this.#draftResults.keys().next().value!);
  }

  /** A draft saved with exactly the settings it was tested with keeps that result. */
  #takeDraftResult(key: string): TestResult | null {
    const hit = this.#draftResults.get(key);
    this.#draftResults.delete(key);
    return hit && hit.until > this.d.clock.now() ? hit.result : null;
  }

  list(filter: { providerId?: string; category?: ProviderCategory; deleted?: boolean }): Connection[] {
    const out: Connection[] = [];
    for (const r of this.d.repo.all()) {
      if (filter.deleted ? r.deletedAt === null : r.deletedAt !== null) continue;
      if (filter.providerId && r.providerId !== filter.providerId) continue;
      if (filter.category && this.d.registry.get(r.providerId)?.manifest.category !== filter.category) continue;
      out.push(toPublic(r));
    }
    return out;
  }

  /** A live (not deleted) record, or NOT_FOUND. */
  require(id: string, opts: { allowDeleted?: boolean } = {}): ConnectionRecord {
    const r = this.d.repo.get(id);
    if (!r || (r.deletedAt !== null && !opts.allowDeleted)) throw new LatchkeyError('NOT_FOUND', `No connection with id "${id}"`);
    return r;
  }

  get(id: string): Connection {
    return toPublic(this.require(id, { allowDeleted: true }));
  }

  #assertNameFree(providerId: string, name: string, exceptId?: string): void {
    const clash = this.d.repo.all().find((r) => r.providerId === providerId && r.deletedAt === null && r.id !== exceptId && sameName(r.name, name));
    if (clash) {
      const provider = this.d.registry.get(providerId)?.manifest.name ?? providerId;
      throw new LatchkeyError('CONFLICT', `A ${provider} connection named "${name}" already exists`);
    }
  }

  /** Validates config + secrets together against the provider's compiled schema. */
  #validate(providerId: string, config: Record<string, unknown>, secrets: Record<string, string>, storedSecrets: Set<string>) {
    const manifest = this.d.registry.require(providerId);
    const schema = this.d.registry.schema(providerId, { storedSecrets });
    const parsed = schema.safeParse({ ...config, ...secrets });
    if (!parsed.success) throw validationError(parsed.error, `${manifest.name} settings are invalid`);
    return { manifest, ...splitSecrets(manifest.fields, parsed.data) };
  }

  async create(raw: CreateInput, actor: Requester): Promise<Connection> {
    const input = CreateConnectionInput.parse(raw);
    const { manifest, config, secrets } = this.#validate(input.providerId, input.config, input.secrets, new Set());
    const name = input.name.trim();
    this.#assertNameFree(input.providerId, name);
    if (Object.keys(secrets).length) this.d.secrets.assertWritable();
    const { ids: secretIds, durable } = this.d.secrets.write(secrets);
    const now = iso(this.d.clock.now());
    const hasDefault = this.d.repo.all().some((r) => r.providerId === input.providerId && r.deletedAt === null && r.isDefault);
    const tested = this.#takeDraftResult(this.#draftKey(manifest.id, config, secrets));
    const record: ConnectionRecord = {
      id: nanoid(16),
      providerId: manifest.id,
      name,
      scope: input.scope,
      config,
      secretFields: Object.fromEntries(Object.keys(secretIds).map((f) => [f, 'set' as const])),
      secretIds,
      status: tested ? (tested.ok ? 'ok' : 'error') : 'untested',
      lastTest: tested,
      isDefault: !hasDefault,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
    };
    // Blob first, then the record that points at it, with its audit events in the same write: a
    // crash between leaves only a blob nothing points at (swept at start), never a record whose
    // blob is missing, and never a change without its record.
    await this.#afterBlobs(durable, secretIds);
    await this.#commitOrDrop({ put: [record] }, [
      { type: 'connection.create', connectionId: record.id, requester: actor, detail: `${manifest.name} "${name}"` },
      ...Object.keys(secretIds).map((field) => ({ type: 'secret.set' as const, connectionId: record.id, requester: actor, detail: field })),
    ], secretIds);
    this.#changed(record.id);
    return toPublic(record);
  }

  async update(raw: UpdateInput, actor: Requester): Promise<Connection> {
    const current = this.require(raw.id);
    const storedSecrets = new Set(Object.keys(current.secretIds));
    const config = raw.config ?? current.config;
    const { config: nextConfig, secrets } = this.#validate(current.providerId, config, raw.secrets ?? {}, storedSecrets);
    const name = raw.name?.trim() ?? current.name;
    if (name !== current.name) this.#assertNameFree(current.providerId, name, current.id);
    if (Object.keys(secrets).length) this.d.secrets.assertWritable();
    const { ids: newIds, durable } = this.d.secrets.write(secrets);
    // Secrets of fields no longer shown (say, the auth type changed) are dropped, not kept hidden.
    const visibleSecretFields = this.#visibleSecretFields(current.providerId, nextConfig);
    const secretIds: Record<string, string> = {};
    const dropped: string[] = [];
    for (const [f, id] of Object.entries(current.secretIds)) {
      if (newIds[f] || !visibleSecretFields.has(f)) dropped.push(id);
      else secretIds[f] = id;
    }
    Object.assign(secretIds, newIds);
    // A rename keeps the test result; new settings or secrets make it stale.
    const settingsChanged = Object.keys(newIds).length > 0 || dropped.length > 0 || canonicalJson(nextConfig) !== canonicalJson(current.config);
    const next: ConnectionRecord = {
      ...current,
      name,
      config: nextConfig,
      secretIds,
      secretFields: Object.fromEntries(Object.keys(secretIds).map((f) => [f, current.secretFields[f] === 'invalid' && !newIds[f] ? ('invalid' as const) : ('set' as const)])),
      status: settingsChanged ? 'untested' : current.status,
      lastTest: settingsChanged ? null : current.lastTest,
      updatedAt: iso(this.d.clock.now()),
    };
    if (Object.values(next.secretFields).includes('invalid')) next.status = 'invalid';
    // New blobs are durable before the record that points at them (a crash during a Replace must
    // not leave a working connection pointing at a blob that never landed).
    await this.#afterBlobs(durable, newIds);
    await this.#commitOrDrop({ put: [next] }, [
      { type: 'connection.update', connectionId: current.id, requester: actor },
      ...Object.keys(newIds).map((field) => ({ type: current.secretIds[field] ? ('secret.replace' as const) : ('secret.set' as const), connectionId: current.id, requester: actor, detail: field })),
    ], newIds);
    // Old blobs go only once the record no longer points at them. The caller need not wait for
    // that second write: a blob left behind by a crash is ciphertext nothing refers to (swept at start).
    void this.d.secrets.drop(dropped).catch(() => undefined);
    await this.d.transports.release(current.id);
    this.#changed(current.id);
    return toPublic(next);
  }

  /** Waits for new blobs; when they did not land, the orphans are dropped and the error passes on. */
  async #afterBlobs(durable: Promise<void>, ids: Record<string, string>): Promise<void> {
    try {
      await durable;
    } catch (error) {
      void this.d.secrets.drop(Object.values(ids)).catch(() => undefined);
      throw error;
    }
  }

  /** Commits with the audit events; a refused commit drops the blobs written for it, which nothing points at. */
  async #commitOrDrop(change: { put?: ConnectionRecord[]; delete?: string[] }, events: AuditEventInput[], newBlobs: Record<string, string> = {}): Promise<void> {
    try {
      await this.d.journal.commit(change, events);
    } catch (error) {
      if (Object.keys(newBlobs).length) void this.d.secrets.drop(Object.values(newBlobs)).catch(() => undefined);
      throw error;
    }
  }

  #visibleSecretFields(providerId: string, config: Record<string, Json>): Set<string> {
    const fields = this.d.registry.require(providerId).fields;
    return new Set(fields.filter((f) => f.secret && conditionsHold(f.showWhen, config)).map((f) => f.name));
  }

  async setSecret(id: string, field: string, value: string, mode: 'set' | 'replace', actor: Requester): Promise<Connection> {
    const current = this.require(id);
    const spec = this.d.registry.require(current.providerId).fields.find((f) => f.name === field);
    if (!spec?.secret) throw new LatchkeyError('VALIDATION', `"${field}" is not a secret field of this connection`);
    if (mode === 'set' && current.secretIds[field]) throw new LatchkeyError('CONFLICT', `${spec.label} is already set; use Replace to change it`);
    if (mode === 'replace' && !current.secretIds[field]) throw new LatchkeyError('NOT_FOUND', `${spec.label} is not set yet; set it first`);
    return this.update({ id, secrets: { [field]: value } }, actor);
  }

  async remove(id: string, actor: Requester): Promise<Connection> {
    const current = this.require(id);
    const now = iso(this.d.clock.now());
    const next: ConnectionRecord = { ...current, deletedAt: now, isDefault: false, updatedAt: now };
    const promoted = current.isDefault ? this.#nextDefault(current.providerId, id) : null;
    await this.#commitOrDrop({ put: promoted ? [next, promoted] : [next] }, [{ type: 'connection.delete', connectionId: id, requester: actor, detail: 'moved to Trash' }]);
    await this.d.transports.release(id);
    this.#changed(id);
    return toPublic(next);
  }

  async restore(id: string, actor: Requester): Promise<Connection> {
    const current = this.require(id, { allowDeleted: true });
    if (current.deletedAt === null) throw new LatchkeyError('CONFLICT', `"${current.name}" is not in the Trash`);
    this.#assertNameFree(current.providerId, current.name, id);
    const hasDefault = this.d.repo.all().some((r) => r.providerId === current.providerId && r.deletedAt === null && r.isDefault);
    const next: ConnectionRecord = { ...current, deletedAt: null, isDefault: !hasDefault, updatedAt: iso(this.d.clock.now()) };
    await this.#commitOrDrop({ put: [next] }, [{ type: 'connection.restore', connectionId: id, requester: actor }]);
    this.#changed(id);
    return toPublic(next);
  }

  async purge(id: string, actor: Requester): Promise<void> {
    const current = this.require(id, { allowDeleted: true });
    if (current.deletedAt === null) throw new LatchkeyError('CONFLICT', `Move "${current.name}" to the Trash before deleting it for good`);
    await this.#commitOrDrop({ delete: [id] }, [{ type: 'connection.purge', connectionId: id, requester: actor }]);
    // The record is gone and the purge recorded; blobs and grants follow. A crash before they do
    // leaves blobs nothing points at (swept at start) and grants of a connection that is gone.
    await this.d.secrets.drop(Object.values(current.secretIds));
    await this.d.onPurged(id);
    this.#changed(id);
  }

  async setDefault(id: string, actor: Requester): Promise<Connection> {
    const current = this.require(id);
    const now = iso(this.d.clock.now());
    const demoted = this.d.repo.all().filter((r) => r.providerId === current.providerId && r.isDefault && r.id !== id);
    const next = { ...current, isDefault: true, updatedAt: now };
    await this.#commitOrDrop({ put: [...demoted.map((r) => ({ ...r, isDefault: false, updatedAt: now })), next] }, [
      { type: 'connection.update', connectionId: id, requester: actor, detail: 'set as default' },
    ]);
    this.#changed(id);
    return toPublic(next);
  }

  /** The oldest other live connection of the provider, made default: put in the same write as the delete. */
  #nextDefault(providerId: string, leaving: string): ConnectionRecord | null {
    const next = this.d.repo
      .all()
      .filter((r) => r.providerId === providerId && r.deletedAt === null && r.id !== leaving)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0];
    return next ? { ...next, isDefault: true } : null;
  }

  /** Decrypts a connection for the broker's own use; a bad blob marks only this connection invalid. */
  async resolve(record: ConnectionRecord): Promise<ResolvedConnection> {
    const manifest = this.d.registry.require(record.providerId);
    try {
      return { id: record.id, manifest, config: record.config, secrets: this.d.secrets.read(record) };
    } catch (error) {
      if (error instanceof InvalidSecretError) await this.#markInvalid(record, error.fields);
      throw error;
    }
  }

  async #markInvalid(record: ConnectionRecord, fields: string[]): Promise<void> {
    const secretFields = { ...record.secretFields };
    for (const f of fields) secretFields[f] = 'invalid';
    await this.#commitOrDrop({ put: [{ ...record, secretFields, status: 'invalid', updatedAt: iso(this.d.clock.now()) }] }, [
      { type: 'secret.invalid', outcome: 'error', connectionId: record.id, detail: fields.join(', ') },
    ]);
    this.#changed(record.id);
  }

  async test(id: string, actor: Requester): Promise<TestResult> {
    const record = this.require(id);
    let result: TestResult;
    try {
      const resolved = await this.resolve(record);
      result = await runTest(this.d.transports, resolved, this.#timeout(record.config), this.d.clock);
    } catch (error) {
      if (!(error instanceof LatchkeyError)) throw error;
      result = { ok: false, latencyMs: 0, code: 'invalid_config', message: error.message, at: iso(this.d.clock.now()) };
    }
    const latest = this.require(id);
    const status = latest.status === 'invalid' ? 'invalid' : result.ok ? 'ok' : 'error';
    await this.#commitOrDrop({ put: [{ ...latest, lastTest: result, status }] }, [
      { type: 'connection.test', outcome: result.ok ? 'ok' : 'error', connectionId: id, requester: actor, detail: result.message },
    ]);
    this.#changed(id);
    return result;
  }

  /** Tests unsaved settings; for an edit, stored secrets fill the secret fields left blank. */
  async testDraft(input: { providerId: string; config: Record<string, unknown>; secrets: Record<string, string>; connectionId?: string }, actor: Requester): Promise<TestResult> {
    const saved = input.connectionId ? this.require(input.connectionId) : undefined;
    if (saved && saved.providerId !== input.providerId) throw new LatchkeyError('VALIDATION', 'The draft is for a different provider than the saved connection');
    const stored = saved ? this.d.secrets.read(saved) : {};
    const { manifest, config, secrets } = this.#validate(input.providerId, input.config, input.secrets, new Set(Object.keys(stored)));
    const missing = manifest.fields.filter((f) => f.secret && f.required && this.#visibleSecretFields(manifest.id, config).has(f.name) && !secrets[f.name] && !stored[f.name]);
    if (missing.length) return { ok: false, latencyMs: 0, code: 'invalid_config', message: `${missing.map((f) => f.label).join(', ')} ${missing.length > 1 ? 'are' : 'is'} required to test`, at: iso(this.d.clock.now()) };
    const resolved: ResolvedConnection = { id: saved?.id ?? `draft-${nanoid(8)}`, manifest, config, secrets: { ...stored, ...secrets } };
    const result = await runTest(this.d.transports, resolved, this.#timeout(config), this.d.clock);
    if (!saved) {
      await this.d.transports.release(resolved.id);
      this.#rememberDraftResult(this.#draftKey(manifest.id, config, secrets), result);
    }
    await this.d.audit.record({ type: 'connection.test', outcome: result.ok ? 'ok' : 'error', connectionId: saved?.id, requester: actor, detail: `draft ${manifest.name}: ${result.message}` });
    return result;
  }

  #timeout(config: Record<string, unknown>): number {
    const t = config['timeoutMs'];
    return typeof t === 'number' && t > 0 ? t : this.d.testTimeoutMs;
  }

  #changed(id: string): void {
    this.d.events.emit('connections:changed', { ids: [id] });
  }
}
