import { useId, useMemo, useRef, useState } from 'react';
import * as Dialog from '@radix-ui/react-dialog';
import type { Connection, ProviderCategory, ProviderInfo } from '@latchkey/contracts';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { useApi } from '../api';
import { errorMessage } from '../ui/errors';
import { ConnectionForm } from './ConnectionForm';
import { ConnectionList } from './ConnectionList';
import { CATEGORY_LABELS, CATEGORY_ORDER, targetSummary } from './format';
import { ProviderPicker } from './ProviderPicker';
import { TrashList } from './TrashList';
import { useConnectionList, useNow, useProviders } from './useConnectionData';

type Notice = { message: string; undo?: Connection; error?: boolean };
type Editor = { kind: 'add'; provider: ProviderInfo | null } | { kind: 'edit'; id: string } | null;

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });
const countFormat = new Intl.NumberFormat('en');
const plural = (n: number, noun: string) => `${countFormat.format(n)} ${noun}${n === 1 ? '' : 's'}`;

export function ConnectionsScreen() {
  const api = useApi();
  const [view, setView] = useState<'list' | 'trash'>('list');
  const [query, setQuery] = useState('');
  const [category, setCategory] = useState<ProviderCategory | ''>('');
  const [editor, setEditorState] = useState<Editor>(null);
  // Radix returns focus to a Dialog.Trigger; these dialogs open from rows and toolbar buttons,
  // so the screen remembers what had focus and gives it back (or to Add connection) on close.
  const returnFocus = useRef<HTMLElement | null>(null);
  const addButton = useRef<HTMLButtonElement>(null);
  const setEditor = (next: Editor) => {
    if (editor === null && next !== null && document.activeElement instanceof HTMLElement) returnFocus.current = document.activeElement;
    setEditorState(next);
  };
  const [notice, setNotice] = useState<Notice | null>(null);
  const [confirmDelete, setConfirmDelete] = useState<Connection | null>(null);
  const now = useNow();
  const live = useConnectionList(false);
  const trash = useConnectionList(true);
  const { providers, error: providersError } = useProviders();
  const searchId = useId();
  const categoryId = useId();

  const providerMap = useMemo(() => new Map((providers ?? []).map((p) => [p.manifest.id, p])), [providers]);
  const sorted = useMemo(() => [...(live.connections ?? [])].sort((a, b) => collator.compare(a.name, b.name)), [live.connections]);
  const visible = useMemo(() => {
    const q = query.trim().toLowerCase();
    return sorted.filter((c) => {
      const provider = providerMap.get(c.providerId);
      if (category && provider?.manifest.category !== category) return false;
      if (!q) return true;
      return c.name.toLowerCase().includes(q) || (provider?.manifest.name.toLowerCase().includes(q) ?? false) || targetSummary(provider?.manifest, c).toLowerCase().includes(q);
    });
  }, [sorted, query, category, providerMap]);

  const editing = editor?.kind === 'edit' ? (live.connections ?? []).find((c) => c.id === editor.id) : undefined;
  const editingProvider = editing ? providerMap.get(editing.providerId) : undefined;

  async function act(work: () => Promise<Notice | null>) {
    try {
      const next = await work();
      if (next) setNotice(next);
    } catch (error) {
      setNotice({ message: errorMessage(error), error: true });
    }
    await Promise.all([live.reload(), trash.reload()]);
  }

  const deleteConnection = (c: Connection) =>
    act(async () => {
      await api.connections.delete({ id: c.id });
      setEditor(null);
      return { message: `Moved “${c.name}” to Trash.`, undo: c };
    });
  const restore = (c: Connection) =>
    act(async () => {
      await api.connections.restore({ id: c.id });
      return { message: `Restored “${c.name}”.` };
    });
  const purge = (c: Connection) =>
    act(async () => {
      await api.connections.purge({ id: c.id });
      return { message: `Deleted “${c.name}” for good, with its secrets.` };
    });
  const setDefault = (c: Connection) =>
    act(async () => {
      await api.connections.setDefault({ id: c.id });
      return { message: `“${c.name}” is now the default ${providerMap.get(c.providerId)?.manifest.name ?? c.providerId} connection.` };
    });

  const total = live.connections?.length ?? 0;
  const trashCount = trash.connections?.length ?? 0;
  const categoriesInUse = CATEGORY_ORDER.filter((cat) => (providers ?? []).some((p) => p.manifest.category === cat));

  return (
    <section className="screen" aria-labelledby="connections-title">
      <header className="screen-header">
        <h1 id="connections-title">{view === 'list' ? 'Connections' : 'Trash'}</h1>
        {view === 'list' ? (
          <div className="toolbar">
            <label htmlFor={searchId} className="visually-hidden">
              Search connections
            </label>
            <input id={searchId} type="search" placeholder="Search by name, type or address" value={query} onChange={(e) => setQuery(e.target.value)} />
            <label htmlFor={categoryId} className="visually-hidden">
              Filter by category
            </label>
            <select id={categoryId} value={category} onChange={(e) => setCategory(e.target.value as ProviderCategory | '')}>
              <option value="">All categories</option>
              {categoriesInUse.map((cat) => (
                <option key={cat} value={cat}>
                  {CATEGORY_LABELS[cat]}
                </option>
              ))}
            </select>
            <button type="button" onClick={() => setView('trash')}>
              Trash ({countFormat.format(trashCount)})
            </button>
            <button ref={addButton} type="button" className="primary" onClick={() => setEditor({ kind: 'add', provider: null })}>
              Add connection
            </button>
          </div>
        ) : (
          <div className="toolbar">
            <button type="button" onClick={() => setView('list')}>
              Back to connections
            </button>
          </div>
        )}
      </header>

      {(live.error || providersError) && (
        <p role="alert" className="form-error">
          {live.error ?? providersError}
        </p>
      )}

      {view === 'list' && live.connections !== null && providers !== null && (
        <>
          {total === 0 ? (
            <div className="empty-state">
              <h2>No connections yet</h2>
              <p>Add your first database, API or mail server. Latchkey keeps its password encrypted, and extensions only get to use it after you say yes.</p>
              <button type="button" className="primary" onClick={() => setEditor({ kind: 'add', provider: null })}>
                Add your first connection
              </button>
            </div>
          ) : (
            <>
              <p className="list-count" aria-live="polite">
                {visible.length === total ? plural(total, 'connection') : `${countFormat.format(visible.length)} of ${plural(total, 'connection')}`}
              </p>
              {visible.length === 0 ? (
                <p className="empty-state">No connection matches{query ? ` “${query}”` : ''}{category ? ` in ${CATEGORY_LABELS[category]}` : ''}.</p>
              ) : (
                <ConnectionList label="Connections" connections={visible} providers={providerMap} now={now} onOpen={(c) => setEditor({ kind: 'edit', id: c.id })} />
              )}
            </>
          )}
        </>
      )}
      {view === 'list' && (live.connections === null || providers === null) && !live.error && <p className="muted">Loading connections…</p>}

      {view === 'trash' && <TrashList connections={trash.connections} providers={providerMap} onRestore={(c) => void restore(c)} onPurge={(c) => void purge(c)} />}

      {notice && (
        <div className={`notice${notice.error ? ' notice-error' : ''}`} role={notice.error ? 'alert' : 'status'}>
          <span>{notice.message}</span>
          {notice.undo && (
            <button
              type="button"
              onClick={() => {
                const c = notice.undo!;
                setNotice(null);
                void restore(c);
              }}
            >
              Undo
            </button>
          )}
          <button type="button" aria-label="Dismiss message" onClick={() => setNotice(null)}>
            ×
          </button>
        </div>
      )}

      <Dialog.Root open={editor !== null} onOpenChange={(open) => !open && setEditor(null)}>
        <Dialog.Portal>
          <Dialog.Overlay className="dialog-overlay" />
          <Dialog.Content
            className="dialog"
            aria-describedby={undefined}
            onCloseAutoFocus={(event) => {
              event.preventDefault();
              const target = returnFocus.current?.isConnected ? returnFocus.current : addButton.current;
              target?.focus();
            }}
          >
            {editor?.kind === 'add' && !editor.provider && (
              <>
                <Dialog.Title className="dialog-title">Add a connection</Dialog.Title>
                <ProviderPicker providers={providers ?? []} onPick={(p) => setEditor({ kind: 'add', provider: p })} />
              </>
            )}
            {editor?.kind === 'add' && editor.provider && (
              <>
                <Dialog.Title className="dialog-title">
                  <span aria-hidden="true">{editor.provider.manifest.icon} </span>New {editor.provider.manifest.name} connection
                </Dialog.Title>
                <button type="button" className="link-button" onClick={() => setEditor({ kind: 'add', provider: null })}>
                  ← Choose another type
                </button>
                <ConnectionForm
                  provider={editor.provider}
                  onCancel={() => setEditor(null)}
                  onSaved={(c) => {
                    setEditor(null);
                    void act(async () => ({ message: `Saved “${c.name}”.` }));
                  }}
                />
              </>
            )}
            {editor?.kind === 'edit' && editing && (
              <>
                <Dialog.Title className="dialog-title">
                  <span aria-hidden="true">{editingProvider?.manifest.icon ?? '🔌'} </span>
                  {editing.name}
                </Dialog.Title>
                <p className="dialog-description">
                  {editingProvider ? editingProvider.manifest.name : `Type “${editing.providerId}” is not installed`}
                  {editing.isDefault ? ' · Default connection' : ''}
                </p>
                {editingProvider ? (
                  <ConnectionForm
                    key={editing.id}
                    provider={editingProvider}
                    connection={editing}
                    onCancel={() => setEditor(null)}
                    onSaved={(c) => {
                      setEditor(null);
                      void act(async () => ({ message: `Saved “${c.name}”.` }));
                    }}
                    extraActions={
                      <>
                        {!editing.isDefault && (
                          <button type="button" onClick={() => void setDefault(editing)}>
                            Set as default
                          </button>
                        )}
                        <button type="button" className="danger" onClick={() => setConfirmDelete(editing)}>
                          Delete
                        </button>
                      </>
                    }
                  />
                ) : (
                  <div className="form-actions">
                    <button type="button" className="danger" onClick={() => setConfirmDelete(editing)}>
                      Delete
                    </button>
                    <span className="spacer" />
                    <button type="button" onClick={() => setEditor(null)}>
                      Close
                    </button>
                  </div>
                )}
              </>
            )}
            {editor?.kind === 'edit' && !editing && (
              <>
                <Dialog.Title className="dialog-title">Connection not found</Dialog.Title>
                <p>This connection was deleted or moved to Trash.</p>
              </>
            )}
          </Dialog.Content>
        </Dialog.Portal>
      </Dialog.Root>

      <ConfirmDialog
        open={confirmDelete !== null}
        title={`Delete “${confirmDelete?.name ?? ''}”?`}
        description="It moves to Trash with its secrets, and extensions lose access to it. You can restore it from Trash."
        confirmLabel="Move to Trash"
        danger
        onOpenChange={(open) => !open && setConfirmDelete(null)}
        onConfirm={() => {
          const c = confirmDelete;
          setConfirmDelete(null);
          if (c) void deleteConnection(c);
        }}
      />
    </section>
  );
}
