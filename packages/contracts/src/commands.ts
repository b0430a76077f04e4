import { z } from 'zod';
import { Id, IsoDate } from './common.js';

/**
 * A local command line the broker was asked to start (a stdio MCP server) that the person has not
 * approved before. The page shows it; the code that approves it is shown only where the page
 * cannot read it (the host's terminal), so a page script alone can never start a process.
 */
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
