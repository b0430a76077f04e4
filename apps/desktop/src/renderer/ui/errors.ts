import type { ErrorCode } from '@latchkey/contracts';

/**
 * Errors arrive from another bundle (the bridge script) or across contextBridge, so
 * `instanceof LatchkeyError` cannot be trusted here: read the fields instead.
 */
export function errorCode(error: unknown): ErrorCode | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? (code as ErrorCode) : null;
}

export function errorIssues(error: unknown): { path: string; message: string }[] {
  const issues = (error as { issues?: unknown } | null)?.issues;
  return Array.isArray(issues) ? (issues as { path: string; message: string }[]) : [];
}

/** A failure in words for the person. */
export function errorMessage(error: unknown, fallback = 'Something went wrong. Try again.'): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message !== '' ? message : fallback;
}
