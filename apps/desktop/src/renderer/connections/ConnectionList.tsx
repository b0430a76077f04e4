import { useRef, type KeyboardEvent } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { Connection, ConnectionOverride, ConnectionUser, ProviderInfo } from '@latchkey/contracts';
import { usedByLabel } from './useProgramsData';
import { lastTestedText, STATUS_LABELS, stalenessWarning, targetSummary } from './format';
import { ProviderIcon } from '../icons/ProviderIcon';

export interface ConnectionListProps {
  connections: Connection[];
  providers: ReadonlyMap<string, ProviderInfo>;
  now: number;
  onOpen(connection: Connection): void;
  label: string;
  /** "Used by N" per connection (usage:list). */
  usage?: ReadonlyMap<string, ConnectionUser[]>;
  /** Active LATCHKEY_CONN_<ID> overrides, by connection id. */
  overrides?: ReadonlyMap<string, ConnectionOverride>;
}

const ROW_HEIGHT = 68;

/** Only the rows in view are in the DOM, so 5,000 connections cost what 15 do. */
export function ConnectionList({ connections, providers, now, onOpen, label, usage, overrides }: ConnectionListProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: connections.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
    // jsdom and the first paint have no layout yet; assume a window-sized list until measured.
    initialRect: { width: 800, height: 720 },
  });

  function onKeyDown(event: KeyboardEvent<HTMLButtonElement>, index: number) {
    const next = event.key === 'ArrowDown' ? index + 1 : event.key === 'ArrowUp' ? index - 1 : event.key === 'Home' ? 0 : event.key === 'End' ? connections.length - 1 : null;
    if (next === null || next < 0 || next >= connections.length) return;
    event.preventDefault();
    virtualizer.scrollToIndex(next, { align: 'auto' });
    requestAnimationFrame(() => scrollRef.current?.querySelector<HTMLButtonElement>(`[data-index="${next}"] button`)?.focus());
  }

  return (
    <div ref={scrollRef} className="list-scroll">
      <ul aria-label={label} className="connection-list" style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((item) => {
          const connection = connections[item.index]!;
          const provider = providers.get(connection.providerId);
          const summary = targetSummary(provider?.manifest, connection);
          const warning = stalenessWarning(connection, now);
          const usedBy = usedByLabel(usage?.get(connection.id));
          const override = overrides?.get(connection.id);
          return (
            <li
              key={connection.id}
              data-index={item.index}
              aria-setsize={connections.length}
              aria-posinset={item.index + 1}
              className="connection-row"
              style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
            >
              <button type="button" className="row-button" onClick={() => onOpen(connection)} onKeyDown={(e) => onKeyDown(e, item.index)}>
                <span className="row-icon" aria-hidden="true">
                  <ProviderIcon provider={provider} />
                </span>
                <span className="row-main">
                  <span className="row-name">
                    {connection.name}
                    {connection.isDefault && <span className="badge badge-default">Default</span>}
                  </span>
                  <span className="row-sub">
                    {provider?.manifest.name ?? `${connection.providerId} (provider not installed)`}
                    {summary && <span className="row-summary"> · {summary}</span>}
                  </span>
                </span>
                <span className="row-meta">
                  <span className={`badge status-${connection.status}`}>{STATUS_LABELS[connection.status]}</span>
                  {(connection.lastTest || connection.status !== 'untested') && <span className="row-tested">{lastTestedText(connection, now)}</span>}
                  {warning && <span className="row-warning">⚠ {warning}</span>}
                  {usedBy && <span className="row-used-by">{usedBy}</span>}
                  {override && (
                    <span className="badge badge-override" title={`${override.variable} overrides ${override.fields.join(', ')}`}>
                      Overridden by environment
                    </span>
                  )}
                </span>
              </button>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
