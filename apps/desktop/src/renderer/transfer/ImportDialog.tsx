import * as Dialog from '@radix-ui/react-dialog';
import { useState, type FormEvent } from 'react';
import type { ImportAction, ImportItem, ImportPreview } from '@latchkey/contracts';
import { useApi } from '../api';
import { errorCode, errorMessage } from '../ui/errors';
import { ImportReview, type ItemChoice } from './ImportReview';

const KIND_LABELS: Record<ImportPreview['kind'], string> = {
  export: 'a Latchkey export (no secrets)',
  bundle: 'an encrypted Latchkey bundle',
  env: 'a .env file',
  uri: 'a connection URI',
};

/** What an item does unless the person changes it: a match is skipped, anything else imported. */
const defaultChoice = (item: ImportItem): ItemChoice => ({ action: item.problem ? 'skip' : item.match ? 'skip' : 'keep-both', secrets: {} });

/**
 * Import: a file (a Latchkey export or encrypted bundle, a .env file) or pasted text (a .env file,
 * a connection URI). Previewed first: each connection with what it brings, what it lacks, and the
 * existing connection of the same name and type, if any, to skip, replace or keep beside.
 */
export function ImportDialog({ open, onOpenChange, onDone }: { open: boolean; onOpenChange(open: boolean): void; onDone(message: string): void }) {
  const api = useApi();
  const [text, setText] = useState('');
  const [fileName, setFileName] = useState<string | null>(null);
  const [passphrase, setPassphrase] = useState('');
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [choices, setChoices] = useState<Record<number, ItemChoice>>({});
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const isBundle = text.includes('"latchkey-connections-bundle"');

  const close = (next: boolean) => {
    if (!next) {
      setText('');
      setFileName(null);
      setPassphrase('');
      setPreview(null);
      setChoices({});
      setFailure(null);
    }
    onOpenChange(next);
  };

  const readFile = async (file: File | undefined) => {
    setFailure(null);
    setPreview(null);
    if (!file) return;
    if (file.size > 512 * 1024) return setFailure('This file is larger than Latchkey imports (512 KB).');
    setFileName(file.name);
    setText(await file.text());
  };

  const runPreview = async (event: FormEvent) => {
    event.preventDefault();
    if (!text.trim() || busy) return;
    setBusy(true);
    setFailure(null);
    try {
      const next = await api.connections.importPreview({ text, ...(isBundle ? { passphrase } : {}) });
      setPreview(next);
      setChoices(Object.fromEntries(next.items.map((item) => [item.index, defaultChoice(item)])));
    } catch (error) {
      setFailure(errorCode(error) === 'WRONG_PASSPHRASE' && !passphrase ? 'Enter the passphrase this bundle was made with.' : errorMessage(error));
    } finally {
      setBusy(false);
    }
  };

  const runImport = async () => {
    if (!preview || busy) return;
    setBusy(true);
    setFailure(null);
    try {
      const list = preview.items.map((item) => {
        const c = choices[item.index] ?? defaultChoice(item);
        const secrets = Object.fromEntries(Object.entries(c.secrets).filter(([, v]) => v !== ''));
        return { index: item.index, action: c.action as ImportAction, ...(Object.keys(secrets).length ? { secrets } : {}) };
      });
      const result = await api.connections.import({ text, ...(isBundle ? { passphrase } : {}), choices: list });
      const parts = [`${result.created.length} imported`, result.replaced.length ? `${result.replaced.length} replaced` : '', result.skipped ? `${result.skipped} skipped` : ''].filter(Boolean);
      const missing = result.secretMissing.length ? ` ${result.secretMissing.length} still need a secret: open them to enter it.` : '';
      close(false);
      onDone(`Import done: ${parts.join(', ')}.${missing}`);
    } catch (error) {
      setFailure(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };

  const writes = preview ? preview.items.filter((i) => (choices[i.index] ?? defaultChoice(i)).action !== 'skip').length : 0;

  return (
    <Dialog.Root open={open} onOpenChange={close}>
      <Dialog.Portal>
        <Dialog.Overlay className="dialog-overlay" />
        <Dialog.Content className="dialog">
          <Dialog.Title className="dialog-title">Import connections</Dialog.Title>
          {!preview ? (
            <form className="connection-form" onSubmit={(e) => void runPreview(e)}>
              <Dialog.Description className="dialog-description">
                A Latchkey export or encrypted bundle, a .env file, or a connection URI such as postgres://user@host/db. Nothing changes until you review it.
              </Dialog.Description>
              <div className="field">
                <label className="field-label" htmlFor="import-file">
                  File
                </label>
                <input id="import-file" type="file" accept=".json,.env,.txt,application/json,text/plain" onChange={(e) => void readFile(e.target.files?.[0])} />
              </div>
              <div className="field">
                <label className="field-label" htmlFor="import-text">
                  Or paste a .env file or a URI
                </label>
                <textarea
                  id="import-text"
                  rows={5}
                  spellCheck={false}
                  autoComplete="off"
                  value={fileName ? '' : text}
                  placeholder={fileName ? `Reading ${fileName}` : 'DATABASE_URL=postgres://app@db.example.com:5432/orders'}
                  onChange={(e) => {
                    setFileName(null);
                    setText(e.target.value);
                  }}
                />
              </div>
              {isBundle && (
                <div className="field">
                  <label className="field-label" htmlFor="import-passphrase">
                    Bundle passphrase
                  </label>
                  <input id="import-passphrase" type="password" autoComplete="off" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} />
                </div>
              )}
              {failure && (
                <p role="alert" className="form-error">
                  {failure}
                </p>
              )}
              <div className="form-actions">
                <span className="spacer" />
                <Dialog.Close asChild>
                  <button type="button">Cancel</button>
                </Dialog.Close>
                <button type="submit" className="primary" disabled={!text.trim() || busy || (isBundle && !passphrase)}>
                  {busy ? 'Reading…' : 'Review'}
                </button>
              </div>
            </form>
          ) : (
            <>
              <Dialog.Description className="dialog-description">
                From {KIND_LABELS[preview.kind]}: {preview.items.length} connection{preview.items.length === 1 ? '' : 's'}.
                {preview.ignored.length > 0 && ` Not connections, left out: ${preview.ignored.join(', ')}.`}
              </Dialog.Description>
              <ImportReview items={preview.items} choices={choices} onChoice={(index, c) => setChoices({ ...choices, [index]: c })} />
              {failure && (
                <p role="alert" className="form-error">
                  {failure}
                </p>
              )}
              <div className="form-actions">
                <button type="button" onClick={() => setPreview(null)}>
                  Back
                </button>
                <span className="spacer" />
                <Dialog.Close asChild>
                  <button type="button">Cancel</button>
                </Dialog.Close>
                <button type="button" className="primary" disabled={busy || writes === 0} onClick={() => void runImport()}>
                  {busy ? 'Importing…' : `Import ${writes}`}
                </button>
              </div>
            </>
          )}
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
