import type { Json } from '@latchkey/contracts';

/** A connection an import proposes: provider, name, readable settings and secrets kept apart. */
export interface ImportDraft {
  providerId: string;
  name: string;
  config: Record<string, Json>;
  secrets: Record<string, string>;
}

const decode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

const port = (url: URL): number | undefined => (url.port ? Number(url.port) : undefined);
const withPort = (config: Record<string, Json>, url: URL): Record<string, Json> => {
  const p = port(url);
  return p === undefined ? config : { ...config, port: p };
};
const credentials = (url: URL, userField: string): { config: Record<string, Json>; secrets: Record<string, string> } => ({
  config: url.username ? { [userField]: decode(url.username) } : {},
  secrets: url.password ? { password: decode(url.password) } : {},
});

const SSL_MODES_ON = new Set(['require', 'verify-ca', 'verify-full', 'true', '1']);

/**
 * A connection URI as a draft, or null for a scheme Latchkey has no provider for. Credentials in
 * the URI become secrets, never part of a readable setting (a URL with a password in it would
 * otherwise be shown and exported as plain text).
 */
export function parseConnectionUri(uri: string, name?: string): ImportDraft | null {
  let url: URL;
  try {
    url = new URL(uri.trim());
  } catch {
    return null;
  }
  const scheme = url.protocol.replace(/:$/, '').toLowerCase();
  const host = decode(url.hostname.replace(/^\[|\]$/g, ''));
  const path = decode(url.pathname.replace(/^\//, ''));
  const query = url.searchParams;
  const fallbackName = `${host || scheme}${path && !/^https?$/.test(scheme) ? `/${path}` : ''}`;
  const draft = (providerId: string, config: Record<string, Json>, secrets: Record<string, string>): ImportDraft => ({ providerId, name: (name ?? fallbackName).slice(0, 120), config, secrets });

  switch (scheme) {
    case 'postgres':
    case 'postgresql':
    case 'mysql':
    case 'mariadb': {
      if (!host) return null;
      const { config, secrets } = credentials(url, 'user');
      const sslmode = (query.get('sslmode') ?? query.get('ssl') ?? '').toLowerCase();
      const providerId = scheme.startsWith('postgres') ? 'postgres' : 'mysql';
      return draft(providerId, withPort({ host, ...(path ? { database: path } : {}), ...config, ...(SSL_MODES_ON.has(sslmode) ? { ssl: true } : {}) }, url), secrets);
    }
    case 'redis':
    case 'rediss': {
      if (!host) return null;
      const { config, secrets } = credentials(url, 'username');
      const db: Record<string, Json> = /^\d+$/.test(path) ? { database: Number(path) } : {};
      return draft('redis', withPort({ host, ...config, ...db, ...(scheme === 'rediss' ? { tls: true } : {}) }, url), secrets);
    }
    case 'smtp':
    case 'smtps': {
      if (!host) return null;
      const { config, secrets } = credentials(url, 'user');
      const user = typeof config['user'] === 'string' ? config['user'] : '';
      const from = query.get('from') ?? (user.includes('@') ? user : null);
      return draft('smtp', withPort({ host, encryption: scheme === 'smtps' ? 'ssl' : 'tls', ...config, ...(from ? { from } : {}) }, url), secrets);
    }
    case 'http':
    case 'https': {
      if (!host) return null;
      const username = decode(url.username);
      const password = decode(url.password);
      url.username = '';
      url.password = '';
      const baseUrl = `${url.origin}${url.pathname === '/' ? '' : url.pathname}`;
      if (username || password) return draft('http', { baseUrl, authType: 'basic', username }, password ? { password } : {});
      return draft('http', { baseUrl, authType: 'none' }, {});
    }
    default:
      return null;
  }
}
