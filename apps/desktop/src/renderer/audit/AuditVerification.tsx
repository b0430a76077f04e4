import type { AuditVerifyResult, LatchkeyApi } from '@latchkey/contracts';
import { useCallback, useEffect, useState } from 'react';
import { errorMessage } from '../ui/errors.js';
import { count } from './labels.js';

export function verificationLine(result: AuditVerifyResult): string {
  if (result.ok) return `Verified: ${count.format(result.events)} ${result.events === 1 ? 'event' : 'events'}, no gaps`;
  if (result.brokenAt) return `Chain broken at event ${count.format(result.brokenAt.seq)} in ${result.brokenAt.file}: ${result.brokenAt.reason}`;
  return `Not verified: ${result.message}`;
}

/** Verifies the hash chain when the screen opens, and again on request. */
function useAuditVerification(api: LatchkeyApi) {
  const [verification, setVerification] = useState<AuditVerifyResult | null>(null);
  const [verifying, setVerifying] = useState(false);
  const verify = useCallback(async () => {
    setVerifying(true);
    try {
      setVerification(await api.audit.verify());
    } catch (error) {
      setVerification({ ok: false, events: 0, brokenAt: null, message: errorMessage(error, 'verification failed to run') });
    } finally {
      setVerifying(false);
    }
  }, [api]);
  useEffect(() => {
    void verify();
  }, [verify]);
  return { verification, verifying, verify };
}

/** The chain's state in one line ("Verified: 12 events, no gaps"), with "Verify again". */
export function AuditVerification({ api }: { api: LatchkeyApi }) {
  const { verification, verifying, verify } = useAuditVerification(api);
  return (
    <p className="data-screen-bar" data-testid="audit-verification">
      <span role="status" className={verification === null ? '' : verification.ok ? 'data-screen-ok' : 'data-screen-broken'}>
        {verification === null ? 'Verifying the audit chain…' : verificationLine(verification)}
      </span>
      <button type="button" disabled={verifying} onClick={() => void verify()}>
        Verify again
      </button>
    </p>
  );
}
