import { parseConnectionUri, type ImportDraft } from './connection-uri.js';

/** `KEY=value` lines of a `.env` file: `export`, comments and single or double quotes as dotenv reads them. */
export function parseEnvLines(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2]!;
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.lastIndexOf(quote) > 0) {
      value = value.slice(1, value.lastIndexOf(quote));
      if (quote === '"') value = value.replace(/\\n/g, '\n').replace(/\\"/g, '"');
    } else {
      value = value.replace(/\s+#.*$/, '').trim();
    }
    out.set(m[1]!, value);
  }
  return out;
}

/** Keys that are a whole connection's secret on their own. */
const API_KEYS: Record<string, string> = { OPENAI_API_KEY: 'openai', ANTHROPIC_API_KEY: 'anthropic' };

/**
 * The connections a `.env` file describes: every value that is a connection URI (DATABASE_URL,
 * REDIS_URL, SMTP_URL…), the libpq PG* variables, and AI providers' API keys. The rest is
 * ignored and named back (names only).
 */
export function draftsFromEnv(text: string): { drafts: ImportDraft[]; ignored: string[] } {
  const vars = parseEnvLines(text);
  const drafts: ImportDraft[] = [];
  const used = new Set<string>();
  for (const [key, value] of vars) {
    const provider = API_KEYS[key];
    if (provider && value) {
      drafts.push({ providerId: provider, name: key, config: {}, secrets: { apiKey: value } });
      used.add(key);
      continue;
    }
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) continue;
    const draft = parseConnectionUri(value, key);
    if (draft) {
      drafts.push(draft);
      used.add(key);
    }
  }
  if (vars.has('PGHOST')) {
    const pg = ['PGHOST', 'PGPORT', 'PGDATABASE', 'PGUSER', 'PGPASSWORD', 'PGSSLMODE'];
    const sslmode = vars.get('PGSSLMODE') ?? '';
    drafts.push({
      providerId: 'postgres',
      name: 'PGHOST',
      config: {
        host: vars.get('PGHOST')!,
        ...(vars.get('PGPORT') && /^\d+$/.test(vars.get('PGPORT')!) ? { port: Number(vars.get('PGPORT')) } : {}),
        ...(vars.get('PGDATABASE') ? { database: vars.get('PGDATABASE')! } : {}),
        ...(vars.get('PGUSER') ? { user: vars.get('PGUSER')! } : {}),
        ...(/^(require|verify-ca|verify-full)$/.test(sslmode) ? { ssl: true } : {}),
      },
      secrets: vars.get('PGPASSWORD') ? { password: vars.get('PGPASSWORD')! } : {},
    });
    for (const k of pg) if (vars.has(k)) used.add(k);
  }
  return { drafts, ignored: [...vars.keys()].filter((k) => !used.has(k)) };
}
