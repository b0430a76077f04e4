import { ApplyImportInput, ExportConnectionsInput, LatchkeyError, conditionsHold, splitSecrets } from '@latchkey/contracts';
import type {
  ApplyImportInput as ApplyInput,
  ExportConnectionsInput as ExportInput,
  ExportConnectionsResult,
  ImportItem,
  ImportPreview,
  ImportResult,
  ImportSource,
  Json,
  ProviderManifest,
  Requester,
} from '@latchkey/contracts';
import type { AuditService } from '../audit/audit-service.js';
import type { ConnectionsService } from '../connections/connections-service.js';
import { targetFingerprint } from '../connections/target-binding.js';
import type { ConfirmedAction } from '../consent/confirm-action.js';
import { assertPassphrase, openEnvelope, sealEnvelope } from '../keys/passphrase-envelope.js';
import type { Clock, ConnectionRecord, ConnectionRepository } from '../ports.js';
import type { ProviderRegistry } from '../providers/provider-registry.js';
import { parseConnectionUri, type ImportDraft } from './connection-uri.js';
import { draftsFromEnv } from './env-file.js';
import { BUNDLE, EXPORT_FORMAT, EXPORT_VERSION, draftsFromBundle, draftsFromExport, sniff, type SourceKind } from './transfer-format.js';

export interface TransferDeps {
  repo: ConnectionRepository;
  connections: ConnectionsService;
  registry: ProviderRegistry;
  audit: AuditService;
  clock: Clock;
  /** The person's confirmation where the page cannot give it (consent/confirm-action.ts). */
  confirm: (action: ConfirmedAction, requester: Requester) => Promise<void>;
}

const nameCollator = new Intl.Collator(undefined, { sensitivity: 'accent' });

/**
 * Export and import of connections. Secrets leave only inside an encrypted bundle the person
 * confirmed; an import changes nothing until every item it would write is valid; a connection
 * replaced by one pointing elsewhere loses its stored secrets (ConnectionsService.update drops
 * them on a new target), and one kept beside another gets none of its secrets.
 */
export class TransferService {
  constructor(private readonly d: TransferDeps) {}

  async export(raw: ExportInput, requester: Requester): Promise<ExportConnectionsResult> {
    const input = ExportConnectionsInput.parse(raw);
    const records = this.#selected(input.ids);
    const exportedAt = new Date(this.d.clock.now()).toISOString();
    const day = exportedAt.slice(0, 10);
    if (!input.withSecrets) {
      // Readable settings only: config never holds a secret field (splitSecrets on every write).
      const connections = records.map((r) => ({ providerId: r.providerId, name: r.name, config: r.config, secretFields: Object.keys(r.secretIds) }));
      await this.d.audit.record({ type: 'connection.export', requester, detail: `${records.length} connections, without secrets` });
      const text = `${JSON.stringify({ format: EXPORT_FORMAT, version: EXPORT_VERSION, exportedAt, connections }, null, 2)}\n`;
      return { text, fileName: `latchkey-connections-${day}.json`, count: records.length, withSecrets: false, withoutSecrets: [] };
    }
    assertPassphrase(input.passphrase, 'export');
    await this.d.confirm('export-connections-with-secrets', requester);
    const withoutSecrets: string[] = [];
    const connections = [];
    for (const r of records) {
      let secrets: Record<string, string> = {};
      if (Object.keys(r.secretIds).length) {
        try {
          // resolve() refuses secrets whose target changed or whose provider moved to another pack.
          secrets = (await this.d.connections.resolve(r)).secrets;
        } catch {
          withoutSecrets.push(r.name);
        }
      }
      connections.push({ providerId: r.providerId, name: r.name, config: r.config, secretFields: Object.keys(r.secretIds), secrets });
    }
    const plain = Buffer.from(JSON.stringify({ exportedAt, connections }), 'utf8');
    try {
      const text = sealEnvelope(BUNDLE, plain, input.passphrase, new Date(this.d.clock.now()));
      // No audit, no bundle: it is handed out only once its making is on record.
      await this.d.audit.record({ type: 'connection.export', requester, detail: `${records.length} connections, with secrets (encrypted bundle)` });
      return { text, fileName: `latchkey-connections-${day}.latchkey-bundle.json`, count: records.length, withSecrets: true, withoutSecrets };
    } finally {
      plain.fill(0);
    }
  }

  #selected(ids: string[] | undefined): ConnectionRecord[] {
    const live = this.d.repo.all().filter((r) => r.deletedAt === null);
    if (!ids) return live;
    return ids.map((id) => {
      const r = live.find((x) => x.id === id);
      if (!r) throw new LatchkeyError('NOT_FOUND', `No connection with id "${id}"`);
      return r;
    });
  }

  /** The drafts a text holds; a bundle opens only with its passphrase (nothing changes otherwise). */
  #read(source: { text: string; passphrase?: string | undefined }): { kind: SourceKind; drafts: ImportDraft[]; ignored: string[] } {
    const { kind, json } = sniff(source.text);
    switch (kind) {
      case 'bundle':
        if (!source.passphrase) throw new LatchkeyError('WRONG_PASSPHRASE', 'This is an encrypted connections bundle: enter the passphrase it was made with.');
        return { kind, drafts: draftsFromBundle(openEnvelope(BUNDLE, source.text, source.passphrase)), ignored: [] };
      case 'export':
        return { kind, drafts: draftsFromExport(json), ignored: [] };
      case 'uri': {
        const draft = parseConnectionUri(source.text);
        if (!draft) throw new LatchkeyError('VALIDATION', 'Latchkey has no connection type for this kind of URI (postgres://, mysql://, redis://, smtp://, https:// and similar are known).');
        return { kind, drafts: [draft], ignored: [] };
      }
      default: {
        const { drafts, ignored } = draftsFromEnv(source.text);
        if (!drafts.length) throw new LatchkeyError('VALIDATION', 'Nothing in this text describes a connection: no connection URI, PG* variables or API keys Latchkey knows.');
        return { kind, drafts, ignored };
      }
    }
  }

  #match(draft: ImportDraft): ConnectionRecord | undefined {
    return this.d.repo.all().find((r) => r.deletedAt === null && r.providerId === draft.providerId && nameCollator.compare(r.name, draft.name.trim()) === 0);
  }

  /** The draft validated as a save would validate it: its readable config and secrets, or why not. */
  #check(draft: ImportDraft, extraSecrets: Record<string, string> = {}, stored: Set<string> = new Set()) {
    const manifest = this.d.registry.get(draft.providerId)?.manifest;
    if (!manifest) return { problem: `No installed extension provides “${draft.providerId}” connections` } as const;
    const parsed = this.d.registry.schema(draft.providerId, { storedSecrets: stored }).safeParse({ ...draft.config, ...draft.secrets, ...extraSecrets });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return { problem: `${manifest.name} settings are invalid: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim() } as const;
    }
    return { manifest, ...splitSecrets(manifest.fields, parsed.data as Record<string, Json>) };
  }

  #missing(manifest: ProviderManifest, config: Record<string, Json>, have: Set<string>) {
    return manifest.fields.filter((f) => f.secret && f.required && conditionsHold(f.showWhen, config) && !have.has(f.name)).map((f) => ({ name: f.name, label: f.label }));
  }

  preview(raw: ImportSource): ImportPreview {
    const { kind, drafts, ignored } = this.#read(raw);
    const items: ImportItem[] = drafts.map((draft, index) => {
      const match = this.#match(draft);
      const checked = this.#check(draft);
      const manifest = 'manifest' in checked ? checked.manifest : undefined;
      const config = 'config' in checked ? checked.config : {};
      const secrets = 'secrets' in checked ? checked.secrets : {};
      return {
        index,
        providerId: draft.providerId,
        providerName: manifest?.name ?? draft.providerId,
        name: draft.name,
        // Readable settings only: a secret put in the wrong place by a hand-made file stays out.
        config,
        secretsIncluded: Object.keys(secrets),
        secretsMissing: manifest ? this.#missing(manifest, config, new Set(Object.keys(secrets))) : [],
        match: match && manifest ? { id: match.id, name: match.name, sameTarget: (match.target ?? targetFingerprint(manifest, match.config)) === targetFingerprint(manifest, config) } : null,
        problem: 'problem' in checked ? (checked.problem ?? null) : null,
      };
    });
    return { kind, items, ignored };
  }

  async apply(raw: ApplyInput, requester: Requester): Promise<ImportResult> {
    const input = ApplyImportInput.parse(raw);
    const { kind, drafts } = this.#read(input);
    const choices = new Map(input.choices.map((c) => [c.index, c]));
    for (const c of input.choices) if (c.index >= drafts.length) throw new LatchkeyError('VALIDATION', `There is no item ${c.index} in this import`);
    // Every item to write is checked first: one invalid item and nothing at all is imported.
    const plan = drafts.map((draft, index) => {
      const choice = choices.get(index);
      const match = this.#match(draft);
      const action = choice?.action ?? (match ? 'skip' : 'keep-both');
      if (action === 'skip') return { action, draft } as const;
      if (action === 'replace' && !match) throw new LatchkeyError('VALIDATION', `“${draft.name}” has no connection of the same name and type to replace`);
      const checked = this.#check(draft, choice?.secrets ?? {}, action === 'replace' && match ? new Set(Object.keys(match.secretIds)) : new Set());
      if ('problem' in checked) throw new LatchkeyError('VALIDATION', `“${draft.name}”: ${checked.problem}. Nothing was imported.`);
      return { action, draft, match, ...checked } as const;
    });
    const result: ImportResult = { created: [], replaced: [], skipped: 0, secretMissing: [] };
    for (const step of plan) {
      if (step.action === 'skip') {
        result.skipped++;
        continue;
      }
      let id: string;
      if (step.action === 'replace' && step.match) {
        // Same target: its stored secrets stay unless the import brings new ones. Another target:
        // update() drops every stored secret the import does not supply (target binding).
        id = (await this.d.connections.update({ id: step.match.id, config: step.config, secrets: step.secrets }, requester)).id;
        result.replaced.push(id);
      } else {
        const name = step.match ? this.#freeName(step.draft.providerId, step.draft.name) : step.draft.name;
        id = (await this.d.connections.create({ providerId: step.draft.providerId, name, config: step.config, secrets: step.secrets }, requester)).id;
        result.created.push(id);
      }
      const saved = this.d.connections.get(id);
      if (this.#missing(step.manifest, saved.config, new Set(Object.keys(saved.secretFields))).length) result.secretMissing.push(id);
    }
    await this.d.audit.record({ type: 'connection.import', requester, detail: `from ${kind}: ${result.created.length} created, ${result.replaced.length} replaced, ${result.skipped} skipped` });
    return result;
  }

  /** "Orders (2)", "Orders (3)"…: the first name no live connection of the provider has. */
  #freeName(providerId: string, name: string): string {
    const taken = (n: string) => this.d.repo.all().some((r) => r.deletedAt === null && r.providerId === providerId && nameCollator.compare(r.name, n) === 0);
    for (let i = 2; ; i++) {
      const suffix = ` (${i})`;
      const candidate = `${name.trim().slice(0, 120 - suffix.length)}${suffix}`;
      if (!taken(candidate)) return candidate;
    }
  }
}
