import { useRef, useState, type ReactNode } from 'react';
import * as Dialog from '@radix-ui/react-dialog';
import type { Connection, ProviderInfo } from '@latchkey/contracts';
import { ConnectionForm } from './ConnectionForm';
import { ProviderPicker } from './ProviderPicker';
import { ProviderIcon } from '../icons/ProviderIcon';
import { ArrowLeft } from 'lucide-react';

/** What the editor dialog shows: the type picker, a new connection's form, or a saved one's. */
export type Editor = { kind: 'add'; provider: ProviderInfo | null } | { kind: 'edit'; id: string } | null;

/**
 * The editor dialog's state, with focus return: Radix returns focus to a Dialog.Trigger, but these
 * dialogs open from rows and toolbar buttons, so the element that had focus when the dialog
 * opened is remembered and gets focus back (or `fallback`, Add connection) on close.
 */
export function useEditor() {
  const [editor, setEditorState] = useState<Editor>(null);
  const returnFocus = useRef<HTMLElement | null>(null);
  const fallback = useRef<HTMLButtonElement>(null);
  const setEditor = (next: Editor) => {
    if (editor === null && next !== null && document.activeElement instanceof HTMLElement) returnFocus.current = document.activeElement;
    setEditorState(next);
  };
  const giveFocusBack = () => {
    const target = returnFocus.current?.isConnected ? returnFocus.current : fallback.current;
    target?.focus();
  };
  return { editor, setEditor, fallback, giveFocusBack };
}

export interface ConnectionEditorProps {
  editor: Editor;
  setEditor(next: Editor): void;
  giveFocusBack(): void;
  providers: ProviderInfo[];
  /** The connection being edited, if it still exists. */
  editing: Connection | undefined;
  editingProvider: ProviderInfo | undefined;
  onSaved(connection: Connection): void;
  onSetDefault(connection: Connection): void;
  onDelete(connection: Connection): void;
  /** The detail pane's "Used by" and override notice. */
  usage?: ReactNode;
}

/** The one dialog for adding (pick a type, then fill its form) and editing a connection. */
export function ConnectionEditor({ editor, setEditor, giveFocusBack, providers, editing, editingProvider, onSaved, onSetDefault, onDelete, usage }: ConnectionEditorProps) {
  const saved = (c: Connection) => {
    setEditor(null);
    onSaved(c);
  };
  return (
    <Dialog.Root open={editor !== null} onOpenChange={(open) => !open && setEditor(null)}>
      <Dialog.Portal>
        <Dialog.Overlay className="dialog-overlay" />
        <Dialog.Content
          className="dialog"
          aria-describedby={undefined}
          onCloseAutoFocus={(event) => {
            event.preventDefault();
            giveFocusBack();
          }}
        >
          {editor?.kind === 'add' && !editor.provider && (
            <>
              <Dialog.Title className="dialog-title">Add a connection</Dialog.Title>
              <ProviderPicker providers={providers} onPick={(p) => setEditor({ kind: 'add', provider: p })} />
            </>
          )}
          {editor?.kind === 'add' && editor.provider && (
            <>
              <Dialog.Title className="dialog-title">
                <span className="dialog-title-icon">
                  <ProviderIcon provider={editor.provider} size={20} />
                </span>
                New {editor.provider.manifest.name} connection
              </Dialog.Title>
              <button type="button" className="link-button" onClick={() => setEditor({ kind: 'add', provider: null })}>
                <ArrowLeft size={14} aria-hidden="true" /> Choose another type
              </button>
              <ConnectionForm provider={editor.provider} onCancel={() => setEditor(null)} onSaved={saved} />
            </>
          )}
          {editor?.kind === 'edit' && editing && (
            <>
              <Dialog.Title className="dialog-title">
                <span className="dialog-title-icon">
                  <ProviderIcon provider={editingProvider} size={20} />
                </span>
                {editing.name}
              </Dialog.Title>
              <p className="dialog-description">
                {editingProvider ? editingProvider.manifest.name : `Type “${editing.providerId}” is not installed`}
                {editing.isDefault ? ' · Default connection' : ''}
              </p>
              {usage}
              {editingProvider ? (
                <ConnectionForm
                  key={editing.id}
                  provider={editingProvider}
                  connection={editing}
                  onCancel={() => setEditor(null)}
                  onSaved={saved}
                  extraActions={
                    <>
                      {!editing.isDefault && (
                        <button type="button" onClick={() => onSetDefault(editing)}>
                          Set as default
                        </button>
                      )}
                      <button type="button" className="danger" onClick={() => onDelete(editing)}>
                        Delete
                      </button>
                    </>
                  }
                />
              ) : (
                <div className="form-actions">
                  <button type="button" className="danger" onClick={() => onDelete(editing)}>
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
  );
}
