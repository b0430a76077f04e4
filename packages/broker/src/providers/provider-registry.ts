import { LatchkeyError, ProviderManifest, compileFields, validationError } from '@latchkey/contracts';
import type { CompileOptions, ProviderInfo, ProviderManifest as Manifest } from '@latchkey/contracts';
import { checkOAuth2Manifest } from '../oauth2/manifest-check.js';

interface Entry {
  manifest: Manifest;
  extensionId: string;
  available: boolean;
}

/** Manifests contributed by extensions, validated once and compiled to the schema forms use. */
export class ProviderRegistry {
  readonly #providers = new Map<string, Entry>();
  readonly #schemas = new Map<string, ReturnType<typeof compileFields>>();
  /** Provider ids the built-in packs declare, by pack: no other pack may take them, even while one is disabled. */
  readonly #reserved = new Map<string, string>();

  /** The host reserves every built-in pack's provider ids at start, before any pack registers. */
  reserve(providerIds: readonly string[], extensionId: string): void {
    for (const id of providerIds) if (!this.#reserved.has(id)) this.#reserved.set(id, extensionId);
  }

  /** Who owns a provider id: the built-in pack that reserved it, else the pack registered now. */
  ownerOf(id: string): string | undefined {
    return this.#reserved.get(id) ?? this.#providers.get(id)?.extensionId;
  }

  register(raw: unknown, extensionId: string): Manifest {
    const parsed = ProviderManifest.safeParse(raw);
    if (!parsed.success) throw validationError(parsed.error, `Provider from ${extensionId} is invalid`);
    const manifest = parsed.data;
    const reservedBy = this.#reserved.get(manifest.id);
    if (reservedBy && reservedBy !== extensionId) {
      throw new LatchkeyError('CONFLICT', `Provider "${manifest.id}" is reserved for the built-in ${reservedBy}`);
    }
    const existing = this.#providers.get(manifest.id);
    if (existing) {
      throw new LatchkeyError('CONFLICT', `Provider "${manifest.id}" is already registered by ${existing.extensionId}`);
    }
    const names = new Set<string>();
    for (const f of manifest.fields) {
      if (names.has(f.name)) throw new LatchkeyError('VALIDATION', `Provider "${manifest.id}" declares field "${f.name}" twice`);
      names.add(f.name);
      if (f.type === 'select' && !f.options?.length) throw new LatchkeyError('VALIDATION', `Select field "${f.name}" of "${manifest.id}" has no options`);
    }
    checkOAuth2Manifest(manifest);
    this.#providers.set(manifest.id, { manifest, extensionId, available: true });
    return manifest;
  }

  unregisterExtension(extensionId: string): void {
    for (const [id, e] of this.#providers) if (e.extensionId === extensionId) this.#providers.delete(id);
    this.#schemas.clear();
  }

  setAvailable(extensionId: string, available: boolean): void {
    for (const e of this.#providers.values()) if (e.extensionId === extensionId) e.available = available;
  }

  list(): ProviderInfo[] {
    return [...this.#providers.values()].map((e) => ({ manifest: e.manifest, extensionId: e.extensionId, available: e.available }));
  }

  get(id: string): ProviderInfo | undefined {
    const e = this.#providers.get(id);
    return e && { manifest: e.manifest, extensionId: e.extensionId, available: e.available };
  }

  require(id: string): Manifest {
    const e = this.#providers.get(id);
    if (!e) throw new LatchkeyError('NOT_FOUND', `No provider "${id}" is installed`);
    return e.manifest;
  }

  /** Compiled once per provider and option set: compiling costs about a millisecond. */
  schema(id: string, options: CompileOptions = {}) {
    const key = `${id}|${options.requireSecrets ? 1 : 0}|${[...(options.storedSecrets ?? [])].sort().join(',')}`;
    let schema = this.#schemas.get(key);
    if (!schema) {
      schema = compileFields(this.require(id).fields, options);
      this.#schemas.set(key, schema);
    }
    return schema;
  }
}
