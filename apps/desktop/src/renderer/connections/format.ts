import { conditionsHold, expandTemplate, type Connection, type ConnectionStatus, type ProviderCategory, type ProviderManifest, type TestResult } from '@latchkey/contracts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
export const STALE_AFTER_MS = 7 * DAY;

/** "just now", "2 m ago", "3 h ago", "9 d ago". */
export function timeAgo(iso: string, now: number): string {
  const elapsed = Math.max(0, now - Date.parse(iso));
  if (elapsed < MINUTE) return 'just now';
  if (elapsed < HOUR) return `${Math.floor(elapsed / MINUTE)} m ago`;
  if (elapsed < DAY) return `${Math.floor(elapsed / HOUR)} h ago`;
  return `${Math.floor(elapsed / DAY)} d ago`;
}

export function lastTestedText(connection: Connection, now: number): string {
  return connection.lastTest ? `Last tested ${timeAgo(connection.lastTest.at, now)}` : 'Never tested';
}

/** A warning when nobody has proved the connection works for over 7 days; null otherwise. */
export function stalenessWarning(connection: Connection, now: number): string | null {
  const since = connection.lastTest?.at ?? connection.createdAt;
  const elapsed = now - Date.parse(since);
  if (elapsed <= STALE_AFTER_MS) return null;
  const days = Math.floor(elapsed / DAY);
  return connection.lastTest ? `Not tested for ${days} days` : `Never tested in ${days} days`;
}

/** The one-line target from the manifest's `summary` template, e.g. "db.example.com:5432/app". */
export function targetSummary(manifest: ProviderManifest | undefined, connection: Pick<Connection, 'config'>): string {
  if (!manifest?.summary) return '';
  return expandTemplate(manifest.summary, { config: connection.config }).trim();
}

export const STATUS_LABELS: Record<ConnectionStatus, string> = {
  untested: 'Not tested',
  ok: 'Working',
  error: 'Failing',
  invalid: 'Needs a new secret',
  expired: 'Expired',
};

/**
 * The status a row shows. A connection saved without a secret its type requires (a draft, an
 * import without secrets) says "Secret missing" rather than "Not tested": testing cannot help.
 */
export function statusBadge(connection: Pick<Connection, 'status' | 'config' | 'secretFields'>, manifest: ProviderManifest | undefined): { label: string; className: string } {
  const missing =
    connection.status !== 'invalid' &&
    (manifest?.fields ?? []).some((f) => f.secret && f.required && conditionsHold(f.showWhen, connection.config) && connection.secretFields[f.name] === undefined);
  return missing ? { label: 'Secret missing', className: 'status-missing' } : { label: STATUS_LABELS[connection.status], className: `status-${connection.status}` };
}

/** Why a row says "Default", for its tooltip. */
export const DEFAULT_TOOLTIP = 'Used when an extension or agent asks for this type of connection without naming one.';

export const CATEGORY_LABELS: Record<ProviderCategory, string> = {
  database: 'Databases',
  http: 'HTTP APIs',
  email: 'Email (SMTP)',
  webhook: 'Webhooks',
  ai: 'AI providers',
  oauth2: 'OAuth2 services',
  mcp: 'MCP tool servers',
  other: 'Other',
};
export const CATEGORY_ORDER = Object.keys(CATEGORY_LABELS) as ProviderCategory[];

/** "✓ Connected (82 ms)" or "✗ Authentication failed: 401 Unauthorized". */
export function testResultText(result: Pick<TestResult, 'ok' | 'latencyMs' | 'message'>): string {
  return result.ok ? `✓ Connected (${Math.round(result.latencyMs)} ms)` : `✗ ${result.message}`;
}

/** Loopback hosts need no TLS by default; everything else gets SSL switched on. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}
