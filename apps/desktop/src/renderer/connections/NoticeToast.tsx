import type { Connection } from '@latchkey/contracts';
import type { Notice } from './useConnectionActions';
import { X } from 'lucide-react';

/** The toast after an action, with Undo for a move to Trash; errors are alerts, the rest status. */
export function NoticeToast({ notice, onUndo, onDismiss }: { notice: Notice; onUndo(connection: Connection): void; onDismiss(): void }) {
  return (
    <div className={`notice${notice.error ? ' notice-error' : ''}`} role={notice.error ? 'alert' : 'status'}>
      <span>{notice.message}</span>
      {notice.undo && (
        <button
          type="button"
          onClick={() => {
            const c = notice.undo!;
            onDismiss();
            onUndo(c);
          }}
        >
          Undo
        </button>
      )}
      <button type="button" aria-label="Dismiss message" onClick={onDismiss}>
        <X size={16} aria-hidden="true" />
      </button>
    </div>
  );
}
