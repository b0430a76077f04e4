export * from './ports.js';
export * from './types.js';
export { createBroker, createAgentSession, DEFAULT_OPTIONS } from './create-broker.js';
export type { BrokerInternals } from './create-broker.js';
export { MASK, MIN_SECRET_LENGTH, createMasker, maskerFor, type Masker } from './masking/masker.js';
export { hashEvent, canonicalJson, GENESIS_HASH } from './audit/hash.js';
export { displayCommandLine, showable } from './commands/command-key.js';
export { APPROVED_COMMANDS_ID } from './commands/command-consent.js';
