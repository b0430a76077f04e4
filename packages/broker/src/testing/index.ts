export * from './memory-ports.js';
export * from './fetch-transports.js';
export * from './test-broker.js';
export * from './canary.js';
export * from './test-keys.js';
export * from './memory-anchor.js';
