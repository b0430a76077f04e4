import { nanoid } from 'nanoid';
import { LatchkeyError, createClient, createDispatcher, extensionChannels } from '@latchkey/contracts';
import type { AppChannels, ClientApi, ExtensionChannels, Handlers, Requester, RequesterChannels } from '@latchkey/contracts';
import { connectionCatalog } from './connections/catalog-view.js';
import { requesterKey } from './consent/ref-registry.js';
import { AUDIT_KEY_ID } from './audit/audit-key.js';
import { createActionConfirmation } from './consent/confirm-action.js';
import { AuditService } from './audit/audit-service.js';
import { withAuditBudget } from './audit/with-audit-budget.js';
import { systemClock } from './clock.js';
import { AuditJournal } from './connections/audit-journal.js';
import { CodeApprover } from './commands/code-approver.js';
import { APPROVED_COMMANDS_ID, CommandConsent } from './commands/command-consent.js';
import { ConnectionsService } from './connections/connections-service.js';
import { listForExtension } from './connections/extension-view.js';
import { ConsentService } from './consent/consent-service.js';
import { EventPrompter } from './consent/event-prompter.js';
import { RefRegistry } from './consent/ref-registry.js';
import { BrokerEvents } from './events.js';
import { OperationsService } from './operations/operations-service.js';
import { OAuth2Service } from './oauth2/oauth2-service.js';
import { ProviderRegistry } from './providers/provider-registry.js';
import { SecretsService } from './secrets/secrets-service.js';
import { KeyService } from './keys/key-service.js';
import { keyStatus } from './keys/key-status.js';
import { TransferService } from './transfer/transfer-service.js';
import type { Broker, BrokerOptions, BrokerPorts, CallContext, ExtensionController } from './types.js';
import { wirePrograms } from './programs/wire-programs.js';
import { DEFAULT_OLLAMA_OPTIONS, OllamaService } from './ollama/ollama-service.js';
import { runExtensionCommand } from './extensions/run-command.js';
import { installExtension } from './extensions/install.js';
import { AgentConfigImport } from './agent-configs/agent-config-import.js';

/** Blobs the broker keeps for itself in the secret store; no connection points at them. */
const BROKER_BLOB_IDS: readonly string[] = [AUDIT_KEY_ID, APPROVED_COMMANDS_ID];

export const DEFAULT_OPTIONS: BrokerOptions = {
  consentTimeoutMs: 60_000,
  commandConsentTimeoutMs: 120_000,
  onceRefTtlMs: 5 * 60_000,
  testTimeoutMs: 10_000,
  throttleDenials: 3,
  throttleWindowMs: 10 * 60_000,
};

const VERSION = '0.1.0';

export interface BrokerInternals {
  audit: AuditService;
  connections: ConnectionsService;
  consent: ConsentService;
  operations: OperationsService;
  registry: ProviderRegistry;
  refs: RefRegistry;
  oauth2: OAuth2Service;
}

/** The only place services are wired. Each app is a composition root that calls this with its adapters. */
export function createBroker(ports: BrokerPorts): Broker & { readonly internals: BrokerInternals } {
  const options: BrokerOptions = { ...DEFAULT_OPTIONS, ...ports.options };
  const clock = ports.clock ?? systemClock;
  const events = new BrokerEvents();
  // The chain is keyed whenever the cipher can protect a key (stored as one more cipher blob).
  const audit = new AuditService(ports.audit, clock, {
    cipher: ports.cipher,
    secrets: ports.secrets,
    ...(options.auditRates ? { rates: options.auditRates } : {}),
    ...(options.auditTimer ? { timer: options.auditTimer } : {}),
    // Where a rollback of the data folder does not reach (the OS keychain): audit/audit-anchor.ts.
    ...(ports.auditAnchor ? { anchor: { store: ports.auditAnchor, ...(ports.storeSeqs ? { storeSeqs: ports.storeSeqs } : {}), ...(options.auditAnchorEvery ? { every: options.auditAnchorEvery } : {}) } } : {}),
    ...(ports.auditAnchorAbsent ? { anchorAbsent: ports.auditAnchorAbsent } : {}),
  });
  const registry = new ProviderRegistry();
  const refs = new RefRegistry();
  const secrets = new SecretsService(ports.cipher, ports.secrets, new Set([APPROVED_COMMANDS_ID]));
  const journal = new AuditJournal(ports.connections, audit, ports.audit);
  const eventPrompter = new EventPrompter(events);
  const prompter = ports.prompter ?? eventPrompter;
  let extensions: ExtensionController | null = null;

  // Consent and connections refer to each other (purge drops grants; consent reads connections);
  // the closure below runs only after `consent` exists.
  const connections: ConnectionsService = new ConnectionsService({
    repo: ports.connections,
    secrets,
    registry,
    audit,
    journal,
    events,
    transports: ports.transports,
    clock,
    testTimeoutMs: options.testTimeoutMs,
    onPurged: (id): Promise<void> => (programs.usage.forget(id), consent.purgeConnection(id)),
    freshen: (c) => oauth2.freshen(c),
  });
  const oauth2: OAuth2Service = new OAuth2Service({ connections, registry, audit, clock, masking: secrets.masking, protocol: ports.transports.oauth2, openExternal: ports.openExternal, deviceIntervalMs: options.oauth2DeviceIntervalMs ?? 5000, signInTimeoutMs: options.oauth2SignInTimeoutMs ?? 5 * 60_000 });
  const consent: ConsentService = new ConsentService({ grants: ports.grants, connections, registry, audit, events, prompter, refs, clock, options });
  const codeApprover = !ports.commandApprover && ports.announceCommandCode
    ? new CodeApprover(events, clock, { announce: ports.announceCommandCode, codeShownIn: 'the terminal that started Latchkey', timeoutMs: options.commandConsentTimeoutMs })
    : null;
  const commands = new CommandConsent({
    cipher: ports.cipher,
    secrets: ports.secrets,
    connections: ports.connections,
    audit,
    approver: ports.commandApprover ?? codeApprover,
    timeoutMs: options.commandConsentTimeoutMs,
    keyOpensStore: () => ports.cipher.isAvailable() && !secrets.wrongKey,
  });
  ports.transports.useCommandGate?.(commands.gate);
  const closing = new AbortController();
  const confirmAction = createActionConfirmation(ports.commandApprover ?? codeApprover, audit, closing.signal);
  const programs = wirePrograms({ ports, connections, secrets, registry, consent, audit, journal, events, clock });
  const transfer = new TransferService({ repo: ports.connections, connections, registry, audit, clock, confirm: confirmAction });
  const agentConfigs = new AgentConfigImport({ files: ports.agentConfigs ?? null, connections, audit, clock, confirm: (who, subject) => confirmAction('import-agent-config', who, subject) });
  const operations = new OperationsService({ refs, consent, connections, audit, masking: secrets.masking, transports: ports.transports, clock, testTimeoutMs: options.testTimeoutMs, onUse: (id, who) => programs.usage.count(id, who, 'ref'), commandGate: commands.gate });

  const ollama = new OllamaService({ connections, audit, masking: secrets.masking, transports: ports.transports, events, options: { ...DEFAULT_OLLAMA_OPTIONS, ...options.ollama } });

  const keys = new KeyService({
    cipher: ports.cipher,
    store: ports.secrets,
    vault: ports.keys ?? null,
    secrets,
    audit,
    now: () => clock.now(),
    changed: () => events.emit('system:status', status()),
    reopen: async () => (await audit.reopenKey(), await commands.reopen()),
  });
  const status = () => ({
    // A key other than the one the secrets were saved with is no cipher at all for this store.
    cipher: secrets.wrongKey
      ? { available: false, backend: ports.cipher.backend, reason: secrets.wrongKey, wrongKey: true }
      : { available: ports.cipher.isAvailable(), backend: ports.cipher.backend, reason: ports.cipher.isAvailable() ? null : ports.cipher.unavailableReason() },
    storeProblems: ports.storeProblems?.() ?? [],
    audit: audit.integrity(),
    host: ports.host,
    version: VERSION,
    keys: keyStatus(ports.keys ?? null, keys.kitMade),
  });

  // Before any new event: what a crash kept out of the log goes in first, in its order.
  const recovered = journal.recover();
  for (const p of ports.storeProblems?.() ?? []) void audit.record({ type: 'store.corrupt', outcome: 'error', detail: p.message }).catch(() => undefined);
  if (secrets.wrongKey) {
    void audit.record({ type: 'store.corrupt', outcome: 'error', detail: 'The master key is not the one the secrets were saved with; secrets are refused until it is.' }).catch(() => undefined);
  }
  // Only when every record was read: with connections.json moved aside, every blob looks orphaned.
  // The broker's own blobs (the audit key) belong to no connection and are never orphans.
  const referenced = new Set([...ports.connections.all().flatMap((r) => Object.values(r.secretIds)), ...programs.variables.secretIds(), ...BROKER_BLOB_IDS]);
  const orphans = (ports.storeProblems?.() ?? []).length ? [] : secrets.orphans(referenced);
  const ready = (async () => {
    await recovered.catch(() => undefined);
    await secrets.drop(orphans).catch(() => undefined);
  })();
  // In the background, a chunk at a time: truncation, deleted files and rewriting show in system:status.
  const auditChecked = audit.checkAtStartup().then(
    () => (events.emit('system:status', status()), ports.keys ? keys.learnKitMade().catch(() => undefined) : undefined),
    (error: unknown) => console.error('audit: the startup check failed', error),
  );

  const app: Handlers<AppChannels, CallContext> = {
    'connections:list': (i) => connections.list(i),
    'connections:page': (i) => connections.page(i),
    'connections:get': (i) => connections.get(i.id),
    'connections:create': (i, c) => connections.create(i, c.requester),
    'connections:update': (i, c) => connections.update(i, c.requester),
    'connections:delete': async (i, c) => (await oauth2.revoke(i.id, c.requester), connections.remove(i.id, c.requester)),
    'connections:restore': (i, c) => connections.restore(i.id, c.requester),
    'connections:purge': async (i, c) => (await connections.purge(i.id, c.requester), { ok: true as const }),
    'connections:setSecret': (i, c) => connections.setSecret(i.id, i.field, i.value, 'set', c.requester),
    'connections:replaceSecret': (i, c) => connections.setSecret(i.id, i.field, i.value, 'replace', c.requester),
    'connections:setDefault': (i, c) => connections.setDefault(i.id, c.requester),
    'connections:test': (i, c) => connections.test(i.id, c.requester),
    'connections:testDraft': (i, c) => connections.testDraft(i, c.requester),
    'connections:requestSecretAccess': (i, c) => consent.request(c.requester, i).then(programs.countGrant(i.connectionId, c.requester)),
    'consent:pending': () => eventPrompter.pending(),
    'consent:respond': (i) => (eventPrompter.respond(i.promptId, i.response), { ok: true as const }),
    'commands:pending': () => codeApprover?.pending() ?? [],
    'commands:confirm': (i) => {
      if (!codeApprover) throw new LatchkeyError('UNAVAILABLE', 'Command lines are approved in a dialog of their own here, not with a code');
      return codeApprover.confirm(i.promptId, i.code);
    },
    'grants:list': (i) => consent.listGrants(i.includeInactive),
    'grants:revoke': (i, c) => consent.revoke(i.id, c.requester),
    'audit:list': (i) => audit.list(i),
    'audit:verify': () => audit.verify(),
    'providers:list': () => registry.list(),
    'extensions:list': () => extensions?.list() ?? [],
    'extensions:setEnabled': async (i) => {
      if (!extensions) throw new LatchkeyError('UNAVAILABLE', 'No extension host is running');
      const info = await extensions.setEnabled(i.id, i.enabled);
      events.emit('extensions:changed', {});
      return info;
    },
    'system:status': () => status(),
    'keys:rotate': async (i, c) => (await confirmAction('rotate-master-key', c.requester), keys.rotate(i, c.requester)),
    'keys:exportRecoveryKit': async (i, c) => (await confirmAction('export-recovery-kit', c.requester), keys.exportRecoveryKit(i, c.requester)),
    'keys:restoreFromKit': (i, c) => keys.restoreFromKit(i, c.requester),
    'connections:export': (i, c) => transfer.export(i, c.requester),
    'connections:importPreview': (i) => transfer.preview(i),
    'connections:import': (i, c) => transfer.apply(i, c.requester),
    'connections:signIn': (i, c) => oauth2.signIn(i.id, c.requester),
    'store:generations': async () => ({ generations: (await ports.generations?.list()) ?? [] }),
    'store:restore': async (i, c) => {
      const generations = ports.generations;
      if (!generations) throw new LatchkeyError('UNAVAILABLE', 'This store keeps no earlier versions of its files');
      const { result: message } = await journal.commitWith((audit) => generations.restore(i.file, audit), [
        { type: 'store.restore', requester: c.requester, detail: `${i.file} restored from its last good version` },
      ]);
      // Other blobs may be stored now: what is masked is read again.
      secrets.masking.reset();
      events.emit('connections:changed', { ids: [] });
      events.emit('grants:changed', {});
      events.emit('system:status', status());
      return { ok: true as const, message };
    },
    ...programs.appHandlers,
    'ollama:listModels': (i) => ollama.listModels(i.id),
    'ollama:pull': (i, c) => ollama.pull(i, c.requester),
    'ollama:cancelPull': async (i) => ollama.cancelPull(i),
    'ollama:pulls': async (i) => ollama.pulls(i.id),
    'ollama:delete': (i, c) => ollama.delete(i, c.requester),
    'extensions:runCommand': (i, c) => runExtensionCommand({ extensions: () => extensions, audit, masking: secrets.masking }, i, c.requester),
    'extensions:inspectFolder': (i) => {
      if (!extensions?.inspectFolder) throw new LatchkeyError('UNAVAILABLE', 'No extension host is running');
      return extensions.inspectFolder(i.path);
    },
    'extensions:installFromFolder': (i, c) => installExtension({ extensions: () => extensions, audit, changed: () => events.emit('extensions:changed', {}), confirm: (who, subject) => confirmAction('install-extension', who, subject) }, i, c.requester),
    'agentConfigs:list': () => agentConfigs.list(),
    'agentConfigs:preview': (i) => agentConfigs.preview(i.path),
    'agentConfigs:import': (i, c) => agentConfigs.import(i.path, c.requester),
  };

  const extension: Handlers<ExtensionChannels, CallContext> = {
    'connections:list': (i, c) => listForExtension({ connections, registry, consent }, c.requester, i),
    'secrets:requestAccess': (i, c) => consent.request(c.requester, i).then(programs.countGrant(i.connectionId, c.requester)),
    'secrets:reveal': (i, c) => operations.reveal(c.requester, i.ref),
    'http:fetch': (i, c) => operations.httpFetch(c.requester, i.ref, i.request),
    'sql:query': (i, c) => operations.sqlQuery(c.requester, i.ref, i.query),
    'smtp:send': (i, c) => operations.smtpSend(c.requester, i.ref, i.message),
    'webhook:send': (i, c) => operations.webhookSend(c.requester, i.ref, i.request),
    'mcp:callTool': (i, c) => operations.mcpCallTool(c.requester, i.ref, i.call),
    'redis:command': (i, c) => operations.redisCommand(c.requester, i.ref, { command: i.command, args: i.args }),
  };

  // The requester socket: the extension surface, a catalog to choose from, and connection tests.
  const requester: Handlers<RequesterChannels, CallContext> = {
    ...extension,
    'connections:catalog': (i) => connectionCatalog(connections, registry, i),
    'connections:test': (i, c) => connections.test(i.id, c.requester),
    'templates:render': async (i, c) => {
      const { text, references } = await programs.api.renderTemplate(i.template, c.requester);
      return { text, references };
    },
    'variables:get': async (i, c) => ({ key: i.key, value: (await programs.api.renderTemplate(`{{ var.${i.key} }}`, c.requester)).text }),
    'variables:requestAccess': (i, c) => programs.api.requestVariableAccess(i, c.requester),
    'variables:set': (i, c) => {
      if (c.requester.kind !== 'program') throw new LatchkeyError('FORBIDDEN', 'Only the person\'s own programs (the latchkey CLI) may set variables');
      return programs.variables.set(i, c.requester);
    },
    'connections:import': (i, c) => {
      if (c.requester.kind !== 'program') throw new LatchkeyError('FORBIDDEN', 'Only the person\'s own programs (latchkey import-mcp) may add connections');
      return connections.create(i, c.requester);
    },
    'mcp:launch': (i, c) => operations.mcpLaunch(c.requester, i.ref),
  };

  return {
    // The app's changes are written before their events are appended (the journal), so a window
    // whose budget is spent is refused up front. Extension and agent calls record before they act,
    // and the record knows whether it writes: a coalesced use writes nothing and is never refused,
    // a call that must write waits for a token (bounded) — see AuditService.record.
    app: withAuditBudget(app, audit),
    extension,
    requester,
    endRequesterSession: (who, reason) => {
      consent.abortFor(who, reason);
      refs.revokeRequester(requesterKey(who));
    },
    providers: {
      register: (m, ext) => {
        const manifest = registry.register(m, ext);
        void connections.adoptProvider(manifest.id).catch(() => undefined);
        return manifest;
      },
      reserve: (ids, ext) => registry.reserve(ids, ext),
      unregisterExtension: (ext) => registry.unregisterExtension(ext),
      setAvailable: (ext, available) => registry.setAvailable(ext, available),
      list: () => registry.list(),
      get: (id) => registry.get(id),
    },
    on: (event, listener) => events.on(event, listener),
    attachExtensions: (c) => {
      extensions = c;
      c.onChange?.(() => events.emit('extensions:changed', {}));
    },
    abortConsent: (reason) => {
      consent.abortAll(reason);
      commands.abortAll(reason);
      if (prompter !== eventPrompter) eventPrompter.abortAll(reason);
    },
    abortConsentFor: (requester, reason) => consent.abortFor(requester, reason),
    recordAudit: async (event) => {
      await audit.record(event);
    },
    ready,
    programs: programs.api,
    close: async () => {
      consent.abortAll('Latchkey is quitting');
      oauth2.abortAll('Latchkey is quitting');
      ollama.abortAll();
      closing.abort(new Error('Latchkey is quitting'));
      commands.abortAll('Latchkey is quitting');
      await ready;
      await auditChecked;
      await programs.usage.close();
      await audit.close();
      await ports.transports.close();
    },
    internals: { audit, connections, consent, operations, registry, refs, oauth2 },
  };
}

/**
 * The entry point an in-app agent runtime calls: the same consent and SecretRef path as an
 * extension. The agent gives the name the person sees; its identity is a key issued here, one
 * per session, so an agent that states another's name gets none of that one's grants or refs.
 */
export function createAgentSession(broker: Broker, agent: { displayName: string }): ClientApi<ExtensionChannels> & { readonly requester: Requester } {
  const requester: Requester = Object.freeze({ kind: 'agent', id: `session-${nanoid(24)}`, displayName: agent.displayName });
  const dispatch = createDispatcher(extensionChannels, broker.extension);
  const client = createClient(extensionChannels, (channel, input) => dispatch(channel, input, { requester }));
  // The issued identity, for the runtime's own records (the Access and Audit screens show it).
  return Object.freeze({ ...client, requester });
}
