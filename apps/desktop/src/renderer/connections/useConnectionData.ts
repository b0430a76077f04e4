import { useCallback, useEffect, useRef, useState } from 'react';
import type { Connection, ProviderInfo } from '@latchkey/contracts';
import { useApi } from '../api';
import { errorMessage } from '../ui/errors';

export interface ListState {
  connections: Connection[] | null;
  error: string | null;
}

/**
 * The connections (or the Trash), reloaded whenever the broker says they changed. Reloads are
 * serialised: a burst of changes (5,000 imports) costs one reload in flight plus one after.
 */
export function useConnectionList(deleted: boolean): ListState & { reload: () => Promise<void> } {
  const api = useApi();
  const [state, setState] = useState<ListState>({ connections: null, error: null });
  const inFlight = useRef<Promise<void> | null>(null);
  const again = useRef(false);

  const reload = useCallback((): Promise<void> => {
    if (inFlight.current) {
      again.current = true;
      return inFlight.current;
    }
    const run = (async () => {
      try {
        do {
          again.current = false;
          const list = await api.connections.list({ deleted });
          setState({ connections: list.filter((c) => (c.deletedAt !== null) === deleted), error: null });
        } while (again.current);
      } catch (error) {
        setState((s) => ({ connections: s.connections, error: errorMessage(error) }));
      } finally {
        inFlight.current = null;
      }
    })();
    inFlight.current = run;
    return run;
  }, [api, deleted]);

  useEffect(() => {
    void reload();
    // A burst of change events (an import, another window) becomes one reload a moment later.
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = api.on('connections:changed', () => {
      timer ??= setTimeout(() => {
        timer = null;
        void reload();
      }, 50);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [api, reload]);

  return { ...state, reload };
}

export function useProviders(): { providers: ProviderInfo[] | null; error: string | null } {
  const api = useApi();
  const [state, setState] = useState<{ providers: ProviderInfo[] | null; error: string | null }>({ providers: null, error: null });
  useEffect(() => {
    let live = true;
    const load = () =>
      api.providers
        .list()
        .then(
          (providers) => live && setState({ providers, error: null }),
          (error: unknown) => live && setState({ providers: [], error: errorMessage(error) }),
        );
    void load();
    const off = api.on('extensions:changed', () => void load());
    return () => {
      live = false;
      off();
    };
  }, [api]);
  return state;
}

/** Re-renders every 30 s so "Last tested 2 m ago" stays true. */
export function useNow(intervalMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
