import { LatchkeyError, type Requester } from '@latchkey/contracts';
import type { AuditService } from '../audit/audit-service.js';
import type { CommandApprover } from '../ports.js';

/**
 * A recovery kit is the master key wrapped by a passphrase the caller chooses, and a rotation
 * decides where the key lives next: a page alone (an XSS in the renderer) must be able to do
 * neither, or it could ask for a kit under its own passphrase and decrypt the master key. So the
 * person confirms each time, where the page cannot answer for them: the broker's one approver for
 * that (a native dialog in Electron, a one-time code printed in the headless host's terminal),
 * shown the action as a `latchkey …` command line. Never remembered, unlike a command line.
 */
export function createKeyActionConfirmation(approver: CommandApprover | null, audit: AuditService, closed: AbortSignal) {
  return async function confirmKeyAction(action: 'export-recovery-kit' | 'rotate-master-key', requester: Requester): Promise<void> {
    if (!approver) throw new LatchkeyError('UNAVAILABLE', 'Nothing here can ask you to confirm a change to the master key, so it is not made.');
    const approved = await approver
      .approve({ command: 'latchkey', args: [action], envNames: [], connectionName: 'your master key' }, closed)
      .catch(() => false);
    if (approved) return;
    await audit.record({ type: action === 'export-recovery-kit' ? 'key.recovery' : 'key.rotate', outcome: 'denied', requester, detail: `${action}: not confirmed` }).catch(() => undefined);
    throw new LatchkeyError('DENIED', 'You did not confirm this change to the master key, so nothing was done.');
  };
}
