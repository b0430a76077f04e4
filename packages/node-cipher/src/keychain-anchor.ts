import type { AuditAnchorStore } from '@latchkey/broker';

/**
 * The audit log's anchor as OS keychain items (service `latchkey`, one account per data folder,
 * named by the broker from its audit key): where a rollback of the data folder — restoring a
 * backup or a snapshot of it — does not reach. The values are not secret (a seq, a hash and a
 * MAC); the keychain is used because it lives outside the folder, with the master key.
 */
export function keychainAnchorStore(service: string, timeoutMs: number): AuditAnchorStore {
  const entry = async (name: string) => {
    const { AsyncEntry } = await import('@napi-rs/keyring');
    return new AsyncEntry(service, name);
  };
  return {
    where: `the OS keychain (service "${service}")`,
    read: async (name) => (await (await entry(name)).getPassword(AbortSignal.timeout(timeoutMs))) ?? null,
    write: async (name, value) => void (await (await entry(name)).setPassword(value, AbortSignal.timeout(timeoutMs))),
  };
}
