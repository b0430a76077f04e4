export * from './ports.js';
export * from './types.js';
export { createBroker, createAgentSession, DEFAULT_OPTIONS } from './create-broker.js';
export type { BrokerInternals } from './create-broker.js';
export { MASK, MIN_SECRET_LENGTH, createMasker, maskerFor, type Masker } from './masking/masker.js';
export { hashEvent, canonicalJson, sealHead, GENESIS_HASH } from './audit/hash.js';
export { AUDIT_KEY_ID } from './audit/audit-key.js';
export { DEFAULT_AUDIT_RATES, type AuditRate } from './audit/rate-limit.js';
