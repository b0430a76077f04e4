import { useEffect, useState } from 'react';
import type { ConnectionOverride, ConnectionUser } from '@latchkey/contracts';
import { useApi } from '../api';

/** "Used by" per connection, reloaded whenever the broker says counts changed (usage:changed). */
export function useUsage(): ReadonlyMap<string, ConnectionUser[]> {
  const api = useApi();
  const [usage, setUsage] = useState<ReadonlyMap<string, ConnectionUser[]>>(new Map());
  useEffect(() => {
    let live = true;
    const load = () =>
      api.usage.list().then(
        (list) => live && setUsage(new Map(list.map((u) => [u.connectionId, u.users]))),
        () => undefined,
      );
    void load();
    const offUsage = api.on('usage:changed', () => void load());
    const offConnections = api.on('connections:changed', () => void load());
    return () => {
      live = false;
      offUsage();
      offConnections();
    };
  }, [api]);
  return usage;
}

/** Active LATCHKEY_CONN_<ID> overrides by connection id (fixed for the process's life). */
export function useOverrides(): ReadonlyMap<string, ConnectionOverride> {
  const api = useApi();
  const [overrides, setOverrides] = useState<ReadonlyMap<string, ConnectionOverride>>(new Map());
  useEffect(() => {
    let live = true;
    api.overrides.list().then(
      (list) => live && setOverrides(new Map(list.connections.map((o) => [o.connectionId, o]))),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [api]);
  return overrides;
}

const count = new Intl.NumberFormat('en');

/** "Used by 2" for a list row; null when nobody has used it. */
export function usedByLabel(users: readonly ConnectionUser[] | undefined): string | null {
  return users?.length ? `Used by ${count.format(users.length)}` : null;
}
