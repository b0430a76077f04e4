import { useState } from 'react';
import type { Connection, ProviderInfo } from '@latchkey/contracts';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { timeAgo } from './format';
import { ProviderIcon } from '../icons/ProviderIcon';

export interface TrashListProps {
  connections: Connection[] | null;
  providers: ReadonlyMap<string, ProviderInfo>;
  onRestore(connection: Connection): void;
  onPurge(connection: Connection): void;
}

export function TrashList({ connections, providers, onRestore, onPurge }: TrashListProps) {
  const [confirm, setConfirm] = useState<Connection | null>(null);
  if (connections === null) return <p className="muted">Loading Trash…</p>;
  if (connections.length === 0) return <p className="empty-state">Trash is empty. Deleted connections wait here until you restore them or delete them for good.</p>;
  const now = Date.now();
  return (
    <>
      <ul className="trash-list" aria-label="Deleted connections">
        {connections.map((c) => (
          <li key={c.id} className="trash-row">
            <span className="row-icon" aria-hidden="true">
              <ProviderIcon provider={providers.get(c.providerId)} />
            </span>
            <span className="row-main">
              <span className="row-name">{c.name}</span>
              <span className="row-sub">
                {providers.get(c.providerId)?.manifest.name ?? c.providerId}
                {c.deletedAt && ` · deleted ${timeAgo(c.deletedAt, now)}`}
              </span>
            </span>
            <button type="button" onClick={() => onRestore(c)} aria-label={`Restore ${c.name}`}>
              Restore
            </button>
            <button type="button" className="danger" onClick={() => setConfirm(c)} aria-label={`Delete ${c.name} for good`}>
              Delete for good
            </button>
          </li>
        ))}
      </ul>
      <ConfirmDialog
        open={confirm !== null}
        title={`Delete “${confirm?.name ?? ''}” for good?`}
        description="Its settings and encrypted secrets are erased. This cannot be undone."
        confirmLabel="Delete for good"
        danger
        onOpenChange={(open) => !open && setConfirm(null)}
        onConfirm={() => {
          const c = confirm;
          setConfirm(null);
          if (c) onPurge(c);
        }}
      />
    </>
  );
}
