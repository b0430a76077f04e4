import type { ExtensionConnection, ProviderCategory, Requester } from '@latchkey/contracts';
import type { ConsentService } from '../consent/consent-service.js';
import type { ProviderRegistry } from '../providers/provider-registry.js';
import type { ConnectionsService } from './connections-service.js';

export interface ExtensionViewDeps {
  connections: ConnectionsService;
  registry: ProviderRegistry;
  consent: ConsentService;
}

/**
 * What an extension or agent sees of the person's connections. Without a grant, enough to
 * choose one (id, name, provider, default, status) — settings and test messages can name hosts,
 * users and internal paths the person never agreed to share. Settings only where the requester
 * holds an active grant. Which connections: those of the providers it asks for (a provider id
 * or category in the query), else those of the providers it declares and those it holds a
 * grant on.
 */
export function listForExtension(d: ExtensionViewDeps, requester: Requester, query: { providerId?: string; category?: ProviderCategory }): ExtensionConnection[] {
  const granted = d.consent.grantedConnections(requester);
  const asked = query.providerId !== undefined || query.category !== undefined;
  const declared = new Set(requester.kind === 'extension' ? d.registry.list().filter((p) => p.extensionId === requester.id).map((p) => p.manifest.id) : []);
  return d.connections
    .list({ providerId: query.providerId, category: query.category, deleted: false })
    .filter((c) => asked || declared.has(c.providerId) || granted.has(c.id))
    .map((c) => {
      const base: ExtensionConnection = { id: c.id, name: c.name, providerId: c.providerId, isDefault: c.isDefault, status: c.status };
      return granted.has(c.id) ? { ...base, config: c.config, secretFields: c.secretFields } : base;
    });
}
