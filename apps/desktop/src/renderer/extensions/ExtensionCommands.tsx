import type { ExtensionCommand, ExtensionInfo } from '@latchkey/contracts';
import { useState } from 'react';
import { useApi } from '../api.js';
import { errorMessage } from '../ui/errors.js';

export interface CommandRun {
  extension: string;
  title: string;
  /** The command's result as text, masked by the broker; or why it failed. */
  text: string;
  ok: boolean;
  truncated: boolean;
}

/** Runs an extension's declared command through the broker (audited, masked) and keeps its last output. */
export function useCommandRunner() {
  const api = useApi();
  const [running, setRunning] = useState<string | null>(null);
  const [output, setOutput] = useState<CommandRun | null>(null);
  const run = async (extension: ExtensionInfo, command: ExtensionCommand) => {
    setRunning(`${extension.id}:${command.id}`);
    try {
      const result = await api.extensions.runCommand({ id: extension.id, command: command.id });
      setOutput({ extension: extension.displayName, title: command.title, text: result.text, ok: true, truncated: result.truncated });
    } catch (error) {
      setOutput({ extension: extension.displayName, title: command.title, text: errorMessage(error), ok: false, truncated: false });
    } finally {
      setRunning(null);
    }
  };
  return { running, output, run };
}

/** One button per command the extension declares; only a running extension can run them. */
export function ExtensionCommands({ extension, running, onRun }: { extension: ExtensionInfo; running: string | null; onRun: (command: ExtensionCommand) => void }) {
  const list = extension.commands ?? [];
  if (list.length === 0) return <span className="muted">None</span>;
  return (
    <ul className="extension-commands" aria-label={`${extension.displayName} commands`}>
      {list.map((c) => (
        <li key={c.id}>
          <button type="button" disabled={extension.state !== 'running' || running !== null} onClick={() => onRun(c)} title={extension.state === 'running' ? c.id : `${extension.displayName} is not running`}>
            {running === `${extension.id}:${c.id}` ? `${c.title}…` : c.title}
          </button>
        </li>
      ))}
    </ul>
  );
}

/** The last command's output, as plain text (never HTML). */
export function CommandOutput({ output }: { output: CommandRun | null }) {
  if (!output) return null;
  return (
    <section className="command-output" aria-label="Command output" aria-live="polite">
      <h2>
        {output.extension}: {output.title} {output.ok ? '' : '(failed)'}
      </h2>
      <pre className={output.ok ? undefined : 'form-error'}>{output.text || '(no output)'}</pre>
      {output.truncated && <p className="muted">The output was cut; only its beginning is shown.</p>}
    </section>
  );
}
