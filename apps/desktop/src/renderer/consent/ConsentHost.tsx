import * as AlertDialog from '@radix-ui/react-alert-dialog';
import { useEffect, useId, useRef, useState, type ChangeEvent, type MouseEvent } from 'react';
import { ALLOW_CHOICES, allowChoice, decisionFor, DEFAULT_ALLOW_CHOICE, type AllowChoice } from '../ui/allow-choices.js';
import { CONSENT_LAYER_ATTRIBUTE, useInertBelow } from './inert-below.js';
import { PromptDetails } from './PromptDetails.js';
import { useConsentQueue } from './useConsentQueue.js';
import { useApi } from '../api.js';
import { requesterLabel } from '../ui/format.js';
import { X } from 'lucide-react';

function secondsLeft(deadline: string, now: number): number {
  return Math.max(0, Math.ceil((Date.parse(deadline) - now) / 1000));
}

/**
 * The consent modal, on top of everything: its own portal above every other layer (see the
 * layer variables in the stylesheets), the rest of the page inert while it is open, focus on the
 * prompt itself so that neither a stray Enter nor a hidden button answers it.
 *
 * Every way out of it that is not an explicit Allow — the Deny button,
 * Escape, the close button, the countdown reaching the prompt's deadline — answers deny,
 * because consent that was not given must never become a grant.
 */
export function ConsentHost() {
  const api = useApi();
  const [choice, setChoice] = useState<AllowChoice>(DEFAULT_ALLOW_CHOICE);
  // "Read-only" for SQL: the broker then runs each query in a read-only transaction.
  const [readOnly, setReadOnly] = useState(false);
  const [now, setNow] = useState(() => Date.now());
  const contentRef = useRef<HTMLDivElement>(null);
  const choiceId = useId();
  const { queue, current, busy, failure, setFailure, respond, deny } = useConsentQueue(api);
  const currentId = current?.promptId;

  const { restoreFocus } = useInertBelow(currentId !== undefined);

  // A new prompt at the head of the queue starts from the safe choices again, and takes focus:
  // the prompt itself, so the person reads it before any answer is one key away.
  useEffect(() => {
    if (!currentId) return;
    setChoice(DEFAULT_ALLOW_CHOICE);
    setReadOnly(false);
    setFailure(null);
    setNow(Date.now());
    contentRef.current?.focus();
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [currentId, setFailure]);

  const remaining = current ? secondsLeft(current.deadline, now) : 0;
  useEffect(() => {
    if (current && remaining === 0) deny(current);
  }, [current, remaining, deny]);

  if (!current) return null;

  const onDenyClick = (event: MouseEvent) => {
    // Radix's Cancel would also close the dialog; the queue decides whether it stays open.
    event.preventDefault();
    deny(current);
  };
  const position = queue.length > 1 ? `Request 1 of ${queue.length}` : null;

  return (
    <AlertDialog.Root
      open
      onOpenChange={(open) => {
        if (!open) deny(current);
      }}
    >
      <AlertDialog.Portal>
        <AlertDialog.Overlay className="consent-overlay" {...{ [CONSENT_LAYER_ATTRIBUTE]: '' }} />
        <AlertDialog.Content
          ref={contentRef}
          className="consent"
          data-prompt-id={current.promptId}
          {...{ [CONSENT_LAYER_ATTRIBUTE]: '' }}
          onOpenAutoFocus={(event) => {
            // Radix would focus Cancel (Deny); the prompt itself takes focus instead.
            event.preventDefault();
            contentRef.current?.focus();
          }}
          onCloseAutoFocus={(event) => {
            // Back to what the person was doing under the prompt (a half-typed form keeps its place).
            if (restoreFocus()) event.preventDefault();
          }}
          onEscapeKeyDown={(event) => {
            event.preventDefault();
            deny(current);
          }}
        >
          <header className="consent-header">
            <AlertDialog.Title className="consent-title">
              {current.variable ? `Reveal the secret variable ${current.variable.key} to ${requesterLabel(current.requester)}?` : `Allow access to “${current.connection?.name}”?`}
            </AlertDialog.Title>
            {position && (
              <span className="consent-position" data-testid="consent-position">
                {position}
              </span>
            )}
            <button type="button" className="consent-close" aria-label="Close and deny" onClick={() => deny(current)}>
              <X size={18} aria-hidden="true" />
            </button>
          </header>

          <PromptDetails prompt={current} />

          <p role="timer" className="consent-countdown" data-testid="consent-countdown">
            Denied automatically in {remaining} s
          </p>
          {failure && (
            <p role="alert" className="consent-failure">
              {failure}
            </p>
          )}

          {current.scopes.some((s) => s.scope === 'sql.query') && (
            <label className="consent-read-only">
              <input type="checkbox" checked={readOnly} disabled={busy} onChange={(e) => setReadOnly(e.target.checked)} /> Read-only: Latchkey runs the SQL in a read-only
              transaction, so it cannot change data
            </label>
          )}

          <footer className="consent-actions">
            <AlertDialog.Cancel onClick={onDenyClick}>
              Deny
            </AlertDialog.Cancel>
            <span className="consent-allow">
              <label htmlFor={choiceId}>How long</label>
              <select id={choiceId} value={choice} disabled={busy} onChange={(e: ChangeEvent<HTMLSelectElement>) => setChoice(e.target.value as AllowChoice)}>
                {ALLOW_CHOICES.map((c) => (
                  <option key={c.value} value={c.value}>
                    {c.label}
                  </option>
                ))}
              </select>
              <button type="button" className="primary" disabled={busy} onClick={() => void respond(current, { ...decisionFor(choice), ...(readOnly ? { readOnly: true } : {}) })}>
                {allowChoice(choice).action}
              </button>
            </span>
          </footer>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}
