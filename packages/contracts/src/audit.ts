import { z } from 'zod';
import { Id, IsoDate, Requester } from './common.js';
import { Scope } from './secrets.js';

export const AuditType = z.enum([
  'connection.create',
  'connection.update',
  'connection.delete',
  'connection.restore',
  'connection.purge',
  'connection.test',
  'secret.set',
  'secret.replace',
  'secret.invalid',
  'secret.reveal',
  'access.request',
  'access.grant',
  'access.deny',
  'command.approve',
  'command.deny',
  'grant.revoke',
  'ref.use',
  'ref.refused',
  'store.corrupt',
  'store.restore',
  /** The master key was replaced and every blob re-encrypted under the new one. */
  'key.rotate',
  /** A recovery kit was made, or the master key was restored from one. */
  'key.recovery',
  /** Connections were exported (with secrets only after the person confirmed) or imported. */
  'connection.export',
  'connection.import',
  'extension.crash',
  'extension.state',
  'boundary.refused',
  /** The log's own history: retention dropped a file, or the chain became keyed. */
  'audit.checkpoint',
  /** A requester passed its audit budget; one summary per window instead of its events. */
  'audit.throttled',
  /** The startup check found the log cut, rewritten or out of step with its head. */
  'audit.integrity',
  /** A variable was created or changed (`variable.replace`: its value replaced), or deleted. */
  'variable.set',
  'variable.replace',
  'variable.delete',
  /** A template was rendered for a requester or an executor (coalesced like ref uses). */
  'template.use',
  /** OAuth2: a sign-in, a token refresh, a refresh that failed (connection expired), a revocation. */
  'oauth2.signIn',
  'oauth2.refresh',
  'oauth2.expired',
  'oauth2.revoke',
  /** A model was pulled onto, or deleted from, an Ollama connection's server by the person. */
  'model.pull',
  'model.delete',
  /** The person ran an extension's declared command from the app. */
  'extension.command',
  /** The person installed an extension from a folder (or the install was refused). */
  'extension.install',
]);
export type AuditType = z.infer<typeof AuditType>;

/** An audit event as the services write it: facts only, never a secret value. */
export const AuditEventInput = z.strictObject({
  type: AuditType,
  outcome: z.enum(['ok', 'denied', 'error']).default('ok'),
  connectionId: Id.optional(),
  requester: Requester.optional(),
  scopes: z.array(Scope).optional(),
  grantId: Id.optional(),
  detail: z.string().max(1000).optional(),
  /**
   * Set when the event was written ahead with the change it records (connections.json's journal):
   * after a crash, the journal's events whose id is not in the log yet are appended.
   */
  eventId: z.string().min(1).max(64).optional(),
  /** On a retention checkpoint: the file rotation dropped, so verify can tell retention from deletion. */
  retention: z
    .strictObject({ file: z.string().max(200), fromSeq: z.number().int().nonnegative(), toSeq: z.number().int().nonnegative(), lastHash: z.string().max(128) })
    .optional(),
});
export type AuditEventInput = z.input<typeof AuditEventInput>;

export const AuditEvent = AuditEventInput.extend({
  seq: z.number().int().nonnegative(),
  at: IsoDate,
  prevHash: z.string(),
  hash: z.string(),
  /** How `hash` was made; absent on lines written before the chain was keyed (plain SHA-256). */
  alg: z.enum(['sha256', 'hmac-sha256']).optional(),
}).strict();
export type AuditHashAlg = NonNullable<AuditEvent['alg']>;
export type AuditEvent = z.infer<typeof AuditEvent>;

export const AuditQuery = z
  .strictObject({
    connectionId: Id.optional(),
    requesterId: z.string().optional(),
    types: z.array(AuditType).optional(),
    from: IsoDate.optional(),
    to: IsoDate.optional(),
    /** Newest first; `before` pages to older events by sequence number. */
    before: z.number().int().optional(),
    limit: z.number().int().min(1).max(1000).default(100),
  })
  .default({ limit: 100 });
export type AuditQuery = z.input<typeof AuditQuery>;

export const AuditPage = z.strictObject({ events: z.array(AuditEvent), nextBefore: z.number().int().nullable(), total: z.number().int() });
export type AuditPage = z.infer<typeof AuditPage>;

export const AuditVerifyResult = z.strictObject({
  ok: z.boolean(),
  events: z.number().int(),
  /** The first event whose link is broken, and why. */
  brokenAt: z.strictObject({ seq: z.number().int(), file: z.string(), reason: z.string() }).nullable(),
  message: z.string(),
});
export type AuditVerifyResult = z.infer<typeof AuditVerifyResult>;

/** What the startup check found, for system:status and the Audit screen. */
export const AuditIntegrity = z.strictObject({
  /** `checking` until the startup check has read the whole log (it runs in the background). */
  state: z.enum(['checking', 'ok', 'problem']),
  /** False when no cipher protects an audit key: the chain is plain SHA-256, anyone can recompute it. */
  keyed: z.boolean(),
  message: z.string(),
  problems: z.array(z.string()),
  checkedAt: IsoDate.nullable(),
});
export type AuditIntegrity = z.infer<typeof AuditIntegrity>;
