import * as Dialog from '@radix-ui/react-dialog';
import { useState, type FormEvent } from 'react';
import { useApi } from '../api';
import { download } from '../ui/download';
import { errorMessage } from '../ui/errors';
import { NewPassphraseFields, passphraseReady } from './PassphraseFields';

/**
 * Export: the settings alone (JSON anyone may read, to share a setup), or an encrypted bundle
 * with the secrets (to move machines). The bundle needs the person's confirmation where the page
 * cannot give it: the broker asks (a native dialog, or a code printed in the host's terminal).
 */
export function ExportDialog({ open, onOpenChange, onDone }: { open: boolean; onOpenChange(open: boolean): void; onDone(message: string): void }) {
  const api = useApi();
  const [withSecrets, setWithSecrets] = useState(false);
  const [passphrase, setPassphrase] = useState('');
  const [again, setAgain] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const ready = !withSecrets || passphraseReady(passphrase, again);

  const close = (next: boolean) => {
    if (!next) {
      setPassphrase('');
      setAgain('');
      setFailure(null);
    }
    onOpenChange(next);
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!ready || busy) return;
    setBusy(true);
    setFailure(null);
    try {
      const out = await api.connections.export(withSecrets ? { withSecrets: true, passphrase } : {});
      download(out.fileName, out.text);
      const missing = out.withoutSecrets.length ? ` Without secrets (they could not be read): ${out.withoutSecrets.join(', ')}.` : '';
      close(false);
      onDone(`Exported ${out.count} connection${out.count === 1 ? '' : 's'} to ${out.fileName}${out.withSecrets ? ', encrypted with your passphrase' : ', without secrets'}.${missing}`);
    } catch (error) {
      setFailure(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog.Root open={open} onOpenChange={close}>
      <Dialog.Portal>
        <Dialog.Overlay className="dialog-overlay" />
        <Dialog.Content className="dialog dialog-small">
          <Dialog.Title className="dialog-title">Export connections</Dialog.Title>
          <Dialog.Description className="dialog-description">Every connection in the list, as a file you save.</Dialog.Description>
          <form className="connection-form" onSubmit={(e) => void submit(e)}>
            <fieldset className="field">
              <legend className="field-label">What to export</legend>
              <label className="field-check">
                <input type="radio" name="export-kind" checked={!withSecrets} onChange={() => setWithSecrets(false)} />
                Settings only, no secrets (to share a setup)
              </label>
              <label className="field-check">
                <input type="radio" name="export-kind" checked={withSecrets} onChange={() => setWithSecrets(true)} />
                With secrets, encrypted (to move to another machine)
              </label>
            </fieldset>
            {withSecrets && (
              <>
                <NewPassphraseFields idPrefix="export" value={passphrase} again={again} onValue={setPassphrase} onAgain={setAgain} />
                <p className="muted">Latchkey asks you to confirm outside this page before any secret leaves.</p>
              </>
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
              <button type="submit" className="primary" disabled={!ready || busy}>
                {busy ? 'Exporting…' : 'Export'}
              </button>
            </div>
          </form>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
