import { LatchkeyError, VariableAccessRequestInput, VariableKey } from '@latchkey/contracts';
import type { AccessResponse, AppChannels, Handlers, Requester } from '@latchkey/contracts';
import type { AuditService } from '../audit/audit-service.js';
import type { AuditJournal } from '../connections/audit-journal.js';
import type { ConnectionsService } from '../connections/connections-service.js';
import type { ConsentService } from '../consent/consent-service.js';
import type { BrokerEvents } from '../events.js';
import type { Clock, VariableRepository } from '../ports.js';
import type { ProviderRegistry } from '../providers/provider-registry.js';
import type { SecretsService } from '../secrets/secrets-service.js';
import type { BrokerPorts, CallContext } from '../types.js';
import { UsageTracker } from '../usage/usage-tracker.js';
import { EnvironmentOverrides } from './environment-overrides.js';
import { ProgramConnections } from './program-connections.js';
import type { Executor, ProgramsApi } from './programs-api.js';
import { ProgramsService } from './programs-service.js';
import { VariablesService } from './variables-service.js';

type ProgramChannels = Pick<AppChannels, 'variables:list' | 'variables:set' | 'variables:delete' | 'templates:preview' | 'overrides:list' | 'usage:list'>;

/** A host that keeps no variables (no `variables` port): listing works, saving says why not. */
const noVariables: VariableRepository = {
  all: () => [],
  get: () => undefined,
  put: () => Promise.reject(new LatchkeyError('UNAVAILABLE', 'This host keeps no variables')),
  delete: () => Promise.resolve(),
  commit: () => Promise.reject(new LatchkeyError('UNAVAILABLE', 'This host keeps no variables')),
};

/** An executor's identity: the host app names it; the audit and "Used by" show that name. */
export function executorRequester(name: string): Requester {
  const clean = name.trim().slice(0, 120);
  if (!clean) throw new LatchkeyError('VALIDATION', 'An executor needs a name');
  return Object.freeze({ kind: 'app', id: `executor-${clean.replace(/[^A-Za-z0-9_.-]/g, '_')}`, displayName: clean });
}

/** Wires variables, templates, overrides and usage; createBroker spreads the handlers into its app map. */
export function wirePrograms(d: {
  ports: BrokerPorts;
  connections: ConnectionsService;
  secrets: SecretsService;
  registry: ProviderRegistry;
  consent: ConsentService;
  audit: AuditService;
  journal: AuditJournal;
  events: BrokerEvents;
  clock: Clock;
}) {
  const overrides = new EnvironmentOverrides(d.ports.environment ?? {});
  const usage = new UsageTracker({ store: d.ports.usage ?? null, events: d.events, clock: d.clock });
  const variables = new VariablesService({
    repo: d.ports.variables ?? noVariables,
    secrets: d.secrets,
    journal: d.journal,
    overrides,
    events: d.events,
    clock: d.clock,
    dropStaleGrants: (key, binding, actor) => d.consent.dropVariableGrants(key, binding, actor),
  });
  const programConnections = new ProgramConnections({ repo: d.ports.connections, connections: d.connections, registry: d.registry, overrides });
  const service = new ProgramsService({ connections: programConnections, variables, grants: d.ports.grants, consent: d.consent, audit: d.audit, usage, clock: d.clock });

  const appHandlers: Handlers<ProgramChannels, CallContext> = {
    'variables:list': () => variables.list(),
    'variables:set': (i, c) => variables.set(i, c.requester),
    'variables:delete': async (i, c) => (await variables.remove(i.key, c.requester), { ok: true as const }),
    'templates:preview': async (i, c) => {
      const { masked, references } = await service.render(i.template, { as: 'preview', requester: c.requester });
      return { masked, references };
    },
    'overrides:list': () => ({ ...programConnections.overridesList(), variables: overrides.variableKeys().filter((k) => VariableKey.safeParse(k).success) }),
    'usage:list': () => usage.list(),
  };

  const api: ProgramsApi = {
    renderTemplate: (template, requester) => service.render(template, { as: 'requester', requester }),
    requestVariableAccess: (input, requester) => {
      const parsed = VariableAccessRequestInput.parse(input);
      return d.consent.requestVariable(requester, parsed, variables.subject(parsed.key));
    },
    executor: (name): Executor => {
      const requester = executorRequester(name);
      return Object.freeze({
        requester,
        resolveConnection: (idOrName: string) => service.resolveConnection(idOrName, requester),
        renderTemplate: (template: string) => service.render(template, { as: 'executor', requester }),
      });
    },
    // Every stored secret and every produced value: what a host app prints from an executor's work.
    masker: () => d.secrets.masking.maskerFor({}),
    listVariables: () => variables.list(),
  };

  /** A granted request counts toward "Used by". */
  const countGrant = (connectionId: string, requester: Requester) => (response: AccessResponse): AccessResponse => {
    if (response.granted) usage.count(connectionId, requester, 'grant');
    return response;
  };

  return { appHandlers, api, usage, variables, countGrant };
}
