import { z } from 'zod';
import { Id, IsoDate } from './common.js';

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
