import type { AuditAnchorStore } from '../ports.js';

/**
 * A stand-in for the OS keychain's anchor items that outlives a "restart" in a test (and a
 * rollback of the data folder, which is the point). `failing` makes writes fail, as a locked
 * keychain does; `writes` counts them.
 */
export function createMemoryAnchorStore(): AuditAnchorStore & { items: Map<string, string>; writes: number; failing: boolean } {
  const store = {
    where: 'the test keychain',
    items: new Map<string, string>(),
    writes: 0,
    failing: false,
    read: async (name: string) => store.items.get(name) ?? null,
    write: async (name: string, value: string) => {
      if (store.failing) throw new Error('the test keychain is locked');
      store.writes++;
      store.items.set(name, value);
    },
  };
  return store;
}
