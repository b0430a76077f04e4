import { z } from 'zod';

/** Codes the UI and extensions act on; the message is for a person. */
export const ErrorCode = z.enum([
  'VALIDATION',
  'NOT_FOUND',
  'DENIED',
  'FORBIDDEN',
  'CIPHER_UNAVAILABLE',
  'CONFLICT',
  'THROTTLED',
  /** Too much live work for one requester (open SecretRefs); reuse what it holds or wait. */
  'BUSY',
  /** A requester passed its audit budget: refused before anything was written. */
  'RATE_LIMITED',
  'INVALID_SECRET',
  'UNAVAILABLE',
  'TIMEOUT',
  /** The disk (or the person's quota) is full: nothing was changed. */
  'STORAGE_FULL',
  /** The data folder cannot be written (read-only, or no permission): nothing was changed. */
  'STORAGE_READ_ONLY',
  /** Another storage failure: nothing was changed. */
  'STORAGE_FAILED',
  /** The master key is not the one the stored secrets were saved with: secrets are refused. */
  'WRONG_KEY',
  /** A recovery kit was opened with a passphrase that is not the one it was made with: nothing changed. */
  'WRONG_PASSPHRASE',
  /** A recovery kit is not one, was changed, or holds a key that is not this store's: nothing changed. */
  'INVALID_KIT',
  /** A connections bundle is not one, or was changed: nothing was imported. */
  'INVALID_BUNDLE',
  'INTERNAL',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorPayload = z.strictObject({
  code: ErrorCode,
  message: z.string(),
  issues: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional(),
});
export type ErrorPayload = z.infer<typeof ErrorPayload>;

export class LatchkeyError extends Error {
  readonly code: ErrorCode;
  readonly issues: ErrorPayload['issues'];
  constructor(code: ErrorCode, message: string, issues?: ErrorPayload['issues']) {
    super(message);
    this.name = 'LatchkeyError';
    this.code = code;
    this.issues = issues;
  }
  toPayload(): ErrorPayload {
    return this.issues ? { code: this.code, message: this.message, issues: this.issues } : { code: this.code, message: this.message };
  }
}

export function isLatchkeyError(e: unknown): e is LatchkeyError {
  return e instanceof LatchkeyError;
}

/** Turns a Zod failure into a VALIDATION error a person can read: "name: Required". */
export function validationError(error: z.ZodError, what = 'Invalid input'): LatchkeyError {
  const issues = error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  const first = issues[0];
  const summary = first ? `${what}: ${first.path ? `${first.path}: ` : ''}${first.message}` : what;
  return new LatchkeyError('VALIDATION', summary, issues);
}
