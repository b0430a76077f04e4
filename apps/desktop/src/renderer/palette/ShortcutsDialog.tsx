import * as Dialog from '@radix-ui/react-dialog';

const isMac = typeof navigator !== 'undefined' && /Mac/.test(navigator.platform);

/** Every keyboard shortcut, in one place (opened with ?). */
export const SHORTCUTS: { keys: string; what: string }[] = [
  { keys: isMac ? '⌘ K' : 'Ctrl K', what: 'Command palette: go to a screen, run an action, open a connection' },
  { keys: '?', what: 'This list of shortcuts' },
  { keys: 'Esc', what: 'Close a dialog (a form with unsaved changes asks first)' },
  { keys: '↑ ↓ Home End', what: 'Move through the connections list' },
  { keys: 'Enter', what: 'Open the connection, or run the chosen command' },
];

export function ShortcutsDialog({ open, onOpenChange }: { open: boolean; onOpenChange(open: boolean): void }) {
  return (
    <Dialog.Root open={open} onOpenChange={onOpenChange}>
      <Dialog.Portal>
        <Dialog.Overlay className="dialog-overlay" />
        <Dialog.Content className="dialog dialog-small">
          <Dialog.Title className="dialog-title">Keyboard shortcuts</Dialog.Title>
          <Dialog.Description className="dialog-description">They work anywhere in Latchkey, except while you type in a field (Esc and {isMac ? '⌘ K' : 'Ctrl K'} work there too).</Dialog.Description>
          <table className="data-table shortcuts">
            <tbody>
              {SHORTCUTS.map((s) => (
                <tr key={s.keys}>
                  <th scope="row">
                    <kbd>{s.keys}</kbd>
                  </th>
                  <td>{s.what}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="form-actions">
            <span className="spacer" />
            <Dialog.Close asChild>
              <button type="button">Close</button>
            </Dialog.Close>
          </div>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
