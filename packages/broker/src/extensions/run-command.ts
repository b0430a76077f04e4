import { LatchkeyError } from '@latchkey/contracts';
import type { Requester, RunExtensionCommandResult } from '@latchkey/contracts';
import type { AuditService } from '../audit/audit-service.js';
import type { StoredSecretsMasking } from '../masking/stored-secrets.js';
import type { ExtensionController } from '../types.js';

/** What the page is shown of a command's result at most. */
export const MAX_COMMAND_TEXT = 20_000;

export interface RunCommandDeps {
  extensions: () => ExtensionController | null;
  audit: AuditService;
  masking: StoredSecretsMasking;
}

/**
 * Runs an extension's command for the person (the Extensions screen). Only a command the
 * extension declares in its manifest runs — not whatever its process happens to register — and
 * only in that extension's own process (the host sends it there; extensions have no channel to
 * run commands). The result is shown as text, masked with every stored secret, since an
 * extension that was granted `reveal` could otherwise hand a secret to the page. Audited.
 */
export async function runExtensionCommand(d: RunCommandDeps, input: { id: string; command: string }, requester: Requester): Promise<RunExtensionCommandResult> {
  const controller = d.extensions();
  if (!controller?.runCommand) throw new LatchkeyError('UNAVAILABLE', 'No extension host is running');
  const info = controller.list().find((x) => x.id === input.id);
  if (!info) throw new LatchkeyError('NOT_FOUND', 'No such extension is installed');
  const declared = info.commands?.find((c) => c.id === input.command);
  if (!declared) throw new LatchkeyError('NOT_FOUND', `${info.displayName} declares no command "${input.command}"`);
  const masker = d.masking.maskerFor({});
  const what = `${info.id}: ${declared.title} (${declared.id})`;
  let text: string;
  try {
    const value = await controller.runCommand(info.id, declared.id);
    text = typeof value === 'string' ? value : (JSON.stringify(value, null, 2) ?? '');
  } catch (error) {
    const message = masker.mask(error instanceof Error ? error.message : String(error)).slice(0, 1000);
    await d.audit.record({ type: 'extension.command', outcome: 'error', requester, detail: `${what}: ${message}`.slice(0, 1000) });
    throw new LatchkeyError(error instanceof LatchkeyError ? error.code : 'UNAVAILABLE', message);
  }
  // Masked whole, then cut: a cut first could split a secret into pieces the masker no longer knows.
  const masked = masker.mask(text);
  await d.audit.record({ type: 'extension.command', requester, detail: what.slice(0, 1000) });
  return { text: masked.slice(0, MAX_COMMAND_TEXT), truncated: masked.length > MAX_COMMAND_TEXT };
}
