import type { Connection } from '@latchkey/contracts';
import type { ConnectionRecord } from '../ports.js';

/** The only way a record leaves the broker: without `secretIds` or its bindings, and never with a value. */
export function toPublic(record: ConnectionRecord): Connection {
  const { secretIds: _secretIds, target: _target, providerOwner: _owner, ...rest } = record;
  return { ...rest, config: { ...rest.config }, secretFields: { ...rest.secretFields } };
}
