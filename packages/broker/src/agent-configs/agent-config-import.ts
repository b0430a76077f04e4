import { LatchkeyError } from '@latchkey/contracts';
import type { AgentConfigImportResult, AgentConfigList, AgentConfigPreview, AgentConfigServerChange, Requester } from '@latchkey/contracts';
import { connectionDraft, planAgentConfig, rewriteEntry, rewrittenText, shownEntry, type AgentConfigPlan, type ServerEntry, type ServerPlan } from '@latchkey/agent-config';
import type { AuditService } from '../audit/audit-service.js';
import type { ConnectionsService } from '../connections/connections-service.js';
import type { ConfirmedSubjects } from '../consent/confirm-action.js';
import { createMasker } from '../masking/masker.js';
import type { AgentConfigFiles, Clock } from '../ports.js';
import { shownToPage } from './shown-to-page.js';

export interface AgentConfigImportDeps {
  files: AgentConfigFiles | null;
  connections: ConnectionsService;
  audit: AuditService;
  clock: Clock;
  /** The person's confirmation where the page cannot give it (consent/confirm-action.ts). */
  confirm: (requester: Requester, subject: ConfirmedSubjects['import-agent-config']) => Promise<void>;
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * Import from agent configs, for the app: the agents' files found here, a dry run the page may
 * show (names and masked values only), and the import itself — confirmed by the person where the
 * page cannot answer (a native dialog, or the code the headless host prints), because it moves
 * secrets and rewrites a file outside Latchkey's folder. Connections first, then the file: a
 * failed write removes the connections again, and the file stays as it was.
 */
export class AgentConfigImport {
  constructor(private readonly d: AgentConfigImportDeps) {}

  async list(): Promise<AgentConfigList> {
    if (!this.d.files) return { files: [], unavailable: 'This Latchkey has no access to agent config files.' };
    const unavailable = this.d.files.launcher ? null : 'This Latchkey cannot tell agents how to start latchkey mcp-proxy, so it cannot rewrite their configs.';
    return { files: await this.d.files.known(), unavailable };
  }

  async preview(path: string): Promise<AgentConfigPreview> {
    const { plan } = await this.#plan(path);
    const launcher = this.d.files!.launcher ?? { command: 'latchkey', args: [] };
    // The masker also catches a moved value in an encoded form (in args, in a URL) the plan did not see.
    const masker = createMasker(plan.secrets);
    const show = (entry: ServerEntry) => clip(masker.mask(JSON.stringify(shownToPage(entry), null, 2)), 20_000);
    const changes: AgentConfigServerChange[] = plan.servers
      .filter((s) => s.moves.length)
      .map((s) => ({
        server: clip(s.name, 200),
        connectionName: connectionDraft(s, path).name,
        moves: s.moves.map((m) => ({ kind: m.kind, name: clip(m.name, 200) })),
        left: s.found.left.map((l) => clip(l, 200)),
        before: show(shownEntry(s, plan.secrets)),
        after: show(rewriteEntry(s, '<new connection>', launcher)),
      }));
    return { path, changes, unchanged: plan.servers.filter((s) => !s.moves.length).map((s) => clip(s.name, 200)) };
  }

  async import(path: string, requester: Requester): Promise<AgentConfigImportResult> {
    const { files, original, plan } = await this.#plan(path);
    const launcher = files.launcher;
    if (!launcher) throw new LatchkeyError('UNAVAILABLE', 'This Latchkey cannot tell agents how to start latchkey mcp-proxy, so it cannot rewrite their configs.');
    const moving = plan.servers.filter((s) => s.moves.length);
    if (!moving.length) throw new LatchkeyError('VALIDATION', `${path} holds no secret Latchkey can move; nothing was changed.`);

    await this.d.confirm(requester, { path });

    const created: { id: string; name: string; server: string }[] = [];
    try {
      for (const s of moving) {
        const c = await this.d.connections.create(connectionDraft(s, path), requester);
        created.push({ id: c.id, name: c.name, server: clip(s.name, 200) });
      }
      const ids = new Map(moving.map((s, i) => [s.name, created[i]!.id]));
      const { backup } = await files.replace(path, original, rewrittenText(plan, ids, launcher), new Date(this.d.clock.now()));
      await this.d.audit.record({ type: 'connection.import', requester, detail: clip(`agent config ${path}: ${this.#summary(moving)} moved into connections; original backed up to ${backup}`, 1000) });
      return { path, backup, connections: created };
    } catch (error) {
      await this.#undo(created, requester);
      throw error;
    }
  }

  async #plan(path: string): Promise<{ files: AgentConfigFiles; original: string; plan: AgentConfigPlan }> {
    const files = this.d.files;
    if (!files) throw new LatchkeyError('UNAVAILABLE', 'This Latchkey has no access to agent config files.');
    const original = await files.read(path);
    return { files, original, plan: planAgentConfig(original, path) };
  }

  #summary(servers: ServerPlan[]): string {
    return servers.map((s) => `${s.name} (${s.moves.map((m) => `${m.kind} ${m.name}`).join(', ')})`).join('; ');
  }

  /** The file was not rewritten: the connections made for it go again, so nothing is left half done. */
  async #undo(created: { id: string }[], requester: Requester): Promise<void> {
    for (const c of created) {
      await this.d.connections
        .remove(c.id, requester)
        .then(() => this.d.connections.purge(c.id, requester))
        .catch(() => undefined);
    }
  }
}
