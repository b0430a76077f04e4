import { GRANT_DURATION_MS, type ConsentDecision, type Grant, type GrantDuration } from '@latchkey/contracts';

/** One answer the consent modal offers besides Deny: how long the access lasts, in one choice. */
export type AllowChoice = 'once' | GrantDuration;

export interface AllowChoiceOption {
  value: AllowChoice;
  /** In the "How long" list, and (for a grant) in the Access screen's "Allowed" column. */
  label: string;
  /** The Allow button's words for this choice: the button says exactly what it does. */
  action: string;
}

/** "Once" first: it is the default, the safest answer that still lets the request through. */
export const ALLOW_CHOICES: readonly AllowChoiceOption[] = [
  { value: 'once', label: 'Once', action: 'Allow once' },
  { value: '1h', label: 'For 1 hour', action: 'Allow for 1 hour' },
  { value: '1d', label: 'For 1 day', action: 'Allow for 1 day' },
  { value: '30d', label: 'For 30 days', action: 'Allow for 30 days' },
  { value: 'forever', label: 'Until revoked', action: 'Allow until I revoke it' },
];

export const DEFAULT_ALLOW_CHOICE: AllowChoice = 'once';

export function allowChoice(value: AllowChoice): AllowChoiceOption {
  return ALLOW_CHOICES.find((c) => c.value === value)!;
}

/** The wire answer for a choice (the contract keeps `once` and `always` + duration apart). */
export function decisionFor(choice: AllowChoice): ConsentDecision {
  return choice === 'once' ? { decision: 'once' } : { decision: 'always', duration: choice };
}

/** A minute either way: the broker stamps `createdAt` and `expiresAt` from one clock reading. */
const SLACK_MS = 60_000;

/**
 * What a grant allows, in the words the person chose it with: "Once", "For 1 hour", "Until revoked".
 * Grants do not store their duration, so it is read back from their lifetime.
 */
export function grantLifetimeLabel(grant: Pick<Grant, 'kind' | 'createdAt' | 'expiresAt'>): string {
  if (grant.kind === 'once') return allowChoice('once').label;
  if (grant.expiresAt === null) return allowChoice('forever').label;
  const lifetime = Date.parse(grant.expiresAt) - Date.parse(grant.createdAt);
  const match = ALLOW_CHOICES.find((c) => c.value !== 'once' && c.value !== 'forever' && Math.abs((GRANT_DURATION_MS[c.value] ?? Number.NaN) - lifetime) <= SLACK_MS);
  return match?.label ?? 'For a set time';
}
