import { Bot, Cable, Database, Globe, KeyRound, Mail, Plug, Webhook, type LucideIcon } from 'lucide-react';
import { siAnthropic, siGithub, siMysql, siOllama, siPostgresql, siSqlite, type SimpleIcon } from 'simple-icons';
import type { ProviderCategory, ProviderInfo } from '@latchkey/contracts';

/**
 * Icons are SVG drawn from the bundle, never emoji (they show as empty boxes where no emoji font
 * is installed) and never a remote URL. Brands come from simple-icons, everything else from
 * lucide. Simple-icons has no OpenAI or SQL Server mark (their owners withdrew them): those get
 * a lucide icon like any other provider of their category.
 */
const BRANDS: Record<string, SimpleIcon> = {
  postgres: siPostgresql,
  mysql: siMysql,
  sqlite: siSqlite,
  github: siGithub,
  anthropic: siAnthropic,
  ollama: siOllama,
};

const BY_ID: Record<string, LucideIcon> = {
  openai: Bot,
  mssql: Database,
  http: Globe,
  smtp: Mail,
  webhook: Webhook,
  mcp: Cable,
};

const BY_CATEGORY: Record<ProviderCategory, LucideIcon> = {
  database: Database,
  http: Globe,
  ai: Bot,
  email: Mail,
  webhook: Webhook,
  oauth2: KeyRound,
  mcp: Cable,
  other: Plug,
};

/** Manifests ship with Latchkey under this scope; only those may wear a well-known brand. */
const BUILT_IN_SCOPE = '@latchkey/';

/** A short text badge ("PG", "S3", "K8s"): letters, digits and a little punctuation, no emoji. */
const TEXT_BADGE = /^[\p{L}\p{N}][\p{L}\p{N} .+#&_-]{0,7}$/u;

export type ProviderIconSource = { kind: 'brand'; icon: SimpleIcon } | { kind: 'lucide'; icon: LucideIcon } | { kind: 'badge'; text: string };

/**
 * Which icon a provider gets: a built-in provider's brand or its own lucide icon; a third-party
 * provider's text badge when its manifest gives one; otherwise its category's icon (a third party
 * cannot borrow a brand by naming itself "github", and its emoji is not drawn).
 */
export function providerIconSource(provider: Pick<ProviderInfo, 'manifest' | 'extensionId'> | undefined): ProviderIconSource {
  if (!provider) return { kind: 'lucide', icon: Plug };
  const { id, icon, category } = provider.manifest;
  if (provider.extensionId.startsWith(BUILT_IN_SCOPE)) {
    const brand = BRANDS[id];
    if (brand) return { kind: 'brand', icon: brand };
    const own = BY_ID[id];
    if (own) return { kind: 'lucide', icon: own };
  }
  if (TEXT_BADGE.test(icon)) return { kind: 'badge', text: icon };
  return { kind: 'lucide', icon: BY_CATEGORY[category] ?? Plug };
}

export interface ProviderIconProps {
  provider: Pick<ProviderInfo, 'manifest' | 'extensionId'> | undefined;
  /** Pixels; the icon is square. */
  size?: number;
}

/** Decorative: the provider's name is always written next to it, so it is hidden from screen readers. */
export function ProviderIcon({ provider, size = 22 }: ProviderIconProps) {
  const source = providerIconSource(provider);
  if (source.kind === 'badge') {
    return (
      <span className="provider-badge" aria-hidden="true" data-icon="badge">
        {source.text}
      </span>
    );
  }
  if (source.kind === 'brand') {
    return (
      <svg className="provider-icon" width={size} height={size} viewBox="0 0 24 24" aria-hidden="true" focusable="false" data-icon={source.icon.slug}>
        <path d={source.icon.path} fill="currentColor" />
      </svg>
    );
  }
  const Icon = source.icon;
  return <Icon className="provider-icon" size={size} aria-hidden="true" focusable="false" data-icon="lucide" />;
}
