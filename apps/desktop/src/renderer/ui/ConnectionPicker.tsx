import { useEffect, useId, useState } from 'react';
import type { Connection, ProviderCategory, ProviderInfo } from '@latchkey/contracts';
import { useApi } from '../api';
import { errorMessage } from './errors';

export interface ConnectionPickerProps {
  label: string;
  /** The chosen connection's id, or null for none. */
  value: string | null;
  onChange(connection: Connection | null): void;
  /** Only connections of this provider ("postgres")… */
  providerId?: string;
  /** …or of this category ("database": a SQL Query node shows only database connections). */
  category?: ProviderCategory;
}

/**
 * A reusable connection picker for host apps' forms (a workflow node's "Connection" field): the
 * saved connections, narrowed by provider or category, kept current as they change. It holds
 * ids and names only — what any screen may see.
 */
export function ConnectionPicker({ label, value, onChange, providerId, category }: ConnectionPickerProps) {
  const api = useApi();
  const id = useId();
  const [connections, setConnections] = useState<Connection[] | null>(null);
  const [providers, setProviders] = useState<ReadonlyMap<string, ProviderInfo>>(new Map());
  const [failure, setFailure] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    const load = () =>
      Promise.all([api.connections.list({ deleted: false, ...(providerId ? { providerId } : {}), ...(category ? { category } : {}) }), api.providers.list()]).then(
        ([list, infos]) => {
          if (!live) return;
          setConnections([...list].sort((a, b) => a.name.localeCompare(b.name)));
          setProviders(new Map(infos.map((p) => [p.manifest.id, p])));
          setFailure(null);
        },
        (error: unknown) => live && setFailure(errorMessage(error, 'Could not load the connections.')),
      );
    void load();
    const off = api.on('connections:changed', () => void load());
    return () => {
      live = false;
      off();
    };
  }, [api, providerId, category]);

  return (
    <div className="field connection-picker">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={value ?? ''}
        disabled={connections === null}
        onChange={(e) => onChange(connections?.find((c) => c.id === e.target.value) ?? null)}
      >
        <option value="">{connections === null ? 'Loading…' : connections.length ? 'Choose a connection' : 'No matching connection'}</option>
        {(connections ?? []).map((c) => (
          <option key={c.id} value={c.id}>
            {c.name} — {providers.get(c.providerId)?.manifest.name ?? c.providerId}
          </option>
        ))}
      </select>
      {failure && (
        <p role="alert" className="field-error">
          {failure}
        </p>
      )}
    </div>
  );
}
