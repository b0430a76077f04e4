import * as AlertDialog from '@radix-ui/react-alert-dialog';
import { type ConsentDecision, type ConsentPrompt } from '@latchkey/contracts';
import { useCallback, useEffect, useId, useRef, useState, type ChangeEvent, type MouseEvent } from 'react';
import { ALLOW_CHOICES, allowChoice, decisionFor, DEFAULT_ALLOW_CHOICE, type AllowChoice } from '../ui/allow-choices.js';
import { errorCode, errorMessage } from '../ui/errors.js';
import { requesterLabel } from '../ui/format.js';
import { CONSENT_LAYER_ATTRIBUTE, useInertBelow } from './inert-below.js';
import { useApi } from '../api.js';

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
  const [queue, setQueue] = useState<ConsentPrompt[]>([]);
  const [choice, setChoice] = useState<AllowChoice>(DEFAULT_ALLOW_CHOICE);
  const [now, setNow] = useState(() => Date.now());
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  /** Prompts already answered, so a double click or a late tick cannot answer twice. */
  const answered = useRef(new Set<string>());
  const contentRef = useRef<HTMLDivElement>(null);
  const choiceId = useId();

  const enqueue = useCallback((prompts: ConsentPrompt[]) => {
    setQueue((current) => {
      const known = new Set(current.map((p) => p.promptId));
      const fresh = prompts.filter((p) => !known.has(p.promptId) && !answered.current.has(p.promptId));
      return fresh.length ? [...current, ...fresh] : current;
    });
  }, []);
  const drop = useCallback((promptId: string) => {
    setQueue((current) => current.filter((p) => p.promptId !== promptId));
  }, []);

  useEffect(() => {
    let live = true;
    // Subscribe before asking for the backlog, so a prompt raised in between is not missed.
    const offPrompt = api.on('consent:prompt', (prompt) => enqueue([prompt]));
    const offResolved = api.on('consent:resolved', ({ promptId }) => drop(promptId));
    api.consent
      .pending()
      .then((prompts) => {
        if (live) enqueue(prompts);
      })
      .catch((error: unknown) => {
        if (live) setFailure(errorMessage(error, 'Could not load pending access requests.'));
      });
    return () => {
      live = false;
      offPrompt();
      offResolved();
    };
  }, [api, enqueue, drop]);

  const current = queue[0];
  const currentId = current?.promptId;

  const respond = useCallback(
    async (prompt: ConsentPrompt, response: ConsentDecision) => {
      if (answered.current.has(prompt.promptId)) return;
      answered.current.add(prompt.promptId);
      setBusy(true);
      setFailure(null);
      try {
        await api.consent.respond({ promptId: prompt.promptId, response });
        drop(prompt.promptId);
      } catch (error) {
        if (errorCode(error) === 'NOT_FOUND') {
          // The broker already closed it: its own timeout, or another window answered.
          drop(prompt.promptId);
        } else {
          // Keep it on screen so the person can answer again; the broker still denies at the deadline.
          answered.current.delete(prompt.promptId);
          setFailure(errorMessage(error, 'Your answer could not be delivered. Try again.'));
        }
      } finally {
        setBusy(false);
      }
    },
    [api, drop],
  );
  const deny = useCallback((prompt: ConsentPrompt) => void respond(prompt, { decision: 'deny' }), [respond]);

  const { restoreFocus } = useInertBelow(currentId !== undefined);

  // A new prompt at the head of the queue starts from the safe choices again, and takes focus:
  // the prompt itself, so the person reads it before any answer is one key away.
  useEffect(() => {
    if (!currentId) return;
    setChoice(DEFAULT_ALLOW_CHOICE);
    setFailure(null);
    setNow(Date.now());
    contentRef.current?.focus();
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [currentId]);

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
  const target = current.connection.target;
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
            <AlertDialog.Title className="consent-title">Allow access to “{current.connection.name}”?</AlertDialog.Title>
            {position && (
              <span className="consent-position" data-testid="consent-position">
                {position}
              </span>
            )}
            <button type="button" className="consent-close" aria-label="Close and deny" onClick={() => deny(current)}>
              ×
            </button>
          </header>

          <AlertDialog.Description asChild>
            <dl className="consent-facts">
              <dt>Who is asking</dt>
              <dd data-testid="consent-requester">{requesterLabel(current.requester)}</dd>
              <dt>Connection</dt>
              <dd data-testid="consent-connection">
                {current.connection.name} <span className="muted">· {current.connection.providerName}</span>
                {target && <span className="consent-target">{target}</span>}
              </dd>
              <dt>Their reason</dt>
              <dd data-testid="consent-reason" className="consent-reason">
                {current.reason}
              </dd>
            </dl>
          </AlertDialog.Description>

          <section aria-labelledby="lk-consent-scopes">
            <h3 id="lk-consent-scopes" className="consent-subtitle">
              If you allow it, it can:
            </h3>
            <ul className="consent-scopes">
              {current.scopes.map((s) => (
                <li key={s.scope} className={s.warning ? 'consent-scope consent-scope-warning' : 'consent-scope'} data-scope={s.scope}>
                  {s.warning && <strong className="consent-warning-label">Warning: </strong>}
                  {s.description}
                </li>
              ))}
            </ul>
            <p className="muted consent-note">It never sees the stored credential unless a warning above says so; Latchkey adds it to each request.</p>
          </section>

          <p role="timer" className="consent-countdown" data-testid="consent-countdown">
            Denied automatically in {remaining} s
          </p>
          {failure && (
            <p role="alert" className="consent-failure">
              {failure}
            </p>
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
              <button type="button" className="primary" disabled={busy} onClick={() => void respond(current, decisionFor(choice))}>
                {allowChoice(choice).action}
              </button>
            </span>
          </footer>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}
