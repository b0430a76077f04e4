import { useEffect, useState, type FormEvent } from 'react';
import { RECOVERY_PASSPHRASE_MIN, type SystemStatus } from '@latchkey/contracts';
import { useApi } from '../api';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { download } from '../ui/download';
import { errorMessage } from '../ui/errors';

type Outcome = { ok: boolean; text: string } | null;


/**
 * Settings → Keys: where the master key lives, a recovery kit (the key locked with a passphrase,
 * saved as a file), restoring from one when the key is lost, and rotating the key.
 */
export function KeysScreen() {
  const api = useApi();
  const [status, setStatus] = useState<SystemStatus | null>(null);
  useEffect(() => {
    let live = true;
    api.system.status().then((s) => live && setStatus(s), () => undefined);
    const off = api.on('system:status', (s) => setStatus(s));
    return () => {
      live = false;
      off();
    };
  }, [api]);

  if (!status) return null;
  const keys = status.keys;
  return (
    <section className="screen keys-screen" aria-labelledby="keys-title">
      <header className="screen-header">
        <h1 id="keys-title">Keys</h1>
      </header>
      {!keys?.managed ? (
        <p className="muted">Your secrets are encrypted by the operating system ({status.cipher.backend}) with a key it keeps for your user account. It cannot be exported or rotated here.</p>
      ) : (
        <>
          <p>
            The master key that encrypts every saved secret is kept <strong>{keys.where}</strong>.
          </p>
          {status.cipher.wrongKey || !status.cipher.available ? <RestorePanel /> : <RecoveryKitPanel />}
          {status.cipher.available && !status.cipher.wrongKey && <RotatePanel where={keys.where ?? ''} />}
        </>
      )}
    </section>
  );
}

function RecoveryKitPanel() {
  const api = useApi();
  const [passphrase, setPassphrase] = useState('');
  const [again, setAgain] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const tooShort = [...passphrase].length < RECOVERY_PASSPHRASE_MIN;
  const mismatch = again !== '' && again !== passphrase;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (tooShort || passphrase !== again) return;
    setBusy(true);
    setOutcome(null);
    api.keys.exportRecoveryKit({ passphrase }).then(
      ({ kit, fileName }) => {
        download(fileName, kit);
        setPassphrase('');
        setAgain('');
        setOutcome({ ok: true, text: `Saved ${fileName}. Keep it, and the passphrase, somewhere other than this machine.` });
      },
      (error: unknown) => setOutcome({ ok: false, text: errorMessage(error) }),
    ).finally(() => setBusy(false));
  };
  return (
    <form className="keys-panel" onSubmit={submit} aria-labelledby="kit-title">
      <h2 id="kit-title">Recovery kit</h2>
      <p className="muted">A file holding your master key, locked with a passphrase you choose. With it you can get your secrets back if the key is lost.</p>
      <div className="field">
        <label className="field-label" htmlFor="kit-passphrase">Passphrase</label>
        <input id="kit-passphrase" type="password" autoComplete="new-password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} aria-describedby="kit-passphrase-help" />
        <p id="kit-passphrase-help" className="field-help">At least {RECOVERY_PASSPHRASE_MIN} characters. A few unrelated words are easy to remember and hard to guess.</p>
      </div>
      <div className="field">
        <label className="field-label" htmlFor="kit-passphrase-again">Passphrase again</label>
        <input id="kit-passphrase-again" type="password" autoComplete="new-password" value={again} onChange={(e) => setAgain(e.target.value)} aria-invalid={mismatch || undefined} />
        {mismatch && <p className="field-error">The passphrases differ.</p>}
      </div>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy || tooShort || passphrase !== again}>
          {busy ? 'Making the kit…' : 'Make recovery kit'}
        </button>
        {outcome && <span role="status" className={outcome.ok ? undefined : 'field-error'}>{outcome.text}</span>}
      </div>
    </form>
  );
}

function RestorePanel() {
  const api = useApi();
  const [kit, setKit] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setOutcome(null);
    api.keys.restoreFromKit({ kit, passphrase }).then(
      ({ where }) => setOutcome({ ok: true, text: `The master key was restored and is kept in ${where}.` }),
      (error: unknown) => setOutcome({ ok: false, text: errorMessage(error) }),
    ).finally(() => setBusy(false));
  };
  return (
    <form className="keys-panel" onSubmit={submit} aria-labelledby="restore-title">
      <h2 id="restore-title">Restore from a recovery kit</h2>
      <p className="muted">The key in use does not open your secrets. Choose the recovery kit you saved and enter its passphrase.</p>
      <div className="field">
        <label className="field-label" htmlFor="restore-file">Recovery kit file</label>
        <input id="restore-file" type="file" accept=".json,application/json" onChange={(e) => void e.target.files?.[0]?.text().then(setKit)} />
      </div>
      <div className="field">
        <label className="field-label" htmlFor="restore-passphrase">Passphrase</label>
        <input id="restore-passphrase" type="password" autoComplete="off" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} />
      </div>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy || kit === '' || passphrase === ''}>
          {busy ? 'Restoring…' : 'Restore key'}
        </button>
        {outcome && <span role="status" className={outcome.ok ? undefined : 'field-error'}>{outcome.text}</span>}
      </div>
    </form>
  );
}

function RotatePanel({ where }: { where: string }) {
  const api = useApi();
  const personKeepsIt = !where.includes('keychain');
  const [keyFile, setKeyFile] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const rotate = () => {
    setBusy(true);
    setOutcome(null);
    api.keys.rotate(personKeepsIt ? { keyFile } : {}).then(
      (r) => setOutcome({ ok: true, text: `Rotated: ${r.reencrypted} encrypted values now use the new key, kept in ${r.where}.${r.dropped ? ` ${r.dropped} values no key could open were dropped.` : ''} Make a new recovery kit: the old one holds the old key.` }),
      (error: unknown) => setOutcome({ ok: false, text: errorMessage(error) }),
    ).finally(() => setBusy(false));
  };
  return (
    <div className="keys-panel" aria-labelledby="rotate-title" role="group">
      <h2 id="rotate-title">Rotate the master key</h2>
      <p className="muted">Makes a new master key and re-encrypts every saved secret with it in one step. Do this if the key may have been seen by someone else.</p>
      {personKeepsIt && (
        <div className="field">
          <label className="field-label" htmlFor="rotate-key-file">New key file</label>
          <input id="rotate-key-file" type="text" value={keyFile} placeholder="/home/you/.latchkey-master-key" onChange={(e) => setKeyFile(e.target.value)} aria-describedby="rotate-key-file-help" />
          <p id="rotate-key-file-help" className="field-help">
            The full path of a new file on the machine running Latchkey. The new key is written there (readable only by you) before anything changes; start Latchkey with LATCHKEY_MASTER_KEY_FILE set to it afterwards.
          </p>
        </div>
      )}
      <div className="form-actions">
        <button type="button" className="danger" disabled={busy || (personKeepsIt && keyFile.trim() === '')} onClick={() => setConfirming(true)}>
          {busy ? 'Rotating…' : 'Rotate master key…'}
        </button>
        {outcome && <span role="status" className={outcome.ok ? undefined : 'field-error'}>{outcome.text}</span>}
      </div>
      <ConfirmDialog
        open={confirming}
        title="Rotate the master key?"
        description="Every saved secret is re-encrypted with a new key, and the old key and any recovery kit made with it stop opening them. Make a new recovery kit afterwards."
        confirmLabel="Rotate key"
        danger
        onConfirm={rotate}
        onOpenChange={setConfirming}
      />
    </div>
  );
}
