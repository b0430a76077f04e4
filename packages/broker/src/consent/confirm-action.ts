import { LatchkeyError, type ActionPurpose, type AuditType, type ExtensionFolderPreview, type Requester } from '@latchkey/contracts';
import type { AuditService } from '../audit/audit-service.js';
import { showable } from '../commands/command-key.js';
import type { CommandApprover } from '../ports.js';

/**
 * A recovery kit is the master key wrapped by a passphrase the caller chooses, a rotation
 * decides where the key lives next, and an export with secrets is every secret wrapped the same
 * way: a page alone (an XSS in the renderer) must be able to do none of them, or it could ask for
 * a file under its own passphrase and decrypt it. So the person confirms each time, where the
 * page cannot answer for them: the broker's one approver for that (a native dialog in Electron, a
 * one-time code printed in the headless host's terminal), shown the action in words of its own.
 * Never remembered, unlike a command line.
 *
 * Installing an extension and importing an agent's config are the same kind of act: the page
 * names a folder whose code would run as an extension, or a file outside Latchkey to rewrite and
 * take secrets from. The person confirms them there too, shown the package or the file by name.
 */
export interface ConfirmedSubjects {
  'export-recovery-kit': undefined;
  'rotate-master-key': undefined;
  'export-connections-with-secrets': undefined;
  'install-extension': { path: string; preview: ExtensionFolderPreview };
  'import-agent-config': { path: string };
}
export type ConfirmedAction = keyof ConfirmedSubjects;

interface ActionSpec<A extends ConfirmedAction> {
  purpose: ActionPurpose | ((subject: ConfirmedSubjects[A]) => ActionPurpose);
  audit: AuditType;
  what: string;
}

const list = (words: string[]) => (words.length ? words.map((w) => showable(w).slice(0, 60)).join(', ') : 'none');

/** What the person reads before code from a folder runs: every word from the package is shown escaped and cut. */
function installPurpose({ path, preview }: ConfirmedSubjects['install-extension']): ActionPurpose {
  const name = showable(preview.displayName).slice(0, 60);
  const runs = preview.hasCode ? 'It runs its own code in an extension process.' : 'It runs no code of its own (it only declares providers).';
  const by = preview.publisher ? `published by ${showable(preview.publisher).slice(0, 80)}` : 'with no publisher named';
  return {
    title: `Install the extension “${name}” (${preview.id} ${showable(preview.version).slice(0, 20)})?`.slice(0, 200),
    detail: [
      `From ${showable(path).slice(0, 300)}, ${by}, ${preview.files} files (SHA-256 ${preview.digest.slice(0, 16)}…). ${runs}`,
      `Providers: ${list(preview.providers.map((p) => p.name))}. Commands: ${list(preview.commands.map((c) => c.title))}.`,
      'Confirm only if you just asked to install it and you trust where it came from.',
    ].join(' ').slice(0, 1000),
    allow: 'Install',
    deny: 'Don’t install',
  };
}

const ACTIONS: { [A in ConfirmedAction]: ActionSpec<A> } = {
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
  'install-extension': { purpose: installPurpose, audit: 'extension.install', what: 'installation' },
  'import-agent-config': {
    // The file is named in the title (the line the headless host prints) and whole in the detail.
    purpose: ({ path }) => {
      const shown = showable(path);
      return {
        title: `Move the secrets in ${shown.length > 120 ? `…${shown.slice(-119)}` : shown} into Latchkey?`,
        detail: `The page asked to move the keys and tokens in ${shown.slice(0, 700)} into new Latchkey connections and rewrite that file so its MCP servers start through latchkey mcp-proxy. A copy of the original is kept beside it. Confirm only if you just asked for this import.`,
        allow: 'Move the secrets',
        deny: 'Don’t change the file',
      };
    },
    audit: 'connection.import',
    what: 'import of an agent config',
  },
};

export function createActionConfirmation(approver: CommandApprover | null, audit: AuditService, closed: AbortSignal) {
  return async function confirmAction<A extends ConfirmedAction>(action: A, requester: Requester, ...subject: ConfirmedSubjects[A] extends undefined ? [] : [ConfirmedSubjects[A]]): Promise<void> {
    const spec = ACTIONS[action] as ActionSpec<A>;
    if (!approver) throw new LatchkeyError('UNAVAILABLE', `Nothing here can ask you to confirm this ${spec.what}, so it is not made.`);
    const purpose = typeof spec.purpose === 'function' ? spec.purpose(subject[0] as ConfirmedSubjects[A]) : spec.purpose;
    // command/args stay for approvers that only know command lines; the purpose is what is shown.
    const approved = await approver
      .approve({ command: 'latchkey', args: [action], envNames: [], connectionName: purpose.title, purpose }, closed)
      .catch(() => false);
    if (approved) return;
    await audit.record({ type: spec.audit, outcome: 'denied', requester, detail: `${action}: not confirmed` }).catch(() => undefined);
    throw new LatchkeyError('DENIED', `You did not confirm this ${spec.what}, so nothing was done.`);
  };
}
