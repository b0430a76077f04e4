import type { ErrorCode, Requester } from '@latchkey/contracts';

/** "Extension GitHub (github)", "Agent Release notes writer (agent.release-notes)", "This app". */
export function requesterLabel(requester: Requester): string {
  switch (requester.kind) {
    case 'extension':
      return `Extension ${requester.displayName} (${requester.id})`;
    case 'agent':
      return `Agent ${requester.displayName} (${requester.id})`;
    case 'app':
      return `${requester.displayName} (this app)`;
  }
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A timestamp for tables; `fallback` when there is none ("Never", "Until revoked"). */
export function formatDateTime(iso: string | null | undefined, fallback = '—'): string {
  if (!iso) return fallback;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? fallback : dateTime.format(date);
}

/**
 * Error messages from the broker are written for a person; anything else gets a plain line.
 * Read as fields, not `instanceof`: errors may cross contextBridge or come from another bundle.
 */
export function errorMessage(error: unknown, fallback: string): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message !== '' ? message : fallback;
}

/** The broker's error code (`NOT_FOUND`, `DENIED`, …), read as a field for the same reason. */
export function errorCode(error: unknown): ErrorCode | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? (code as ErrorCode) : null;
}
