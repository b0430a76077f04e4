import { TRANSFER_PASSPHRASE_MIN } from '@latchkey/contracts';

/** A new passphrase, typed twice: long enough that guessing it through scrypt is hopeless. */
export function NewPassphraseFields({ idPrefix, value, again, onValue, onAgain }: { idPrefix: string; value: string; again: string; onValue(v: string): void; onAgain(v: string): void }) {
  const mismatch = again !== '' && again !== value;
  return (
    <>
      <div className="field">
        <label className="field-label" htmlFor={`${idPrefix}-passphrase`}>
          Passphrase
        </label>
        <input id={`${idPrefix}-passphrase`} type="password" autoComplete="new-password" value={value} onChange={(e) => onValue(e.target.value)} aria-describedby={`${idPrefix}-passphrase-help`} />
        <p id={`${idPrefix}-passphrase-help`} className="field-help">
          At least {TRANSFER_PASSPHRASE_MIN} characters. You need it to import the file; keep it apart from the file.
        </p>
      </div>
      <div className="field">
        <label className="field-label" htmlFor={`${idPrefix}-passphrase-again`}>
          Passphrase again
        </label>
        <input id={`${idPrefix}-passphrase-again`} type="password" autoComplete="new-password" value={again} onChange={(e) => onAgain(e.target.value)} aria-invalid={mismatch || undefined} />
        {mismatch && <p className="field-error">The passphrases differ.</p>}
      </div>
    </>
  );
}

export const passphraseReady = (value: string, again: string) => [...value].length >= TRANSFER_PASSPHRASE_MIN && value === again;
