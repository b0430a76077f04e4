import type { Connection } from '@latchkey/contracts';
import type { ConnectionRecord } from '../ports.js';

/**
 * A copy of config values that shares nothing with the stored record. Responses are checked by a
 * pass that does not copy (contracts' JsonObject), so nested values would otherwise reach an
 * in-process caller as the record's own objects, which it could change; flat configs (the usual
 * case) need only the shallow copy.
 */
function ownConfig(config: ConnectionRecord['config']): Connection['config'] {
  for (const key in config) {
    const v = config[key];
    if (v !== null && typeof v === 'object') return structuredClone(config);
  }
  return { ...config };
}

/** The only way a record leaves the broker: without `secretIds` or its bindings, and never with a value. */
export function toPublic(record: ConnectionRecord): Connection {
  const { secretIds: _secretIds, target: _target, providerOwner: _owner, ...rest } = record;
  return { ...rest, config: ownConfig(rest.config), secretFields: { ...rest.secretFields } };
}
