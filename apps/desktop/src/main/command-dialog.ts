import type { CommandApprovalRequest, CommandApprover } from '@latchkey/broker';
import { displayCommandLine, showable } from '@latchkey/broker';
import { codeLoadingWarning } from '@latchkey/contracts';

/** The options of Electron's `dialog.showMessageBox` this module uses (kept narrow for tests). */
export interface CommandDialogOptions {
  type: 'warning';
  title: string;
  message: string;
  detail: string;
  buttons: [string, string];
  defaultId: 0;
  cancelId: 0;
  noLink: true;
  signal: AbortSignal;
}

export type ShowMessageBox = (options: CommandDialogOptions) => Promise<{ response: number }>;

/** Index of the button that allows; anything else (Escape, closing, abort) denies. */
export const ALLOW_BUTTON = 1;

/** What the native dialog says: the exact command line, escaped so it reads as it runs. */
export function commandDialogOptions(request: CommandApprovalRequest, signal: AbortSignal): CommandDialogOptions {
  // An action that is not a command line says what it is in its own words (its deny button first too).
  if (request.purpose) {
    const { title, detail, allow, deny } = request.purpose;
    return { type: 'warning', title, message: title, detail, buttons: [deny, allow], defaultId: 0, cancelId: 0, noLink: true, signal };
  }
  const warning = codeLoadingWarning(request.envNames.map(showable));
  const env = request.envNames.length ? `\n\nWith these environment variables set: ${request.envNames.map(showable).join(', ')}${warning ? `\n${warning}` : ''}` : '';
  const cwd = request.cwd ? `\n\nIn the folder: ${showable(request.cwd)}` : '';
  return {
    type: 'warning',
    title: 'Start a command?',
    message: `“${showable(request.connectionName)}” wants Latchkey to start a program on this computer`,
    detail: `${displayCommandLine(request)}${env}${cwd}\n\nIt runs with your permissions and can do anything you can. Allow it only if you recognise it.`,
    // "Don't run" first and the default: Enter or Escape on a dialog that appeared unexpectedly denies.
    buttons: ["Don't run", 'Run it'],
    defaultId: 0,
    cancelId: 0,
    noLink: true,
    signal,
  };
}

/**
 * Electron's command-line consent: a native dialog from the main process, which no page can
 * draw, answer or script. The broker's timeout aborts it (→ deny).
 */
export function nativeCommandApprover(show: ShowMessageBox): CommandApprover {
  return {
    async approve(request, signal) {
      try {
        const { response } = await show(commandDialogOptions(request, signal));
        return response === ALLOW_BUTTON && !signal.aborted;
      } catch {
        return false;
      }
    },
  };
}
