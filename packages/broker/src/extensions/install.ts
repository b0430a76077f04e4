import { LatchkeyError } from '@latchkey/contracts';
import type { ExtensionInfo, Requester } from '@latchkey/contracts';
import type { AuditService } from '../audit/audit-service.js';
import type { ExtensionController } from '../types.js';

export interface InstallDeps {
  extensions: () => ExtensionController | null;
  audit: AuditService;
  changed: () => void;
}

/**
 * Installs an extension from a folder the person typed, after they saw its preview (publisher,
 * package name, what it contributes): the host refuses if the folder no longer is that package.
 * Audited either way, with who asked and what was installed.
 */
export async function installExtension(d: InstallDeps, input: { path: string; id: string }, requester: Requester): Promise<ExtensionInfo> {
  const controller = d.extensions();
  if (!controller?.installFromFolder) throw new LatchkeyError('UNAVAILABLE', 'No extension host is running');
  let info: ExtensionInfo;
  try {
    info = await controller.installFromFolder(input.path, input.id);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await d.audit.record({ type: 'extension.install', outcome: 'error', requester, detail: `${input.id}: ${message}`.slice(0, 1000) });
    throw error instanceof LatchkeyError ? error : new LatchkeyError('UNAVAILABLE', message.slice(0, 1000));
  }
  const contributes = [`providers: ${info.providers.join(', ') || 'none'}`, `commands: ${(info.commands ?? []).map((c) => c.id).join(', ') || 'none'}`].join('; ');
  await d.audit.record({ type: 'extension.install', requester, detail: `${info.id} ${info.version} (${contributes})`.slice(0, 1000) });
  d.changed();
  return info;
}
