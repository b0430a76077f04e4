import { LatchkeyError, type ActionPurpose, type AuditType, type Requester } from '@latchkey/contracts';
import type { AuditService } from '../audit/audit-service.js';
import type { CommandApprover } from '../ports.js';

/**
 * A recovery kit is the master key wrapped by a passphrase the caller chooses, a rotation
 * decides where the key lives next, and an export with secrets is every secret wrapped the same
 * way: a page alone (an XSS in the renderer) must be able to do none of them, or it could ask for
 * a file under its own passphrase and decrypt it. So the person confirms each time, where the
 * page cannot answer for them: the broker's one approver for that (a native dialog in Electron, a
 * one-time code printed in the headless host's terminal), shown the action in words of its own.
 * Never remembered, unlike a command line.
 */
export type ConfirmedAction = 'export-recovery-kit' | 'rotate-master-key' | 'export-connections-with-secrets' | 'import-agent-config';

/** What the person is shown; a function of the action's subject (a file path) where it has one. */
const ACTIONS: Record<ConfirmedAction, { purpose: ActionPurpose | ((subject: string) => ActionPurpose); audit: AuditType; what: string }> = {
  'export-recovery-kit': {
    purpose: {
      title: 'Make a recovery kit of your master key?',
      detail: 'The page asked for a file holding your master key, encrypted with the passphrase it was given. Anyone with that file and passphrase can read every secret here. Confirm only if you just asked for a recovery kit.',
      allow: 'Make the kit',
      deny: 'Don’t make it',
    },
    audit: 'key.recovery',
    what: 'change to the master key',
  },
  'rotate-master-key': {
    purpose: {
      title: 'Rotate your master key?',
      detail: 'Every secret is encrypted again under a new master key. Recovery kits made before stop working. Confirm only if you just asked for a rotation.',
      allow: 'Rotate the key',
      deny: 'Don’t rotate',
    },
    audit: 'key.rotate',
    what: 'change to the master key',
  },
  'export-connections-with-secrets': {
    purpose: {
      title: 'Export connections with their secrets?',
      detail: 'The page asked for a file holding your connections and their passwords, tokens and keys, encrypted with the passphrase it was given. Anyone with that file and passphrase can read them. Confirm only if you just asked for this export.',
      allow: 'Export with secrets',
      deny: 'Don’t export',
    },
    audit: 'connection.export',
    what: 'export of secrets',
  },
  'import-agent-config': {
    // The file is named in the title (the line the headless host prints) and whole in the detail.
    purpose: (path) => ({
      title: `Move the secrets in ${path.length > 120 ? `…${path.slice(-119)}` : path} into Latchkey?`,
      detail: `The page asked to move the keys and tokens in ${path.slice(0, 700)} into new Latchkey connections and rewrite that file so its MCP servers start through latchkey mcp-proxy. A copy of the original is kept beside it. Confirm only if you just asked for this import.`,
      allow: 'Move the secrets',
      deny: 'Don’t change the file',
    }),
    audit: 'connection.import',
    what: 'import of an agent config',
  },
};

export function createKeyActionConfirmation(approver: CommandApprover | null, audit: AuditService, closed: AbortSignal) {
  return async function confirmKeyAction(action: ConfirmedAction, requester: Requester, subject = ''): Promise<void> {
    const spec = ACTIONS[action];
    const purpose = typeof spec.purpose === 'function' ? spec.purpose(subject) : spec.purpose;
    if (!approver) throw new LatchkeyError('UNAVAILABLE', `Nothing here can ask you to confirm this ${spec.what}, so it is not made.`);
    // command/args stay for approvers that only know command lines; the purpose is what is shown.
    const approved = await approver
      .approve({ command: 'latchkey', args: [action], envNames: [], connectionName: purpose.title, purpose }, closed)
      .catch(() => false);
    if (approved) return;
    await audit.record({ type: spec.audit, outcome: 'denied', requester, detail: `${action}: not confirmed` }).catch(() => undefined);
    throw new LatchkeyError('DENIED', `You did not confirm this ${spec.what}, so nothing was done.`);
  };
}
