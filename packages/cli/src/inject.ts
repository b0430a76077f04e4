import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LatchkeyError } from '@latchkey/contracts';
import { findConnection } from './resolve-values.js';
import type { Session } from './session.js';

/** `conn.<id or name>.<field>` (a filter after `|` ignored) → the connection part. */
function connectionOf(expression: string): string | null {
  const e = expression.split('|')[0]!.trim();
  if (!e.startsWith('conn.')) return null;
  const rest = e.slice(5);
  const dot = rest.lastIndexOf('.');
  return dot > 0 ? rest.slice(0, dot) : null;
}

/**
 * Renders a template through the broker. A connection the CLI holds no grant on reads as unknown
 * (the broker's rule); then the person is asked, once per connection, for the reveal scope, and
 * the template is rendered again. Every other error is the answer.
 */
export async function renderWithConsent(session: Session, template: string, reason: string): Promise<string> {
  const asked = new Set<string>();
  const catalog = await session.api.connections.catalog();
  for (;;) {
    try {
      return (await session.api.templates.render({ template })).text;
    } catch (error) {
      if (!(error instanceof LatchkeyError) || !['NOT_FOUND', 'DENIED'].includes(error.code)) throw error;
      const name = connectionOf(error.issues?.[0]?.path ?? '');
      if (!name) throw error;
      let entry;
      try {
        entry = findConnection(catalog, name);
      } catch {
        throw error;
      }
      if (asked.has(entry.id)) throw error;
      asked.add(entry.id);
      const answer = await session.api.secrets.requestAccess({ connectionId: entry.id, scopes: ['reveal'], reason: `${reason} — renders ${error.issues?.[0]?.path ?? name}`.slice(0, 500) });
      if (!answer.granted) throw new LatchkeyError('DENIED', `Access to "${entry.name}" was not given: ${answer.message}`);
    }
  }
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

export async function varCommand(session: Session, args: string[], options: { json: boolean; secret: boolean; description?: string; out: (line: string) => void }): Promise<number> {
  const [sub, key, value] = args;
  if (sub === 'get' && key) {
    const v = await session.api.variables.get({ key });
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
