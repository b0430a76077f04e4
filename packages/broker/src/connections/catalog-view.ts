import { expandTemplate } from '@latchkey/contracts';
import type { ConnectionCatalogEntry, ProviderCategory } from '@latchkey/contracts';
import type { ProviderRegistry } from '../providers/provider-registry.js';
import type { ConnectionsService } from './connections-service.js';

/**
 * What a socket requester (an agent through `latchkey mcp`, the CLI) may choose from before it
 * holds a grant: name, type and the target line the consent modal shows for it (the provider's
 * `summary` over non-secret settings). Secret fields never reach a summary: a template can name
 * only `config`, and config holds no secret (secrets live in their own store). But a URL typed
 * with a key in its query (`…/mcp?apiKey=…`, as remote MCP servers often document) would carry
 * one: every query value is shown as `…` to requesters that hold no grant yet.
 */
export function connectionCatalog(connections: ConnectionsService, registry: ProviderRegistry, query: { category?: ProviderCategory }): ConnectionCatalogEntry[] {
  const out: ConnectionCatalogEntry[] = [];
  for (const c of connections.list({ category: query.category, deleted: false })) {
    const info = registry.get(c.providerId);
    if (!info) continue;
    const m = info.manifest;
    out.push({
      id: c.id,
      name: c.name,
      providerId: c.providerId,
      providerName: m.name,
      category: m.category,
      target: withoutQueryValues(m.summary ? expandTemplate(m.summary, { config: c.config }) : m.name),
      operations: [...m.operations],
      isDefault: c.isDefault,
      status: c.status,
    });
  }
  return out;
}

/** `https://h/p?apiKey=abc&x=1#frag` → `https://h/p?apiKey=…&x=…#…`: names stay, values go. */
export function withoutQueryValues(text: string): string {
  return text.replace(/([?&][^=&#\s]*=)[^&#\s]*/g, '$1…').replace(/#\S+/g, '#…');
}
