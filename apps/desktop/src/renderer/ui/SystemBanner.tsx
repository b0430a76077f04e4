import { useEffect, useState } from 'react';
import type { SystemStatus } from '@latchkey/contracts';
import { useApi } from '../api';
import { errorMessage } from './errors';
import { StoreRestoreAction } from './StoreRestoreAction';

/**
 * Says, at the top of every screen, when secrets cannot be saved (no cipher, or another master key
 * than the secrets were saved with) or a store file was damaged, and offers its last good version.
 */
export function SystemBanner() {
  const api = useApi();
  const [status, setStatus] = useState<SystemStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    api.system
      .status()
      .then(
        (s) => live && setStatus(s),
        (e: unknown) => live && setError(errorMessage(e)),
      );
    const off = api.on('system:status', (s) => setStatus(s));
    return () => {
      live = false;
      off();
    };
  }, [api]);

  if (error) {
    return (
      <div role="alert" className="banner banner-error">
        <strong>Latchkey could not report its status.</strong> {error}
      </div>
    );
  }
  if (!status) return null;
  return (
    <>
      {status.cipher.wrongKey && (
        <div role="alert" className="banner banner-error">
          <strong>Latchkey has a different master key than your secrets were saved with.</strong> {status.cipher.reason}
        </div>
      )}
      {!status.cipher.available && !status.cipher.wrongKey && (
        <div role="alert" className="banner banner-warning">
          <strong>Secrets cannot be saved right now.</strong> {status.cipher.reason ?? `The ${status.cipher.backend} encryption backend is not available.`} Connections still
          save without their secrets.
        </div>
      )}
      {status.keys?.notice && status.cipher.available && (
        <div role="status" className="banner banner-warning">
          <strong>Keep your master key safe.</strong> {status.keys.notice}
        </div>
      )}
      {status.audit.state === 'problem' && (
        <div role="alert" className="banner banner-error">
          <strong>The audit log was changed outside Latchkey.</strong> {status.audit.problems.join(' ')} See the Audit screen.
        </div>
      )}
      {status.storeProblems.map((p) => (
        <div role="alert" className="banner banner-error" key={`${p.file}-${p.at}`}>
          <strong>{p.movedTo ? 'A data file was damaged and set aside.' : 'A data file could not be used.'}</strong> {p.message}{p.movedTo ? ` The damaged copy of ${p.file} was kept as ${p.movedTo}.` : ''}
          {p.movedTo && <StoreRestoreAction problem={p} />}
        </div>
      ))}
    </>
  );
}
