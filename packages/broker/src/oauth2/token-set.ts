import { z } from 'zod';
import type { OAuth2Spec } from '@latchkey/contracts';
import type { TokenResponse } from './protocol.js';

/**
 * The secret field an OAuth2 connection's tokens are stored under: one blob, so a rotated
 * refresh token and its access token land in one write (never a new access token beside a
 * refresh token the provider already retired). Not a manifest field: nothing outside the broker
 * can set it, and the renderer sees only that it is set.
 */
export const TOKEN_FIELD = 'oauth2Token';

/** Only strings that are secrets and numbers: the masker hides every string member of a JSON secret. */
export const TokenSet = z.strictObject({
  accessToken: z.string().min(1),
  refreshToken: z.string().min(1).optional(),
  /** Epoch ms; absent when the provider gave no lifetime. */
  expiresAt: z.number().optional(),
  /** A client the broker registered itself (RFC 7591), for the refreshes that follow. */
  clientId: z.string().min(1).optional(),
  /** For a discovered server: a digest of the authorization server the tokens came from. */
  server: z.string().max(64).optional(),
  /** When to refresh: a minute before expiry, or halfway through a lifetime shorter than two minutes. */
  refreshAt: z.number().optional(),
});
export type TokenSet = z.infer<typeof TokenSet>;

/** How long before `expiresAt` a token counts as expired: a call must not start with a token about to die. */
export const REFRESH_AHEAD_MS = 60_000;

/** The lifetime a token response gives, by `expires_in` or the manifest's `expiresInBody` rule. */
export function expiresAtOf(response: TokenResponse, spec: OAuth2Spec, now: number): number | undefined {
  const rule = spec.expiresInBody;
  if (rule) {
    const v = response.extra[rule.field];
    const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
    if (typeof n === 'number' && Number.isFinite(n) && n > 0) return rule.unit === 'epoch-seconds' ? n * 1000 : now + n * 1000;
  }
  return typeof response.expiresIn === 'number' && response.expiresIn > 0 ? now + response.expiresIn * 1000 : undefined;
}

/** The new set after a token response; a provider that does not rotate keeps the refresh token it had. */
export function nextTokenSet(response: TokenResponse, spec: OAuth2Spec, now: number, previous?: TokenSet): TokenSet {
  const expiresAt = expiresAtOf(response, spec, now);
  const refreshToken = response.refreshToken ?? previous?.refreshToken;
  const refreshAt = expiresAt !== undefined ? expiresAt - Math.min(REFRESH_AHEAD_MS, Math.max(0, expiresAt - now) / 2) : undefined;
  return { accessToken: response.accessToken, ...(refreshToken ? { refreshToken } : {}), ...(expiresAt !== undefined ? { expiresAt, refreshAt } : {}) };
}

export function parseTokenSet(raw: string | undefined): TokenSet | null {
  if (!raw) return null;
  try {
    const parsed = TokenSet.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function isFresh(tokens: TokenSet, now: number): boolean {
  if (tokens.expiresAt === undefined) return true;
  return now < (tokens.refreshAt ?? tokens.expiresAt - REFRESH_AHEAD_MS);
}
