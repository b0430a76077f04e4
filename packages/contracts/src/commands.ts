import { z } from 'zod';
import { Id, IsoDate } from './common.js';

// Names that make a program load other code or pick another binary (a preload, a module path, an
// interpreter's options, the search path). Case-insensitive: Windows names are.
const CODE_LOADING_ENV = /^(NODE_OPTIONS|NODE_PATH|ELECTRON_RUN_AS_NODE|LD_PRELOAD|LD_LIBRARY_PATH|LD_AUDIT|DYLD_[A-Z_]+|PYTHONPATH|PYTHONSTARTUP|PYTHONHOME|PERL5OPT|PERL5LIB|RUBYOPT|RUBYLIB|JAVA_TOOL_OPTIONS|_JAVA_OPTIONS|JDK_JAVA_OPTIONS|BASH_ENV|ENV|PROMPT_COMMAND|GIT_SSH_COMMAND|GIT_EXEC_PATH|PATH)$/i;

/**
 * The environment variables of a command line that can change what it runs. Their values are
 * secrets and never shown, so a prompt must at least say what such a name can do: the command
 * the person recognises, with NODE_OPTIONS set, can run anything.
 */
export function codeLoadingEnvNames(names: readonly string[]): string[] {
  return names.filter((n) => CODE_LOADING_ENV.test(n));
}

/** The warning every command prompt shows for them (the page, the native dialog, the terminal line). */
export function codeLoadingWarning(names: readonly string[]): string | null {
  const risky = codeLoadingEnvNames(names);
  if (!risky.length) return null;
  return `${risky.join(', ')} ${risky.length === 1 ? 'can' : 'can each'} make this program load other code or run another program. Allow it only if you set ${risky.length === 1 ? 'it' : 'them'} yourself.`;
}

/**
 * A local command line the broker was asked to start (a stdio MCP server) that the person has not
 * approved before. The page shows it; the code that approves it is shown only where the page
 * cannot read it (the host's terminal), so a page script alone can never start a process.
 */
/**
 * An action that is not a command line but needs the same confirmation (a recovery kit, an
 * export with secrets): what the person is asked, in words of its own instead of a command line.
 */
export const ActionPurpose = z.strictObject({
  title: z.string().max(200),
  detail: z.string().max(1000),
  allow: z.string().max(60),
  deny: z.string().max(60),
});
export type ActionPurpose = z.infer<typeof ActionPurpose>;

export const CommandPrompt = z.strictObject({
  promptId: Id,
  connectionName: z.string(),
  command: z.string(),
  args: z.array(z.string()),
  /** Names only: the values are secrets. */
  envNames: z.array(z.string()),
  /** Where the code is shown, in words ("the terminal that started Latchkey"). */
  codeShownIn: z.string(),
  expiresAt: IsoDate,
  /** Set for a confirmation that is not a command line: show this instead of the line. */
  purpose: ActionPurpose.optional(),
});
export type CommandPrompt = z.infer<typeof CommandPrompt>;

export const CommandConfirmInput = z.strictObject({
  promptId: Id,
  /** As printed ("482-913"); spaces and dashes are ignored. */
  code: z.string().max(32),
});
export type CommandConfirmInput = z.infer<typeof CommandConfirmInput>;

export const CommandConfirmResult = z.strictObject({ approved: z.boolean() });
export type CommandConfirmResult = z.infer<typeof CommandConfirmResult>;
