import * as Dialog from '@radix-ui/react-dialog';
import { useEffect, useMemo, useState, type KeyboardEvent } from 'react';
import type { Connection } from '@latchkey/contracts';
import { useApi } from '../api';
import { sendAppCommand } from './app-commands';

export type Section = 'connections' | 'access' | 'audit' | 'extensions' | 'keys' | 'variables';

interface Item {
  id: string;
  label: string;
  group: 'Go to' | 'Actions' | 'Connections';
  run(): void;
}

/** Ctrl+K (⌘K): every screen, the list's actions and each connection, found by typing. */
export function CommandPalette({ open, onOpenChange, sections, go }: { open: boolean; onOpenChange(open: boolean): void; sections: { id: Section; label: string }[]; go(section: Section): void }) {
  const api = useApi();
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const [connections, setConnections] = useState<Connection[]>([]);

  useEffect(() => {
    if (!open) return;
    setQuery('');
    setActive(0);
    api.connections.list({}).then(setConnections, () => setConnections([]));
  }, [open, api]);

  const items = useMemo<Item[]>(() => {
    const toConnections = (then: () => void) => () => {
      go('connections');
      then();
    };
    const all: Item[] = [
      ...sections.map((s) => ({ id: `go-${s.id}`, label: s.label, group: 'Go to' as const, run: () => go(s.id) })),
      { id: 'add', label: 'Add connection', group: 'Actions', run: toConnections(() => sendAppCommand({ type: 'add-connection' })) },
      { id: 'import', label: 'Import connections…', group: 'Actions', run: toConnections(() => sendAppCommand({ type: 'import' })) },
      { id: 'export', label: 'Export connections…', group: 'Actions', run: toConnections(() => sendAppCommand({ type: 'export' })) },
      { id: 'test-all', label: 'Test all connections', group: 'Actions', run: toConnections(() => sendAppCommand({ type: 'test-all' })) },
      ...connections.map((c) => ({ id: `c-${c.id}`, label: c.name, group: 'Connections' as const, run: toConnections(() => sendAppCommand({ type: 'open-connection', id: c.id })) })),
    ];
    const q = query.trim().toLowerCase();
    return q ? all.filter((i) => i.label.toLowerCase().includes(q) || i.group.toLowerCase().includes(q)) : all;
  }, [sections, connections, query, go]);

  const choose = (item: Item | undefined) => {
    if (!item) return;
    onOpenChange(false);
    item.run();
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'ArrowDown') setActive((a) => Math.min(items.length - 1, a + 1));
    else if (event.key === 'ArrowUp') setActive((a) => Math.max(0, a - 1));
    else if (event.key === 'Enter') choose(items[active]);
    else return;
    event.preventDefault();
  };
  const activeId = items[active] ? `palette-${items[active].id}` : undefined;

  return (
    <Dialog.Root open={open} onOpenChange={onOpenChange}>
      <Dialog.Portal>
        <Dialog.Overlay className="dialog-overlay" />
        <Dialog.Content className="dialog dialog-small palette" aria-describedby={undefined}>
          <Dialog.Title className="visually-hidden">Command palette</Dialog.Title>
          <input
            autoFocus
            role="combobox"
            aria-expanded="true"
            aria-controls="palette-list"
            aria-activedescendant={activeId}
            aria-label="Type a command or a connection's name"
            placeholder="Type a command or a connection’s name"
            autoComplete="off"
            spellCheck={false}
            value={query}
            onChange={(e) => {
              setQuery(e.target.value);
              setActive(0);
            }}
            onKeyDown={onKeyDown}
          />
          <ul id="palette-list" role="listbox" aria-label="Commands" className="palette-list">
            {items.map((item, index) => (
              <li
                key={item.id}
                id={`palette-${item.id}`}
                role="option"
                aria-selected={index === active}
                className="palette-item"
                onMouseMove={() => setActive(index)}
                onClick={() => choose(item)}
              >
                <span>{item.label}</span>
                <span className="muted">{item.group}</span>
              </li>
            ))}
            {items.length === 0 && <li className="muted">Nothing matches “{query}”.</li>}
          </ul>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
