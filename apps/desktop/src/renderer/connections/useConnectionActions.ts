import { useCallback, useState } from 'react';
import type { Connection, LatchkeyApi, ProviderInfo } from '@latchkey/contracts';
import { errorMessage } from '../ui/errors';

/** The toast after an action: what happened, with Undo when the action moved a connection to Trash. */
export type Notice = { message: string; undo?: Connection; error?: boolean };

/**
 * The Connections screen's actions on saved connections (delete to Trash, restore, purge, set as
 * default), each ending in a notice and a reload of both lists, whatever the outcome.
 */
export function useConnectionActions(api: LatchkeyApi, providerMap: Map<string, ProviderInfo>, reloadAll: () => Promise<unknown>) {
  const [notice, setNotice] = useState<Notice | null>(null);
  // Stable: the toast's own timer restarts whenever this changes.
  const dismissNotice = useCallback(() => setNotice(null), []);
  const announce = useCallback((message: string) => setNotice({ message }), []);

  async function act(work: () => Promise<Notice | null>) {
    try {
      const next = await work();
      if (next) setNotice(next);
    } catch (error) {
      setNotice({ message: errorMessage(error), error: true });
    }
    await reloadAll();
  }

  return {
    notice,
    dismissNotice,
    announce,
    saved: (c: Connection) => act(async () => ({ message: `Saved “${c.name}”.` })),
    deleteConnection: (c: Connection, then: () => void) =>
      act(async () => {
        await api.connections.delete({ id: c.id });
        then();
        return { message: `Moved “${c.name}” to Trash.`, undo: c };
      }),
    restore: (c: Connection) =>
      act(async () => {
        await api.connections.restore({ id: c.id });
        return { message: `Restored “${c.name}”.` };
      }),
    purge: (c: Connection) =>
      act(async () => {
        await api.connections.purge({ id: c.id });
        return { message: `Deleted “${c.name}” for good, with its secrets.` };
      }),
    setDefault: (c: Connection) =>
      act(async () => {
        await api.connections.setDefault({ id: c.id });
        return { message: `“${c.name}” is now the default ${providerMap.get(c.providerId)?.manifest.name ?? c.providerId} connection.` };
      }),
  };
}
