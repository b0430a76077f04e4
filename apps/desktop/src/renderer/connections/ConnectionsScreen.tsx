import { useMemo, useState } from 'react';
import type { Connection, ProviderCategory, ProviderInfo } from '@latchkey/contracts';
import { useApi } from '../api';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { ConnectionEditor, useEditor } from './ConnectionEditor';
import { ConnectionList } from './ConnectionList';
import { ConnectionsToolbar } from './ConnectionsToolbar';
import { CATEGORY_LABELS, CATEGORY_ORDER, targetSummary } from './format';
import { NoticeToast } from './NoticeToast';
import { TrashList } from './TrashList';
import { ConnectionsMoreActions } from '../transfer/ConnectionsMoreActions';
import { useAppCommands } from '../palette/app-commands';
import { useConnectionActions } from './useConnectionActions';
import { useConnectionList, useNow, useProviders } from './useConnectionData';
import { ConnectionUsage, inUseWarning } from './ConnectionUsage';
import { useOverrides, useUsage } from './useProgramsData';
import { OllamaModels } from '../ollama/OllamaModels';

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });
const countFormat = new Intl.NumberFormat('en');
const plural = (n: number, noun: string) => `${countFormat.format(n)} ${noun}${n === 1 ? '' : 's'}`;

/** Sorted by name, then narrowed by category and by a query over name, type and target. */
function useVisibleConnections(connections: Connection[] | null, providerMap: Map<string, ProviderInfo>, query: string, category: ProviderCategory | '') {
  const sorted = useMemo(() => [...(connections ?? [])].sort((a, b) => collator.compare(a.name, b.name)), [connections]);
  return useMemo(() => {
    const q = query.trim().toLowerCase();
    return sorted.filter((c) => {
      const provider = providerMap.get(c.providerId);
      if (category && provider?.manifest.category !== category) return false;
      if (!q) return true;
      return c.name.toLowerCase().includes(q) || (provider?.manifest.name.toLowerCase().includes(q) ?? false) || targetSummary(provider?.manifest, c).toLowerCase().includes(q);
    });
  }, [sorted, query, category, providerMap]);
}

export function ConnectionsScreen() {
  const api = useApi();
  const [view, setView] = useState<'list' | 'trash'>('list');
  const [query, setQuery] = useState('');
  const [category, setCategory] = useState<ProviderCategory | ''>('');
  const { editor, setEditor, fallback: addButton, giveFocusBack } = useEditor();
  const [confirmDelete, setConfirmDelete] = useState<Connection | null>(null);
  const now = useNow();
  const live = useConnectionList(false);
  const trash = useConnectionList(true);
  const { providers, error: providersError } = useProviders();
  const usage = useUsage();
  const overrides = useOverrides();

  const providerMap = useMemo(() => new Map((providers ?? []).map((p) => [p.manifest.id, p])), [providers]);
  const visible = useVisibleConnections(live.connections, providerMap, query, category);
  const actions = useConnectionActions(api, providerMap, () => Promise.all([live.reload(), trash.reload()]));

  useAppCommands(['add-connection', 'open-connection'], (command) => {
    setView('list');
    setEditor(command.type === 'open-connection' ? { kind: 'edit', id: command.id } : { kind: 'add', provider: null });
  });

  const editing = editor?.kind === 'edit' ? (live.connections ?? []).find((c) => c.id === editor.id) : undefined;
  const editingProvider = editing ? providerMap.get(editing.providerId) : undefined;

  const total = live.connections?.length ?? 0;
  const severalOf = useMemo(() => {
    const seen = new Set<string>();
    const several = new Set<string>();
    for (const c of live.connections ?? []) (seen.has(c.providerId) ? several : seen).add(c.providerId);
    return several;
  }, [live.connections]);
  const trashCount = trash.connections?.length ?? 0;
  const categoriesInUse = CATEGORY_ORDER.filter((cat) => (providers ?? []).some((p) => p.manifest.category === cat));

  return (
    <section className="screen" aria-labelledby="connections-title">
      <header className="screen-header">
        <h1 id="connections-title">{view === 'list' ? 'Connections' : 'Trash'}</h1>
        {view === 'list' ? (
          <ConnectionsToolbar
            query={query}
            onQuery={setQuery}
            category={category}
            onCategory={setCategory}
            categories={categoriesInUse}
            trashCount={countFormat.format(trashCount)}
            onTrash={() => setView('trash')}
            onAdd={() => setEditor({ kind: 'add', provider: null })}
            addButton={addButton}
          />
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
          <ConnectionsMoreActions connections={live.connections} onNotice={actions.announce} reload={() => Promise.all([live.reload(), trash.reload()])} />
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
                <ConnectionList label="Connections" severalOf={severalOf} connections={visible} providers={providerMap} now={now} usage={usage} overrides={overrides} onOpen={(c) => setEditor({ kind: 'edit', id: c.id })} />
              )}
            </>
          )}
        </>
      )}
      {view === 'list' && (live.connections === null || providers === null) && !live.error && <p className="muted">Loading connections…</p>}

      {view === 'trash' && <TrashList connections={trash.connections} providers={providerMap} onRestore={(c) => void actions.restore(c)} onPurge={(c) => void actions.purge(c)} />}

      {actions.notice && <NoticeToast notice={actions.notice} onUndo={(c) => void actions.restore(c)} onDismiss={actions.dismissNotice} />}

      <ConnectionEditor
        editor={editor}
        setEditor={setEditor}
        giveFocusBack={giveFocusBack}
        providers={providers ?? []}
        editing={editing}
        editingProvider={editingProvider}
        onSaved={(c) => void actions.saved(c)}
        onSetDefault={(c) => void actions.setDefault(c)}
        onDuplicate={(c, provider) => setEditor({ kind: 'add', provider, copyOf: c })}
        onDelete={setConfirmDelete}
        usage={
          editing && (
            <>
              <ConnectionUsage users={usage.get(editing.id) ?? []} override={overrides.get(editing.id)} />
              {editing.providerId === 'ollama' && <OllamaModels connectionId={editing.id} />}
            </>
          )
        }
      />

      <ConfirmDialog
        open={confirmDelete !== null}
        title={`Delete “${confirmDelete?.name ?? ''}”?`}
        description={`${confirmDelete ? (inUseWarning(usage.get(confirmDelete.id)) ?? '') : ''} It moves to Trash with its secrets, and extensions lose access to it. You can restore it from Trash.`.trim()}
        confirmLabel="Move to Trash"
        danger
        onOpenChange={(open) => !open && setConfirmDelete(null)}
        onConfirm={() => {
          const c = confirmDelete;
          setConfirmDelete(null);
          if (c) void actions.deleteConnection(c, () => setEditor(null));
        }}
      />
    </section>
  );
}
