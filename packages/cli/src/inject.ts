import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LatchkeyError } from '@latchkey/contracts';
import { withConsent } from './consent.js';
import type { Session } from './session.js';

/** Renders a template through the broker, asking the person for what it reveals (see withConsent). */
export async function renderWithConsent(session: Session, template: string, reason: string): Promise<string> {
  return (await withConsent(session, () => session.api.templates.render({ template }), reason)).text;
}

/** Written owner-only and atomically: the file holds secrets, and a reader never sees half of it. */
export function writePrivateFile(path: string, text: string): void {
  const temp = join(dirname(path), `.${randomBytes(6).toString('hex')}.latchkey-tmp`);
  writeFileSync(temp, text, { mode: 0o600, flag: 'wx' });
  renameSync(temp, path);
}

export async function injectCommand(session: Session, options: { input?: string; output?: string; reason?: string; out: (text: string) => void }): Promise<number> {
  const template = readFileSync(options.input && options.input !== '-' ? options.input : 0, 'utf8');
  const text = await renderWithConsent(session, template, options.reason ?? `latchkey inject ${options.input ?? '(stdin)'}${options.output ? ` -o ${options.output}` : ''}`);
  if (options.output) writePrivateFile(options.output, text);
  else options.out(text);
  return 0;
}

export async function varCommand(session: Session, args: string[], options: { json: boolean; secret: boolean; description?: string; reason?: string; out: (line: string) => void }): Promise<number> {
  const [sub, key, value] = args;
  if (sub === 'get' && key) {
    // A secret variable is revealed only after the person allows it in the app.
    const v = await withConsent(session, () => session.api.variables.get({ key }), options.reason ?? `latchkey var get ${key}`);
    options.out(options.json ? JSON.stringify(v) : v.value);
    return 0;
  }
  if (sub === 'set' && key && value !== undefined) {
    // "-" reads the value from stdin: a secret on the command line would sit in the shell's history.
    const given = value === '-' ? readFileSync(0, 'utf8').replace(/\n$/, '') : value;
    const saved = await session.api.variables.set({ key, value: given, secret: options.secret, ...(options.description ? { description: options.description } : {}) });
    options.out(options.json ? JSON.stringify(saved) : `saved ${saved.key}${saved.secret ? ' (secret)' : ''}`);
    return 0;
  }
  throw new LatchkeyError('VALIDATION', 'Usage: latchkey var get <key> | latchkey var set <key> <value|-> [--secret] [--description TEXT]');
}
