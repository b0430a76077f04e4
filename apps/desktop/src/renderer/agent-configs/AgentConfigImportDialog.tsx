import * as Dialog from '@radix-ui/react-dialog';
import { useEffect, useId, useState, type FormEvent } from 'react';
import type { AgentConfigImportResult, AgentConfigList, AgentConfigPreview, AgentConfigServerChange } from '@latchkey/contracts';
import { useApi } from '../api';
import { errorCode, errorMessage } from '../ui/errors';

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
const moveCount = (p: AgentConfigPreview) => p.changes.reduce((n, c) => n + c.moves.length, 0);
const moveName = (m: AgentConfigServerChange['moves'][number]) => (m.kind === 'env' ? `environment variable ${m.name}` : `header ${m.name}`);

/** One server's change: what moves where, what stays, and the entry before and after (values masked by the broker). */
function ServerChange({ change }: { change: AgentConfigServerChange }) {
  return (
    <li className="agent-config-change" data-testid="agent-config-change">
      <p>
        <strong>{change.server}</strong>: {change.moves.map(moveName).join(', ')} {change.moves.length === 1 ? 'moves' : 'move'} into the new connection “{change.connectionName}”.
      </p>
      {change.left.length > 0 && <p className="muted">Stays in the file (Latchkey cannot move it): {change.left.join(', ')}.</p>}
      <div className="agent-config-diff">
        <figure>
          <figcaption>Now</figcaption>
          {/* Focusable: a long entry scrolls, and a keyboard must be able to scroll it. */}
          <pre tabIndex={0}>{change.before}</pre>
        </figure>
        <figure>
          <figcaption>After</figcaption>
          <pre tabIndex={0}>{change.after}</pre>
        </figure>
      </div>
    </li>
  );
}

type Step = { kind: 'choose' } | { kind: 'review'; preview: AgentConfigPreview } | { kind: 'done'; result: AgentConfigImportResult };

/**
 * Import from agent configs: pick a config file the agents keep here (or type one, such as a
 * project's .mcp.json), review the change — names and masked values only, the broker never sends
 * a secret — then move the secrets. The move itself is confirmed outside the page (a system
 * dialog, or the code in the terminal that started Latchkey).
 */
export function AgentConfigImportDialog({ open, onOpenChange, onDone }: { open: boolean; onOpenChange(open: boolean): void; onDone(): void }) {
  const api = useApi();
  const typedId = useId();
  const [known, setKnown] = useState<AgentConfigList | null>(null);
  const [chosen, setChosen] = useState('');
  const [typed, setTyped] = useState('');
  const [step, setStep] = useState<Step>({ kind: 'choose' });
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);

  useEffect(() => {
    if (!open) return;
    let live = true;
    api.agentConfigs
      .list()
      .then((list) => {
        if (!live) return;
        setKnown(list);
        setChosen((c) => c || (list.files.find((f) => !f.problem)?.path ?? ''));
      })
      .catch((error: unknown) => live && setFailure(errorMessage(error)));
    return () => {
      live = false;
    };
  }, [api, open]);

  const close = (next: boolean) => {
    if (!next) {
      setStep({ kind: 'choose' });
      setTyped('');
      setChosen('');
      setFailure(null);
      setKnown(null);
    }
    onOpenChange(next);
  };
  const path = typed.trim() || chosen;

  const review = async (event: FormEvent) => {
    event.preventDefault();
    if (!path || busy) return;
    setBusy(true);
    setFailure(null);
    try {
      setStep({ kind: 'review', preview: await api.agentConfigs.preview({ path }) });
    } catch (error) {
      setFailure(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };

  const apply = async (preview: AgentConfigPreview) => {
    setBusy(true);
    setFailure(null);
    try {
      const result = await api.agentConfigs.import({ path: preview.path });
      setStep({ kind: 'done', result });
      onDone();
    } catch (error) {
      setFailure(errorCode(error) === 'DENIED' ? 'You did not confirm the move, so the file and your connections are unchanged.' : errorMessage(error));
    } finally {
      setBusy(false);
    }
  };

  const failureLine = failure && (
    <p role="alert" className="form-error">
      {failure}
    </p>
  );

  return (
    <Dialog.Root open={open} onOpenChange={close}>
      <Dialog.Portal>
        <Dialog.Overlay className="dialog-overlay" />
        <Dialog.Content className="dialog">
          <Dialog.Title className="dialog-title">Import from agent configs</Dialog.Title>
          {step.kind === 'choose' && (
            <form className="connection-form" onSubmit={(e) => void review(e)}>
              <Dialog.Description className="dialog-description">
                Moves the API keys and tokens in an agent’s MCP server config into Latchkey connections, and rewrites the file so each server starts through latchkey mcp-proxy. Nothing changes until you review it and confirm.
              </Dialog.Description>
              {known?.unavailable && (
                <p role="alert" className="form-error">
                  {known.unavailable}
                </p>
              )}
              <fieldset className="field agent-config-files">
                <legend className="field-label">Config files found on this computer</legend>
                {known === null && <p className="muted">Looking for Claude Desktop and VS Code configs…</p>}
                {known?.files.length === 0 && <p className="muted">No Claude Desktop or VS Code config found. Type the path of one below.</p>}
                {known?.files.map((f) => (
                  <label key={f.path} className="agent-config-file">
                    <input type="radio" name="agent-config" value={f.path} checked={!typed.trim() && chosen === f.path} disabled={f.problem !== null} onChange={() => (setChosen(f.path), setTyped(''))} />
                    <span>
                      <strong>{f.agent}</strong> <code>{f.path}</code>
                      {f.problem && <span className="form-error"> {f.problem}</span>}
                    </span>
                  </label>
                ))}
              </fieldset>
              <div className="field">
                <label className="field-label" htmlFor={typedId}>
                  Or the full path of another config (such as a project’s .mcp.json)
                </label>
                <input id={typedId} value={typed} onChange={(e) => setTyped(e.target.value)} placeholder="/home/me/project/.mcp.json" spellCheck={false} autoComplete="off" />
              </div>
              {failureLine}
              <div className="form-actions">
                <span className="spacer" />
                <Dialog.Close asChild>
                  <button type="button">Cancel</button>
                </Dialog.Close>
                <button type="submit" className="primary" disabled={!path || busy || Boolean(known?.unavailable)}>
                  {busy ? 'Reading…' : 'Review changes'}
                </button>
              </div>
            </form>
          )}
          {step.kind === 'review' && (
            <>
              <Dialog.Description className="dialog-description">
                {step.preview.changes.length
                  ? `${step.preview.path}: ${plural(moveCount(step.preview), 'secret')} in ${plural(step.preview.changes.length, 'server')} move into new connections. Values show as ••••. A copy of the file is kept beside it.`
                  : `${step.preview.path} holds no key or token Latchkey can move.`}
                {step.preview.unchanged.length > 0 && ` Unchanged: ${step.preview.unchanged.join(', ')}.`}
              </Dialog.Description>
              <ul className="agent-config-changes">
                {step.preview.changes.map((c) => (
                  <ServerChange key={c.server} change={c} />
                ))}
              </ul>
              {failureLine}
              <div className="form-actions">
                <button type="button" onClick={() => (setStep({ kind: 'choose' }), setFailure(null))}>
                  Back
                </button>
                <span className="spacer" />
                <Dialog.Close asChild>
                  <button type="button">Cancel</button>
                </Dialog.Close>
                <button type="button" className="primary" disabled={busy || step.preview.changes.length === 0} onClick={() => void apply(step.preview)}>
                  {busy ? 'Waiting for your confirmation…' : `Move ${plural(moveCount(step.preview), 'secret')}`}
                </button>
              </div>
            </>
          )}
          {step.kind === 'done' && (
            <>
              <Dialog.Description className="dialog-description" role="status">
                {step.result.path} now starts its servers through latchkey mcp-proxy. Restart the agent to use it.
              </Dialog.Description>
              <p>New connections:</p>
              <ul>
                {step.result.connections.map((c) => (
                  <li key={c.id}>
                    {c.name}, for the server “{c.server}”
                  </li>
                ))}
              </ul>
              <p>
                The original is kept at <code data-testid="agent-config-backup">{step.result.backup}</code>. It still holds the secrets: delete it once the agent works.
              </p>
              <div className="form-actions">
                <span className="spacer" />
                <Dialog.Close asChild>
                  <button type="button" className="primary">
                    Done
                  </button>
                </Dialog.Close>
              </div>
            </>
          )}
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
