import { CreateConnectionInput, LatchkeyError, conditionsHold, splitSecrets, validationError } from '@latchkey/contracts';
import type { AuditEventInput, Connection, ConnectionsPage, Json, ProviderCategory, ProviderManifest, Requester, TestResult, CreateConnectionInput as CreateInput, UpdateConnectionInput as UpdateInput } from '@latchkey/contracts';
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
import { KeyedLocks } from './keyed-locks.js';
import { toPublic } from './public-view.js';
import { changedTargetFields, labelList, targetFingerprint } from './target-binding.js';
import { runTest } from './test-runner.js';

/** What a list narrows by. */
export interface ConnectionFilter {
  providerId?: string;
  category?: ProviderCategory;
  deleted?: boolean;
}

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

  list(filter: ConnectionFilter & { offset?: number; limit?: number }): Connection[] {
    return this.#window(filter, filter.offset ?? 0, filter.limit ?? Infinity).items;
  }

  /** One page in stored order and the count of every match; only the page's records are copied out. */
  page(filter: ConnectionFilter & { offset: number; limit: number }): ConnectionsPage {
    const { items, total } = this.#window(filter, filter.offset, filter.limit);
    return { items, total, offset: filter.offset, limit: filter.limit };
  }

  #window(filter: ConnectionFilter, offset: number, limit: number): { items: Connection[]; total: number } {
    const items: Connection[] = [];
    let total = 0;
    for (const r of this.d.repo.all()) {
      if (filter.deleted ? r.deletedAt === null : r.deletedAt !== null) continue;
      if (filter.providerId && r.providerId !== filter.providerId) continue;
      if (filter.category && this.d.registry.get(r.providerId)?.manifest.category !== filter.category) continue;
      if (total >= offset && items.length < limit) items.push(toPublic(r));
      total++;
    }
    return { items, total };
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

  /**
   * Read-modify-write steps that could undo each other run one at a time: changes to one
   * connection; two connections taking one name; and what decides a provider's default (the
   * first connection of a provider, delete, restore, set default). Everything else runs side by
   * side, so 100 creates or secret changes in flight still share a few writes.
   */
  readonly #locks = new KeyedLocks();

  #connectionKey = (id: string) => `connection:${id}`;
  #providerKey = (providerId: string) => `provider:${providerId}`;
  // Lower-cased: names are compared without regard to case (the collator's 'accent' sensitivity).
  #nameKey = (providerId: string, name: string) => `name:${providerId}:${name.trim().toLocaleLowerCase()}`;

  #hasLiveDefault(providerId: string): boolean {
    return this.d.repo.all().some((r) => r.providerId === providerId && r.deletedAt === null && r.isDefault);
  }

  /** The connection, and the provider whose default and names it may change. */
  #keysOf(id: string): string[] {
    const record = this.d.repo.get(id);
    return record ? [this.#connectionKey(id), this.#providerKey(record.providerId), this.#nameKey(record.providerId, record.name)] : [this.#connectionKey(id)];
  }

  create(raw: CreateInput, actor: Requester): Promise<Connection> {
    const providerId = typeof raw.providerId === 'string' ? raw.providerId : '';
    const keys = [this.#nameKey(providerId, typeof raw.name === 'string' ? raw.name : '')];
    // The first connection of a provider becomes its default: two such creates must not both.
    if (!this.#hasLiveDefault(providerId)) keys.push(this.#providerKey(providerId));
    return this.#locks.run(keys, () => this.#create(raw, actor));
  }

  update(raw: UpdateInput, actor: Requester): Promise<Connection> {
    const record = this.d.repo.get(raw.id);
    const keys = [this.#connectionKey(raw.id)];
    if (record && typeof raw.name === 'string') keys.push(this.#nameKey(record.providerId, raw.name));
    return this.#locks.run(keys, () => this.#update(raw, actor));
  }

  remove(id: string, actor: Requester): Promise<Connection> {
    return this.#locks.run(this.#keysOf(id), () => this.#remove(id, actor));
  }

  restore(id: string, actor: Requester): Promise<Connection> {
    return this.#locks.run(this.#keysOf(id), () => this.#restore(id, actor));
  }

  purge(id: string, actor: Requester): Promise<void> {
    return this.#locks.run([this.#connectionKey(id)], () => this.#purge(id, actor));
  }

  setDefault(id: string, actor: Requester): Promise<Connection> {
    return this.#locks.run(this.#keysOf(id), () => this.#setDefault(id, actor));
  }

  async #create(raw: CreateInput, actor: Requester): Promise<Connection> {
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
      target: targetFingerprint(manifest, config),
      providerOwner: this.d.registry.get(manifest.id)?.extensionId,
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

  async #update(raw: UpdateInput, actor: Requester): Promise<Connection> {
    const current = this.require(raw.id);
    const storedSecrets = new Set(Object.keys(current.secretIds));
    const config = raw.config ?? current.config;
    const { manifest, config: nextConfig, secrets } = this.#validate(current.providerId, config, raw.secrets ?? {}, storedSecrets);
    const name = raw.name?.trim() ?? current.name;
    if (name !== current.name) this.#assertNameFree(current.providerId, name, current.id);
    if (Object.keys(secrets).length) this.d.secrets.assertWritable();
    const { ids: newIds, durable } = this.d.secrets.write(secrets);
    // Secrets of fields no longer shown (say, the auth type changed) are dropped, not kept hidden.
    const visibleSecretFields = this.#visibleSecretFields(current.providerId, nextConfig);
    // A secret goes only where it was entered for: a new host, URL or command line drops every
    // stored secret this same call does not supply again.
    const nextTarget = targetFingerprint(manifest, nextConfig);
    const retargeted = nextTarget !== this.#boundTarget(current, manifest);
    const secretIds: Record<string, string> = {};
    const dropped: string[] = [];
    const droppedForTarget: string[] = [];
    for (const [f, id] of Object.entries(current.secretIds)) {
      if (newIds[f] || !visibleSecretFields.has(f) || retargeted) dropped.push(id);
      else secretIds[f] = id;
      if (retargeted && !newIds[f] && visibleSecretFields.has(f)) droppedForTarget.push(f);
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
      target: nextTarget,
      providerOwner: current.providerOwner ?? this.d.registry.ownerOf(current.providerId),
    };
    if (Object.values(next.secretFields).includes('invalid')) next.status = 'invalid';
    // New blobs are durable before the record that points at them (a crash during a Replace must
    // not leave a working connection pointing at a blob that never landed).
    await this.#afterBlobs(durable, newIds);
    await this.#commitOrDrop({ put: [next] }, [
      {
        type: 'connection.update',
        connectionId: current.id,
        requester: actor,
        ...(droppedForTarget.length ? { detail: `${labelList(changedTargetFields(manifest, current.config, nextConfig))} changed; stored ${droppedForTarget.join(', ')} dropped` } : {}),
      },
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

  async #remove(id: string, actor: Requester): Promise<Connection> {
    const current = this.require(id);
    const now = iso(this.d.clock.now());
    const next: ConnectionRecord = { ...current, deletedAt: now, isDefault: false, updatedAt: now };
    const promoted = current.isDefault ? this.#nextDefault(current.providerId, id) : null;
    await this.#commitOrDrop({ put: promoted ? [next, promoted] : [next] }, [{ type: 'connection.delete', connectionId: id, requester: actor, detail: 'moved to Trash' }]);
    await this.d.transports.release(id);
    this.#changed(id);
    return toPublic(next);
  }

  async #restore(id: string, actor: Requester): Promise<Connection> {
    const current = this.require(id, { allowDeleted: true });
    if (current.deletedAt === null) throw new LatchkeyError('CONFLICT', `"${current.name}" is not in the Trash`);
    this.#assertNameFree(current.providerId, current.name, id);
    const hasDefault = this.d.repo.all().some((r) => r.providerId === current.providerId && r.deletedAt === null && r.isDefault);
    const next: ConnectionRecord = { ...current, deletedAt: null, isDefault: !hasDefault, updatedAt: iso(this.d.clock.now()) };
    await this.#commitOrDrop({ put: [next] }, [{ type: 'connection.restore', connectionId: id, requester: actor }]);
    this.#changed(id);
    return toPublic(next);
  }

  async #purge(id: string, actor: Requester): Promise<void> {
    const current = this.require(id, { allowDeleted: true });
    if (current.deletedAt === null) throw new LatchkeyError('CONFLICT', `Move "${current.name}" to the Trash before deleting it for good`);
    await this.#commitOrDrop({ delete: [id] }, [{ type: 'connection.purge', connectionId: id, requester: actor }]);
    // The record is gone and the purge recorded; blobs and grants follow. A crash before they do
    // leaves blobs nothing points at (swept at start) and grants of a connection that is gone.
    await this.d.secrets.drop(Object.values(current.secretIds));
    await this.d.onPurged(id);
    this.#changed(id);
  }

  async #setDefault(id: string, actor: Requester): Promise<Connection> {
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

  /** The target digest a record's stored secrets are bound to (computed for records older than the field). */
  #boundTarget(record: ConnectionRecord, manifest: ProviderManifest): string {
    return record.target ?? this.#targetOf(record, manifest);
  }

  /** The connection's target as its settings say now; grants and refs carry this. */
  currentTarget(record: ConnectionRecord): string {
    return this.#targetOf(record, this.d.registry.require(record.providerId));
  }

  /**
   * Every ref operation compares targets twice; a hash each costs ~9 µs, so it is kept per
   * record object (a changed record is a new object) and manifest (a reloaded pack is a new one).
   */
  readonly #targets = new WeakMap<ConnectionRecord, { manifest: ProviderManifest; target: string }>();
  #targetOf(record: ConnectionRecord, manifest: ProviderManifest): string {
    const hit = this.#targets.get(record);
    if (hit && hit.manifest === manifest) return hit.target;
    const target = targetFingerprint(manifest, record.config);
    this.#targets.set(record, { manifest, target });
    return target;
  }

  /** Null when the pack registered for the record's provider is the one that defined it; else why not. */
  #foreignProvider(record: ConnectionRecord): string | null {
    const owner = record.providerOwner ?? this.d.registry.ownerOf(record.providerId);
    const current = this.d.registry.get(record.providerId)?.extensionId;
    if (owner === current) return null;
    return `"${record.name}" was made with the ${record.providerId} provider of ${owner ?? 'another extension'}, and ${current ?? 'no extension'} provides it now`;
  }

  /**
   * Records saved before targets and owners were kept get both once their provider registers:
   * the target from their settings, the owner from the built-in reservation or this pack.
   */
  adoptProvider(providerId: string): Promise<void> {
    return this.#locks.run([this.#providerKey(providerId)], () => this.#adoptProvider(providerId));
  }

  async #adoptProvider(providerId: string): Promise<void> {
    const manifest = this.d.registry.get(providerId)?.manifest;
    if (!manifest) return;
    const writes: Promise<void>[] = [];
    for (const r of this.d.repo.all()) {
      if (r.providerId !== providerId || (r.target !== undefined && r.providerOwner !== undefined)) continue;
      if (this.#foreignProvider(r)) continue;
      writes.push(this.d.repo.put({ ...r, target: r.target ?? targetFingerprint(manifest, r.config), providerOwner: r.providerOwner ?? this.d.registry.ownerOf(providerId) }));
    }
    await Promise.all(writes);
  }

  /**
   * Decrypts a connection for the broker's own use; a bad blob marks only this connection
   * invalid. Refuses when another pack now provides its provider, or its settings point
   * elsewhere than the target its secrets were entered for.
   */
  async resolve(record: ConnectionRecord): Promise<ResolvedConnection> {
    const manifest = this.d.registry.require(record.providerId);
    const foreign = this.#foreignProvider(record);
    if (foreign) throw new LatchkeyError('FORBIDDEN', `${foreign}; its secrets stay with the original`);
    if (Object.keys(record.secretIds).length > 0 && this.#boundTarget(record, manifest) !== this.#targetOf(record, manifest)) {
      throw new LatchkeyError('DENIED', `The stored secrets of "${record.name}" were not used because its target changed since they were entered; enter them again`);
    }
    try {
      return { id: record.id, manifest, config: record.config, secrets: this.d.secrets.read(record) };
    } catch (error) {
      if (error instanceof InvalidSecretError) await this.#markInvalid(record, error.fields);
      throw error;
    }
  }

  #markInvalid(stale: ConnectionRecord, fields: string[]): Promise<void> {
    return this.#locks.run([this.#connectionKey(stale.id)], async () => {
      const record = this.d.repo.get(stale.id);
      if (!record) return;
      await this.#markInvalidNow(record, fields);
    });
  }

  async #markInvalidNow(record: ConnectionRecord, fields: string[]): Promise<void> {
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
      result = await runTest(this.d.transports, resolved, this.#timeout(record.config), this.d.clock, this.d.secrets.masking.maskerFor(resolved.secrets));
    } catch (error) {
      if (!(error instanceof LatchkeyError)) throw error;
      result = { ok: false, latencyMs: 0, code: 'invalid_config', message: error.message, at: iso(this.d.clock.now()) };
    }
    await this.#locks.run([this.#connectionKey(id)], async () => {
      const latest = this.require(id);
      const status = latest.status === 'invalid' ? 'invalid' : result.ok ? 'ok' : 'error';
      await this.#commitOrDrop({ put: [{ ...latest, lastTest: result, status }] }, [
        { type: 'connection.test', outcome: result.ok ? 'ok' : 'error', connectionId: id, requester: actor, detail: result.message },
      ]);
    });
    this.#changed(id);
    return result;
  }

  /** Tests unsaved settings; for an edit, stored secrets fill the secret fields left blank. */
  async testDraft(input: { providerId: string; config: Record<string, unknown>; secrets: Record<string, string>; connectionId?: string }, actor: Requester): Promise<TestResult> {
    const saved = input.connectionId ? this.require(input.connectionId) : undefined;
    if (saved && saved.providerId !== input.providerId) throw new LatchkeyError('VALIDATION', 'The draft is for a different provider than the saved connection');
    const { manifest, config, secrets } = this.#validate(input.providerId, input.config, input.secrets, new Set(Object.keys(saved?.secretIds ?? {})));
    const { stored, notUsed } = saved ? this.#storedForDraft(saved, manifest, config, secrets) : { stored: {}, notUsed: '' };
    const note = notUsed ? ` (${notUsed})` : '';
    const missing = manifest.fields.filter((f) => f.secret && f.required && this.#visibleSecretFields(manifest.id, config).has(f.name) && !secrets[f.name] && !stored[f.name]);
    if (missing.length) return { ok: false, latencyMs: 0, code: 'invalid_config', message: `${missing.map((f) => f.label).join(', ')} ${missing.length > 1 ? 'are' : 'is'} required to test${note}`, at: iso(this.d.clock.now()) };
    const resolved: ResolvedConnection = { id: saved?.id ?? `draft-${nanoid(8)}`, manifest, config, secrets: { ...stored, ...secrets } };
    const tested = await runTest(this.d.transports, resolved, this.#timeout(config), this.d.clock, this.d.secrets.masking.maskerFor(resolved.secrets));
    const result = note ? { ...tested, message: `${tested.message}${note}`.slice(0, 1000) } : tested;
    if (!saved) {
      await this.d.transports.release(resolved.id);
      this.#rememberDraftResult(this.#draftKey(manifest.id, config, secrets), result);
    }
    await this.d.audit.record({ type: 'connection.test', outcome: result.ok ? 'ok' : 'error', connectionId: saved?.id, requester: actor, detail: `draft ${manifest.name}: ${result.message}` });
    return result;
  }

  /**
   * The stored secrets a draft of a saved connection may borrow: only for the target they were
   * entered for, and only while the pack that defined the provider still provides it.
   */
  #storedForDraft(saved: ConnectionRecord, manifest: ProviderManifest, config: Record<string, Json>, typed: Record<string, string>): { stored: Record<string, string>; notUsed: string } {
    const foreign = this.#foreignProvider(saved);
    const retargeted = this.#boundTarget(saved, manifest) !== targetFingerprint(manifest, config);
    if (!foreign && !retargeted) return { stored: this.d.secrets.read(saved), notUsed: '' };
    const unused = manifest.fields.filter((f) => saved.secretIds[f.name] && !typed[f.name]);
    if (!unused.length) return { stored: {}, notUsed: '' };
    const why = foreign ? 'the provider now comes from another extension' : `${labelList(changedTargetFields(manifest, saved.config, config))} changed`;
    return { stored: {}, notUsed: `the stored ${labelList(unused)} was not used because ${why}` };
  }

  #timeout(config: Record<string, unknown>): number {
    const t = config['timeoutMs'];
    return typeof t === 'number' && t > 0 ? t : this.d.testTimeoutMs;
  }

  #changed(id: string): void {
    this.d.events.emit('connections:changed', { ids: [id] });
  }
}
