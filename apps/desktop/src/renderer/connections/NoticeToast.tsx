import { useEffect, useState } from 'react';
import type { Connection } from '@latchkey/contracts';
import type { Notice } from './useConnectionActions';
import { X } from 'lucide-react';

/** How long a toast stays: long enough to read, longer with Undo or an error, never while pointed at or focused. */
export const NOTICE_MS = 6_000;
export const NOTICE_WITH_ACTION_MS = 12_000;

/** The toast after an action, with Undo for a move to Trash; errors are alerts, the rest status. It goes by itself. */
export function NoticeToast({ notice, onUndo, onDismiss }: { notice: Notice; onUndo(connection: Connection): void; onDismiss(): void }) {
  const [held, setHeld] = useState(false);
  useEffect(() => {
    if (held) return;
    const timer = setTimeout(onDismiss, notice.undo || notice.error ? NOTICE_WITH_ACTION_MS : NOTICE_MS);
    return () => clearTimeout(timer);
  }, [notice, held, onDismiss]);
  return (
    <div
      className={`notice${notice.error ? ' notice-error' : ''}`}
      role={notice.error ? 'alert' : 'status'}
      onMouseEnter={() => setHeld(true)}
      onMouseLeave={() => setHeld(false)}
      onFocus={() => setHeld(true)}
      onBlur={() => setHeld(false)}
    >
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
