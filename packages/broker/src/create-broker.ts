import { LatchkeyError, createClient, createDispatcher, extensionChannels } from '@latchkey/contracts';
import type { AppChannels, ClientApi, ExtensionChannels, Handlers, Requester } from '@latchkey/contracts';
import { AuditService } from './audit/audit-service.js';
import { withAuditBudget } from './audit/with-audit-budget.js';
import { systemClock } from './clock.js';
import { ConnectionsService } from './connections/connections-service.js';
import { ConsentService } from './consent/consent-service.js';
import { EventPrompter } from './consent/event-prompter.js';
import { RefRegistry } from './consent/ref-registry.js';
import { BrokerEvents } from './events.js';
import { OperationsService } from './operations/operations-service.js';
import { ProviderRegistry } from './providers/provider-registry.js';
import { SecretsService } from './secrets/secrets-service.js';
import type { Broker, BrokerOptions, BrokerPorts, CallContext, ExtensionController } from './types.js';

export const DEFAULT_OPTIONS: BrokerOptions = {
  consentTimeoutMs: 60_000,
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
}

/** The only place services are wired. Each app is a composition root that calls this with its adapters. */
export function createBroker(ports: BrokerPorts): Broker & { readonly internals: BrokerInternals } {
  const options: BrokerOptions = { ...DEFAULT_OPTIONS, ...ports.options };
  const clock = ports.clock ?? systemClock;
  const events = new BrokerEvents();
  // The chain is keyed whenever the cipher can protect a key (stored as one more cipher blob).
  const audit = new AuditService(ports.audit, clock, { cipher: ports.cipher, secrets: ports.secrets, ...(options.auditRates ? { rates: options.auditRates } : {}) });
  const registry = new ProviderRegistry();
  const refs = new RefRegistry();
  const secrets = new SecretsService(ports.cipher, ports.secrets);
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
    events,
    transports: ports.transports,
    clock,
    testTimeoutMs: options.testTimeoutMs,
    onPurged: (id): Promise<void> => consent.purgeConnection(id),
  });
  const consent: ConsentService = new ConsentService({ grants: ports.grants, connections, registry, audit, events, prompter, refs, clock, options });
  const operations = new OperationsService({ refs, consent, connections, audit, transports: ports.transports, clock, testTimeoutMs: options.testTimeoutMs });

  const status = () => ({
    cipher: { available: ports.cipher.isAvailable(), backend: ports.cipher.backend, reason: ports.cipher.isAvailable() ? null : ports.cipher.unavailableReason() },
    storeProblems: ports.storeProblems?.() ?? [],
    audit: audit.integrity(),
    host: ports.host,
    version: VERSION,
  });

  for (const p of ports.storeProblems?.() ?? []) void audit.record({ type: 'store.corrupt', outcome: 'error', detail: p.message }).catch(() => undefined);
  // In the background, a chunk at a time: truncation, deleted files and rewriting show in system:status.
  const auditChecked = audit.checkAtStartup().then(
    () => events.emit('system:status', status()),
    (error: unknown) => console.error('audit: the startup check failed', error),
  );

  const app: Handlers<AppChannels, CallContext> = {
    'connections:list': (i) => connections.list(i),
    'connections:get': (i) => connections.get(i.id),
    'connections:create': (i, c) => connections.create(i, c.requester),
    'connections:update': (i, c) => connections.update(i, c.requester),
    'connections:delete': (i, c) => connections.remove(i.id, c.requester),
    'connections:restore': (i, c) => connections.restore(i.id, c.requester),
    'connections:purge': async (i, c) => (await connections.purge(i.id, c.requester), { ok: true as const }),
    'connections:setSecret': (i, c) => connections.setSecret(i.id, i.field, i.value, 'set', c.requester),
    'connections:replaceSecret': (i, c) => connections.setSecret(i.id, i.field, i.value, 'replace', c.requester),
    'connections:setDefault': (i, c) => connections.setDefault(i.id, c.requester),
    'connections:test': (i, c) => connections.test(i.id, c.requester),
    'connections:testDraft': (i, c) => connections.testDraft(i, c.requester),
    'connections:requestSecretAccess': (i, c) => consent.request(c.requester, i),
    'consent:pending': () => eventPrompter.pending(),
    'consent:respond': (i) => (eventPrompter.respond(i.promptId, i.response), { ok: true as const }),
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
  };

  const extension: Handlers<ExtensionChannels, CallContext> = {
    'connections:list': (i) => connections.list({ providerId: i.providerId, category: i.category, deleted: false }),
    'secrets:requestAccess': (i, c) => consent.request(c.requester, i),
    'secrets:reveal': (i, c) => operations.reveal(c.requester, i.ref),
    'http:fetch': (i, c) => operations.httpFetch(c.requester, i.ref, i.request),
    'sql:query': (i, c) => operations.sqlQuery(c.requester, i.ref, i.query),
    'smtp:send': (i, c) => operations.smtpSend(c.requester, i.ref, i.message),
    'webhook:send': (i, c) => operations.webhookSend(c.requester, i.ref, i.request),
    'mcp:callTool': (i, c) => operations.mcpCallTool(c.requester, i.ref, i.call),
  };

  return {
    // A requester whose audit budget is spent is refused up front: nothing runs, nothing is written.
    app: withAuditBudget(app, audit),
    extension: withAuditBudget(extension, audit),
    providers: {
      register: (m, ext) => registry.register(m, ext),
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
      if (prompter !== eventPrompter) eventPrompter.abortAll(reason);
    },
    abortConsentFor: (requester, reason) => consent.abortFor(requester, reason),
    recordAudit: async (event) => {
      await audit.record(event);
    },
    close: async () => {
      consent.abortAll('Latchkey is quitting');
      await auditChecked;
      await audit.flush();
      await ports.transports.close();
    },
    internals: { audit, connections, consent, operations, registry, refs },
  };
}

/**
 * The entry point an in-app agent runtime calls: the same consent and SecretRef path as an
 * extension, with the agent named as the requester.
 */
export function createAgentSession(broker: Broker, agent: { id: string; displayName: string }): ClientApi<ExtensionChannels> {
  const requester: Requester = { kind: 'agent', id: agent.id, displayName: agent.displayName };
  const dispatch = createDispatcher(extensionChannels, broker.extension);
  return createClient(extensionChannels, (channel, input) => dispatch(channel, input, { requester }));
}
