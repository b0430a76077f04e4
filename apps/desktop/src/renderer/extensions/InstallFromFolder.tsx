import type { ExtensionFolderPreview } from '@latchkey/contracts';
import { useId, useState } from 'react';
import { useApi } from '../api.js';
import { ConfirmDialog } from '../ui/ConfirmDialog.js';
import { errorMessage } from '../ui/errors.js';

/** What the install consent says: who publishes it, which package, and everything it adds. */
export function consentText(p: ExtensionFolderPreview): string {
  const providers = p.providers.length ? `connection types ${p.providers.map((x) => x.name).join(', ')}` : 'no connection types';
  const commands = p.commands.length ? `commands ${p.commands.map((c) => `“${c.title}”`).join(', ')}` : 'no commands';
  const runs = p.hasCode ? 'It runs its own code in a separate process and can ask you for access to connections.' : 'It runs no code; it only declares connection types.';
  return `${p.displayName} is the package ${p.id} ${p.version}, published by ${p.publisher ?? 'no one it names'}, ${p.files} files (SHA-256 ${p.digest.slice(0, 16)}…). It adds ${providers} and ${commands}. ${runs} Install it only if you trust its publisher; Latchkey then asks you once more, outside this page.`;
}

/** Install an extension from a folder the person types: review first, then a consent naming it. */
export function InstallFromFolder({ onInstalled }: { onInstalled: () => void }) {
  const api = useApi();
  const inputId = useId();
  const [path, setPath] = useState('');
  const [preview, setPreview] = useState<ExtensionFolderPreview | null>(null);
  const [message, setMessage] = useState<{ text: string; ok: boolean } | null>(null);

  const review = async () => {
    setMessage(null);
    try {
      setPreview(await api.extensions.inspectFolder({ path: path.trim() }));
    } catch (error) {
      setMessage({ text: errorMessage(error), ok: false });
    }
  };
  const install = async (p: ExtensionFolderPreview) => {
    setPreview(null);
    // The broker now asks the person itself (a dialog of its own, or a code from the terminal).
    setMessage({ text: `Confirm the install of ${p.displayName} where Latchkey asks you.`, ok: true });
    try {
      const info = await api.extensions.installFromFolder({ path: path.trim(), id: p.id });
      setMessage({ text: `Installed ${info.displayName}.`, ok: true });
      setPath('');
      onInstalled();
    } catch (error) {
      setMessage({ text: errorMessage(error), ok: false });
    }
  };

  return (
    <form
      className="inline-form install-extension"
      aria-label="Install from a folder"
      onSubmit={(e) => {
        e.preventDefault();
        void review();
      }}
    >
      <label htmlFor={inputId}>Install from folder</label>
      <input id={inputId} value={path} onChange={(e) => setPath(e.target.value)} placeholder="/home/me/extensions/my-extension" spellCheck={false} />
      <button type="submit" disabled={!path.trim()}>
        Review…
      </button>
      {message && (
        <span role={message.ok ? 'status' : 'alert'} className={message.ok ? 'muted' : 'form-error'}>
          {message.text}
        </span>
      )}
      <ConfirmDialog
        open={preview !== null}
        title={`Install ${preview?.displayName ?? ''} from ${preview?.publisher ?? 'an unnamed publisher'}?`}
        description={preview ? consentText(preview) : ''}
        confirmLabel="Install…"
        onOpenChange={(open) => !open && setPreview(null)}
        onConfirm={() => preview && void install(preview)}
      />
    </form>
  );
}
