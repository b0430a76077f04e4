import * as AlertDialog from '@radix-ui/react-alert-dialog';
import { codeLoadingWarning, type CommandPrompt } from '@latchkey/contracts';
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useApi } from '../api';
import { errorCode, errorMessage } from '../ui/errors';
import { CONSENT_LAYER_ATTRIBUTE, useInertBelow } from './inert-below.js';

/** The command line as the broker will start it, each word quoted where a shell would need it. */
export function commandText(prompt: Pick<CommandPrompt, 'command' | 'args'>): string {
  return [prompt.command, ...prompt.args].map((w) => (/^[A-Za-z0-9_./:=@%+,-]+$/.test(w) ? w : JSON.stringify(w))).join(' ');
}

/**
 * Asks for the one-time code the headless host printed in its terminal before a local command
 * line starts. The page never learns the code; it only passes on what the person typed, so a
 * script in the page cannot approve a command on its own. Cancel, Escape and the deadline deny.
 */
export function CommandPromptHost() {
  const api = useApi();
  const [queue, setQueue] = useState<CommandPrompt[]>([]);
  const [code, setCode] = useState('');
  const [failure, setFailure] = useState<string | null>(null);

  const drop = useCallback((promptId: string) => setQueue((q) => q.filter((p) => p.promptId !== promptId)), []);
  useEffect(() => {
    let live = true;
    const add = (prompts: CommandPrompt[]) => setQueue((q) => [...q, ...prompts.filter((p) => !q.some((k) => k.promptId === p.promptId))]);
    const offPrompt = api.on('commands:prompt', (p) => add([p]));
    const offResolved = api.on('commands:resolved', ({ promptId }) => drop(promptId));
    api.commands
      .pending()
      .then((p) => live && add(p))
      .catch(() => undefined);
    return () => {
      live = false;
      offPrompt();
      offResolved();
    };
  }, [api, drop]);

  const current = queue[0];
  // The same layer as a consent prompt: above every dialog, the page below inert.
  const { restoreFocus } = useInertBelow(current !== undefined);
  useEffect(() => {
    setCode('');
    setFailure(null);
  }, [current?.promptId]);

  if (!current) return null;

  const answer = async (typed: string) => {
    try {
      const { approved } = await api.commands.confirm({ promptId: current.promptId, code: typed });
      if (!approved && typed) setFailure('That code was not the one shown. The command was not started.');
    } catch (error) {
      if (errorCode(error) !== 'NOT_FOUND') setFailure(errorMessage(error, 'Your answer could not be delivered.'));
    } finally {
      drop(current.promptId);
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void answer(code);
  };

  return (
    <AlertDialog.Root open onOpenChange={(open) => !open && void answer('')}>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className="consent-overlay" {...{ [CONSENT_LAYER_ATTRIBUTE]: '' }} />
        <AlertDialog.Content
          className="consent"
          data-testid="command-prompt"
          {...{ [CONSENT_LAYER_ATTRIBUTE]: '' }}
          onEscapeKeyDown={() => void answer('')}
          onCloseAutoFocus={(event) => {
            if (restoreFocus()) event.preventDefault();
          }}
        >
          {current.purpose ? (
            <>
              <AlertDialog.Title className="consent-title">{current.purpose.title}</AlertDialog.Title>
              <AlertDialog.Description asChild>
                <div>
                  <p>{current.purpose.detail}</p>
                  <p>To confirm, type the code shown in {current.codeShownIn}.</p>
                </div>
              </AlertDialog.Description>
            </>
          ) : (
            <>
              <AlertDialog.Title className="consent-title">Start this command on your computer?</AlertDialog.Title>
              <AlertDialog.Description asChild>
                <div>
                  <p>
                    “{current.connectionName}” wants Latchkey to run this command line. It runs with your permissions and can do anything you
                    can.
                  </p>
                  <pre className="consent-target" data-testid="command-line">
                    {commandText(current)}
                  </pre>
                  {current.envNames.length > 0 && <p className="muted">With these environment variables set: {current.envNames.join(', ')}</p>}
                  {codeLoadingWarning(current.envNames) && (
                    <p className="form-error" data-testid="command-env-warning">
                      {codeLoadingWarning(current.envNames)}
                    </p>
                  )}
                  <p>To allow it, type the code shown in {current.codeShownIn}.</p>
                </div>
              </AlertDialog.Description>
            </>
          )}
          <form onSubmit={submit}>
            <label>
              Code
              <input
                autoFocus
                inputMode="numeric"
                autoComplete="off"
                maxLength={16}
                value={code}
                data-testid="command-code"
                onChange={(e) => setCode(e.target.value)}
              />
            </label>
            {failure && <p role="alert">{failure}</p>}
            <footer className="consent-actions">
              <AlertDialog.Cancel>{current.purpose?.deny ?? 'Don’t run it'}</AlertDialog.Cancel>
              <button type="submit" className="primary" disabled={code.replace(/[\s-]/g, '').length !== 6}>
                {current.purpose?.allow ?? 'Run it'}
              </button>
            </footer>
          </form>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}
