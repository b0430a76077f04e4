import { z } from 'zod';
import { Id, IsoDate, Requester } from './common.js';
import { VariableKey } from './programs.js';
import { Scope, SecretRef } from './secrets.js';

/**
 * What the call that asks will do, as the requester states it (an agent's HTTP method and path,
 * its SQL text, an email's recipients). The modal shows it apart from the reason, labelled as the
 * requester's statement; it is not a limit on the grant.
 */
export const AccessIntent = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('http'), method: z.string().min(1).max(10), path: z.string().max(2000) }),
  z.strictObject({ kind: z.literal('sql'), sql: z.string().max(10_000) }),
  z.strictObject({ kind: z.literal('email'), to: z.array(z.string().max(320)).max(100), subject: z.string().max(998) }),
  z.strictObject({ kind: z.literal('call'), summary: z.string().max(500) }),
]);
export type AccessIntent = z.infer<typeof AccessIntent>;

export const AccessRequestInput = z.strictObject({
  connectionId: Id,
  reason: z.string().trim().min(1, 'A reason is required').max(500),
  scopes: z.array(Scope).min(1).max(6),
  intent: AccessIntent.optional(),
});
export type AccessRequestInput = z.infer<typeof AccessRequestInput>;

/**
 * A requester (the CLI, an agent) asks for a secret variable's value. The only scope is `reveal`:
 * the value leaves Latchkey, so the modal says so. The answer is a grant, no ref — the value is
 * then read through a template or `variables:get` while the grant is active.
 */
export const VariableAccessRequestInput = z.strictObject({
  key: VariableKey,
  reason: z.string().trim().min(1, 'A reason is required').max(500),
});
export type VariableAccessRequestInput = z.infer<typeof VariableAccessRequestInput>;

export const DenialReason = z.enum(['denied', 'timeout', 'aborted', 'throttled', 'not_found', 'unsupported_scope']);
export type DenialReason = z.infer<typeof DenialReason>;

export const AccessResponse = z.discriminatedUnion('granted', [
  z.strictObject({ granted: z.literal(true), secretRef: SecretRef, expiresAt: IsoDate, grantId: Id }),
  z.strictObject({ granted: z.literal(false), reason: DenialReason, message: z.string() }),
]);
export type AccessResponse = z.infer<typeof AccessResponse>;

/** `expiresAt`: when the grant ends (null: until revoked); a once-grant is spent by its first read. */
export const VariableAccessResponse = z.discriminatedUnion('granted', [
  z.strictObject({ granted: z.literal(true), grantId: Id, expiresAt: IsoDate.nullable() }),
  z.strictObject({ granted: z.literal(false), reason: DenialReason, message: z.string() }),
]);
export type VariableAccessResponse = z.infer<typeof VariableAccessResponse>;

export const GrantDuration = z.enum(['1h', '1d', '30d', 'forever']);
export type GrantDuration = z.infer<typeof GrantDuration>;
export const GRANT_DURATION_MS: Record<GrantDuration, number | null> = {
  '1h': 3_600_000,
  '1d': 86_400_000,
  '30d': 30 * 86_400_000,
  forever: null,
};

/**
 * `readOnly` (the modal's "Read-only" tick, offered when SQL is asked for): the broker runs every
 * query of this grant in a read-only transaction; a database that cannot is refused, never run
 * writable.
 */
export const ConsentDecision = z.discriminatedUnion('decision', [
  z.strictObject({ decision: z.literal('deny') }),
  z.strictObject({ decision: z.literal('once'), readOnly: z.boolean().optional() }),
  z.strictObject({ decision: z.literal('always'), duration: GrantDuration, readOnly: z.boolean().optional() }),
]);
export type ConsentDecision = z.infer<typeof ConsentDecision>;

/** What the consent modal shows: access to one connection, or the reveal of one secret variable. */
export const ConsentPrompt = z
  .strictObject({
    promptId: Id,
    requester: Requester,
    connection: z.strictObject({ id: Id, name: z.string(), providerName: z.string(), target: z.string() }).optional(),
    variable: z.strictObject({ key: VariableKey, description: z.string() }).optional(),
    reason: z.string(),
    /** What the requester says this call will do (AccessIntent); shown apart from the reason. */
    intent: AccessIntent.optional(),
    scopes: z.array(z.strictObject({ scope: Scope, description: z.string(), warning: z.boolean() })),
    deadline: IsoDate,
  })
  .refine((p) => (p.connection === undefined) !== (p.variable === undefined), { message: 'A prompt names one connection or one variable', path: ['connection'] });
export type ConsentPrompt = z.infer<typeof ConsentPrompt>;

export const ConsentRespondInput = z.strictObject({ promptId: Id, response: ConsentDecision });

/**
 * What a grant is for is exactly one of: a connection (`connectionId`) or a secret variable
 * (`variableKey`, scope `reveal` only). A check that compares one of them never matches a grant
 * for the other kind, so a variable grant cannot open a connection and the other way round.
 */
export const Grant = z
  .strictObject({
    id: Id,
    requester: Requester,
    connectionId: Id.optional(),
    variableKey: VariableKey.optional(),
    scopes: z.array(Scope),
    kind: z.enum(['once', 'always']),
    createdAt: IsoDate,
    expiresAt: IsoDate.nullable(),
    lastUsedAt: IsoDate.nullable(),
    revokedAt: IsoDate.nullable(),
    /**
     * The connection's target (a digest of its host / URL / command fields) when the person
     * allowed this; for a variable, the value it was allowed for (the blob's id, never the value).
     * A grant covers only that target: after a change it re-issues nothing.
     * Absent on grants made before targets were recorded.
     */
    target: z.string().max(128).optional(),
    /** SQL under this grant runs in a read-only transaction (the person ticked "Read-only"). */
    readOnly: z.boolean().optional(),
  })
  .refine((g) => (g.connectionId === undefined) !== (g.variableKey === undefined), { message: 'A grant is for one connection or one variable', path: ['connectionId'] });
export type Grant = z.infer<typeof Grant>;

/**
 * Whether a grant still lets its holder act: not revoked, not expired, and for "once" not yet
 * used. The broker and every screen ask this one function, so they cannot disagree.
 */
export function isGrantActive(grant: Pick<Grant, 'kind' | 'expiresAt' | 'lastUsedAt' | 'revokedAt'>, now: number): boolean {
  if (grant.revokedAt) return false;
  if (grant.expiresAt && Date.parse(grant.expiresAt) <= now) return false;
  return !(grant.kind === 'once' && grant.lastUsedAt);
}

/** How a grant reads in a list: Revoked, Expired, Used, Once or Always. */
export function grantState(grant: Pick<Grant, 'kind' | 'expiresAt' | 'lastUsedAt' | 'revokedAt'>, now: number): 'revoked' | 'expired' | 'used' | 'once' | 'always' {
  if (grant.revokedAt) return 'revoked';
  if (grant.expiresAt && Date.parse(grant.expiresAt) <= now) return 'expired';
  if (grant.kind === 'once') return grant.lastUsedAt ? 'used' : 'once';
  return 'always';
}

export const ListGrantsInput = z.strictObject({ includeInactive: z.boolean().default(false) }).default({ includeInactive: false });
export const RevokeGrantInput = z.strictObject({ id: Id });

export { SecretRef };
