// @ts-check
/**
 * The GitHub extension, written as any third party would write one: plain ESM, no imports at
 * run time (the SDK is only used for types), the token never in reach.
 */

const HEADERS = { Accept: 'application/vnd.github+json', 'X-GitHub-Api-Version': '2022-11-28' };

/**
 * Picks the connection to use: the one asked for, else the default GitHub connection, else the
 * only one.
 * @param {import('@latchkey/extension-sdk').ExtensionContext} ctx
 * @param {unknown} connectionId
 */
async function pickConnection(ctx, connectionId) {
  const connections = await ctx.connections.list({ providerId: 'github' });
  if (typeof connectionId === 'string') {
    const found = connections.find((c) => c.id === connectionId);
    if (!found) throw new Error(`No GitHub connection with id ${connectionId}`);
    return found;
  }
  const chosen = connections.find((c) => c.isDefault) ?? (connections.length === 1 ? connections[0] : undefined);
  if (!chosen) {
    throw new Error(connections.length ? 'Several GitHub connections exist; pass { connectionId }' : 'Add a GitHub connection in Settings → Connections first');
  }
  return chosen;
}

/**
 * @param {import('@latchkey/extension-sdk').ExtensionContext} ctx
 * @param {import('@latchkey/extension-sdk').Json} args `{ connectionId?: string }`
 * @returns {Promise<import('@latchkey/extension-sdk').Json>}
 */
async function listRepositories(ctx, args) {
  const connectionId = args && typeof args === 'object' && !Array.isArray(args) ? args.connectionId : undefined;
  const connection = await pickConnection(ctx, connectionId);
  const access = await ctx.secrets.requestAccess({ connectionId: connection.id, reason: 'List your repositories', scopes: ['http.fetch'] });
  if (!access.granted) return { granted: false, reason: access.reason, message: access.message };

  const response = await ctx.http.fetch(access.secretRef, { url: '/user/repos', headers: HEADERS });
  if (response.status !== 200) throw new Error(`GitHub answered ${response.status} ${response.statusText}`);
  /** @type {Array<{ full_name: string, private: boolean, html_url: string }>} */
  const repos = JSON.parse(response.body);
  return {
    granted: true,
    connection: connection.name,
    repositories: repos.map((r) => ({ fullName: r.full_name, private: r.private, url: r.html_url })),
  };
}

/** @type {import('@latchkey/extension-sdk').Extension} */
export default {
  activate(ctx) {
    ctx.commands.register('listRepositories', (args) => listRepositories(ctx, args));
  },
};
