import { LatchkeyError } from '@latchkey/contracts';
import type { ConnectionOverride, Json, ProviderManifest, ValueSource } from '@latchkey/contracts';
import type { ConnectionsService } from '../connections/connections-service.js';
import { targetFingerprint } from '../connections/target-binding.js';
import type { ProviderRegistry } from '../providers/provider-registry.js';
import type { ConnectionRecord, ConnectionRepository, ResolvedConnection } from '../ports.js';
import { parseConnectionUri, schemeMatches, schemeOf, type ParsedConnectionUri } from './connection-uri.js';
import { envSpelling, type ConnectionOverrideEntry, type EnvironmentOverrides } from './environment-overrides.js';

/**
 * A connection as a program sees it: the provider's defaults, under the stored settings, under the
 * environment's override. Secrets are not in here; `secrets()` decrypts them on demand.
 */
export interface EffectiveConnection {
  id: string;
  name: string;
  manifest: ProviderManifest;
  /** The stored record; null for a connection that exists only in the environment. */
  record: ConnectionRecord | null;
  config: Record<string, Json>;
  /** Where each plain field's value came from. */
  sources: Record<string, ValueSource>;
  override: { entry: ConnectionOverrideEntry; parsed: ParsedConnectionUri } | null;
  /**
   * Whether the stored secrets go with this connection: only while the effective target is the
   * one they were entered for. An override that moves the host gets only the secrets it brings.
   */
  storedSecretsApply: boolean;
  /** The effective target's digest (grants and refs compare theirs with it). */
  target: string;
}

/** The message for an unknown connection and for one the caller may not see: the same, so neither tells. */
export const unknownConnection = (ref: string) => new LatchkeyError('NOT_FOUND', `No connection "${ref}" is available here`);

export class ProgramConnections {
  /** Parsed overrides, per entry and manifest object (a reloaded pack is a new object). */
  readonly #parsed = new WeakMap<ProviderManifest, Map<string, ParsedConnectionUri | LatchkeyError>>();
  /** Effective views per record object and manifest (a changed record is a new object). */
  readonly #views = new WeakMap<ConnectionRecord, { manifest: ProviderManifest; view: EffectiveConnection }>();

  constructor(
    private readonly d: {
      repo: ConnectionRepository;
      connections: ConnectionsService;
      registry: ProviderRegistry;
      overrides: EnvironmentOverrides;
    },
  ) {}

  #parse(entry: ConnectionOverrideEntry, manifest: ProviderManifest): ParsedConnectionUri {
    let perManifest = this.#parsed.get(manifest);
    if (!perManifest) this.#parsed.set(manifest, (perManifest = new Map()));
    let hit = perManifest.get(entry.variable);
    if (!hit) {
      try {
        hit = parseConnectionUri(entry.uri, manifest, entry.variable);
      } catch (error) {
        hit = error instanceof LatchkeyError ? error : new LatchkeyError('VALIDATION', `${entry.variable} is not a valid connection URI`);
      }
      perManifest.set(entry.variable, hit);
    }
    if (hit instanceof LatchkeyError) throw hit;
    return hit;
  }

  /** The override entry that names this record: by its id, or its id or name as an environment variable spells it. */
  #entryFor(record: ConnectionRecord): ConnectionOverrideEntry | null {
    const entries = this.d.overrides.connections();
    if (!entries.length) return null;
    return (
      entries.find((e) => e.suffix === record.id) ??
      entries.find((e) => envSpelling(e.suffix) === envSpelling(record.id)) ??
      entries.find((e) => envSpelling(e.suffix) === envSpelling(record.name)) ??
      null
    );
  }

  #live(): ConnectionRecord[] {
    return this.d.repo.all().filter((r) => r.deletedAt === null);
  }

  /** By id first, then by name (exactly one live connection may carry it), then an environment-only one. */
  find(ref: string): EffectiveConnection {
    const byId = this.d.repo.get(ref);
    if (byId && byId.deletedAt === null) return this.#view(byId);
    const named = this.#live().filter((r) => r.name === ref);
    if (named.length > 1) throw new LatchkeyError('CONFLICT', `More than one connection is named "${ref}"; use its id`);
    if (named[0]) return this.#view(named[0]);
    const envOnly = this.#environmentOnly().find((c) => c.id === ref || c.name === ref);
    if (envOnly) return envOnly;
    throw unknownConnection(ref);
  }

  #view(record: ConnectionRecord): EffectiveConnection {
    const manifest = this.d.registry.get(record.providerId)?.manifest;
    if (!manifest) throw new LatchkeyError('UNAVAILABLE', `The provider of "${record.name}" is not available`);
    const hit = this.#views.get(record);
    if (hit && hit.manifest === manifest) return hit.view;
    const entry = this.#entryFor(record);
    const parsed = entry ? { entry, parsed: this.#parse(entry, manifest) } : null;
    const view = this.#compose(record.id, record.name, manifest, record, parsed);
    this.#views.set(record, { manifest, view });
    return view;
  }

  #compose(id: string, name: string, manifest: ProviderManifest, record: ConnectionRecord | null, override: EffectiveConnection['override']): EffectiveConnection {
    const config: Record<string, Json> = {};
    const sources: Record<string, ValueSource> = {};
    for (const f of manifest.fields) {
      if (f.secret) continue;
      if (override && f.name in override.parsed.config) {
        config[f.name] = override.parsed.config[f.name]!;
        sources[f.name] = 'environment';
      } else if (record && record.config[f.name] !== undefined) {
        config[f.name] = record.config[f.name]!;
        sources[f.name] = 'store';
      } else if (f.default !== undefined) {
        config[f.name] = f.default;
        sources[f.name] = 'default';
      }
    }
    const target = targetFingerprint(manifest, config);
    const storedSecretsApply = record !== null && (!override || target === this.d.connections.currentTarget(record));
    return { id, name, manifest, record, config, sources, override, storedSecretsApply, target };
  }

  /** Connections named only by the environment: a `LATCHKEY_CONN_<ID>` no stored connection answers to. */
  #environmentOnly(): EffectiveConnection[] {
    const live = this.#live();
    const out: EffectiveConnection[] = [];
    for (const entry of this.d.overrides.connections()) {
      if (live.some((r) => this.#entryFor(r) === entry)) continue;
      const scheme = schemeOf(entry.uri);
      const manifest = scheme ? this.d.registry.list().find((p) => p.available && schemeMatches(p.manifest, scheme))?.manifest : undefined;
      if (!manifest) continue;
      try {
        // An id as the contracts spell one (the environment allows more than they do).
        const id = entry.suffix.toLowerCase().replace(/[^a-z0-9_-]/g, '_').slice(0, 64);
        out.push(this.#compose(id, id, manifest, null, { entry, parsed: this.#parse(entry, manifest) }));
      } catch {
        // Listed as a problem by overridesList(); never used.
      }
    }
    return out;
  }

  /** The connection's secrets for a program: stored ones only where they apply, the environment's over them. */
  async secrets(c: EffectiveConnection): Promise<Record<string, string>> {
    const stored = c.record && c.storedSecretsApply && Object.keys(c.record.secretIds).length ? (await this.d.connections.resolve(c.record)).secrets : {};
    return { ...stored, ...(c.override?.parsed.secrets ?? {}) };
  }

  /** Which secret fields hold a value for this connection (without decrypting any). */
  secretFieldsSet(c: EffectiveConnection): Set<string> {
    const set = new Set<string>(Object.keys(c.override?.parsed.secrets ?? {}));
    if (c.record && c.storedSecretsApply) for (const f of Object.keys(c.record.secretIds)) set.add(f);
    return set;
  }

  /** The connection decrypted for code inside the broker's process. */
  async resolved(c: EffectiveConnection): Promise<ResolvedConnection> {
    return { id: c.id, manifest: c.manifest, config: { ...c.config }, secrets: await this.secrets(c) };
  }

  /** What the Connections screen shows: which overrides are active, and which were not used and why. */
  overridesList(): { connections: ConnectionOverride[]; problems: { variable: string; message: string }[] } {
    const connections: ConnectionOverride[] = [];
    const problems: { variable: string; message: string }[] = [];
    const live = this.#live();
    for (const entry of this.d.overrides.connections()) {
      const record = live.find((r) => this.#entryFor(r) === entry);
      try {
        const view = record ? this.#view(record) : this.#environmentOnly().find((c) => c.override?.entry === entry);
        if (!view?.override) {
          const scheme = schemeOf(entry.uri);
          problems.push({ variable: entry.variable, message: scheme ? `No available provider answers to "${scheme}://"` : 'Not a connection URI' });
          continue;
        }
        connections.push({ connectionId: view.id, variable: entry.variable, providerId: view.manifest.id, fields: view.override.parsed.fields, environmentOnly: view.record === null });
      } catch (error) {
        problems.push({ variable: entry.variable, message: error instanceof Error ? error.message : 'Not used' });
      }
    }
    return { connections, problems };
  }
}
