import { createHash } from 'node:crypto';
import { canonicalJson } from '../audit/hash.js';
import type { CommandLine } from '../ports.js';

/**
 * What an approval is bound to: the command, its arguments, the environment's names AND values,
 * and the working folder. Values count because they can run code as surely as the command does
 * (NODE_OPTIONS=--import=data:…, LD_PRELOAD): an approved command line with a new value in its
 * environment is a new command line. The digest is kept only encrypted (see command-consent.ts),
 * so it never offers a low-entropy value to an offline guess.
 */
export function commandKey(line: CommandLine): string {
  // canonicalJson sorts keys at every depth, the environment's names included.
  return createHash('sha256')
    .update(canonicalJson({ command: line.command, args: line.args, env: line.env, cwd: line.cwd ?? null }))
    .digest('base64url');
}

// Control characters (terminal escape sequences) and bidirectional overrides could make the
// printed or shown command line say something other than what would run; they are shown escaped.
// eslint-disable-next-line no-control-regex
const UNSHOWABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** Makes a word safe to print in a terminal or show in a dialog: what you read is what runs. */
export function showable(s: string): string {
  return s.replace(UNSHOWABLE, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}

/** The command line as a shell would show it, for prompts and the audit (no environment values). */
export function displayCommandLine(line: Pick<CommandLine, 'command' | 'args'>): string {
  const quote = (s: string) => (/^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${showable(s).replace(/'/g, `'\\''`)}'`);
  return [line.command, ...line.args].map(quote).join(' ');
}
