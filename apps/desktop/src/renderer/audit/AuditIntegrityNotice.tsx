import type { AuditIntegrity, LatchkeyApi } from '@latchkey/contracts';
import { useEffect, useState } from 'react';

/** What the startup check found (cut, deleted or rewritten files), live from system:status. */
function useAuditIntegrity(api: LatchkeyApi): AuditIntegrity | null {
  const [integrity, setIntegrity] = useState<AuditIntegrity | null>(null);
  useEffect(() => {
    let live = true;
    const show = (status: { audit: AuditIntegrity }) => live && setIntegrity(status.audit);
    api.system.status().then(show, () => undefined);
    const off = api.on('system:status', show);
    return () => {
      live = false;
      off();
    };
  }, [api]);
  return integrity;
}

/** The startup check: a problem is an alert listing each finding; a clean log says whether it is keyed. */
export function AuditIntegrityNotice({ api }: { api: LatchkeyApi }) {
  const integrity = useAuditIntegrity(api);
  if (!integrity) return null;
  if (integrity.state === 'problem') {
    return (
      <div role="alert" className="data-screen-failure" data-testid="audit-integrity">
        <strong>{integrity.message}</strong>
        <ul>
          {integrity.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      </div>
    );
  }
  return (
    <p className={integrity.keyed ? '' : 'data-screen-broken'} data-testid="audit-integrity">
      {integrity.state === 'checking' ? 'Checking the audit log against its head…' : integrity.message}
    </p>
  );
}
