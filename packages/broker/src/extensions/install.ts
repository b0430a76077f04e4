import { LatchkeyError } from '@latchkey/contracts';
import type { ExtensionInfo, Requester } from '@latchkey/contracts';
import type { AuditService } from '../audit/audit-service.js';
import type { ConfirmedSubjects } from '../consent/confirm-action.js';
import type { ExtensionController } from '../types.js';

export interface InstallDeps {
  extensions: () => ExtensionController | null;
  audit: AuditService;
  changed: () => void;
  /** The broker's own confirmation (a native dialog, a code from the terminal): never the page's word. */
  confirm: (requester: Requester, subject: ConfirmedSubjects['install-extension']) => Promise<void>;
}

/**
 * Installs an extension from a folder the person typed. The page's preview is not consent — a
 * script in the page could show itself anything — so the broker reads the folder itself, asks the
 * person where the page cannot answer (naming the package, its publisher and what it contributes),
 * and the host copies only the exact files that were shown (same id, same fingerprint). Audited
 * either way, with who asked and what was installed.
 */
export async function installExtension(d: InstallDeps, input: { path: string; id: string }, requester: Requester): Promise<ExtensionInfo> {
  const controller = d.extensions();
  const inspect = controller?.inspectFolder?.bind(controller);
  const install = controller?.installFromFolder?.bind(controller);
  if (!inspect || !install) throw new LatchkeyError('UNAVAILABLE', 'No extension host is running');
  // A failure before the confirmation and one after it are both audited; a refusal by the person
  // is audited by the confirmation itself.
  const audited = async <T>(step: () => Promise<T>): Promise<T> => {
    try {
      return await step();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await d.audit.record({ type: 'extension.install', outcome: 'error', requester, detail: `${input.id}: ${message}`.slice(0, 1000) });
      throw error instanceof LatchkeyError ? error : new LatchkeyError('UNAVAILABLE', message.slice(0, 1000));
    }
  };
  const preview = await audited(async () => {
    const seen = await inspect(input.path);
    if (seen.id !== input.id) throw new LatchkeyError('CONFLICT', `The folder now holds ${seen.id}, not ${input.id}; review it again`);
    return seen;
  });
  await d.confirm(requester, { path: input.path, preview });
  const info = await audited(() => install(input.path, { id: preview.id, digest: preview.digest }));
  const contributes = [`providers: ${info.providers.join(', ') || 'none'}`, `commands: ${(info.commands ?? []).map((c) => c.id).join(', ') || 'none'}`].join('; ');
  await d.audit.record({ type: 'extension.install', requester, detail: `${info.id} ${info.version} (${contributes})`.slice(0, 1000) });
  d.changed();
  return info;
}
